/**
 * Finding a libtensorflow to build the tfjs-node binding against, without the tfjs CDN:
 * facegan's cache, an explicit folder (`FACEGAN_TF_DIR`), an installed Python TensorFlow, or the
 * `tensorflow-cpu` wheel fetched with pip (only its shared libraries and C headers are extracted).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { errorLine, exec } from '../../lib/native/exec';
import { tfCacheDir, TF_WHEEL_PROJECT, TF_WHEEL_VERSION } from '../../lib/native/paths';

/** A usable libtensorflow: shared libraries plus the C headers. */
export interface TfSource {
  kind: 'cache' | 'dir' | 'python' | 'wheel';
  version: string;
  /** Folder holding `mainLib` and `frameworkLib`. */
  libDir: string;
  /** `libtensorflow.so.2` (libtensorflow tarball) or `libtensorflow_cc.so.2` (Python wheel). */
  mainLib: string;
  frameworkLib: string;
  /** Folder holding `tensorflow/c/c_api.h`. */
  includeDir: string;
  /** Built with CUDA (needed for tfjs-node-gpu). */
  gpu: boolean;
  description: string;
}

/** Name of the marker written into a complete cache folder. */
const MARKER = 'facegan-tf.json';
const MAIN_LIBS = ['libtensorflow.so.2', 'libtensorflow_cc.so.2'];
const FRAMEWORK_LIB = 'libtensorflow_framework.so.2';

/**
 * Recognises a libtensorflow laid out either flat (`dir/libtensorflow_cc.so.2`, as in the Python
 * package) or as the official tarball (`dir/lib/libtensorflow.so.2`), with headers in
 * `dir/include`. Returns null when something is missing.
 */
export function inspectTfDir(dir: string, kind: TfSource['kind'], version: string, gpu: boolean): TfSource | null {
  const includeDir = path.join(dir, 'include');
  if (!fs.existsSync(path.join(includeDir, 'tensorflow', 'c', 'c_api.h'))) return null;
  for (const libDir of [dir, path.join(dir, 'lib')]) {
    const mainLib = MAIN_LIBS.find((f) => fs.existsSync(path.join(libDir, f)));
    if (mainLib && fs.existsSync(path.join(libDir, FRAMEWORK_LIB))) {
      return { kind, version, libDir, mainLib, frameworkLib: FRAMEWORK_LIB, includeDir, gpu, description: dir };
    }
  }
  return null;
}

/** The extracted TensorFlow in facegan's cache, if a previous run completed it. */
export function readCachedTf(gpu = false): TfSource | null {
  const dir = tfCacheDir(TF_WHEEL_VERSION, gpu);
  const marker = path.join(dir, MARKER);
  if (!fs.existsSync(marker)) return null;
  try {
    const m = JSON.parse(fs.readFileSync(marker, 'utf8')) as { version: string; gpu: boolean; from: string };
    const src = inspectTfDir(dir, 'cache', m.version, Boolean(m.gpu));
    return src && { ...src, description: `${dir} (cached, from ${m.from})` };
  } catch {
    return null;
  }
}

/** `FACEGAN_TF_DIR`: a folder with libtensorflow and its headers that the user points us to. */
export function tfFromEnv(): TfSource | null {
  const dir = process.env.FACEGAN_TF_DIR;
  if (!dir) return null;
  const src = inspectTfDir(path.resolve(dir), 'dir', 'unknown', /gpu|cuda/i.test(dir));
  if (!src) {
    throw new Error(
      `FACEGAN_TF_DIR=${dir}: expected include/tensorflow/c/c_api.h and ` +
        `[lib/]libtensorflow(.so.2|_cc.so.2) + ${FRAMEWORK_LIB}`,
    );
  }
  return src;
}

const FIND_TF_PY = `
import importlib.util, importlib.metadata, json, os
spec = importlib.util.find_spec('tensorflow')
out = None
if spec and spec.submodule_search_locations:
    d = list(spec.submodule_search_locations)[0]
    v = None
    for dist in ('tensorflow', 'tensorflow-cpu', 'tensorflow-gpu', 'tf-nightly', 'tensorflow-intel'):
        try:
            v = importlib.metadata.version(dist); break
        except Exception:
            pass
    cuda = False
    bi = os.path.join(d, 'python', 'platform', 'build_info.py')
    if os.path.exists(bi):
        cuda = "'is_cuda_build': True" in open(bi).read()
    out = {'dir': d, 'version': v or 'unknown', 'cuda': cuda}
print(json.dumps(out))
`;

/**
 * An installed Python TensorFlow (located without importing it, so it is fast), if its package
 * folder has the shared libraries and headers. `python` defaults to `$FACEGAN_PYTHON` or python3.
 */
export async function findPythonTf(python = process.env.FACEGAN_PYTHON || 'python3'): Promise<TfSource | null> {
  const r = await exec(python, ['-c', FIND_TF_PY], { timeoutMs: 30_000 });
  if (r.code !== 0) return null;
  const info = JSON.parse(r.stdout.trim().split('\n').pop() || 'null') as
    | { dir: string; version: string; cuda: boolean }
    | null;
  if (!info) return null;
  const src = inspectTfDir(info.dir, 'python', info.version, info.cuda);
  return src && { ...src, description: `${info.dir} (installed Python TensorFlow ${info.version})` };
}

/**
 * pip index arguments. pip's default index may be unreachable (and stall), so when the pip
 * configuration names local `file://` indexes they are used exclusively. `FACEGAN_PIP_INDEX_URL`
 * (space-separated URLs, first is the main index) overrides.
 */
export async function pipIndexArgs(python: string): Promise<string[]> {
  let urls: string[] = (process.env.FACEGAN_PIP_INDEX_URL || '').split(/\s+/).filter(Boolean);
  if (urls.length === 0) {
    const r = await exec(python, ['-m', 'pip', 'config', 'list'], { timeoutMs: 30_000 });
    for (const line of r.stdout.split('\n')) {
      const m = /^[^=]*\.(?:extra-)?index-url='(.*)'$/.exec(line.trim());
      if (m) urls.push(...m[1].split(/\s+/).filter(Boolean));
    }
    urls = [...new Set(urls.filter((u) => u.startsWith('file:')))];
  }
  if (urls.length === 0) return [];
  return ['--index-url', urls[0], ...urls.slice(1).flatMap((u) => ['--extra-index-url', u])];
}

const EXTRACT_PY = `
import json, re, shutil, sys, zipfile, os
wheel, dest, seeds = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
P = 'tensorflow/include/'
z = zipfile.ZipFile(wheel)
names = set(z.namelist())
def extract(member, target):
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with z.open(member) as src, open(target, 'wb') as dst:
        shutil.copyfileobj(src, dst, 1 << 22)
for lib in ('libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'):
    extract('tensorflow/' + lib, os.path.join(dest, 'lib', lib))
# Headers: all of tensorflow/c plus everything the binding's includes pull in, transitively.
todo = list(seeds) + [n[len(P):] for n in names if n.startswith(P + 'tensorflow/c/') and n.endswith('.h')]
seen = set()
while todo:
    h = todo.pop()
    if h in seen or (P + h) not in names:
        continue
    seen.add(h)
    text = z.read(P + h).decode('utf8', 'replace')
    todo += re.findall(r'#\\s*include\\s*[<"]([^>"]+)[>"]', text)
for h in sorted(seen):
    extract(P + h, os.path.join(dest, 'include', h))
print(json.dumps({'headers': len(seen)}))
`;

/** Header names a tfjs-node binding's sources include (seeds for the header closure). */
function bindingIncludes(pkgDir: string): string[] {
  const dir = path.join(pkgDir, 'binding');
  const out = new Set<string>();
  for (const f of fs.readdirSync(dir)) {
    if (!/\.(cc|h)$/.test(f)) continue;
    for (const m of fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/#\s*include\s*"([^"]+)"/g)) out.add(m[1]);
  }
  return [...out];
}

/** Options for {@link fetchTfWheel}. */
export interface FetchOptions {
  pkgDir: string;
  log: (msg: string) => void;
  logFile?: string;
  python?: string;
}

/**
 * Downloads the `tensorflow-cpu` wheel with pip (`--no-deps`, nothing is installed), extracts the
 * two shared libraries and the needed C headers into facegan's cache, and deletes the wheel.
 * Throws with pip's/python's last output lines on failure.
 */
export async function fetchTfWheel(opts: FetchOptions): Promise<TfSource> {
  if (process.platform !== 'linux' || os.arch() !== 'x64') {
    throw new Error(
      `the ${TF_WHEEL_PROJECT} wheel route is only wired for linux-x64 (this is ${process.platform}-${os.arch()}); ` +
        'install TensorFlow for Python or set FACEGAN_TF_DIR to a libtensorflow folder',
    );
  }
  const python = opts.python ?? (process.env.FACEGAN_PYTHON || 'python3');
  const dest = tfCacheDir(TF_WHEEL_VERSION, false);
  const work = `${dest}.partial-${process.pid}`;
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(path.join(work, 'wheel'), { recursive: true });
  try {
    const index = await pipIndexArgs(python);
    const spec = `${TF_WHEEL_PROJECT}==${TF_WHEEL_VERSION}`;
    opts.log(`downloading ${spec} wheel with pip (${index.length ? index.filter((_, i) => i % 2).join(', ') : 'default index'})`);
    const platforms = ['manylinux_2_28_x86_64', 'manylinux_2_27_x86_64', 'manylinux_2_17_x86_64', 'manylinux2014_x86_64'];
    const pip = await exec(
      python,
      [
        '-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--python-version', '3.11',
        ...platforms.flatMap((p) => ['--platform', p]),
        '--timeout', '20', '--retries', '1', '--disable-pip-version-check', '--progress-bar', 'off',
        ...index, spec, '-d', path.join(work, 'wheel'),
      ],
      { timeoutMs: 15 * 60_000, logFile: opts.logFile },
    );
    if (pip.code !== 0) {
      throw new Error(
        `pip download ${spec} failed${pip.timedOut ? ' (timed out)' : ''}: ${pip.spawnError ?? errorLine(pip)}; ` +
          'alternatives: FACEGAN_PIP_INDEX_URL=<reachable index>, FACEGAN_PYTHON=<python with pip>, ' +
          'FACEGAN_TF_DIR=<unpacked libtensorflow>, or an installed Python TensorFlow',
      );
    }
    const wheel = fs.readdirSync(path.join(work, 'wheel')).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new Error(`pip download ${spec} reported success but left no .whl in ${work}/wheel`);
    const wheelPath = path.join(work, 'wheel', wheel);
    opts.log(`extracting libtensorflow + C headers from ${wheel} (${(fs.statSync(wheelPath).size / 1e6).toFixed(0)} MB)`);
    const seeds = JSON.stringify(bindingIncludes(opts.pkgDir));
    const ex = await exec(python, ['-c', EXTRACT_PY, wheelPath, work, seeds], { timeoutMs: 10 * 60_000, logFile: opts.logFile });
    if (ex.code !== 0) throw new Error(`extracting ${wheel} failed: ${ex.spawnError ?? errorLine(ex)}`);
    fs.rmSync(path.join(work, 'wheel'), { recursive: true, force: true });
    fs.writeFileSync(
      path.join(work, MARKER),
      JSON.stringify({ version: TF_WHEEL_VERSION, gpu: false, from: wheel, at: new Date().toISOString() }, null, 2),
    );
    fs.rmSync(dest, { recursive: true, force: true });
    fs.renameSync(work, dest);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const src = inspectTfDir(dest, 'wheel', TF_WHEEL_VERSION, false);
  if (!src) throw new Error(`${dest}: extraction finished but libraries/headers are missing`);
  return { ...src, description: `${dest} (from the ${TF_WHEEL_PROJECT} ${TF_WHEEL_VERSION} wheel)` };
}
