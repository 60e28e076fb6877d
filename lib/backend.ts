/**
 * Choosing the tfjs backend: the fastest that actually loads, in the order node-gpu
 * (@tensorflow/tfjs-node-gpu), node (@tensorflow/tfjs-node), wasm (@tensorflow/tfjs-backend-wasm,
 * only if it has the kernels training needs), cpu (pure JS, always there but ~60x slower).
 * `FACEGAN_BACKEND` or `initBackend({ backend })` forces one; a forced backend that cannot load is
 * an error saying why and how to fix it. See docs/native.md.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as tf from '@tensorflow/tfjs';
import { bindingFile, NativePackage, packageDir } from './native/paths';
import { probeNative } from './native/probe';
import { captureStderr, tfLogLines } from './native/stderr-capture';

/** facegan's names for the backends, fastest first. */
export type BackendName = 'node-gpu' | 'node' | 'wasm' | 'cpu';
export const BACKEND_ORDER: readonly BackendName[] = ['node-gpu', 'node', 'wasm', 'cpu'];

/** What {@link initBackend} chose and why. */
export interface BackendInfo {
  name: BackendName;
  /** `tf.getBackend()` after selection: 'tensorflow', 'wasm' or 'cpu'. */
  tfBackend: string;
  reason: string;
  /** Backends tried before this one (auto mode), with why each was not used. */
  tried: { name: string; error: string }[];
  /** Intra-op threads (tfjs-node), wasm threads, or 1 for the single-threaded cpu backend. */
  threads: number;
  versions: Record<string, string>;
}

/** Options for {@link initBackend}. */
export interface InitBackendOptions {
  /** 'node-gpu' | 'node' | 'wasm' | 'cpu' | 'auto'; default `$FACEGAN_BACKEND`, else auto. */
  backend?: string;
  /** Do not print the warning about falling back to the slow cpu backend. */
  quiet?: boolean;
  /** Intra-op threads for tfjs-node (default `$TF_NUM_INTRAOP_THREADS`, else all cores). */
  threads?: number;
  /**
   * Only inference will run (photo editing): the wasm backend is taken without the training kernels
   * it lacks (it runs the translator and the face detector fine, several times faster than cpu).
   */
  inference?: boolean;
}

/**
 * Kernels a wasm backend must register for DCGAN training (conv and transposed-conv gradients,
 * batch norm and its moments, the activations). The stock tfjs-backend-wasm 4.22 lacks
 * Conv2DBackpropFilter, so it is skipped unless something (lib/kernels) registers it first.
 */
export const TRAINING_KERNELS = [
  'Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'FusedBatchNorm', 'Mean', 'SquaredDifference',
  'Relu', 'LeakyRelu', 'Tanh', 'Sigmoid',
] as const;

/** Result of loading one backend. */
interface Loaded {
  tfBackend: string;
  threads: number;
  versions: Record<string, string>;
  note?: string;
}

let current: BackendInfo | null = null;
let warnedCpu = false;

/** How to fix each backend, appended to errors. */
const FIX: Record<BackendName, string> = {
  'node-gpu':
    'tfjs-node-gpu needs an NVIDIA GPU with CUDA 11.2 + cuDNN 8.1 and a GPU libtensorflow; with a CUDA build of ' +
    'TensorFlow installed for Python, try `npm run setup:native -- --gpu` (docs/native.md)',
  node: 'run `npm run setup:native` (builds the binding offline; docs/native.md)',
  wasm: 'install @tensorflow/tfjs-backend-wasm and register the missing training kernels (lib/kernels)',
  cpu: 'the cpu backend ships with @tensorflow/tfjs; reinstall it',
};

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

function baseVersions(): Record<string, string> {
  return { ...(tf.version as unknown as Record<string, string>), node: process.versions.node };
}

/**
 * Sets TensorFlow's env vars; they are read once, when the binding creates its context.
 * Threads: all cores unless told. oneDNN: on unless `TF_ENABLE_ONEDNN_OPTS` says otherwise.
 * TensorFlow's x86 wheels switch oneDNN on by default only on CPUs with AVX512_VNNI/BF16/AMX, and
 * without it libtensorflow runs its Eigen conv kernels, which are several times slower on small
 * maps (Conv2DBackpropInput 3x3x512 -> 6x6x256 at batch 64 on a 2-core AVX2 EPYC: 275 ms with
 * Eigen, 30 ms with oneDNN; the whole DCGAN step 1.3-1.5x faster; docs/bench.md).
 */
function setThreadEnv(threads?: number): number {
  if (threads !== undefined) process.env.TF_NUM_INTRAOP_THREADS = String(threads);
  else if (!process.env.TF_NUM_INTRAOP_THREADS) process.env.TF_NUM_INTRAOP_THREADS = String(os.availableParallelism());
  if (!process.env.TF_CPP_MIN_LOG_LEVEL && !tfLogAsked()) process.env.TF_CPP_MIN_LOG_LEVEL = '2';
  if (process.env.TF_ENABLE_ONEDNN_OPTS === undefined || process.env.TF_ENABLE_ONEDNN_OPTS === '') process.env.TF_ENABLE_ONEDNN_OPTS = '1';
  return Number(process.env.TF_NUM_INTRAOP_THREADS);
}

/** `FACEGAN_TF_LOG=1`: show everything libtensorflow logs, as it prints it (INFO lines included). */
function tfLogAsked(): boolean {
  return /^(1|true|yes)$/i.test(process.env.FACEGAN_TF_LOG ?? '');
}

/**
 * require()s a tfjs-node package without libtensorflow's load-time INFO lines ("All log messages
 * before absl::InitializeLog() ...", "oneDNN custom operations are on ..."): absl writes them from
 * static initialisers, which TF_CPP_MIN_LOG_LEVEL does not reach, so the load's stderr is captured
 * (lib/native/stderr-capture.ts) and the lines TF_CPP_MIN_LOG_LEVEL lets through are written after
 * it (all of them for 0; with the default 2, errors only). `FACEGAN_TF_LOG=1` loads it as it is.
 * Whether oneDNN is on is in the backend's one-line description (describeBackend) instead.
 */
function requireNative(pkg: NativePackage): void {
  if (tfLogAsked()) {
    require(pkg);
    return;
  }
  let captured: string | null;
  try {
    captured = captureStderr(() => require(pkg)).captured;
  } catch (e) {
    const said = (e as { capturedStderr?: string }).capturedStderr;
    if (said) process.stderr.write(said.endsWith('\n') ? said : `${said}\n`);
    throw e;
  }
  const level = Number(process.env.TF_CPP_MIN_LOG_LEVEL);
  const shown = captured === null ? '' : tfLogLines(captured, Number.isFinite(level) ? level : 0);
  if (shown.trim()) process.stderr.write(shown.endsWith('\n') ? shown : `${shown}\n`);
}

/**
 * Whether libtensorflow in this process runs oneDNN kernels, from `TF_ENABLE_ONEDNN_OPTS` as
 * TensorFlow reads it ('1'/'true' on, '0'/'false' off); null when no native backend is loaded or
 * the value leaves it to TensorFlow's CPU check.
 */
export function nativeOneDnn(): boolean | null {
  if (oneDnnAtLoad !== undefined) return oneDnnAtLoad;
  if (!tf.findBackendFactory('tensorflow')) return null;
  return oneDnnFromEnv();
}

/** TensorFlow reads the variable once, when the binding loads: loadNative records that value here. */
let oneDnnAtLoad: boolean | null | undefined;

function oneDnnFromEnv(): boolean | null {
  const v = (process.env.TF_ENABLE_ONEDNN_OPTS ?? '').toLowerCase();
  if (v === '1' || v === 'true') return true;
  if (v === '0' || v === 'false') return false;
  return null;
}

/** The tfjs-node package whose 'tensorflow' backend is registered in this process, if any. */
function loadedNativePackage(): NativePackage | null {
  if (!tf.findBackendFactory('tensorflow')) return null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const be = tf.findBackend('tensorflow') as any;
  return be?.isGPUPackage ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
}

/** Loads tfjs-node(-gpu) into this process (after cheap checks) and activates 'tensorflow'. */
async function loadNative(pkg: NativePackage, opts: InitBackendOptions): Promise<Loaded> {
  const other = loadedNativePackage();
  if (other !== null && other !== pkg) throw new Error(`${other} is already loaded in this process`);
  if (other === null) {
    const dir = packageDir(pkg);
    if (dir === null) throw new Error(`${pkg} is not installed (optional dependency)`);
    const file = bindingFile(dir);
    if (!fs.existsSync(file)) throw new Error(`native binding not built (no ${file})`);
    setThreadEnv(opts.threads);
    if (pkg === '@tensorflow/tfjs-node-gpu') {
      // Loading both libtensorflows into one process is unsafe, so test the GPU package in a child first.
      const p = await probeNative(pkg);
      if (!p.ok) throw new Error(p.error ?? 'probe failed');
      if (!p.usingGpu) throw new Error('loads, but TensorFlow found no usable GPU (CUDA 11.2 / cuDNN 8.1 libraries missing, or no device)');
    }
    try {
      requireNative(pkg);
    } catch (e) {
      throw new Error(`require('${pkg}') failed: ${firstLine(e)}`);
    }
  }
  if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkg} loaded but tf.setBackend('tensorflow') failed`);
  await tf.ready();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const be = tf.backend() as any;
  const sum = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).dataSync());
  if (sum[0] !== 4 || sum[1] !== 6) throw new Error(`${pkg}: a test addition returned ${Array.from(sum)}`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nodeVersion = (require(`${pkg}/package.json`) as { version: string }).version;
  const oneDnn = (oneDnnAtLoad ??= oneDnnFromEnv());
  const versions: Record<string, string> = { ...baseVersions(), [pkg.replace('@tensorflow/', '')]: nodeVersion, libtensorflow: String(be.binding?.TF_Version) };
  versions.onednn = oneDnn === null ? 'tensorflow default' : oneDnn ? 'on' : 'off';
  const note = pkg === '@tensorflow/tfjs-node-gpu' ? (be.isUsingGpuDevice ? 'GPU device' : 'no GPU device') : undefined;
  return { tfBackend: tf.getBackend(), threads: Number(process.env.TF_NUM_INTRAOP_THREADS), versions, note };
}

async function loadWasm(opts: InitBackendOptions): Promise<Loaded> {
  let wasm: { getThreadsCount?: () => number; version_wasm?: string };
  try {
    require.resolve('@tensorflow/tfjs-backend-wasm');
  } catch {
    throw new Error('@tensorflow/tfjs-backend-wasm is not installed');
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    wasm = require('@tensorflow/tfjs-backend-wasm');
  } catch (e) {
    throw new Error(`require('@tensorflow/tfjs-backend-wasm') failed: ${firstLine(e)}`);
  }
  const missing = opts.inference ? [] : TRAINING_KERNELS.filter((k) => !tf.getKernel(k, 'wasm'));
  if (missing.length > 0) throw new Error(`has no wasm kernel for ${missing.join(', ')} (training needs them)`);
  if (!(await tf.setBackend('wasm'))) throw new Error("tf.setBackend('wasm') failed");
  await tf.ready();
  return {
    tfBackend: tf.getBackend(),
    threads: wasm.getThreadsCount?.() ?? 1,
    versions: { ...baseVersions(), 'tfjs-backend-wasm': wasm.version_wasm ?? '?' },
  };
}

async function loadCpu(): Promise<Loaded> {
  if (!(await tf.setBackend('cpu'))) throw new Error("tf.setBackend('cpu') failed");
  await tf.ready();
  return { tfBackend: tf.getBackend(), threads: 1, versions: baseVersions() };
}

function load(name: BackendName, opts: InitBackendOptions): Promise<Loaded> {
  if (name === 'node-gpu') return loadNative('@tensorflow/tfjs-node-gpu', opts);
  if (name === 'node') return loadNative('@tensorflow/tfjs-node', opts);
  if (name === 'wasm') return loadWasm(opts);
  return loadCpu();
}

/** Parses a backend request; '', undefined and 'auto' mean automatic selection. */
function parseRequest(value: string | undefined, source: string): BackendName | 'auto' {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '' || v === 'auto') return 'auto';
  if ((BACKEND_ORDER as readonly string[]).includes(v)) return v as BackendName;
  throw new Error(`${source}="${value}": expected one of ${BACKEND_ORDER.join(', ')} (or auto)`);
}

/**
 * Selects and activates the tfjs backend (see the file comment) and says which and why. Calling it
 * again returns the same choice unless a different backend is requested. Throws when an explicitly
 * requested backend cannot load, with the cause and the fix (e.g. `npm run setup:native`).
 * Warns once on stderr when automatic selection falls back to the slow cpu backend.
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  const source = opts.backend !== undefined ? 'initBackend({ backend })' : 'FACEGAN_BACKEND';
  const requested = parseRequest(opts.backend ?? process.env.FACEGAN_BACKEND, source);
  const label = opts.backend !== undefined ? `initBackend({ backend: '${requested}' })` : `FACEGAN_BACKEND=${requested}`;
  if (current && (requested === 'auto' || requested === current.name)) {
    if (tf.getBackend() !== current.tfBackend) await tf.setBackend(current.tfBackend);
    return current;
  }
  if (requested !== 'auto') {
    try {
      const l = await load(requested, opts);
      current = info(requested, l, `requested by ${label}`, []);
      return current;
    } catch (e) {
      const why = firstLine(e);
      const fix = /already loaded in this process/.test(why)
        ? 'pick one native backend per process (run the other in a child process)'
        : FIX[requested];
      throw new Error(`${label}: the ${requested} backend cannot be used: ${why}. Fix: ${fix}`);
    }
  }
  const tried: { name: string; error: string }[] = [];
  for (const name of BACKEND_ORDER) {
    try {
      const l = await load(name, opts);
      const skipped = tried.map((t) => `${t.name}: ${t.error}`).join('; ');
      current = info(name, l, `fastest that loads${skipped ? ` (skipped ${skipped})` : ''}`, tried);
      if (name === 'cpu' && !opts.quiet && !warnedCpu) {
        warnedCpu = true;
        process.stderr.write(
          `facegan: falling back to the slow pure-JS cpu backend (~60x slower than native TensorFlow). ` +
            `Tried: ${skipped}. To fix: npm run setup:native (docs/native.md).\n`,
        );
      }
      return current;
    } catch (e) {
      tried.push({ name, error: firstLine(e) });
      const built = !/not installed|not built/.test(firstLine(e));
      if (name === 'node-gpu' && built && !opts.quiet) {
        process.stderr.write(`facegan: tfjs-node-gpu is built but unusable (${firstLine(e)}); failing over to node.\n`);
      }
    }
  }
  throw new Error(`initBackend: no backend could be loaded: ${tried.map((t) => `${t.name}: ${t.error}`).join('; ')}`);
}

function info(name: BackendName, l: Loaded, reason: string, tried: BackendInfo['tried']): BackendInfo {
  return { name, tfBackend: l.tfBackend, reason: l.note ? `${reason}; ${l.note}` : reason, tried, threads: l.threads, versions: l.versions };
}

/** One line for logs, e.g. `node (tf 'tensorflow', libtensorflow 2.21.0, 2 threads): fastest that loads`. */
export function describeBackend(info: BackendInfo): string {
  const dnn = info.versions.onednn ? ` (oneDNN ${info.versions.onednn})` : '';
  const lib = info.versions.libtensorflow ? `, libtensorflow ${info.versions.libtensorflow}${dnn}` : '';
  const threads = `${info.threads} thread${info.threads === 1 ? '' : 's'}`;
  return `${info.name} (tf '${info.tfBackend}'${lib}, tfjs ${info.versions.tfjs ?? info.versions['tfjs-core']}, ${threads}): ${info.reason}`;
}
