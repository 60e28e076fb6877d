/**
 * Making a run's JSON records portable (for committed reference results): absolute paths of the
 * machine that trained the run are rewritten to paths relative to the run folder, the dataset
 * root or the project checkout, and any other absolute path is cut to its last component.
 */
import * as path from 'path';
import { REPO_ROOT } from './versions';

/** One absolute folder and what it becomes: "." for the run folder, "fer2013" for a dataset root, "" for the checkout. */
export interface PathRoot {
  from: string;
  to: string;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** An absolute POSIX path not preceded by a word character (so "images/s", "train/happy" stay). */
const ABSOLUTE = /(?<![\w.~-])\/(?:[\w.@+-]+\/)*[\w.@+-]+/g;

/** `text` with every root rewritten (longest first), then any remaining absolute path cut to its last component. */
export function portableString(text: string, roots: PathRoot[]): string {
  let out = text;
  for (const r of [...roots].filter((r) => r.from.length > 1).sort((a, b) => b.from.length - a.from.length)) {
    const from = r.from.replace(/\/+$/, '');
    out = out.replace(new RegExp(`${escape(from)}(/[^\\s"',;)\\]]*)?(?![\\w.-])`, 'g'), (_m, rest: string | undefined) => {
      const tail = (rest ?? '').replace(/^\//, '');
      if (!r.to || r.to === '.') return tail || r.to || '.';
      return tail ? `${r.to}/${tail}` : r.to;
    });
  }
  return out.replace(ABSOLUTE, (m) => m.slice(m.lastIndexOf('/') + 1));
}

/** A deep copy of a JSON value with portableString applied to every string (keys kept). */
export function portableJson<T>(value: T, roots: PathRoot[]): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return portableString(v, roots);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/**
 * The absolute folders of a run's records and what they become in an export: the run folder ".",
 * its parent "..", the dataset root its own name, the checkout "" (this one, and the one that
 * trained the run: config.command[0] is <checkout>/scripts/<script>.ts).
 */
export function runPathRoots(runDir: string, config: { data: { path: string }; command?: string[] }): PathRoot[] {
  const roots: PathRoot[] = [
    { from: path.resolve(runDir), to: '.' },
    { from: path.dirname(path.resolve(runDir)), to: '..' },
    { from: config.data.path, to: path.basename(config.data.path) },
    { from: REPO_ROOT, to: '' },
  ];
  const script = config.command?.[0];
  if (script && path.isAbsolute(script) && path.basename(path.dirname(script)) === 'scripts') {
    roots.push({ from: path.dirname(path.dirname(script)), to: '' });
  }
  return roots;
}
