/**
 * GANimation's attention blend as a tf.layers layer: inputs [colour, mask, x] -> mask * colour +
 * (1 - mask) * x, with the mask broadcast over channels. tfjs-layers has no subtract layer, hence
 * this small class; registered with tf.serialization so models holding it save and load.
 */
import * as tf from '@tensorflow/tfjs';

export class AttentionBlend extends tf.layers.Layer {
  static className = 'AttentionBlend';

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    if (!Array.isArray(inputs) || inputs.length !== 3) throw new Error(`AttentionBlend ${this.name}: expected inputs [colour, mask, x]`);
    return tf.tidy(() => {
      const [colour, mask, x] = inputs;
      return x.add(mask.mul(colour.sub(x)));
    });
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return (inputShape as tf.Shape[])[0];
  }
}
tf.serialization.registerClass(AttentionBlend);
