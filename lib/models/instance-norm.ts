/**
 * Instance normalisation (Ulyanov et al. 2016) as a tf.layers layer, which tfjs-layers lacks:
 * each image's channel is normalised over its own height and width, then scaled and shifted by a
 * learned per-channel gamma and beta (PyTorch's InstanceNorm2d(affine=True), as StarGAN uses it):
 *   y = gamma * (x - mean_hw(x)) / sqrt(var_hw(x) + eps) + beta
 * No running statistics: training and inference compute the same thing.
 * Registered with tf.serialization, so a model holding it saves and loads in the TF.js layers format
 * (model.json names the class "InstanceNorm"); import this module before loading such a model.
 */
import * as tf from '@tensorflow/tfjs';

export interface InstanceNormArgs {
  epsilon?: number;
  name?: string;
}

export class InstanceNorm extends tf.layers.Layer {
  static className = 'InstanceNorm';
  readonly epsilon: number;
  private gamma!: tf.LayerVariable;
  private beta!: tf.LayerVariable;

  constructor(args: InstanceNormArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-5;
  }

  build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const c = shape[shape.length - 1];
    if (c === null || c === undefined) throw new Error(`InstanceNorm ${this.name}: the channel dimension must be known, got shape [${shape}]`);
    this.gamma = this.addWeight('gamma', [c], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [c], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const { mean, variance } = tf.moments(x, [1, 2], true);
      return x.sub(mean).mul(tf.rsqrt(variance.add(this.epsilon))).mul(this.gamma.read()).add(this.beta.read());
    });
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(InstanceNorm);
