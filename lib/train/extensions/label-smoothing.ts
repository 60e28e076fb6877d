/** One-sided label smoothing: D's loss on real images against a target below 1 (e.g. 0.9). */
import * as tf from '@tensorflow/tfjs';
import { bceWithLogits } from '../loss';

/** BCE on logits against a constant target y in [0, 1]; equals bceWithLogits for y = 0, 1. */
export function bceWithLogitsTarget(logits: tf.Tensor, y: number): tf.Scalar {
  if (y === 0 || y === 1) return bceWithLogits(logits, y);
  return tf.tidy(() => {
    const l = logits.reshape([-1]);
    return tf.relu(l).sub(l.mul(y)).add(tf.log1p(tf.exp(tf.neg(tf.abs(l))))).mean() as tf.Scalar;
  });
}
