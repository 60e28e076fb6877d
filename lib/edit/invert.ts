/**
 * GAN inversion of real faces into a conditional generator: find z such that G(z, y) reproduces
 * the face under its current expression y, by Adam on the pixel reconstruction error (mean squared
 * error in [-1, 1]) plus a weak prior keeping z near N(0, I). The search starts from the best of
 * `candidates` random vectors. Optionally G itself is then fine-tuned for a few steps on the same
 * loss (z fixed; "pivotal tuning"), which recovers detail the model cannot express, at the risk of
 * weakening later expression edits; the caller's G is changed in place.
 * Several faces are inverted together; each has its own z and its own loss term, so they do not
 * influence each other (apart from BatchNorm statistics, which the renderer's reference batch fixes).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../rng';
import { Adam } from '../train/adam';
import { trainableVariables } from '../models/dcgan';
import { oneHotLabels } from '../models/conditional';
import { ConditionalRenderer } from './renderer';

export interface InvertOptions {
  /** Adam steps on z (default 300). */
  steps?: number;
  /** Adam learning rate for z (default 0.05). */
  lr?: number;
  /** Random starting vectors scored per face; the best starts the search (default 64). */
  candidates?: number;
  /** Weight of mean(z^2) in the loss (default 0.001). */
  priorWeight?: number;
  /** Seed of the candidates (default 0). */
  seed?: number;
  /** Fine-tune G for `steps` Adam steps at `lr` after the z search (default: off). */
  fineTune?: { steps: number; lr?: number } | null;
  /** Record the error every N steps (default 10). */
  logEvery?: number;
  onLog?: (step: number, mse: number[], phase: 'z' | 'G') => void;
}

export interface InversionResult {
  /** Noise vectors, k * nz values. */
  z: Float32Array;
  /** Per-face MSE (in [-1, 1] units) of the best candidate, before any optimisation. */
  initialMse: number[];
  /** Per-face MSE after the z search. */
  zMse: number[];
  /** Per-face MSE at the end (after fine-tuning, if any). */
  finalMse: number[];
  /** Mean MSE over faces, every `logEvery` steps. */
  history: { step: number; phase: 'z' | 'G'; mse: number }[];
  /** Whether G was fine-tuned (and so changed). */
  tuned: boolean;
}

let inversions = 0;

/** An Adam whose construction leaves no stray tensors (its zero moments are built inside a tidy; variables survive it). */
function adamFor(vars: tf.Variable[], lr: number): Adam {
  let opt: Adam | undefined;
  tf.tidy(() => {
    opt = new Adam(vars, { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
  });
  return opt!;
}

/** Per-image mean squared error [k] between two batches. */
function perImageMse(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor1D {
  return tf.squaredDifference(a, b).mean([1, 2, 3]) as tf.Tensor1D;
}

/**
 * Inverts k faces (`targets`: k * size * size * channels values in [-1, 1]) under class indices
 * `labels` (one per face).
 */
export async function invertFaces(renderer: ConditionalRenderer, targets: Float32Array, labels: ArrayLike<number>, o: InvertOptions = {}): Promise<InversionResult> {
  const { spec } = renderer;
  const k = labels.length;
  const px = spec.size * spec.size * spec.channels;
  if (targets.length !== k * px) throw new Error(`invertFaces: ${targets.length} target values for ${k} faces of ${spec.size}x${spec.size}x${spec.channels}`);
  const steps = o.steps ?? 300;
  const C = o.candidates ?? 64;
  const prior = o.priorWeight ?? 1e-3;
  const logEvery = Math.max(1, o.logEvery ?? 10);
  for (const [name, v, min] of [['steps', steps, 0], ['candidates', C, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new Error(`invertFaces: ${name} must be an integer >= ${min}, got ${v}`);
  }
  const x = tf.tensor4d(targets, [k, spec.size, spec.size, spec.channels]);
  const y = oneHotLabels(labels, spec.classes, 'invertFaces: labels');
  const history: InversionResult['history'] = [];

  // 1. The best of C random vectors per face.
  const rng = new Rng(o.seed ?? 0);
  const start = new Float32Array(k * spec.nz);
  const initialMse: number[] = [];
  for (let i = 0; i < k; i++) {
    const cand = rng.normals(C * spec.nz);
    const errT = tf.tidy(() => {
      const zc = tf.tensor4d(cand, [C, 1, 1, spec.nz]);
      const yc = tf.tile(y.slice([i, 0], [1, -1]), [C, 1]) as tf.Tensor2D;
      const xc = tf.tile(x.slice([i, 0, 0, 0], [1, -1, -1, -1]), [C, 1, 1, 1]) as tf.Tensor4D;
      return perImageMse(renderer.apply(zc, yc), xc);
    });
    const errs = Array.from(await errT.data());
    errT.dispose();
    const best = errs.indexOf(Math.min(...errs));
    start.set(cand.subarray(best * spec.nz, (best + 1) * spec.nz), i * spec.nz);
    initialMse.push(errs[best]);
  }

  const z = tf.tidy(() => tf.variable(tf.tensor4d(start, [k, 1, 1, spec.nz]), true, `invert_z_${++inversions}`));
  const lossFn = () =>
    tf.tidy(() => {
      const err = perImageMse(renderer.apply(z, y), x);
      return err.sum().add(z.square().mean().mul(prior * k)) as tf.Scalar;
    });
  const currentMse = async () => {
    const t = tf.tidy(() => perImageMse(renderer.apply(z, y), x));
    const v = Array.from(await t.data());
    t.dispose();
    return v;
  };
  const record = async (step: number, phase: 'z' | 'G') => {
    const mse = await currentMse();
    history.push({ step, phase, mse: mse.reduce((a, b) => a + b, 0) / k });
    o.onLog?.(step, mse, phase);
    return mse;
  };

  // 2. Adam on z.
  const optZ = adamFor([z], o.lr ?? 0.05);
  let zMse = initialMse;
  try {
    await record(0, 'z');
    for (let s = 1; s <= steps; s++) {
      const { value, grads } = tf.variableGrads(lossFn, [z]);
      optZ.apply([grads[z.name]]);
      tf.dispose([value, ...Object.values(grads)]);
      if (s % logEvery === 0 || s === steps) zMse = await record(s, 'z');
    }
    if (steps === 0) zMse = await currentMse();

    // 3. Optional fine-tuning of G with z fixed.
    let finalMse = zMse;
    const tune = o.fineTune && o.fineTune.steps > 0 ? o.fineTune : null;
    if (tune) {
      const vars = trainableVariables(renderer.G);
      const optG = adamFor(vars, tune.lr ?? 1e-4);
      const zFixed = tf.keep(z.clone() as tf.Tensor4D);
      try {
        for (let s = 1; s <= tune.steps; s++) {
          const { value, grads } = tf.variableGrads(() => tf.tidy(() => perImageMse(renderer.apply(zFixed, y), x).sum() as tf.Scalar), vars);
          optG.apply(vars.map((v) => grads[v.name]));
          tf.dispose([value, ...Object.values(grads)]);
          if (s % logEvery === 0 || s === tune.steps) finalMse = await record(steps + s, 'G');
        }
      } finally {
        optG.dispose();
        zFixed.dispose();
      }
    }
    return { z: Float32Array.from(await z.data()), initialMse, zMse, finalMse, history, tuned: !!tune };
  } finally {
    optZ.dispose();
    tf.dispose([z, x, y]);
  }
}
