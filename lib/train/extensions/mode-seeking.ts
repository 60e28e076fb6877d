/**
 * Mode-seeking term (Mao et al. 2019, MSGAN) for conditional G: the fakes come in two halves with
 * the same labels (fake i and i + b/2), and G's loss gets
 * weight / (mean|G(z1) - G(z2)| / mean|z1 - z2| + 1e-5), which punishes a G that ignores z.
 */
import * as tf from '@tensorflow/tfjs';

/** MSGAN's term: weight / (image distance / noise distance) between the two halves of the batch. */
export function modeSeekingLoss(fake: tf.Tensor4D, z: tf.Tensor4D, weight: number): tf.Scalar {
  const h = Math.floor(fake.shape[0] / 2);
  if (h < 1) return tf.scalar(0);
  const dImg = tf.abs(fake.slice([0, 0, 0, 0], [h, -1, -1, -1]).sub(fake.slice([h, 0, 0, 0], [h, -1, -1, -1]))).mean();
  const dZ = tf.abs(z.slice([0, 0, 0, 0], [h, -1, -1, -1]).sub(z.slice([h, 0, 0, 0], [h, -1, -1, -1]))).mean();
  return tf.scalar(weight).div(dImg.div(dZ).add(1e-5)) as tf.Scalar;
}
