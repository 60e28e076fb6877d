/**
 * One DCGAN training step, as in the PyTorch DCGAN tutorial:
 *   (1) update D: maximise log D(x) + log(1 - D(G(z)))  (real batch labelled 1, fake batch labelled 0)
 *   (2) update G: maximise log D(G(z))                 (fake batch labelled 1, with the updated D)
 *
 * The lean step (default) runs G's forward pass once per step, as PyTorch does: the D update runs
 * inside the tape that records G(z), so the G update reuses that forward pass. The plain step
 * computes G(z) twice; it exists to prove that the lean one gives the same weights
 * (test/train-step.test.ts). Nothing is read back to the CPU here: the caller decides when to sync.
 */
import * as tf from '@tensorflow/tfjs';
import { Adam } from './adam';
import { bceWithLogits } from './loss';
import { trainableVariables } from '../models/dcgan';

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

/** Creates G and D's optimizers with the given Adam settings. */
export function makeGanPair(G: tf.LayersModel, D: tf.LayersModel, adam?: ConstructorParameters<typeof Adam>[1]): GanPair {
  return { G, D, optG: new Adam(trainableVariables(G), adam), optD: new Adam(trainableVariables(D), adam) };
}

const meanSigmoid = (logits: tf.Tensor) => tf.keep(tf.sigmoid(logits).mean() as tf.Scalar);

/** D's loss on a real and a fake batch, and D's parameter update. Returns the scalars it kept. */
function discriminatorUpdate(pair: GanPair, real: tf.Tensor4D, fake: tf.Tensor4D) {
  let dX: tf.Scalar | undefined;
  let dGz1: tf.Scalar | undefined;
  const dVars = pair.optD.params;
  const { value, grads } = tf.variableGrads(() => {
    const outReal = pair.D.apply(real, { training: true }) as tf.Tensor;
    const outFake = pair.D.apply(fake, { training: true }) as tf.Tensor;
    dX = meanSigmoid(outReal);
    dGz1 = meanSigmoid(outFake);
    return bceWithLogits(outReal, 1).add(bceWithLogits(outFake, 0)) as tf.Scalar;
  }, dVars);
  const list = dVars.map((v) => grads[v.name]);
  pair.optD.apply(list);
  tf.dispose(list);
  return { lossD: value, dX: dX!, dGz1: dGz1! };
}

/** One training step. `real` is a batch in [-1, 1], `z` the noise [b, 1, 1, nz]. */
export function trainStep(pair: GanPair, real: tf.Tensor4D, z: tf.Tensor4D, lean = true): StepTensors {
  let d: ReturnType<typeof discriminatorUpdate> | undefined;
  let dGz2: tf.Scalar | undefined;
  const gVars = pair.optG.params;
  if (!lean) {
    const fake = tf.tidy(() => pair.G.apply(z, { training: true }) as tf.Tensor4D);
    d = discriminatorUpdate(pair, real, fake);
    fake.dispose();
  }
  const { value: lossG, grads } = tf.variableGrads(() => {
    const fake = pair.G.apply(z, { training: true }) as tf.Tensor4D;
    if (lean) {
      // D's gradients are taken w.r.t. D's variables only, so nothing flows into G here; the
      // updated D variables are then read by the G loss below, as in PyTorch.
      d = discriminatorUpdate(pair, real, fake);
      tf.keep(d.lossD);
    }
    const out = pair.D.apply(fake, { training: true }) as tf.Tensor;
    dGz2 = meanSigmoid(out);
    return bceWithLogits(out, 1);
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
