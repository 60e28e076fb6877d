/**
 * One DCGAN training step, as pytorch/examples dcgan/main.py:
 *   (1) update D: maximise log D(x) + log(1 - D(G(z)))  (real batch labelled 1, fake batch labelled 0)
 *   (2) update G: maximise log D(G(z))                 (fake batch labelled 1, with the updated D)
 *
 * G runs forward once per step, as in PyTorch: D's update runs inside the tape that records G(z)
 * but unrecorded by it (outsideTape, lib/kernels/outside-tape.ts), so G's update reuses that
 * forward pass. `gForward: 'twice'` runs G again instead (the bench's 'plain' step; same weights,
 * test/unit/train-step.test.ts). Nothing is read back to the CPU here: the caller decides when to sync.
 *
 * How G and D are run and scored comes from `StepParts`: DCGAN_STEP is the study's; the
 * extensions (class labels, ACGAN head, MSGAN mode seeking, same-face term, DiffAugment, label
 * smoothing) compose other parts in lib/train/extensions/.
 */
import * as tf from '@tensorflow/tfjs';
import { Adam } from './adam';
import { bceWithLogits } from './loss';
import { GanPair } from './gan-pair';
import { outsideTape } from '../kernels/outside-tape';

/** D's outputs on a batch: real/fake logits and, for an ACGAN-style D, class logits. */
export interface DOutput {
  logit: tf.Tensor;
  cls?: tf.Tensor;
}
/** G's images for the batch; `extra`: more renderings an extension asked for (D never sees them). */
export interface GOutput {
  fake: tf.Tensor4D;
  extra?: tf.Tensor4D;
}

/** How a step runs G and D and what it minimises. */
export interface StepParts {
  G(G: tf.LayersModel, z: tf.Tensor4D): GOutput;
  D(D: tf.LayersModel, x: tf.Tensor4D, batch: 'real' | 'fake'): DOutput;
  lossD(real: DOutput, fake: DOutput): tf.Scalar;
  lossG(fake: DOutput, g: GOutput, z: tf.Tensor4D): tf.Scalar;
}

/** The study's DCGAN: G(z), D(x), BCE with targets 1 (real) and 0 (fake) for D, 1 for G. */
export const DCGAN_STEP: StepParts = {
  G: (G, z) => ({ fake: G.apply(z, { training: true }) as tf.Tensor4D }),
  D: (D, x) => ({ logit: D.apply(x, { training: true }) as tf.Tensor }),
  lossD: (real, fake) => bceWithLogits(real.logit, 1).add(bceWithLogits(fake.logit, 0)) as tf.Scalar,
  lossG: (fake) => bceWithLogits(fake.logit, 1),
};

export interface StepOptions {
  /** How G and D are run and scored (default DCGAN_STEP; lib/train/extensions/ builds others). */
  parts?: StepParts;
  /** 'once' (default): D's update reuses G's forward pass; 'twice': G runs again for D's update. */
  gForward?: 'once' | 'twice';
}

/** Scalars of one step, still on the device: call `readSteps` to get numbers. */
export interface StepTensors {
  lossD: tf.Scalar;
  lossG: tf.Scalar;
  /** mean D(x) on the real batch */
  dX: tf.Scalar;
  /** mean D(G(z)) before the D update */
  dGz1: tf.Scalar;
  /** mean D(G(z)) after the D update */
  dGz2: tf.Scalar;
}

const meanSigmoid = (logits: tf.Tensor) => tf.keep(tf.sigmoid(logits).mean() as tf.Scalar);

/** Minimises `loss` over the optimizer's variables by one step; returns the loss. */
function minimize(opt: Adam, loss: () => tf.Scalar): tf.Scalar {
  const { value, grads } = tf.variableGrads(loss, opt.params);
  const list = opt.params.map((v) => grads[v.name]);
  opt.apply(list);
  tf.dispose(list);
  return value;
}

/** One training step on a real batch in [-1, 1] and noise z [b, 1, 1, nz]. */
export function trainStep(pair: GanPair, real: tf.Tensor4D, z: tf.Tensor4D, opts: StepOptions = {}): StepTensors {
  const { G, D, optG, optD } = pair;
  const step = opts.parts ?? DCGAN_STEP;
  let dX!: tf.Scalar, dGz1!: tf.Scalar, dGz2!: tf.Scalar, lossD!: tf.Scalar;

  // (1) Update D: maximise log D(x) + log(1 - D(G(z)))
  const updateD = (fake: tf.Tensor4D) =>
    minimize(optD, () => {
      const outReal = step.D(D, real, 'real');
      const outFake = step.D(D, fake, 'fake');
      dX = meanSigmoid(outReal.logit);
      dGz1 = meanSigmoid(outFake.logit);
      return step.lossD(outReal, outFake);
    });
  if (opts.gForward === 'twice') {
    const fake = tf.tidy(() => step.G(G, z).fake);
    lossD = updateD(fake);
    fake.dispose();
  }

  // (2) Update G: maximise log D(G(z)), with the updated D
  const lossG = minimize(optG, () => {
    const g = step.G(G, z);
    if (opts.gForward !== 'twice') lossD = tf.keep(outsideTape(() => updateD(g.fake)));
    const out = step.D(D, g.fake, 'fake');
    dGz2 = meanSigmoid(out.logit);
    return step.lossG(out, g, z);
  });
  return { lossD, lossG, dX, dGz1, dGz2 };
}

export interface StepValues {
  lossD: number;
  lossG: number;
  dX: number;
  dGz1: number;
  dGz2: number;
}

/** Reads many steps' scalars in one transfer and disposes them. */
export async function readSteps(steps: StepTensors[]): Promise<StepValues[]> {
  if (steps.length === 0) return [];
  const flat = steps.flatMap((s) => [s.lossD, s.lossG, s.dX, s.dGz1, s.dGz2]);
  const stacked = tf.stack(flat);
  const v = await stacked.data();
  stacked.dispose();
  tf.dispose(flat);
  return steps.map((_, i) => ({
    lossD: v[i * 5],
    lossG: v[i * 5 + 1],
    dX: v[i * 5 + 2],
    dGz1: v[i * 5 + 3],
    dGz2: v[i * 5 + 4],
  }));
}
