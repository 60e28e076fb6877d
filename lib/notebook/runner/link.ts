/**
 * Notebooks import the project as a package, `import fg from 'facegan';`, so that an executed
 * notebook reruns wherever it is saved (a run folder, a copy anywhere), in JupyterLab and
 * nbconvert as in the headless runner. Node and tslab's TypeScript both resolve that name through
 * `node_modules/facegan` in the notebook's folder or any folder above it: inside the project it is
 * the link `node_modules/facegan -> ..` that `npm install` makes (scripts/postinstall.js);
 * elsewhere the runner makes `<folder>/node_modules/facegan -> <project>` when a notebook needs it.
 * Jupyter's kernel does the same on start through scripts/tslab-kernel.js (plain JS, the kernel's
 * registered binary; lib/ may not import scripts/, so that file carries its own copy of this rule).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Notebook } from './nbformat';
import { joinText } from './nbformat';

/** The project root (the folder of package.json "name": "facegan"). */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..', '..');

/** Whether a notebook's code imports the `facegan` package. */
export function importsFacegan(nb: Notebook): boolean {
  return nb.cells.some((c) => c.cell_type === 'code' && /from\s+['"]facegan['"]|require\(\s*['"]facegan['"]\s*\)/.test(joinText(c.source)));
}

/** The `node_modules/facegan` that `dir` resolves the package name to, or null. */
export function faceganPackageFrom(dir: string): string | null {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const pkg = path.join(d, 'node_modules', 'facegan', 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if ((JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'facegan') return path.dirname(pkg);
      } catch {
        // an unreadable package.json is not ours: keep looking
      }
    }
    if (path.dirname(d) === d) return null;
  }
}

/**
 * Makes `import 'facegan'` resolve from `dir` when `nb` needs it and nothing above `dir` provides
 * it: links `<dir>/node_modules/facegan` to this project. Returns the link made, or null.
 */
export function ensureFaceganResolves(dir: string, nb: Notebook): string | null {
  if (!importsFacegan(nb) || faceganPackageFrom(dir)) return null;
  const link = path.join(path.resolve(dir), 'node_modules', 'facegan');
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync(PROJECT_ROOT, link, 'dir');
  return link;
}
