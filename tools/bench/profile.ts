/**
 * Where the time of one training step goes, on the active backend:
 *  - phases: the study's step of lib/train/step.ts (G forward once) written out, with a clock
 *    reading between phases (data -> tensor, G forward, D forward, D backward, D Adam, D on the
 *    fake batch for G's loss, G backward, G Adam, sync). CPU backends run each op synchronously,
 *    so the readings are the phases' times; test/unit/bench-profile.test.ts checks that this step gives
 *    the same losses and weights as `trainStep`.
 *  - kernels: tf.profile of the real `trainStep`, time per kernel name (nested op wrappers
 *    `*__op` are left out, their kernels are counted), and the share of the convolutions.
 *  - allocations: tensors created per step, how many of them carry data uploaded from JS
 *    (constants such as the scalars of `x.mul(0.5)`) and what those uploads cost.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../lib/rng';
import { BatchStream } from '../../lib/data/batches';
import { DcganSpec } from '../../lib/models/spec';
import { buildGenerator, buildDiscriminator } from '../../lib/models/dcgan';
import { trainStep, readSteps, StepTensors, StepValues } from '../../lib/train/step';
import { GanPair, makeGanPair } from '../../lib/train/gan-pair';
import { useKernels } from '../../lib/kernels/kernels';
import { bceWithLogits } from '../../lib/train/loss';
import { noiseTensor } from '../../lib/sample/noise';
import { syntheticImageSet } from './synthetic';
import { median } from './machine';

export const PHASES = ['data -> tensor', 'G forward', 'D forward (real, fake)', 'D backward', 'D Adam', 'D forward (fake, for G)', 'G backward (through D and G)', 'G Adam', 'sync (read losses)'] as const;
export type Phase = (typeof PHASES)[number];

const meanSigmoid = (logits: tf.Tensor) => tf.keep(tf.sigmoid(logits).mean() as tf.Scalar);

/**
 * The study's step of lib/train/step.ts (DCGAN_STEP, G forward once), written out with
 * `mark(phase)` called at the end of each phase. Returns the step's scalars, like trainStep.
 */
export function phasedStep(pair: GanPair, real: tf.Tensor4D, z: tf.Tensor4D, mark: (p: Phase) => void): StepTensors {
  let lossD: tf.Scalar | undefined;
  let dX: tf.Scalar | undefined;
  let dGz1: tf.Scalar | undefined;
  let dGz2: tf.Scalar | undefined;
  const gVars = pair.optG.params;
  const dVars = pair.optD.params;
  const { value: lossG, grads } = tf.variableGrads(() => {
    const fake = pair.G.apply(z, { training: true }) as tf.Tensor4D;
    mark('G forward');
    const d = tf.variableGrads(() => {
      const outReal = pair.D.apply(real, { training: true }) as tf.Tensor;
      const outFake = pair.D.apply(fake, { training: true }) as tf.Tensor;
      dX = meanSigmoid(outReal);
      dGz1 = meanSigmoid(outFake);
      const loss = bceWithLogits(outReal, 1).add(bceWithLogits(outFake, 0)) as tf.Scalar;
      mark('D forward (real, fake)');
      return loss;
    }, dVars);
    mark('D backward');
    const dList = dVars.map((v) => d.grads[v.name]);
    pair.optD.apply(dList);
    tf.dispose(dList);
    lossD = tf.keep(d.value);
    mark('D Adam');
    const out = pair.D.apply(fake, { training: true }) as tf.Tensor;
    dGz2 = meanSigmoid(out);
    const loss = bceWithLogits(out, 1);
    mark('D forward (fake, for G)');
    return loss;
  }, gVars);
  mark('G backward (through D and G)');
  const list = gVars.map((v) => grads[v.name]);
  pair.optG.apply(list);
  tf.dispose(list);
  mark('G Adam');
  return { lossD: lossD!, lossG, dX: dX!, dGz1: dGz1!, dGz2: dGz2! };
}

/** Runs one phased step and reads its values; `ms` holds each phase's milliseconds. */
export async function timedStep(pair: GanPair, makeBatch: () => { real: tf.Tensor4D; z: tf.Tensor4D }): Promise<{ ms: Record<Phase, number>; values: StepValues }> {
  const ms = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;
  let t = performance.now();
  const mark = (p: Phase) => {
    const now = performance.now();
    ms[p] += now - t;
    t = now;
  };
  const { real, z } = makeBatch();
  mark('data -> tensor');
  const s = phasedStep(pair, real, z, mark);
  tf.dispose([real, z]);
  const [values] = await readSteps([s]);
  mark('sync (read losses)');
  return { ms, values };
}

export interface KernelTime {
  kernel: string;
  calls: number;
  ms: number;
}

export interface StepProfile {
  batch: number;
  fused: boolean;
  steps: number;
  /** median milliseconds per phase over the profiled steps */
  phases: { phase: Phase; ms: number; share: number }[];
  step_ms: number;
  /** tf.profile of one real trainStep */
  kernels: KernelTime[];
  kernel_ms: number;
  conv_ms: number;
  kernel_calls: number;
  /** tensors created during one step (kernel outputs, tape clones, constants) */
  tensors_created: number;
  /** tensors whose data was uploaded from JS during one step (constants, noise, batch) */
  uploads: number;
  upload_bytes: number;
  /** measured cost of one small upload + its use in an op, microseconds */
  upload_us: number;
  /** measured cost of a large upload (array made in JS), milliseconds per MB */
  upload_ms_per_mb: number;
  /** tensors alive after the step minus before (0: nothing leaks) */
  tensor_growth: number;
  peak_bytes: number;
}

const CONV = new Set(['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'BatchMatMul', '_FusedMatMul']);

/** Counts tensor creations and backend uploads while `f` runs. */
async function countAllocations<T>(f: () => Promise<T>): Promise<{ result: T; created: number; uploads: number; bytes: number }> {
  const nextId = () => {
    const s = tf.scalar(0);
    const id = s.id;
    s.dispose();
    return id;
  };
  const id0 = nextId();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const be = tf.backend() as any;
  const write = be.write;
  let uploads = 0;
  let bytes = 0;
  be.write = function (values: ArrayLike<number> | null, shape: number[], dtype: string) {
    uploads += 1;
    bytes += shape.reduce((a, b) => a * b, 1) * (dtype === 'string' ? 1 : 4);
    return write.call(be, values, shape, dtype);
  };
  let result: T;
  try {
    result = await f();
  } finally {
    be.write = write;
  }
  const created = nextId() - id0 - 1;
  return { result, created, uploads, bytes };
}

/** Milliseconds per MB of a large array made in JS and uploaded (tf.ones), beyond making it on the backend (tf.fill). */
function bulkUploadCost(): number {
  const n = 1 << 22;
  const rounds: number[] = [];
  for (let r = 0; r < 3; r++) {
    let t = performance.now();
    tf.tidy(() => void tf.fill([n], 1).sum());
    const onBackend = performance.now() - t;
    t = performance.now();
    tf.tidy(() => void tf.ones([n]).sum());
    const fromJs = performance.now() - t;
    rounds.push((fromJs - onBackend) / ((4 * n) / 2 ** 20));
  }
  return Math.max(0, median(rounds));
}

/** Microseconds of one scalar upload used in an op, beyond the op itself (median of 5 x 200). */
function uploadCost(): number {
  const x = tf.ones([8]);
  const c = tf.scalar(0.5);
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    let t = performance.now();
    for (let i = 0; i < 200; i++) tf.tidy(() => void x.mul(c));
    const pre = performance.now() - t;
    t = performance.now();
    for (let i = 0; i < 200; i++) tf.tidy(() => void x.mul(0.5));
    const fresh = performance.now() - t;
    rounds.push(((fresh - pre) / 200) * 1000);
  }
  tf.dispose([x, c]);
  return Math.max(0, median(rounds));
}

/**
 * Profiles the training step of `spec` at `batch` on the active backend: `steps` phased steps
 * after one warm-up, then one real trainStep under tf.profile and allocation counting. `fused`:
 * with lib/kernels/fused-layers.ts applied to both nets (as the trainer does); false: stock tfjs layers.
 */
export async function profileStep(spec: DcganSpec, batch: number, steps = 2, seed = 0, fused = false): Promise<StepProfile> {
  const G = buildGenerator(spec, seed * 2 + 1);
  const D = buildDiscriminator(spec, seed * 2 + 2);
  useKernels(fused ? 'fused' : 'stock', [G, D]);
  const pair = makeGanPair(G, D);
  const stream = new BatchStream(syntheticImageSet(spec, batch * 2, seed), { batchSize: batch, seed, dropLast: true });
  const rng = new Rng(seed);
  const makeBatch = () => {
    const b = stream.next();
    return { real: tf.tensor4d(b.data, b.shape), z: noiseTensor(rng, batch, spec.nz) };
  };
  await timedStep(pair, makeBatch); // warm-up
  const runs: Record<Phase, number>[] = [];
  for (let i = 0; i < steps; i++) runs.push((await timedStep(pair, makeBatch)).ms);
  const phaseMs = PHASES.map((p) => ({ phase: p, ms: median(runs.map((r) => r[p])) }));
  const stepMs = phaseMs.reduce((a, p) => a + p.ms, 0);

  const before = tf.memory().numTensors;
  const counted = await countAllocations(async () => {
    const { real, z } = makeBatch();
    let out: StepTensors | undefined;
    const prof = await tf.profile(() => {
      out = trainStep(pair, real, z);
    });
    tf.dispose([real, z]);
    await readSteps([out!]);
    return prof;
  });
  const prof = counted.result;
  const growth = tf.memory().numTensors - before;
  const byName = new Map<string, KernelTime>();
  for (const k of prof.kernels) {
    if (k.name.endsWith('__op')) continue;
    const ms = Number(await k.kernelTimeMs) || 0;
    // tf.customGrad records its forward as one 'unnamed scope' kernel (fused layers); its backward
    // calls TensorFlow directly and is not in tf.profile's list (the phase timings include it).
    const name = k.name === 'unnamed scope' ? 'customGrad forward' : k.name;
    const e = byName.get(name) ?? { kernel: name, calls: 0, ms: 0 };
    e.calls += 1;
    e.ms += ms;
    byName.set(name, e);
  }
  const kernels = [...byName.values()].sort((a, b) => b.ms - a.ms);
  const kernelMs = kernels.reduce((a, k) => a + k.ms, 0);
  const upload = uploadCost();
  const bulk = bulkUploadCost();
  pair.G.dispose();
  pair.D.dispose();
  pair.optG.dispose();
  pair.optD.dispose();
  return {
    batch,
    fused,
    steps,
    phases: phaseMs.map((p) => ({ ...p, share: p.ms / stepMs })),
    step_ms: stepMs,
    kernels,
    kernel_ms: kernelMs,
    conv_ms: kernels.filter((k) => CONV.has(k.kernel)).reduce((a, k) => a + k.ms, 0),
    kernel_calls: kernels.reduce((a, k) => a + k.calls, 0),
    tensors_created: counted.created,
    uploads: counted.uploads,
    upload_bytes: counted.bytes,
    upload_us: upload,
    upload_ms_per_mb: bulk,
    tensor_growth: growth,
    peak_bytes: prof.peakBytes,
  };
}
