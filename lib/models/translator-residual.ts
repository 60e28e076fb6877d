/**
 * The translator v2's residual output as a tf.layers layer: inputs [d, x] -> clip(x + d, -1, 1)
 * (US-GAN: G(x, c) + x). With d = 0 the output is the input exactly (x is already in [-1, 1], so
 * the clip leaves it unchanged). Registered with tf.serialization so models holding it save and load.
 */
import * as tf from '@tensorflow/tfjs';

export class ResidualAdd extends tf.layers.Layer {
  static className = 'ResidualAdd';

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    if (!Array.isArray(inputs) || inputs.length !== 2) throw new Error(`ResidualAdd ${this.name}: expected inputs [d, x]`);
    return tf.tidy(() => tf.clipByValue(inputs[1].add(inputs[0]), -1, 1));
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return (inputShape as tf.Shape[])[1];
  }
}
tf.serialization.registerClass(ResidualAdd);
