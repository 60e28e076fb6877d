/**
 * The class-conditional DCGAN as tf.layers functional models with two inputs each: the study's
 * generator/discriminator (lib/models/dcgan.ts: same layers, kernels, BatchNorm, activations,
 * init) plus an expression condition given as a one-hot (or soft) label vector [b, classes].
 *
 *   G([z [b,1,1,nz], y [b,classes]]): e = y W_e (a learned embedding, `embed` numbers per class,
 *     init N(0, 1) like torch.nn.Embedding), reshaped to [b,1,1,embed] and concatenated to z; then
 *     the study's ConvT stack -> images [b,size,size,channels] in [-1, 1]. With labelAt 'features'
 *     z alone makes the first layer's k x k map and e joins it there as k x k label maps.
 *   D([x, y]): the study's conv trunk -> h [b,s,s,8ndf]; logit = conv5(h) + <y W_p, mean_hw(h)>
 *     (projection discriminator, Miyato & Koyama 2018) -> [b, 1]. With `aux` > 0 a second output
 *     gives ACGAN class logits [b, classes] from flatten(h). With `minibatchStd` conv5 sees one more
 *     feature map, the batch's average feature spread (conditional-mbstd.ts).
 *
 * A one-hot input (rather than an integer index) keeps both models differentiable in y, so
 * expressions can also be blended (e.g. 0.5 happy + 0.5 surprise).
 */
import * as tf from '@tensorflow/tfjs';
import { edgeKernel } from './spec';
import { ConditionalSpec, checkConditionalSpec } from './conditional-spec';
import { MinibatchStd } from './conditional-mbstd';
import { batchNorm, convInit } from './dcgan';

/** The conditional generator: inputs [z, y], output images in [-1, 1]. */
export function buildConditionalGenerator(spec: ConditionalSpec, seed = 1): tf.LayersModel {
  checkConditionalSpec(spec);
  const z = tf.input({ shape: [1, 1, spec.nz], name: 'z' });
  const y = tf.input({ shape: [spec.classes], name: 'label' });
  const e = tf.layers
    .dense({
      units: spec.embed,
      useBias: false,
      kernelInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 1, seed: seed * 100 + 77 }),
      name: 'g_embed',
    })
    .apply(y) as tf.SymbolicTensor;
  const e4 = tf.layers.reshape({ targetShape: [1, 1, spec.embed], name: 'g_embed_reshape' }).apply(e) as tf.SymbolicTensor;
  const late = spec.labelAt === 'features';
  let h = late ? z : (tf.layers.concatenate({ axis: -1, name: 'g_concat' }).apply([z, e4]) as tf.SymbolicTensor);
  const k0 = edgeKernel(spec);
  [spec.ngf * 8, spec.ngf * 4, spec.ngf * 2, spec.ngf].forEach((filters, i) => {
    if (late && i === 1) {
      // label maps: the embedding repeated over the k0 x k0 map of the first layer
      const maps = tf.layers.upSampling2d({ size: [k0, k0], name: 'g_label_maps' }).apply(e4) as tf.SymbolicTensor;
      h = tf.layers.concatenate({ axis: -1, name: 'g_concat' }).apply([h, maps]) as tf.SymbolicTensor;
    }
    h = tf.layers
      .conv2dTranspose({
        filters,
        kernelSize: i === 0 ? k0 : 4,
        strides: i === 0 ? 1 : 2,
        padding: i === 0 ? 'valid' : 'same',
        useBias: false,
        kernelInitializer: convInit(seed * 100 + i),
        name: `g_convt${i + 1}`,
      })
      .apply(h) as tf.SymbolicTensor;
    h = batchNorm(seed * 100 + 50 + i, `g_bn${i + 1}`).apply(h) as tf.SymbolicTensor;
    h = tf.layers.reLU({ name: `g_relu${i + 1}` }).apply(h) as tf.SymbolicTensor;
  });
  h = tf.layers
    .conv2dTranspose({
      filters: spec.channels,
      kernelSize: 4,
      strides: 2,
      padding: 'same',
      useBias: false,
      kernelInitializer: convInit(seed * 100 + 9),
      name: 'g_convt5',
    })
    .apply(h) as tf.SymbolicTensor;
  const out = tf.layers.activation({ activation: 'tanh', name: 'g_tanh' }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: [z, y], outputs: out, name: 'conditional_generator' });
}

/** The conditional discriminator: inputs [x, y], output logits [b, 1] (and class logits with aux > 0). */
export function buildConditionalDiscriminator(spec: ConditionalSpec, seed = 2): tf.LayersModel {
  checkConditionalSpec(spec);
  const x = tf.input({ shape: [spec.size, spec.size, spec.channels], name: 'image' });
  const y = tf.input({ shape: [spec.classes], name: 'label' });
  let h: tf.SymbolicTensor = x;
  [spec.ndf, spec.ndf * 2, spec.ndf * 4, spec.ndf * 8].forEach((filters, i) => {
    h = tf.layers
      .conv2d({ filters, kernelSize: 4, strides: 2, padding: 'same', useBias: false, kernelInitializer: convInit(seed * 100 + i), name: `d_conv${i + 1}` })
      .apply(h) as tf.SymbolicTensor;
    if (i > 0) h = batchNorm(seed * 100 + 50 + i, `d_bn${i + 1}`).apply(h) as tf.SymbolicTensor;
    h = tf.layers.leakyReLU({ alpha: 0.2, name: `d_lrelu${i + 1}` }).apply(h) as tf.SymbolicTensor;
  });
  const k = edgeKernel(spec);
  const last = spec.minibatchStd ? (new MinibatchStd({ name: 'd_mbstd' }).apply(h) as tf.SymbolicTensor) : h;
  const base = tf.layers
    .conv2d({ filters: 1, kernelSize: k, strides: 1, padding: 'valid', useBias: false, kernelInitializer: convInit(seed * 100 + 9), name: 'd_conv5' })
    .apply(last) as tf.SymbolicTensor;
  const baseFlat = tf.layers.flatten({ name: 'd_flat_logit' }).apply(base) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({ name: 'd_pool' }).apply(h) as tf.SymbolicTensor;
  const ey = tf.layers
    .dense({ units: spec.ndf * 8, useBias: false, kernelInitializer: convInit(seed * 100 + 10), name: 'd_embed' })
    .apply(y) as tf.SymbolicTensor;
  const proj = tf.layers.dot({ axes: -1, name: 'd_projection' }).apply([pooled, ey]) as tf.SymbolicTensor;
  const logit = tf.layers.add({ name: 'd_logit' }).apply([baseFlat, proj]) as tf.SymbolicTensor;
  const outputs = [logit];
  if (spec.aux > 0) {
    const flat = tf.layers.flatten({ name: 'd_flat_features' }).apply(h) as tf.SymbolicTensor;
    outputs.push(
      tf.layers.dense({ units: spec.classes, kernelInitializer: convInit(seed * 100 + 11), name: 'd_aux' }).apply(flat) as tf.SymbolicTensor,
    );
  }
  return tf.model({ inputs: [x, y], outputs, name: 'conditional_discriminator' });
}

/** One-hot label rows [n, classes] for class indices (each in 0..classes-1). */
export function oneHotLabels(indices: ArrayLike<number>, classes: number, where = 'labels'): tf.Tensor2D {
  const n = indices.length;
  const buf = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) {
    const c = indices[i];
    if (!Number.isInteger(c) || c < 0 || c >= classes) {
      throw new Error(`${where}: label ${c} at position ${i} is not a class index 0..${classes - 1}`);
    }
    buf[i * classes + c] = 1;
  }
  return tf.tensor2d(buf, [n, classes]);
}
