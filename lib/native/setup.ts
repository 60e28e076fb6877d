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
import { bindingFile, cacheRoot, NativePackage, packageDir, REPO_ROOT } from './paths';
import { probeNative, ProbeReport } from './probe';
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

/**
 * Runs the steps above and returns what happened; never throws (a failure is `ok: false` with
 * `error`). A failed setup leaves no half-working binding behind, so the pure-JS path keeps working.
 */
export async function setupNative(opts: SetupOptions = {}): Promise<SetupResult> {
  const t0 = Date.now();
  const gpu = Boolean(opts.gpu);
  const pkg: NativePackage = gpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
  const log = opts.log ?? (() => undefined);
  fs.mkdirSync(cacheRoot(), { recursive: true });
  const logFile = opts.logFile ?? path.join(cacheRoot(), 'setup-native.log');
  fs.writeFileSync(logFile, `setup:native ${new Date().toISOString()} ${pkg}\n`);
  const steps: SetupStep[] = [];
  const result = (ok: boolean, route: SetupResult['route'], extra: Partial<SetupResult> = {}): SetupResult => ({
    ok, pkg, route, steps, logFile, totalMs: Date.now() - t0, ...extra,
  });
  const step = async <T>(name: string, fn: () => Promise<{ status: SetupStep['status']; detail: string; value?: T }>) => {
    const s = Date.now();
    log(`${name}...`);
    let out: { status: SetupStep['status']; detail: string; value?: T };
    try {
      out = await fn();
    } catch (e) {
      out = { status: 'failed', detail: (e as Error).message };
    }
    const detail = out.detail.replace(/\s*\n\s*/g, ' | ').slice(0, 400);
    const rec = { name, status: out.status, detail, ms: Date.now() - s };
    steps.push(rec);
    log(`${name}: ${out.status} (${(rec.ms / 1000).toFixed(1)} s) - ${detail}`);
    return out;
  };
  const verify = (route: string) => async () => {
    const p = await probeNative(pkg, { bench: opts.bench, logFile });
    return p.ok
      ? { status: 'ok' as const, value: p, detail: `${route}: loads libtensorflow ${p.tfVersion}, conv2d/matMul match cpu (max diff ${p.maxAbsDiff?.toExponential(1)})` }
      : { status: 'failed' as const, value: p, detail: p.error ?? 'probe failed' };
  };

  const pkgDir = packageDir(pkg);
  if (pkgDir === null) {
    const error = `${pkg} is not installed (optional dependency); run npm install first`;
    steps.push({ name: 'check', status: 'failed', detail: error, ms: 0 });
    return result(false, 'none', { error });
  }
  log(`target ${pkg} (${path.relative(REPO_ROOT, pkgDir)}), cache ${cacheRoot()}`);

  if (!opts.force) {
    const c = await step('check existing binding', verify('already working'));
    if (c.status === 'ok') return result(true, 'already-working', { probe: c.value });
  }

  let tf: TfSource | null = null;
  if (!opts.force) {
    const r = await step('cached binding', async () => {
      tf = await localTf(gpu);
      if (!tf) return { status: 'skipped', detail: 'no local libtensorflow yet' };
      if (!restoreBinding(pkgDir, tf)) return { status: 'skipped', detail: `none built yet for ${tf.description}` };
      layoutDeps(pkgDir, tf);
      const v = await verify('restored from cache')();
      if (v.status !== 'ok') fs.rmSync(cachedBindingFile(pkgDir, tf), { force: true });
      return v;
    });
    if (r.status === 'ok') return result(true, 'cached-binding', { probe: r.value as ProbeReport, tf: tf ?? undefined });
    if (r.status === 'failed') quarantine(pkgDir);
  }

  if (!opts.offline && process.env.FACEGAN_NATIVE_OFFLINE !== '1') {
    const timeoutMs = opts.officialTimeoutMs ?? Number(process.env.FACEGAN_OFFICIAL_TIMEOUT_S || 180) * 1000;
    const r = await step('official tfjs-node install', async () => {
      const reach = await cdnReachable();
      if (reach === 'no') return { status: 'skipped', detail: `CDN ${cdnUrl()} unreachable` };
      await runOfficialInstall(pkgDir, { gpu, timeoutMs, logFile });
      return verify('official prebuilt binding')();
    });
    if (r.status === 'ok') return result(true, 'official', { probe: r.value as ProbeReport });
    if (r.status === 'failed') quarantine(pkgDir);
  }

  const t = await step('find TensorFlow', async () => {
    tf = tf ?? (await localTf(gpu));
    if (!tf && gpu) {
      throw new Error(
        'tfjs-node-gpu needs a CUDA build of TensorFlow: install one for Python (python3 -m pip install tensorflow) ' +
          'or set FACEGAN_TF_DIR to a GPU libtensorflow folder; the CPU wheel route is not used for --gpu',
      );
    }
    if (!tf) tf = await fetchTfWheel({ pkgDir, log: (m) => log(`  ${m}`), logFile });
    return { status: 'ok', detail: tf.description };
  });
  if (t.status !== 'ok' || !tf) return result(false, 'none', { error: t.detail });
  const source: TfSource = tf;

  const b = await step('build binding', async () => {
    const { mode } = layoutDeps(pkgDir, source);
    log(`  deps/ laid out (libraries ${mode === 'link' ? 'hard-linked' : 'copied'}); compiling with node-gyp`);
    const file = await buildBinding(pkgDir, { logFile });
    return { status: 'ok', detail: path.relative(REPO_ROOT, file) };
  });
  if (b.status !== 'ok') {
    quarantine(pkgDir);
    return result(false, 'none', { error: b.detail, tf: source });
  }

  const v = await step('verify', verify('built locally'));
  if (v.status !== 'ok') {
    quarantine(pkgDir);
    return result(false, 'none', { error: v.detail, probe: v.value, tf: source });
  }
  fs.rmSync(`${bindingFile(pkgDir)}.broken`, { force: true });
  const cached = storeBinding(pkgDir, source);
  log(`binding cached at ${cached}`);
  return result(true, 'local-build', { probe: v.value, tf: source });
}
