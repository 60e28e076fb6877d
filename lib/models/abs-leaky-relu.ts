/**
 * LeakyReLU written as 0.5 (1 + a) x + 0.5 (1 - a) |x|: the same function as tf.leakyRelu, but its
 * gradient has a gradient on every backend. tf.leakyRelu's gradient uses a `Greater` mask, which has
 * no gradient in TF.js ("gradient function not found for Greater"), so a gradient penalty (WGAN-GP,
 * R1: the gradient of D's input gradient with respect to D's weights) cannot go through it; |x|'s
 * gradient is dy * step(x), and step's gradient is defined (zero). Checked against finite
 * differences on the native backend (docs/editing.md). Registered for saving and loading.
 */
import * as tf from '@tensorflow/tfjs';

export interface AbsLeakyReLUArgs {
  alpha?: number;
  name?: string;
}

export class AbsLeakyReLU extends tf.layers.Layer {
  static className = 'AbsLeakyReLU';
  readonly alpha: number;

  constructor(args: AbsLeakyReLUArgs = {}) {
    super(args);
    this.alpha = args.alpha ?? 0.01;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return x.mul(0.5 * (1 + this.alpha)).add(x.abs().mul(0.5 * (1 - this.alpha)));
    });
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}
tf.serialization.registerClass(AbsLeakyReLU);
