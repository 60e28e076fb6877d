/**
 * Same-face term for conditional G: G also renders the first n noise vectors under other labels
 * (other expressions) in the same forward pass, and G's loss gets
 * weight * mean (pool(G(z_i, y_i)) - pool(G(z_i, y'_i)))^2 with 8x8 average pooling (the coarse face).
 * The extra images are not shown to D.
 */
import * as tf from '@tensorflow/tfjs';
import type { GOutput } from '../step';

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

/** G's images for (z, labels) and, in the same forward pass, the first `others.shape[0]` z under `others`. */
export function renderWithOtherLabels(G: tf.LayersModel, z: tf.Tensor4D, labels: tf.Tensor2D, others: tf.Tensor2D): GOutput {
  const b = z.shape[0];
  const pairs = others.shape[0];
  const zz = tf.concat([z, z.slice([0, 0, 0, 0], [pairs, -1, -1, -1])]);
  const yy = tf.concat([labels, others]);
  const all = G.apply([zz, yy], { training: true }) as tf.Tensor4D;
  return { fake: all.slice([0, 0, 0, 0], [b, -1, -1, -1]), extra: all.slice([b, 0, 0, 0], [pairs, -1, -1, -1]) };
}

/** The same-face term of a rendering made by renderWithOtherLabels. */
export function sameFaceTerm(g: GOutput, weight: number): tf.Scalar {
  const pairs = g.extra!.shape[0];
  return sameFaceLoss(g.fake.slice([0, 0, 0, 0], [pairs, -1, -1, -1]), g.extra!, weight);
}
