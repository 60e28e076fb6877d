/**
 * scripts/tslab-kernel.js, the kernel binary Jupyter starts (registered with `tslab install
 * --binary`): in a folder outside the project it links node_modules/facegan to the project so that
 * a copied notebook's `import fg from 'facegan'` resolves; inside the project it links nothing; it
 * replaces a stale link; it warns instead of failing where it cannot link; then it hands the same
 * arguments to tslab's CLI. No Jupyter needed (`kernel --help` stops before the kernel starts);
 * the full path, a plain `cp` of an executed notebook run by `jupyter nbconvert --execute`, is
 * in .ci/notebooks.sh.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';

const ROOT = path.resolve(__dirname, '..', '..');
const LAUNCHER = path.join(ROOT, 'scripts', 'tslab-kernel.js');
const kernel = require(LAUNCHER) as {
  PROJECT_ROOT: string;
  faceganPackageFrom(dir: string): string | null;
  ensureFaceganLink(dir: string, root?: string): { linked?: string; found?: string; warning?: string };
};

const made: string[] = [];
const outside = (prefix: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
};
test.after(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});
const tmpProvides = kernel.faceganPackageFrom(os.tmpdir());
const skip = tmpProvides ? `${tmpProvides} already provides facegan above ${os.tmpdir()}` : false;

test('the launcher is executable and names its use', () => {
  assert.ok(fs.statSync(LAUNCHER).mode & 0o111, 'executable (Jupyter runs it as the kernel binary)');
  const head = fs.readFileSync(LAUNCHER, 'utf8').slice(0, 600);
  assert.match(head, /^#!\/usr\/bin\/env node/);
  assert.match(head, /tslab install .*--binary=.*scripts\/tslab-kernel\.js/);
  assert.equal(fs.realpathSync(kernel.PROJECT_ROOT), fs.realpathSync(ROOT));
});

test('outside the project it links node_modules/facegan to the project, once', { skip }, () => {
  const dir = outside('facegan-kernel-');
  const r = kernel.ensureFaceganLink(dir);
  const link = path.join(dir, 'node_modules', 'facegan');
  assert.deepEqual(r, { linked: link });
  assert.equal(fs.realpathSync(link), fs.realpathSync(ROOT));
  assert.equal(fs.realpathSync(require.resolve('facegan', { paths: [dir] })), fs.realpathSync(path.join(ROOT, 'notebooks', 'api', 'facegan.js')));
  assert.deepEqual(kernel.ensureFaceganLink(dir), { found: link }, 'the second start finds it');
  const sub = path.join(dir, 'runs', 'a');
  fs.mkdirSync(sub, { recursive: true });
  assert.deepEqual(kernel.ensureFaceganLink(sub), { found: link }, 'a folder below uses the link above it');
  assert.ok(!fs.existsSync(path.join(sub, 'node_modules')));
});

test('inside the project it links nothing (npm install\'s node_modules/facegan serves)', () => {
  const r = kernel.ensureFaceganLink(path.join(ROOT, 'notebooks'));
  assert.ok(r.found, JSON.stringify(r));
  assert.ok(!fs.existsSync(path.join(ROOT, 'notebooks', 'node_modules')));
});

test('a stale link is replaced; a folder in the way is a warning, not a crash', { skip }, () => {
  const dir = outside('facegan-kernel-stale-');
  const link = path.join(dir, 'node_modules', 'facegan');
  fs.mkdirSync(path.dirname(link));
  fs.symlinkSync(path.join(dir, 'moved-away'), link, 'dir');
  assert.deepEqual(kernel.ensureFaceganLink(dir), { linked: link });
  assert.equal(fs.realpathSync(link), fs.realpathSync(ROOT));

  const blocked = outside('facegan-kernel-blocked-');
  fs.writeFileSync(path.join(blocked, 'node_modules'), 'not a folder');
  const w = kernel.ensureFaceganLink(blocked);
  assert.match(w.warning ?? '', /could not link .*node_modules\/facegan.*will not resolve/);

  const other = outside('facegan-kernel-other-');
  fs.mkdirSync(path.join(other, 'node_modules', 'facegan'), { recursive: true });
  assert.match(kernel.ensureFaceganLink(other).warning ?? '', /exists and is not the facegan package/);
});

test('a read-only folder is a warning, not a crash', { skip: skip || (process.getuid?.() === 0 ? 'root writes into read-only folders' : false) }, () => {
  const dir = outside('facegan-kernel-ro-');
  fs.chmodSync(dir, 0o555);
  try {
    assert.match(kernel.ensureFaceganLink(dir).warning ?? '', /could not link .*EACCES/);
  } finally {
    fs.chmodSync(dir, 0o755);
  }
});

test('started as `kernel` in a folder outside the project, it links, says so on stderr, and hands over to tslab\'s CLI', { skip }, () => {
  const dir = outside('facegan-kernel-cli-');
  // `kernel --help`: tslab's CLI parses the arguments and prints the kernel command's help instead of starting it
  const r = spawnSync(LAUNCHER, ['kernel', '--help'], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Start Jupyter kernel/);
  assert.match(r.stderr, /facegan kernel: linked .*node_modules\/facegan/);
  assert.equal(fs.realpathSync(path.join(dir, 'node_modules', 'facegan')), fs.realpathSync(ROOT));
  // other commands (install, --version) pass through and link nothing
  const plain = outside('facegan-kernel-version-');
  const v = spawnSync(LAUNCHER, ['--version'], { cwd: plain, encoding: 'utf8' });
  assert.equal(v.status, 0, v.stderr);
  assert.match(v.stdout, /^tslab \d+\.\d+\.\d+/);
  assert.ok(!fs.existsSync(path.join(plain, 'node_modules')));
});
