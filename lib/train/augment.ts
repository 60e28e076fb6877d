/**
 * DiffAugment (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN Training"):
 * the same kind of random augmentation is applied to every batch D sees, real and fake, in both
 * D's and G's update, and it is differentiable in the images, so G's gradient passes through it.
 * D then cannot memorise the few real images of a small class, yet G is not taught to produce
 * augmented images. The three policies follow the authors' reference code (DiffAugment_pytorch.py):
 *
 *   color:       brightness x + (u - 0.5); saturation (x - mean_c) * 2u + mean_c (a no-op for one
 *                channel); contrast (x - mean_chw) * (u + 0.5) + mean_chw; u ~ U(0, 1) per image
 *   translation: shift by up to ratio * size pixels (default 1/8) in x and y, per image, zero fill
 *   cutout:      zero one square of side ratio * size (default 1/2) at a random place, per image
 *
 * The random numbers come from the project's seeded Rng (lib/rng.ts), so a run with augmentation
 * is reproducible and resumes exactly when the trainer's Rng state is checkpointed. Translation is
 * one gather from a zero-padded copy (its gradient is a scatter-add), cutout one multiplication by a
 * mask, so both are exact and differentiable.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../rng';

export const AUGMENT_POLICIES = ['color', 'translation', 'cutout'] as const;
export type AugmentPolicy = (typeof AUGMENT_POLICIES)[number];

export interface DiffAugmentOptions {
  /** Policies applied in this order (the authors use color, translation, cutout). */
  policies: AugmentPolicy[];
  /** Largest shift as a fraction of the image side (default 0.125). */
  translationRatio?: number;
  /** Cutout square side as a fraction of the image side (default 0.5). */
  cutoutRatio?: number;
}

/** Checks augmentation options, naming the bad field. */
export function checkAugmentOptions(o: DiffAugmentOptions, where = 'diffAugment'): DiffAugmentOptions {
  if (!o || !Array.isArray(o.policies)) throw new Error(`${where}: expected { policies: [...] }, got ${JSON.stringify(o)}`);
  for (const p of o.policies) {
    if (!(AUGMENT_POLICIES as readonly string[]).includes(p)) {
      throw new Error(`${where}: unknown policy "${p}"; expected some of ${AUGMENT_POLICIES.join(', ')}`);
    }
  }
  for (const k of ['translationRatio', 'cutoutRatio'] as const) {
    const v = o[k];
    if (v !== undefined && !(v > 0 && v < 1)) throw new Error(`${where}: ${k} must be in (0, 1), got ${v}`);
  }
  return o;
}

function uniformColumn(rng: Rng, n: number): tf.Tensor4D {
  const u = new Float32Array(n);
  for (let i = 0; i < n; i++) u[i] = rng.uniform();
  return tf.tensor4d(u, [n, 1, 1, 1]);
}

/** Random brightness, saturation and contrast per image. */
export function augmentColor(x: tf.Tensor4D, rng: Rng): tf.Tensor4D {
  const n = x.shape[0];
  const ub = uniformColumn(rng, n);
  const us = uniformColumn(rng, n);
  const uc = uniformColumn(rng, n);
  const out = tf.tidy(() => {
    let y = x.add(ub.sub(0.5)) as tf.Tensor4D;
    const meanC = y.mean(3, true);
    y = y.sub(meanC).mul(us.mul(2)).add(meanC) as tf.Tensor4D;
    const meanAll = y.mean([1, 2, 3], true);
    return y.sub(meanAll).mul(uc.add(0.5)).add(meanAll) as tf.Tensor4D;
  });
  tf.dispose([ub, us, uc]);
  return out;
}

/** Random integer in [lo, hi] (inclusive). */
const randInt = (rng: Rng, lo: number, hi: number) => lo + rng.int(hi - lo + 1);

/** Per-image random shift of up to round(ratio * side) pixels in each direction, zero fill. */
export function augmentTranslation(x: tf.Tensor4D, rng: Rng, ratio = 0.125): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const sh = Math.floor(h * ratio + 0.5);
  const sw = Math.floor(w * ratio + 0.5);
  const hp = h + 2;
  const wp = w + 2;
  // Index into the image padded by one zero pixel on each side: out(y, x) = in(y + ty, x + tx),
  // clamped onto the zero border, as in the reference implementation.
  const idx = new Int32Array(n * h * w);
  for (let b = 0; b < n; b++) {
    const ty = randInt(rng, -sh, sh);
    const tx = randInt(rng, -sw, sw);
    for (let i = 0; i < h; i++) {
      const yi = Math.min(Math.max(i + ty + 1, 0), hp - 1);
      for (let j = 0; j < w; j++) {
        const xj = Math.min(Math.max(j + tx + 1, 0), wp - 1);
        idx[(b * h + i) * w + j] = (b * hp + yi) * wp + xj;
      }
    }
  }
  const indices = tf.tensor1d(idx, 'int32');
  const out = tf.tidy(() => {
    const padded = x.pad([[0, 0], [1, 1], [1, 1], [0, 0]]).reshape([n * hp * wp, c]);
    return tf.gather(padded, indices).reshape([n, h, w, c]) as tf.Tensor4D;
  });
  indices.dispose();
  return out;
}

/** Zeroes one square of side round(ratio * side) per image at a random position (may be clipped at the border). */
export function augmentCutout(x: tf.Tensor4D, rng: Rng, ratio = 0.5): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const ch = Math.floor(h * ratio + 0.5);
  const cw = Math.floor(w * ratio + 0.5);
  const mask = new Float32Array(n * h * w).fill(1);
  for (let b = 0; b < n; b++) {
    const oy = rng.int(h + (1 - (ch % 2)));
    const ox = rng.int(w + (1 - (cw % 2)));
    for (let i = 0; i < ch; i++) {
      const yi = Math.min(Math.max(i + oy - Math.floor(ch / 2), 0), h - 1);
      for (let j = 0; j < cw; j++) {
        const xj = Math.min(Math.max(j + ox - Math.floor(cw / 2), 0), w - 1);
        mask[(b * h + yi) * w + xj] = 0;
      }
    }
  }
  const m = tf.tensor4d(mask, [n, h, w, 1]);
  const out = tf.tidy(() => x.mul(m) as tf.Tensor4D);
  m.dispose();
  return out;
}

/** Applies the policies of `opts` to a batch in [-1, 1] with random numbers from `rng`. */
export function diffAugment(x: tf.Tensor4D, rng: Rng, opts: DiffAugmentOptions): tf.Tensor4D {
  let y = x;
  for (const p of opts.policies) {
    const next =
      p === 'color' ? augmentColor(y, rng) : p === 'translation' ? augmentTranslation(y, rng, opts.translationRatio) : augmentCutout(y, rng, opts.cutoutRatio);
    if (y !== x) y.dispose();
    y = next;
  }
  return y === x ? (x.clone() as tf.Tensor4D) : y;
}

/**
 * An augmenter for StepExtensions.augment (lib/train/extensions/extended-step.ts) drawing from
 * `rng()` (a getter, so the trainer can swap in the Rng restored from a checkpoint).
 */
export function makeAugmenter(rng: () => Rng, opts: DiffAugmentOptions): (x: tf.Tensor4D) => tf.Tensor4D {
  checkAugmentOptions(opts);
  return (x) => diffAugment(x, rng(), opts);
}
