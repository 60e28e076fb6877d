/**
 * One DCGAN training step, as in the PyTorch DCGAN tutorial:
 *   (1) update D: maximise log D(x) + log(1 - D(G(z)))  (real batch labelled 1, fake batch labelled 0)
 *   (2) update G: maximise log D(G(z))                 (fake batch labelled 1, with the updated D)
 *
 * The lean step (default) runs G's forward pass once per step, as PyTorch does: the D update runs
 * inside the tape that records G(z) (but unrecorded by it, see outsideTape), so the G update
 * reuses that forward pass. The plain step
 * computes G(z) twice; it exists to prove that the lean one gives the same weights
 * (test/train-step.test.ts). Nothing is read back to the CPU here: the caller decides when to sync.
 *
 * `StepOptions` (all optional; without them the step is exactly the study's): class-conditional
 * models (G and D take a one-hot label as second input; an ACGAN auxiliary head adds a
 * cross-entropy term), one-sided label smoothing (real target < 1 in D's loss only) and
 * differentiable augmentation of every batch D sees, real and fake (DiffAugment, lib/train/augment.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { Adam } from './adam';
import { bceWithLogits } from './loss';
import { trainableVariables } from '../models/dcgan';
import { fuseLayers } from '../kernels/fused-layers';

export interface GanPair {
  G: tf.LayersModel;
  D: tf.LayersModel;
  optG: Adam;
  optD: Adam;
}

/** Scalars of one step, still on the device: call `readStep` (or batch them) to get numbers. */
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

/**
 * Creates G and D's optimizers with the given Adam settings. Unless `fuse` is false, first patches
 * both nets with lib/kernels/fused-layers.ts (TensorFlow's fused BatchNorm / ReLU / LeakyReLU
 * kernels on the native backend, only-needed convolution gradients everywhere; same results to
 * float32 rounding, and bit-identical on the pure-JS backend, where BatchNorm and activations run unchanged).
 */
export function makeGanPair(G: tf.LayersModel, D: tf.LayersModel, adam?: ConstructorParameters<typeof Adam>[1], opts: { fuse?: boolean } = {}): GanPair {
  if (opts.fuse !== false) {
    fuseLayers(G);
    fuseLayers(D);
  }
  return { G, D, optG: new Adam(trainableVariables(G), adam), optD: new Adam(trainableVariables(D), adam) };
}

/** Extras of a training step; none of them changes the step when absent. */
export interface StepOptions {
  /** Class-conditional models: one-hot labels [b, classes] of the real batch and of the fakes G is asked for. */
  labels?: { real: tf.Tensor2D; fake: tf.Tensor2D };
  /** Weight of an ACGAN auxiliary classification loss (D's second output); needs `labels`. */
  auxWeight?: number;
  /** Target of real images in D's loss: 1 (default) or e.g. 0.9 (one-sided label smoothing). */
  realLabel?: number;
  /** Differentiable augmentation applied to every batch before D sees it (real and fake, both updates). */
  augment?: (x: tf.Tensor4D) => tf.Tensor4D;
  /**
   * Mode-seeking term (Mao et al. 2019, MSGAN) for conditional G, with this weight: the fakes come in
   * two halves with the same labels (fake i and i + b/2), and G's loss gets
   * weight / (mean|G(z1) - G(z2)| / mean|z1 - z2| + 1e-5), which punishes a G that ignores z.
   */
  modeSeeking?: number;
  /**
   * Same-face term for conditional G: G also renders the first n noise vectors under `labels`
   * (other expressions, [n, classes]) in the same forward pass, and G's loss gets
   * weight * mean (pool(G(z_i, y_i)) - pool(G(z_i, y'_i)))^2 with 8x8 average pooling (the coarse face).
   * The extra images are not shown to D.
   */
  sameFace?: { weight: number; labels: tf.Tensor2D };
}

/** MSGAN's term: weight / (image distance / noise distance) between the two halves of the batch. */
function modeSeekingLoss(fake: tf.Tensor4D, z: tf.Tensor4D, weight: number): tf.Scalar {
  const h = Math.floor(fake.shape[0] / 2);
  if (h < 1) return tf.scalar(0);
  const dImg = tf.abs(fake.slice([0, 0, 0, 0], [h, -1, -1, -1]).sub(fake.slice([h, 0, 0, 0], [h, -1, -1, -1]))).mean();
  const dZ = tf.abs(z.slice([0, 0, 0, 0], [h, -1, -1, -1]).sub(z.slice([h, 0, 0, 0], [h, -1, -1, -1]))).mean();
  return tf.scalar(weight).div(dImg.div(dZ).add(1e-5)) as tf.Scalar;
}

/** Pooling window of the same-face term: 48x48 -> 6x6, 64x64 -> 8x8. */
export const SAME_FACE_POOL = 8;

/**
 * weight * mean (pool(a) - pool(b))^2: how much the coarse face differs between two renderings.
 * Squared, not absolute: an L1 penalty pulls every small difference to exactly zero, which kept the
 * label from changing anything (a trial with L1, weight 2: at epoch 2 only 'surprise' differed);
 * the square lets a few cells change (mouth, brows) and punishes a whole face that changes.
 */
export function sameFaceLoss(a: tf.Tensor4D, b: tf.Tensor4D, weight: number): tf.Scalar {
  const pool = (x: tf.Tensor4D) => tf.avgPool(x, SAME_FACE_POOL, SAME_FACE_POOL, 'valid');
  return tf.squaredDifference(pool(a), pool(b)).mean().mul(weight) as tf.Scalar;
}

const meanSigmoid = (logits: tf.Tensor) => tf.keep(tf.sigmoid(logits).mean() as tf.Scalar);

/** BCE on logits against a constant target y in [0, 1] (label smoothing); equals bceWithLogits for y = 0, 1. */
export function bceWithLogitsTarget(logits: tf.Tensor, y: number): tf.Scalar {
  if (y === 0 || y === 1) return bceWithLogits(logits, y);
  return tf.tidy(() => {
    const l = logits.reshape([-1]);
    return tf.relu(l).sub(l.mul(y)).add(tf.log1p(tf.exp(tf.neg(tf.abs(l))))).mean() as tf.Scalar;
  });
}

/** D on a batch: the adversarial logits and, for ACGAN-style D, the class logits. */
function runD(pair: GanPair, x: tf.Tensor4D, labels: tf.Tensor2D | undefined, o: StepOptions): { logit: tf.Tensor; cls?: tf.Tensor } {
  const input = o.augment ? o.augment(x) : x;
  const out = pair.D.apply(labels ? [input, labels] : input, { training: true }) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? { logit: out[0], cls: out[1] } : { logit: out };
}

/** Mean softmax cross-entropy of class logits against one-hot labels, times `weight`. */
function auxLoss(cls: tf.Tensor | undefined, labels: tf.Tensor2D | undefined, weight: number | undefined): tf.Scalar | null {
  if (!cls || !labels || !weight) return null;
  return tf.losses.softmaxCrossEntropy(labels, cls).mul(weight) as tf.Scalar;
}

/** D's loss on a real and a fake batch, and D's parameter update. Returns the scalars it kept. */
function discriminatorUpdate(pair: GanPair, real: tf.Tensor4D, fake: tf.Tensor4D, o: StepOptions = {}) {
  let dX: tf.Scalar | undefined;
  let dGz1: tf.Scalar | undefined;
  const dVars = pair.optD.params;
  const plain = !o.labels && !o.augment && (o.realLabel ?? 1) === 1;
  const { value, grads } = tf.variableGrads(() => {
    if (plain) {
      const outReal = pair.D.apply(real, { training: true }) as tf.Tensor;
      const outFake = pair.D.apply(fake, { training: true }) as tf.Tensor;
      dX = meanSigmoid(outReal);
      dGz1 = meanSigmoid(outFake);
      return bceWithLogits(outReal, 1).add(bceWithLogits(outFake, 0)) as tf.Scalar;
    }
    const r = runD(pair, real, o.labels?.real, o);
    const f = runD(pair, fake, o.labels?.fake, o);
    dX = meanSigmoid(r.logit);
    dGz1 = meanSigmoid(f.logit);
    let loss = bceWithLogitsTarget(r.logit, o.realLabel ?? 1).add(bceWithLogits(f.logit, 0)) as tf.Scalar;
    // ACGAN: D learns the class of real images (not of fakes, which would reward it for G's mistakes).
    const aux = auxLoss(r.cls, o.labels?.real, o.auxWeight);
    if (aux) loss = loss.add(aux);
    return loss;
  }, dVars);
  const list = dVars.map((v) => grads[v.name]);
  pair.optD.apply(list);
  tf.dispose(list);
  return { lossD: value, dX: dX!, dGz1: dGz1! };
}

/** The parts of tfjs-core's engine state that `outsideTape` swaps (not in its public typings). */
interface TapeState {
  activeTape: unknown[] | null;
  gradientDepth: number;
}

/**
 * Runs `fn` (here: D's whole update) as if no gradient tape were recording, although it is called
 * inside G's tf.variableGrads. Without this, tfjs records D's forward and backward kernels on G's
 * tape too (for higher-order gradients nobody asks for) and keeps every tensor they saved until G's
 * gradients are done: at fer48 batch 128 that was 2.8 GB peak RSS instead of 1.6 GB. Nothing of D's
 * update needs to be on G's tape: D's gradients are taken w.r.t. D's variables only, and G's loss
 * runs D again afterwards. Falls back to a plain call if the engine does not look as expected.
 */
export function outsideTape<T>(fn: () => T): T {
  const state = (tf.engine() as unknown as { state?: Partial<TapeState> }).state;
  if (!state || !('activeTape' in state) || typeof state.gradientDepth !== 'number') return fn();
  const saved: TapeState = { activeTape: state.activeTape ?? null, gradientDepth: state.gradientDepth };
  state.activeTape = null;
  state.gradientDepth = 0;
  try {
    return fn();
  } finally {
    state.activeTape = saved.activeTape;
    state.gradientDepth = saved.gradientDepth;
  }
}

/**
 * One training step. `real` is a batch in [-1, 1], `z` the noise [b, 1, 1, nz]; `opts` adds
 * conditioning, label smoothing and augmentation (see StepOptions).
 */
export function trainStep(pair: GanPair, real: tf.Tensor4D, z: tf.Tensor4D, lean = true, opts: StepOptions = {}): StepTensors {
  let d: ReturnType<typeof discriminatorUpdate> | undefined;
  let dGz2: tf.Scalar | undefined;
  const gVars = pair.optG.params;
  const gInput = opts.labels ? [z, opts.labels.fake] : z;
  const plain = !opts.labels && !opts.augment && !opts.modeSeeking;
  const b = z.shape[0];
  const same = opts.sameFace && opts.labels ? opts.sameFace : undefined;
  const pairs = same ? same.labels.shape[0] : 0;
  if (same && !(pairs >= 1 && pairs <= b)) throw new Error(`sameFace: ${pairs} label rows for a batch of ${b}`);
  /** G's images for gInput, plus (same-face term) the first `pairs` z under the other labels. */
  const renderG = (): { fake: tf.Tensor4D; others?: tf.Tensor4D } => {
    if (!same) return { fake: pair.G.apply(gInput, { training: true }) as tf.Tensor4D };
    const zz = tf.concat([z, z.slice([0, 0, 0, 0], [pairs, -1, -1, -1])]);
    const yy = tf.concat([opts.labels!.fake, same.labels]);
    const all = pair.G.apply([zz, yy], { training: true }) as tf.Tensor4D;
    return { fake: all.slice([0, 0, 0, 0], [b, -1, -1, -1]), others: all.slice([b, 0, 0, 0], [pairs, -1, -1, -1]) };
  };
  if (!lean) {
    const fake = tf.tidy(() => pair.G.apply(gInput, { training: true }) as tf.Tensor4D);
    d = discriminatorUpdate(pair, real, fake, opts);
    fake.dispose();
  }
  const { value: lossG, grads } = tf.variableGrads(() => {
    const { fake, others } = renderG();
    if (lean) {
      // D's gradients are taken w.r.t. D's variables only, so nothing flows into G here; the
      // updated D variables are then read by the G loss below, as in PyTorch.
      d = outsideTape(() => discriminatorUpdate(pair, real, fake, opts));
      tf.keep(d.lossD);
    }
    if (plain) {
      const out = pair.D.apply(fake, { training: true }) as tf.Tensor;
      dGz2 = meanSigmoid(out);
      return bceWithLogits(out, 1);
    }
    const f = runD(pair, fake, opts.labels?.fake, opts);
    dGz2 = meanSigmoid(f.logit);
    let loss = bceWithLogits(f.logit, 1);
    const aux = auxLoss(f.cls, opts.labels?.fake, opts.auxWeight);
    if (aux) loss = loss.add(aux) as tf.Scalar;
    if (opts.modeSeeking) loss = loss.add(modeSeekingLoss(fake, z, opts.modeSeeking)) as tf.Scalar;
    if (same && others) loss = loss.add(sameFaceLoss(fake.slice([0, 0, 0, 0], [pairs, -1, -1, -1]), others, same.weight)) as tf.Scalar;
    return loss;
  }, gVars);
  const list = gVars.map((v) => grads[v.name]);
  pair.optG.apply(list);
  tf.dispose(list);
  return { lossD: d!.lossD, lossG, dX: d!.dX, dGz1: d!.dGz1, dGz2: dGz2! };
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
