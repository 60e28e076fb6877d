/**
 * Executed notebooks for a campaign's reference (`npm run study -- --export DEST --notebooks`): each
 * notebook of the campaign spec runs over the campaign's completed runs (showing them, training
 * nothing) and is written to DEST/notebooks/<name>.ipynb with the machine's folders rewritten: the
 * campaign folder becomes ".." (the exported runs beside DEST/notebooks/), the checkout "." and the
 * home folder "~". A notebook may instead read the exported runs (`{export}`: DEST, also ".."), e.g.
 * the comparison of every run exported so far. Only those exact prefixes are replaced, so embedded
 * images stay intact. A notebook whose runs are not all completed is skipped, naming them; one over
 * `maxBytes` is an error.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CampaignNotebook } from '../runs/campaign-spec';
import { readJson, writeFileAtomic } from '../io/files';
import { runNotebook } from './runner/run';
import type { Params } from './runner/params';

export interface NotebookExportRequest {
  notebooks: readonly CampaignNotebook[];
  /** The campaign's folder. */
  from: string;
  /** The export root; notebooks go to `<to>/notebooks/`. */
  to: string;
  /** The project checkout (notebook paths are relative to it). */
  projectRoot: string;
  /** Largest executed notebook accepted (default 10 MB). */
  maxBytes?: number;
  log?: (line: string) => void;
}

export interface NotebookExportResult {
  written: { notebook: string; file: string; bytes: number }[];
  skipped: { notebook: string; reason: string }[];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `text` with each absolute folder (longest first) replaced by its stand-in. */
export function replaceFolders(text: string, folders: [string, string][]): string {
  let out = text;
  for (const [from, to] of [...folders].filter(([f]) => f.length > 1).sort((a, b) => b[0].length - a[0].length)) {
    out = out.replace(new RegExp(`${escape(from.replace(/\/+$/, ''))}(?![\\w.-])`, 'g'), to);
  }
  return out;
}

function runStatus(runDir: string): string {
  const file = path.join(runDir, 'summary.json');
  if (!fs.existsSync(file)) return 'not started';
  try {
    return readJson<{ status?: string }>(file, 'run summary').status ?? 'unknown';
  } catch {
    return 'damaged summary.json';
  }
}

export async function exportNotebooks(req: NotebookExportRequest): Promise<NotebookExportResult> {
  const log = req.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const from = path.resolve(req.from);
  const to = path.resolve(req.to);
  const outDir = path.join(to, 'notebooks');
  const maxBytes = req.maxBytes ?? 10 * 1024 * 1024;
  const result: NotebookExportResult = { written: [], skipped: [] };
  for (const entry of req.notebooks) {
    const name = path.basename(entry.notebook);
    // a notebook over `{export}` reads the exported reference runs (config, summary, metrics, grids)
    const over = Object.values(entry.params).some((v) => typeof v === 'string' && v.includes('{export}')) ? to : from;
    const missing = entry.needs.map((r) => [r, runStatus(path.join(over, r))]).filter(([, s]) => s !== 'completed');
    if (missing.length) {
      const reason = `needs completed runs: ${missing.map(([r, s]) => `${r} (${s})`).join(', ')}`;
      result.skipped.push({ notebook: name, reason });
      log(`${name}: skipped, ${reason}`);
      continue;
    }
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facegan-nb-'));
    let ok = false;
    try {
      const params: Params = Object.fromEntries(Object.entries(entry.params).map(([k, v]) => [
        k, typeof v === 'string' ? v.replace(/\{out\}/g, from).replace(/\{export\}/g, to).replace(/\{tmp\}/g, tmp) : v,
      ]));
      const executed = path.join(tmp, name);
      const r = await runNotebook({ input: path.join(req.projectRoot, entry.notebook), params, output: executed, log });
      if (r.status !== 'completed') {
        throw new Error(`${entry.notebook} ${r.status} at In [${r.failedCell ?? '?'}]: ${r.error?.ename ?? ''} ${r.error?.evalue ?? ''} (partial notebook: ${executed})`);
      }
      const text = replaceFolders(fs.readFileSync(executed, 'utf8'), [
        [from, '..'], [to, '..'], [tmp, '<scratch>'], [path.resolve(req.projectRoot), '.'], [os.homedir(), '~'],
      ]);
      const bytes = Buffer.byteLength(text);
      if (bytes > maxBytes) throw new Error(`${entry.notebook}: the executed notebook is ${(bytes / 1e6).toFixed(1)} MB, over ${(maxBytes / 1e6).toFixed(0)} MB`);
      const file = path.join(outDir, name);
      writeFileAtomic(file, text);
      result.written.push({ notebook: name, file, bytes });
      log(`${name}: ${(bytes / 1e6).toFixed(1)} MB -> ${file}`);
      ok = true;
    } finally {
      // a failed notebook's partial output stays in the scratch folder the error names
      if (ok) fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  return result;
}
