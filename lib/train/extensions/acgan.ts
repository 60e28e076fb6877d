/** ACGAN's auxiliary classifier term: D's class head learns the class of real images, G's fakes are scored by it. */
import * as tf from '@tensorflow/tfjs';

/** Mean softmax cross-entropy of class logits against one-hot labels, times `weight` (null when absent). */
export function acganLoss(cls: tf.Tensor | undefined, labels: tf.Tensor2D | undefined, weight: number | undefined): tf.Scalar | null {
  if (!cls || !labels || !weight) return null;
  return tf.losses.softmaxCrossEntropy(labels, cls).mul(weight) as tf.Scalar;
}
