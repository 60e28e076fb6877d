/**
 * The expression translator: a small StarGAN (Choi et al. 2018) at 48x48x1 with an optional
 * GANimation attention mask (Pumarola et al. 2018), as tf.layers functional models.
 *
 *   G([x [b,48,48,1], y [b,7]]):  y repeated into 7 label maps, concatenated to x (StarGAN), then
 *     encoder   7x7 conv gDim (stride 1), two 4x4 stride-2 convs 2gDim, 4gDim   -> 12x12x4gDim
 *     bottleneck `resBlocks` residual blocks (3x3 conv, IN, ReLU, 3x3 conv, IN, + input)
 *     decoder   two 4x4 stride-2 transposed convs 2gDim, gDim, then a 7x7 conv
 *     Every hidden conv: instance norm (instance-norm.ts) and ReLU, no bias.
 *     Without a mask: output tanh(conv7) in [-1, 1].
 *     With a mask: colour C = tanh(conv7), mask A = sigmoid(conv7'), output A*C + (1-A)*x, and the
 *     mask as a second output [b,48,48,1] for its regulariser.
 *   v2 options (issue #23): `residual` (output clip(x + d), last conv zero-initialised: G starts as the identity), `upsample: 'resize'` (nearest x2 + 3x3
 *     conv instead of transposed convs), `dPerDomain` (one real/fake map per expression in D).
 *   D(x): `dLayers` 4x4 stride-2 convs (dDim, 2dDim, ...) with LeakyReLU 0.01 (abs-leaky-relu.ts, so
 *     a gradient penalty can differentiate through it), no normalisation (StarGAN), then two heads:
 *     a 3x3 conv to one real/fake score per patch [b,s,s,1] (PatchGAN) and a conv over the whole
 *     s x s map to 7 expression logits [b,7].
 *
 * At the experiment's size (gDim 32, 3 residual blocks, dDim 32, 4 layers; experiments/translate.ts)
 * G has 1.23 M parameters and 0.48 GFLOP per image forward (with mask), D 0.70 M and 0.03 GFLOP
 * (translatorCost() computes them; docs/editing.md lists them).
 */
import * as tf from '@tensorflow/tfjs';
import { InstanceNorm } from './instance-norm';
import { AbsLeakyReLU } from './abs-leaky-relu';
import { AttentionBlend } from './attention-blend';
import { ResidualAdd } from './translator-residual';

export interface TranslatorSpec {
  kind: 'translator';
  size: 48 | 64;
  channels: 1 | 3;
  /** Expression names, in label order (the FER2013 EMOTIONS). */
  labels: readonly string[];
  /** Channels of G's first conv; the encoder doubles them at each downsampling. */
  gDim: number;
  /** Stride-2 convs in G's encoder (and transposed convs in its decoder). */
  downsamples: number;
  resBlocks: number;
  /** GANimation attention mask: G changes only where its mask is on. */
  mask: boolean;
  /** Channels of D's first conv, doubled at each layer. */
  dDim: number;
  /** Stride-2 convs of D's trunk. */
  dLayers: number;
  /** Negative slope of D's LeakyReLU. */
  leak: number;
  /**
   * Translator v2 (issue #23): G's output is x + d (clipped to [-1, 1]), d = tanh(conv7), so a zero
   * edit is the input exactly and a strength factor can scale d. Absent/false: v1's direct output.
   */
  residual?: boolean;
  /**
   * G's decoder upsampling: 'transpose' (v1: 4x4 stride-2 transposed convs, which leave a
   * checkerboard, Odena et al. 2016) or 'resize' (nearest-neighbour x2, then a 3x3 conv). Absent: 'transpose'.
   */
  upsample?: 'transpose' | 'resize';
  /**
   * D's real/fake head: one score map per expression (StarGAN v2), of which the one of the image's
   * expression (the real face's label, the edit's target) is used. Absent/false: one map (v1).
   */
  dPerDomain?: boolean;
}

/** Validates a translator spec, naming the bad field. */
export function checkTranslatorSpec(s: TranslatorSpec, where = 'translator spec'): TranslatorSpec {
  const pos = (k: 'size' | 'gDim' | 'downsamples' | 'resBlocks' | 'dDim' | 'dLayers') => {
    if (!Number.isInteger(s[k]) || s[k] < (k === 'resBlocks' ? 0 : 1)) throw new Error(`${where}: ${k} must be a positive integer, got ${s[k]}`);
  };
  (['size', 'gDim', 'downsamples', 'resBlocks', 'dDim', 'dLayers'] as const).forEach(pos);
  if (s.channels !== 1 && s.channels !== 3) throw new Error(`${where}: channels must be 1 or 3, got ${s.channels}`);
  if (!Array.isArray(s.labels) || s.labels.length < 2) throw new Error(`${where}: labels must name at least 2 expressions`);
  if (s.size % 2 ** s.downsamples !== 0) throw new Error(`${where}: size ${s.size} is not divisible by 2^downsamples = ${2 ** s.downsamples}`);
  if (s.size % 2 ** s.dLayers !== 0) throw new Error(`${where}: size ${s.size} is not divisible by 2^dLayers = ${2 ** s.dLayers}`);
  if (!(s.leak >= 0 && s.leak < 1)) throw new Error(`${where}: leak must be in [0, 1), got ${s.leak}`);
  if (s.upsample !== undefined && s.upsample !== 'transpose' && s.upsample !== 'resize') throw new Error(`${where}: upsample must be 'transpose' or 'resize', got ${JSON.stringify(s.upsample)}`);
  if (s.residual && s.mask) throw new Error(`${where}: residual and mask are two different outputs; choose one`);
  return s;
}

const init = (seed: number) => tf.initializers.heNormal({ seed });

function conv(filters: number, k: number, stride: number, seed: number, name: string, bias = false): tf.layers.Layer {
  return tf.layers.conv2d({ filters, kernelSize: k, strides: stride, padding: 'same', useBias: bias, kernelInitializer: init(seed), name });
}

function normRelu(h: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  h = new InstanceNorm({ name: `${name}_in` }).apply(h) as tf.SymbolicTensor;
  return tf.layers.reLU({ name: `${name}_relu` }).apply(h) as tf.SymbolicTensor;
}

/** The generator: inputs [image, target one-hot], outputs [image] or [image, mask] (with `mask`). */
export function buildTranslatorG(spec: TranslatorSpec, seed = 1): tf.LayersModel {
  checkTranslatorSpec(spec);
  const { size, channels } = spec;
  const k = spec.labels.length;
  const x = tf.input({ shape: [size, size, channels], name: 'image' });
  const y = tf.input({ shape: [k], name: 'target' });
  let maps = tf.layers.repeatVector({ n: size * size, name: 'g_label_repeat' }).apply(y) as tf.SymbolicTensor;
  maps = tf.layers.reshape({ targetShape: [size, size, k], name: 'g_label_maps' }).apply(maps) as tf.SymbolicTensor;
  let h = tf.layers.concatenate({ axis: -1, name: 'g_concat' }).apply([x, maps]) as tf.SymbolicTensor;
  let s = seed * 1000;
  h = normRelu(conv(spec.gDim, 7, 1, s++, 'g_in').apply(h) as tf.SymbolicTensor, 'g_in');
  let dim = spec.gDim;
  for (let i = 0; i < spec.downsamples; i++) {
    dim *= 2;
    h = normRelu(conv(dim, 4, 2, s++, `g_down${i + 1}`).apply(h) as tf.SymbolicTensor, `g_down${i + 1}`);
  }
  for (let r = 0; r < spec.resBlocks; r++) {
    let t = normRelu(conv(dim, 3, 1, s++, `g_res${r + 1}a`).apply(h) as tf.SymbolicTensor, `g_res${r + 1}a`);
    t = conv(dim, 3, 1, s++, `g_res${r + 1}b`).apply(t) as tf.SymbolicTensor;
    t = new InstanceNorm({ name: `g_res${r + 1}b_in` }).apply(t) as tf.SymbolicTensor;
    h = tf.layers.add({ name: `g_res${r + 1}_add` }).apply([h, t]) as tf.SymbolicTensor;
  }
  for (let i = 0; i < spec.downsamples; i++) {
    dim /= 2;
    if (spec.upsample === 'resize') {
      // resize-then-convolve (Odena et al. 2016): every output pixel sees the same kernel taps, no checkerboard
      h = tf.layers.upSampling2d({ size: [2, 2], interpolation: 'nearest', name: `g_up${i + 1}_resize` }).apply(h) as tf.SymbolicTensor;
      h = normRelu(conv(dim, 3, 1, s++, `g_up${i + 1}`).apply(h) as tf.SymbolicTensor, `g_up${i + 1}`);
    } else {
      const up = tf.layers.conv2dTranspose({ filters: dim, kernelSize: 4, strides: 2, padding: 'same', useBias: false, kernelInitializer: init(s++), name: `g_up${i + 1}` });
      h = normRelu(up.apply(h) as tf.SymbolicTensor, `g_up${i + 1}`);
    }
  }
  // residual G starts as the identity: its last conv is zero-initialised, so d = tanh(0) = 0 and the edit is the
  // input exactly until the losses ask for a change (the seed counter advances as before)
  const colourInit = spec.residual ? (s++, tf.initializers.zeros()) : init(s++);
  const colour = tf.layers
    .conv2d({ filters: channels, kernelSize: 7, padding: 'same', useBias: false, activation: 'tanh', kernelInitializer: colourInit, name: 'g_colour' })
    .apply(h) as tf.SymbolicTensor;
  if (spec.residual) {
    const out = new ResidualAdd({ name: 'g_residual' }).apply([colour, x]) as tf.SymbolicTensor;
    return tf.model({ inputs: [x, y], outputs: out, name: 'translator_G' });
  }
  if (!spec.mask) return tf.model({ inputs: [x, y], outputs: colour, name: 'translator_G' });
  const mask = tf.layers
    .conv2d({ filters: 1, kernelSize: 7, padding: 'same', useBias: true, activation: 'sigmoid', kernelInitializer: init(s++), name: 'g_mask' })
    .apply(h) as tf.SymbolicTensor;
  const out = new AttentionBlend({ name: 'g_blend' }).apply([colour, mask, x]) as tf.SymbolicTensor;
  return tf.model({ inputs: [x, y], outputs: [out, mask], name: 'translator_G' });
}

/** The discriminator: input image, outputs [patch scores [b,s,s,1], expression logits [b,classes]]. */
export function buildTranslatorD(spec: TranslatorSpec, seed = 2): tf.LayersModel {
  checkTranslatorSpec(spec);
  const x = tf.input({ shape: [spec.size, spec.size, spec.channels], name: 'image' });
  let h: tf.SymbolicTensor = x;
  let s = seed * 1000;
  let dim = spec.dDim;
  for (let i = 0; i < spec.dLayers; i++) {
    h = conv(dim, 4, 2, s++, `d_conv${i + 1}`, true).apply(h) as tf.SymbolicTensor;
    h = new AbsLeakyReLU({ alpha: spec.leak, name: `d_lrelu${i + 1}` }).apply(h) as tf.SymbolicTensor;
    dim *= 2;
  }
  const side = spec.size / 2 ** spec.dLayers;
  const src = conv(spec.dPerDomain ? spec.labels.length : 1, 3, 1, s++, 'd_src').apply(h) as tf.SymbolicTensor;
  let cls = tf.layers
    .conv2d({ filters: spec.labels.length, kernelSize: side, padding: 'valid', useBias: false, kernelInitializer: init(s++), name: 'd_cls' })
    .apply(h) as tf.SymbolicTensor;
  cls = tf.layers.flatten({ name: 'd_cls_flat' }).apply(cls) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: [src, cls], name: 'translator_D' });
}

/** G's outputs for images x and one-hot targets y: the edit, and the attention mask (null without). */
export function translate(G: tf.LayersModel, x: tf.Tensor4D, y: tf.Tensor2D): { image: tf.Tensor4D; mask: tf.Tensor4D | null } {
  const out = G.apply([x, y]) as tf.Tensor4D | tf.Tensor4D[];
  return Array.isArray(out) ? { image: out[0], mask: out[1] } : { image: out, mask: null };
}

/**
 * D's real/fake score per patch [b,s,s,1] for images whose expressions are the one-hot rows `y`:
 * with one score map (v1) that map; with one map per expression (dPerDomain) the map of each
 * image's expression.
 */
export function domainScore(src: tf.Tensor4D, y: tf.Tensor2D): tf.Tensor4D {
  if (src.shape[3] === 1) return src;
  return tf.tidy(() => src.mul(y.reshape([y.shape[0], 1, 1, y.shape[1]])).sum(3, true) as tf.Tensor4D);
}

/** D's outputs: patch scores [b,s,s,1] (per expression [b,s,s,classes] with dPerDomain) and expression logits [b,classes]. */
export function discriminate(D: tf.LayersModel, x: tf.Tensor4D): { src: tf.Tensor4D; cls: tf.Tensor2D } {
  const [src, cls] = D.apply(x) as tf.Tensor[];
  return { src: src as tf.Tensor4D, cls: cls as tf.Tensor2D };
}

/** Parameters and forward multiply-adds per image of a model's convolutions (conv: out px, convT: in px). */
export function modelCost(model: tf.LayersModel): { params: number; forwardFlops: number } {
  let macs = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls !== 'Conv2D' && cls !== 'Conv2DTranspose') continue;
    const kshape = layer.getWeights()[0].shape as number[]; // conv [k,k,cin,cout]; convT [k,k,cout,cin]
    const kk = kshape[0] * kshape[1] * kshape[2] * kshape[3];
    const shape = ((cls === 'Conv2D' ? layer.output : layer.input) as tf.SymbolicTensor).shape as number[];
    macs += kk * shape[1] * shape[2];
  }
  return { params: model.countParams(), forwardFlops: 2 * macs };
}

/** One-hot rows [n, classes] of integer labels. */
export function oneHot(labels: ArrayLike<number>, classes: number): tf.Tensor2D {
  return tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), classes).toFloat() as tf.Tensor2D);
}
