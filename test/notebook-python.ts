/** Test helper: validating notebooks with Python's nbformat when it is installed. */
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';

const ROOT = path.resolve(__dirname, '..');
let found: string | null | undefined;

/** A Python that can import nbformat: $FACEGAN_PYTHON, the repo's .venv-jupyter, or python3; null if none. */
export function findNbformatPython(): string | null {
  if (found !== undefined) return found;
  const candidates = [process.env.FACEGAN_PYTHON, path.join(ROOT, '.venv-jupyter', 'bin', 'python'), 'python3'].filter(
    (p): p is string => !!p && (!p.includes(path.sep) || fs.existsSync(p)),
  );
  found = candidates.find((py) => spawnSync(py, ['-c', 'import nbformat'], { encoding: 'utf8' }).status === 0) ?? null;
  return found;
}

const SCRIPT = `
import sys, json, nbformat
out = {}
for f in sys.argv[1:]:
    try:
        nbformat.validate(nbformat.read(f, as_version=4))
        out[f] = None
    except Exception as e:
        out[f] = (type(e).__name__ + ': ' + str(e)).split('\\n')[0]
print(json.dumps(out))
`;

/** For each file: null when nbformat.validate accepts it (read as version 4), else the error (one Python process). */
export function pythonValidate(python: string, files: string[]): Record<string, string | null> {
  const r = spawnSync(python, ['-c', SCRIPT, ...files], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${python}: nbformat validation script failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, string | null>;
}
