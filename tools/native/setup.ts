/**
 * `npm run setup:native`: make @tensorflow/tfjs-node (or -node-gpu with `gpu`) load and compute
 * correctly here, without relying on the tfjs CDN. Steps, each skipped when the previous succeeded:
 *
 *  1. check      - the binding already loads and its conv2d/matMul match the cpu backend
 *  2. cached     - a binding this cache built before for the same package + libtensorflow is copied back
 *  3. official   - tfjs-node's own install script, only when the CDN answers (users with internet)
 *  4. tensorflow - libtensorflow from the cache, FACEGAN_TF_DIR, an installed Python TensorFlow, or the
 *                  tensorflow-cpu wheel fetched with pip (libraries + C headers extracted into the cache)
 *  5. build      - deps/ laid out in the package, binding compiled with node-gyp
 *  6. verify     - the same check as 1, in a fresh child process; then the binding is cached
 */
import * as fs from 'fs';
import * as path from 'path';
import { buildBinding, cachedBindingFile, restoreBinding, storeBinding } from './build';
import { layoutDeps } from './layout';
import { cdnReachable, cdnUrl, runOfficialInstall } from './official';
import { bindingFile, cacheRoot, NativePackage, packageDir, REPO_ROOT } from '../../lib/native/paths';
import { probeNative, ProbeReport } from '../../lib/native/probe';
import { fetchTfWheel, findPythonTf, readCachedTf, TfSource, tfFromEnv } from './tensorflow';

/** Options for {@link setupNative}. */
export interface SetupOptions {
  /** Target @tensorflow/tfjs-node-gpu (needs a CUDA build of TensorFlow) instead of tfjs-node. */
  gpu?: boolean;
  /** Rebuild even when the binding already works, ignoring cached bindings. */
  force?: boolean;
  /** Never try tfjs-node's CDN install. */
  offline?: boolean;
  /** Time limit for tfjs-node's own install script (default 180 s, env FACEGAN_OFFICIAL_TIMEOUT_S). */
  officialTimeoutMs?: number;
  /** Measure GFLOP/s native vs cpu in the final check. */
  bench?: boolean;
  /** Progress messages (default: none). */
  log?: (msg: string) => void;
  /** Where subprocess output goes (default `<cache>/setup-native.log`). */
  logFile?: string;
}

/** One step's outcome. */
export interface SetupStep {
  name: string;
  status: 'ok' | 'skipped' | 'failed';
  detail: string;
  ms: number;
}

/** What {@link setupNative} did. */
export interface SetupResult {
  ok: boolean;
  pkg: NativePackage;
  route: 'already-working' | 'cached-binding' | 'official' | 'local-build' | 'none';
  steps: SetupStep[];
  probe?: ProbeReport;
  tf?: TfSource;
  error?: string;
  logFile: string;
  totalMs: number;
}

/** A libtensorflow found without any download, for the given target. */
async function localTf(gpu: boolean): Promise<TfSource | null> {
  const fromEnv = tfFromEnv();
  if (fromEnv) return fromEnv;
  if (!gpu) {
    const cached = readCachedTf(false);
    if (cached) return cached;
  }
  const py = await findPythonTf();
  if (py && (py.gpu || !gpu)) return py;
  return null;
}

/** Moves a binding that failed verification aside, so backend selection falls back cleanly. */
function quarantine(pkgDir: string): void {
  const file = bindingFile(pkgDir);
  if (fs.existsSync(file)) fs.renameSync(file, `${file}.broken`);
}

/** Shared state of one setup run. */
interface Run {
  opts: SetupOptions;
  gpu: boolean;
  pkg: NativePackage;
  log: (msg: string) => void;
  logFile: string;
  steps: SetupStep[];
  t0: number;
}

type StepOut<T> = { status: SetupStep['status']; detail: string; value?: T };

function finish(run: Run, ok: boolean, route: SetupResult['route'], extra: Partial<SetupResult> = {}): SetupResult {
  return { ok, pkg: run.pkg, route, steps: run.steps, logFile: run.logFile, totalMs: Date.now() - run.t0, ...extra };
}

/** Runs one named step, recording its status, a one-line detail and its duration. */
async function step<T>(run: Run, name: string, fn: () => Promise<StepOut<T>>): Promise<StepOut<T>> {
  const s = Date.now();
  run.log(`${name}...`);
  let out: StepOut<T>;
  try {
    out = await fn();
  } catch (e) {
    out = { status: 'failed', detail: (e as Error).message };
  }
  const detail = out.detail.replace(/\s*\n\s*/g, ' | ').slice(0, 400);
  run.steps.push({ name, status: out.status, detail, ms: Date.now() - s });
  run.log(`${name}: ${out.status} (${((Date.now() - s) / 1000).toFixed(1)} s) - ${detail}`);
  return out;
}

/** The check of steps 1 and 6; for --gpu a binding that sees no GPU counts as failed. */
async function verify(run: Run, route: string): Promise<StepOut<ProbeReport>> {
  const p = await probeNative(run.pkg, { bench: run.opts.bench, logFile: run.logFile });
  if (p.ok && run.gpu && !p.usingGpu) {
    const detail =
      `${route}: loads libtensorflow ${p.tfVersion}, but TensorFlow sees no GPU device ` +
      '(CUDA/cuDNN libraries not found, or no NVIDIA GPU), so initBackend would fail over to node';
    return { status: 'failed', value: { ...p, ok: false, error: detail }, detail };
  }
  if (!p.ok) return { status: 'failed', value: p, detail: p.error ?? 'probe failed' };
  const diff = p.maxAbsDiff?.toExponential(1);
  return { status: 'ok', value: p, detail: `${route}: loads libtensorflow ${p.tfVersion}, conv2d/matMul match cpu (max diff ${diff})` };
}

/** Steps 1-6 (see the file comment). */
async function runSteps(run: Run, pkgDir: string): Promise<SetupResult> {
  const { opts, gpu, log } = run;
  if (!opts.force) {
    const c = await step(run, 'check existing binding', () => verify(run, 'already working'));
    if (c.status === 'ok') return finish(run, true, 'already-working', { probe: c.value });
  }

  let tf: TfSource | null = null;
  if (!opts.force) {
    const r = await step(run, 'cached binding', async (): Promise<StepOut<ProbeReport>> => {
      tf = await localTf(gpu);
      if (!tf) return { status: 'skipped', detail: 'no local libtensorflow yet' };
      if (!restoreBinding(pkgDir, tf)) return { status: 'skipped', detail: `none built yet for ${tf.description}` };
      layoutDeps(pkgDir, tf);
      const v = await verify(run, 'restored from cache');
      if (v.status !== 'ok') fs.rmSync(cachedBindingFile(pkgDir, tf), { force: true });
      return v;
    });
    if (r.status === 'ok') return finish(run, true, 'cached-binding', { probe: r.value, tf: tf ?? undefined });
    if (r.status === 'failed') quarantine(pkgDir);
  }

  if (!opts.offline && process.env.FACEGAN_NATIVE_OFFLINE !== '1') {
    const timeoutMs = opts.officialTimeoutMs ?? Number(process.env.FACEGAN_OFFICIAL_TIMEOUT_S || 180) * 1000;
    const r = await step(run, 'official tfjs-node install', async (): Promise<StepOut<ProbeReport>> => {
      if ((await cdnReachable()) === 'no') return { status: 'skipped', detail: `CDN ${cdnUrl()} unreachable` };
      await runOfficialInstall(pkgDir, { gpu, timeoutMs, logFile: run.logFile });
      return verify(run, 'official prebuilt binding');
    });
    if (r.status === 'ok') return finish(run, true, 'official', { probe: r.value });
    if (r.status === 'failed') quarantine(pkgDir);
  }

  const t = await step(run, 'find TensorFlow', async (): Promise<StepOut<TfSource>> => {
    let src = tf ?? (await localTf(gpu));
    if (!src && gpu) {
      throw new Error(
        'tfjs-node-gpu needs a CUDA build of TensorFlow: install one for Python (python3 -m pip install tensorflow) ' +
          'or set FACEGAN_TF_DIR to a GPU libtensorflow folder; the CPU wheel route is not used for --gpu',
      );
    }
    if (!src) src = await fetchTfWheel({ pkgDir, log: (m) => log(`  ${m}`), logFile: run.logFile });
    return { status: 'ok', detail: src.description, value: src };
  });
  const source = t.value;
  if (t.status !== 'ok' || !source) return finish(run, false, 'none', { error: t.detail });

  const b = await step(run, 'build binding', async (): Promise<StepOut<string>> => {
    const { mode } = layoutDeps(pkgDir, source);
    log(`  deps/ laid out (libraries ${mode === 'link' ? 'hard-linked' : 'copied'}); compiling with node-gyp`);
    const file = await buildBinding(pkgDir, { logFile: run.logFile });
    return { status: 'ok', detail: path.relative(REPO_ROOT, file) };
  });
  if (b.status !== 'ok') {
    quarantine(pkgDir);
    return finish(run, false, 'none', { error: b.detail, tf: source });
  }

  const v = await step(run, 'verify', () => verify(run, 'built locally'));
  if (v.status !== 'ok') {
    quarantine(pkgDir);
    return finish(run, false, 'none', { error: v.detail, probe: v.value, tf: source });
  }
  fs.rmSync(`${bindingFile(pkgDir)}.broken`, { force: true });
  log(`binding cached at ${storeBinding(pkgDir, source)}`);
  return finish(run, true, 'local-build', { probe: v.value, tf: source });
}

/**
 * Runs the steps above and returns what happened; never throws (a failure is `ok: false` with
 * `error`). A failed setup leaves no half-working binding behind, so the pure-JS path keeps working.
 */
export async function setupNative(opts: SetupOptions = {}): Promise<SetupResult> {
  const gpu = Boolean(opts.gpu);
  const run: Run = {
    opts,
    gpu,
    pkg: gpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node',
    log: opts.log ?? (() => undefined),
    logFile: opts.logFile ?? path.join(cacheRoot(), 'setup-native.log'),
    steps: [],
    t0: Date.now(),
  };
  try {
    fs.mkdirSync(path.dirname(run.logFile), { recursive: true });
    fs.writeFileSync(run.logFile, `setup:native ${new Date().toISOString()} ${run.pkg}\n`);
  } catch (e) {
    const error = `cannot write ${run.logFile} (${(e as Error).message}); set FACEGAN_CACHE to a writable folder`;
    return finish(run, false, 'none', { error });
  }
  const pkgDir = packageDir(run.pkg);
  if (pkgDir === null) {
    const error = `${run.pkg} is not installed (optional dependency); run npm install first`;
    run.steps.push({ name: 'check existing binding', status: 'failed', detail: error, ms: 0 });
    return finish(run, false, 'none', { error });
  }
  run.log(`target ${run.pkg} (${path.relative(REPO_ROOT, pkgDir)}), cache ${cacheRoot()}`);
  try {
    return await runSteps(run, pkgDir);
  } catch (e) {
    return finish(run, false, 'none', { error: `unexpected: ${(e as Error).message}` });
  }
}
