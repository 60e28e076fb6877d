/**
 * Minibatch standard deviation (Karras et al. 2018, "Progressive Growing of GANs"): D gets one
 * extra feature map holding the average standard deviation of its features across the batch. A
 * generator that ignores its noise (every face of an expression the same: intra-class mode
 * collapse) then produces batches whose spread D can see at once. Real and fake batches go through
 * D separately (lib/train/step.ts), so each is compared with its own kind.
 * Registered for (de)serialisation, so saved discriminators load back.
 */
import * as tf from '@tensorflow/tfjs';

export class MinibatchStd extends tf.layers.Layer {
  static className = 'MinibatchStd';

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = inputShape as tf.Shape;
    return [s[0], s[1], s[2], (s[3] as number) + 1];
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const [b, h, w] = x.shape;
      const mean = x.mean(0, true);
      const std = x.sub(mean).square().mean(0).add(1e-8).sqrt();
      const avg = std.mean();
      const map = tf.ones([b, h, w, 1]).mul(avg);
      return tf.concat([x, map], 3);
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig() };
  }
}

tf.serialization.registerClass(MinibatchStd);
