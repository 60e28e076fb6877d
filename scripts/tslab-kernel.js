#!/usr/bin/env node
/**
 * The tslab kernel as Jupyter starts it for this project: a notebook's `import fg from 'facegan'`
 * resolves in whatever folder the notebook lies (a run folder, a plain `cp` anywhere).
 *
 * Register it as the kernel's binary (instead of node_modules/.bin/tslab):
 *   npx tslab install --python=.venv-jupyter/bin/python --sys-prefix --binary="$PWD/scripts/tslab-kernel.js"
 * Jupyter then starts `scripts/tslab-kernel.js kernel --config-path <file>` in the notebook's folder.
 *
 * Why: JupyterLab and nbconvert run the kernel in the notebook's folder, and tslab type-checks and
 * loads `facegan` from there (TypeScript's Node10 resolution from its cwd; NODE_PATH does not help):
 * only a `node_modules/facegan` in that folder or one above it is found. Inside the project that is
 * the link `npm install` makes (scripts/postinstall.js). Elsewhere, on `kernel`, this launcher links
 * `<cwd>/node_modules/facegan -> <this project>` when nothing above the cwd provides the package
 * (the same rule as lib/notebook/runner/link.ts, which the headless runner uses); a stale link it
 * replaces. When the folder is not writable it prints a warning to stderr and starts the kernel
 * anyway (the notebook's import then fails, saying why). Then it hands over to tslab's own CLI
 * (tslab/dist/main.js, what node_modules/.bin/tslab runs) with the same arguments.
 *
 * Plain JS, no dependencies: it runs before anything is compiled. Required as a module it only
 * exports the link step (for test/unit/tslab-kernel.test.ts) and starts nothing.
 */
'use strict';
const fs = require('fs');
const path = require('path');

/** The project root (this file is <project>/scripts/tslab-kernel.js). */
const PROJECT_ROOT = path.resolve(__dirname, '..');

/** Whether `pkgDir` is the facegan package (its package.json says "name": "facegan"). */
function isFaceganPackage(pkgDir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).name === 'facegan';
  } catch {
    return false;
  }
}

/** The `node_modules/facegan` that `dir` resolves the package name to, or null. */
function faceganPackageFrom(dir) {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const pkg = path.join(d, 'node_modules', 'facegan');
    if (isFaceganPackage(pkg)) return pkg;
    if (path.dirname(d) === d) return null;
  }
}

/**
 * Makes `facegan` resolve from `dir`: when nothing in `dir` or above provides it, links
 * `<dir>/node_modules/facegan -> root` (replacing a link that no longer leads to the package).
 * Returns { linked: path } when it made the link, { found: path } when the package already
 * resolves, or { warning: text } when it could not link (it never throws).
 */
function ensureFaceganLink(dir, root = PROJECT_ROOT) {
  const found = faceganPackageFrom(dir);
  if (found) return { found };
  const link = path.join(path.resolve(dir), 'node_modules', 'facegan');
  try {
    let stale = null;
    try {
      stale = fs.lstatSync(link);
    } catch {
      // nothing there
    }
    if (stale && !stale.isSymbolicLink()) {
      return { warning: `${link} exists and is not the facegan package; \`import ... from 'facegan'\` will not resolve here (move it away, or link it: ln -sfn ${root} ${link})` };
    }
    if (stale) fs.unlinkSync(link);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(root, link, 'dir');
    return { linked: link };
  } catch (e) {
    return {
      warning: `could not link ${link} -> ${root} (${e && e.code ? e.code : e && e.message}); \`import ... from 'facegan'\` will not resolve in ${path.resolve(dir)}. ` +
        `Run the notebook from a folder where ${link} can be made, or link the package once in a folder above it: mkdir -p DIR/node_modules && ln -s ${root} DIR/node_modules/facegan`,
    };
  }
}

module.exports = { PROJECT_ROOT, faceganPackageFrom, ensureFaceganLink };

if (require.main === module) {
  if (process.argv[2] === 'kernel') {
    const r = ensureFaceganLink(process.cwd());
    // stdout belongs to the kernel's logs too, but stderr is where Jupyter shows a kernel's complaints
    if (r.linked) console.error(`facegan kernel: linked ${r.linked} -> ${PROJECT_ROOT} so that \`import ... from 'facegan'\` resolves here`);
    if (r.warning) console.error(`facegan kernel: warning: ${r.warning}`);
  }
  require(require.resolve('tslab/dist/main.js', { paths: [PROJECT_ROOT] })).main();
}
