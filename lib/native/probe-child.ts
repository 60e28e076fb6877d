/**
 * Child-process half of {@link probeNative} (lib/native/probe.ts). Run as
 * `FACEGAN_PROBE_PACKAGE=<package> [FACEGAN_PROBE_BENCH=1] node --import tsx lib/native/probe-child.ts`
 * from the repository root (its input comes in the environment: lib/ parses no command lines).
 *
 * Loads the tfjs-node package in a fresh engine, runs conv2d + matMul on its 'tensorflow' backend
 * and again on the pure-JS 'cpu' backend, and prints one line `FACEGAN_PROBE {json}` (a
 * {@link ProbeReport}). A crash in the native code kills only this child, never the caller.
 */
import type * as tfType from '@tensorflow/tfjs';

/** What the child reports. */
export interface ProbeReport {
  ok: boolean;
  error?: string;
  backend?: string;
  usingGpu?: boolean;
  tfVersion?: string;
  tfjsVersion?: string;
  maxAbsDiff?: number;
  loadMs?: number;
  /** GFLOP/s of a [128,512]x[512,512] matMul and of a 3x3 conv, native vs cpu (with --bench). */
  bench?: { matmulNative: number; matmulCpu: number; convNative: number; convCpu: number };
}

const MARK = 'FACEGAN_PROBE ';

function report(r: ProbeReport): void {
  process.stdout.write(`\n${MARK}${JSON.stringify(r)}\n`);
}

/** Deterministic values in [-1, 1] so both backends see identical inputs. */
function det(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(i * 0.7 + seed) * 0.9;
  return a;
}

function compute(tf: typeof tfType): Float32Array[] {
  const outs = tf.tidy(() => {
    const x = tf.tensor4d(det(1 * 9 * 9 * 3, 1), [1, 9, 9, 3]);
    const w = tf.tensor4d(det(3 * 3 * 3 * 4, 2), [3, 3, 3, 4]);
    const a = tf.tensor2d(det(16 * 24, 3), [16, 24]);
    const b = tf.tensor2d(det(24 * 8, 4), [24, 8]);
    return [tf.conv2d(x, w, 1, 'same'), tf.matMul(a, b)];
  });
  const data = outs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outs);
  return data;
}

/**
 * Runs `fn` and waits for its result. (Not `tf.tidy(() => fn().dataSync())`: tidy walks every
 * element of a returned typed array looking for tensors, which costs milliseconds per call.)
 */
function runOnce(tf: typeof tfType, fn: () => tfType.Tensor): void {
  const t = fn();
  t.dataSync();
  tf.dispose(t);
}

/** GFLOP/s of `fn` (which does `flop` floating-point operations), best of a few timed runs. */
function gflops(tf: typeof tfType, flop: number, fn: () => tfType.Tensor, minMs: number): number {
  runOnce(tf, fn); // warm-up
  let best = Infinity;
  const t0 = Date.now();
  for (let i = 0; i < 20 && (i < 2 || Date.now() - t0 < minMs); i++) {
    const s = process.hrtime.bigint();
    runOnce(tf, fn);
    best = Math.min(best, Number(process.hrtime.bigint() - s) / 1e9);
  }
  return flop / best / 1e9;
}

function bench(tf: typeof tfType, minMs: number): { matmul: number; conv: number } {
  const a = tf.tensor2d(det(128 * 512, 5), [128, 512]);
  const b = tf.tensor2d(det(512 * 512, 6), [512, 512]);
  // A DCGAN-sized conv: 16 images of 16x16x128 -> 64 channels, 3x3 kernel, 'same'.
  const x = tf.tensor4d(det(16 * 16 * 16 * 128, 7), [16, 16, 16, 128]);
  const w = tf.tensor4d(det(3 * 3 * 128 * 64, 8), [3, 3, 128, 64]);
  const matmul = gflops(tf, 2 * 128 * 512 * 512, () => tf.matMul(a, b), minMs);
  const conv = gflops(tf, 2 * 16 * 16 * 16 * 64 * 3 * 3 * 128, () => tf.conv2d(x, w, 1, 'same'), minMs);
  tf.dispose([a, b, x, w]);
  return { matmul, conv };
}

async function main(): Promise<void> {
  const pkg = process.env.FACEGAN_PROBE_PACKAGE;
  if (pkg !== '@tensorflow/tfjs-node' && pkg !== '@tensorflow/tfjs-node-gpu') {
    report({ ok: false, error: `probe-child: expected @tensorflow/tfjs-node or -node-gpu, got ${pkg}` });
    return;
  }
  const t0 = Date.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tf = require(pkg) as typeof tfType;
  const loadMs = Date.now() - t0;
  await tf.ready();
  const backend = tf.getBackend();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const be = tf.backend() as any;
  const base: ProbeReport = {
    ok: false,
    backend,
    loadMs,
    usingGpu: Boolean(be.isUsingGpuDevice),
    tfVersion: be.binding?.TF_Version,
    tfjsVersion: tf.version_core,
  };
  if (backend !== 'tensorflow') {
    report({ ...base, error: `${pkg} loaded but the active backend is '${backend}', not 'tensorflow'` });
    return;
  }
  const native = compute(tf);
  const doBench = process.env.FACEGAN_PROBE_BENCH === '1';
  const nb = doBench ? bench(tf, 1500) : null;
  await tf.setBackend('cpu');
  const cpu = compute(tf);
  const cb = doBench ? bench(tf, 1500) : null;
  let maxAbsDiff = 0;
  native.forEach((arr, k) => arr.forEach((v, i) => (maxAbsDiff = Math.max(maxAbsDiff, Math.abs(v - cpu[k][i])))));
  const ok = Number.isFinite(maxAbsDiff) && maxAbsDiff < 1e-3;
  report({
    ...base,
    ok,
    maxAbsDiff,
    error: ok ? undefined : `native conv2d/matMul differ from the cpu backend by ${maxAbsDiff}`,
    bench: nb && cb ? { matmulNative: nb.matmul, matmulCpu: cb.matmul, convNative: nb.conv, convCpu: cb.conv } : undefined,
  });
}

main().catch((e: unknown) => {
  report({ ok: false, error: e instanceof Error ? e.message.split('\n')[0] : String(e) });
});
