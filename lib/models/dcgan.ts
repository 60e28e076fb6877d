/**
 * DCGAN generator and discriminator as tf.layers models, built from one DcganSpec.
 *
 * Shapes are NHWC. G maps z [b, 1, 1, nz] to images [b, size, size, channels] in [-1, 1].
 * D maps images to one logit per image [b, 1, 1, 1]: the study's final Sigmoid is applied by the
 * loss (binary cross-entropy on logits is the same function as Sigmoid + BCELoss, but it cannot
 * overflow), and by `probability()` when D(x) is reported.
 *
 * PyTorch's ConvTranspose2d(k=4, s=2, p=1) doubles the size exactly as tf 'same' padding does
 * (total padding k - s = 2, split 1/1); the first G layer and last D layer use 'valid' padding.
 */
import * as tf from '@tensorflow/tfjs';
import { DcganSpec, checkSpec, edgeKernel } from './spec';

/** PyTorch BatchNorm2d defaults: momentum 0.1 (Keras 0.9), eps 1e-5; gamma ~ N(1, 0.02), beta 0. */
export function batchNorm(seed: number, name: string): tf.layers.Layer {
  return tf.layers.batchNormalization({
    axis: -1,
    momentum: 0.9,
    epsilon: 1e-5,
    gammaInitializer: tf.initializers.randomNormal({ mean: 1, stddev: 0.02, seed }),
    betaInitializer: 'zeros',
    name,
  });
}

/** N(0, 0.02) conv kernel init (the study's). */
export function convInit(seed: number) {
  return tf.initializers.randomNormal({ mean: 0, stddev: 0.02, seed });
}

/**
 * The generator: ConvT(nz -> 8ngf, k, valid) -> 4ngf -> 2ngf -> ngf -> channels, doubling the side
 * at each stride-2 layer (4 -> 8 -> 16 -> 32 -> 64, or 3 -> 6 -> 12 -> 24 -> 48). `seed` makes the
 * initial weights reproducible.
 */
export function buildGenerator(spec: DcganSpec, seed = 1): tf.Sequential {
  checkSpec(spec);
  const k0 = edgeKernel(spec);
  const g = tf.sequential({ name: 'generator' });
  const widths = [spec.ngf * 8, spec.ngf * 4, spec.ngf * 2, spec.ngf];
  widths.forEach((filters, i) => {
    g.add(
      tf.layers.conv2dTranspose({
        ...(i === 0 ? { inputShape: [1, 1, spec.nz] } : {}),
        filters,
        kernelSize: i === 0 ? k0 : 4,
        strides: i === 0 ? 1 : 2,
        padding: i === 0 ? 'valid' : 'same',
        useBias: false,
        kernelInitializer: convInit(seed * 100 + i),
        name: `g_convt${i + 1}`,
      }),
    );
    g.add(batchNorm(seed * 100 + 50 + i, `g_bn${i + 1}`));
    g.add(tf.layers.reLU({ name: `g_relu${i + 1}` }));
  });
  g.add(
    tf.layers.conv2dTranspose({
      filters: spec.channels,
      kernelSize: 4,
      strides: 2,
      padding: 'same',
      useBias: false,
      kernelInitializer: convInit(seed * 100 + 9),
      name: 'g_convt5',
    }),
  );
  g.add(tf.layers.activation({ activation: 'tanh', name: 'g_tanh' }));
  return g;
}

/**
 * The discriminator: Conv(channels -> ndf) LeakyReLU -> 2ndf -> 4ndf -> 8ndf (each with BatchNorm)
 * -> Conv(8ndf -> 1, k, valid), halving the side at each stride-2 layer. Outputs logits.
 */
export function buildDiscriminator(spec: DcganSpec, seed = 2): tf.Sequential {
  checkSpec(spec);
  const kLast = edgeKernel(spec);
  const d = tf.sequential({ name: 'discriminator' });
  const widths = [spec.ndf, spec.ndf * 2, spec.ndf * 4, spec.ndf * 8];
  widths.forEach((filters, i) => {
    d.add(
      tf.layers.conv2d({
        ...(i === 0 ? { inputShape: [spec.size, spec.size, spec.channels] } : {}),
        filters,
        kernelSize: 4,
        strides: 2,
        padding: 'same',
        useBias: false,
        kernelInitializer: convInit(seed * 100 + i),
        name: `d_conv${i + 1}`,
      }),
    );
    if (i > 0) d.add(batchNorm(seed * 100 + 50 + i, `d_bn${i + 1}`));
    d.add(tf.layers.leakyReLU({ alpha: 0.2, name: `d_lrelu${i + 1}` }));
  });
  d.add(
    tf.layers.conv2d({
      filters: 1,
      kernelSize: kLast,
      strides: 1,
      padding: 'valid',
      useBias: false,
      kernelInitializer: convInit(seed * 100 + 9),
      name: 'd_conv5',
    }),
  );
  return d;
}

/** Number of trainable parameters (PyTorch's `sum(p.numel() for p in net.parameters())`). */
export function countTrainable(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
}

/** The tf.Variables behind a model's trainable weights, in a stable order. */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/** D(x) as a probability per image, shape [b]. */
export function probability(logits: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => tf.sigmoid(logits).reshape([-1]) as tf.Tensor1D);
}
