/**
 * Binary cross-entropy on D's logits: mean(max(l, 0) - l * y + log(1 + exp(-|l|))).
 * This equals PyTorch's nn.BCELoss()(Sigmoid(l), y) (the study's loss) without its overflow.
 */
import * as tf from '@tensorflow/tfjs';

export function bceWithLogits(logits: tf.Tensor, target: 0 | 1): tf.Scalar {
  return tf.tidy(() => {
    const l = logits.reshape([-1]);
    const pos = tf.relu(l);
    const softplusNegAbs = tf.log1p(tf.exp(tf.neg(tf.abs(l))));
    const term = target === 1 ? pos.sub(l) : pos;
    return term.add(softplusNegAbs).mean() as tf.Scalar;
  });
}
