/**
 * The FER2013 expression classifier's network: a compact VGG-style CNN for 48x48 grayscale faces,
 * sized for a 2-core CPU.
 *
 *   input 48x48x1 (pixels / 127.5 - 1)
 *   -> space-to-depth 2x2 (a fixed, non-trainable 2x2 stride-2 convolution with one-hot kernels:
 *      a lossless rearrangement into 24x24x4, which halves the cost of the first layers; tfjs-node's
 *      convolutions with one input channel at 48x48 are slow)
 *   -> blocks of [conv 3x3 (no bias) -> BatchNorm -> ReLU]..., each block ending in 2x2 max-pool
 *   -> flatten -> [dropout] -> dense `dense` (no bias) -> BatchNorm -> ReLU  = "features" (penultimate)
 *   -> [dropout] -> dense 7 = "logits"
 *
 * Dropout is not a layer of the saved model: the training loop (classifier-train.ts) applies it
 * with seeded masks before the layers named in DROPOUT_BEFORE, so training is reproducible from a
 * seed (tfjs's dropout layer with a fixed seed would reuse one mask for every batch). The saved
 * model is therefore exactly the inference network.
 */
import * as tf from '@tensorflow/tfjs';
import { EMOTIONS } from '../data/types';
import type { ClassifierArch } from '../runs/spec-types';

export type { ClassifierArch };

/** Input size of the classifier (FER2013). */
export const CLASSIFIER_SIZE = 48;
export const CLASSIFIER_CLASSES = EMOTIONS.length;
/** Name of the penultimate layer whose output feeds fd_fer, kid_fer and diversity. */
export const FEATURE_LAYER = 'features';
export const LOGITS_LAYER = 'logits';
/** Training applies dropout to the inputs of these layers. */
export const DROPOUT_BEFORE = ['fc', LOGITS_LAYER] as const;

/** The network as a model plus its layers in application order (for the training forward pass). */
export interface ClassifierNet {
  model: tf.LayersModel;
  layers: tf.layers.Layer[];
}

/** Fixed 2x2 space-to-depth kernel: output channel dy*2+dx takes pixel (dy, dx) of each 2x2 cell. */
function spaceToDepthKernel(): tf.Tensor4D {
  const k = new Float32Array(2 * 2 * 1 * 4);
  for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) k[(dy * 2 + dx) * 4 + dy * 2 + dx] = 1;
  return tf.tensor4d(k, [2, 2, 1, 4]);
}

/**
 * Builds the classifier with weights initialised from `seed` (He-normal convolutions, Glorot
 * dense layers, each with its own derived seed), so the same seed gives the same initial network.
 */
export function buildClassifier(arch: ClassifierArch, seed: number): ClassifierNet {
  if (!Array.isArray(arch.blocks) || arch.blocks.length === 0 || arch.blocks.some((b) => !Array.isArray(b) || b.length === 0)) {
    throw new Error(`buildClassifier: arch.blocks must be a non-empty list of non-empty width lists, got ${JSON.stringify(arch.blocks)}`);
  }
  const pools = arch.blocks.length;
  const side = arch.spaceToDepth ? CLASSIFIER_SIZE / 2 : CLASSIFIER_SIZE;
  if (side % 2 ** pools !== 0) {
    throw new Error(`buildClassifier: ${pools} pooling blocks do not divide the ${side}x${side} input evenly`);
  }
  let k = 0;
  const nextSeed = () => (seed * 1000 + ++k) % 2147483647;
  const layers: tf.layers.Layer[] = [];
  const input = tf.input({ shape: [CLASSIFIER_SIZE, CLASSIFIER_SIZE, 1], name: 'image' });
  const kernel = arch.spaceToDepth ? spaceToDepthKernel() : null;
  if (kernel) {
    layers.push(tf.layers.conv2d({ name: 's2d', filters: 4, kernelSize: 2, strides: 2, useBias: false, trainable: false, weights: [kernel] }));
  }
  arch.blocks.forEach((widths, b) => {
    widths.forEach((w, i) => {
      layers.push(
        tf.layers.conv2d({
          name: `conv${b + 1}_${i + 1}`, filters: w, kernelSize: 3, padding: 'same', useBias: false,
          kernelInitializer: tf.initializers.heNormal({ seed: nextSeed() }),
        }),
        tf.layers.batchNormalization({ name: `bn${b + 1}_${i + 1}` }),
        tf.layers.reLU({ name: `relu${b + 1}_${i + 1}` }),
      );
    });
    layers.push(tf.layers.maxPooling2d({ name: `pool${b + 1}`, poolSize: 2 }));
  });
  layers.push(
    tf.layers.flatten({ name: 'flatten' }),
    tf.layers.dense({ name: 'fc', units: arch.dense, useBias: false, kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }) }),
    tf.layers.batchNormalization({ name: 'fc_bn' }),
    tf.layers.reLU({ name: FEATURE_LAYER }),
    tf.layers.dense({ name: LOGITS_LAYER, units: CLASSIFIER_CLASSES, kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }) }),
  );
  let x: tf.SymbolicTensor = input;
  for (const l of layers) x = l.apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: x, name: 'fer_classifier' });
  kernel?.dispose();
  return { model, layers };
}

/**
 * Training-mode forward pass: the layers in order, BatchNorm on batch statistics (updating its
 * moving averages), and dropout at rate `dropout` before each layer of DROPOUT_BEFORE, with masks
 * drawn by tf.randomUniform from `maskSeed` (different per step, reproducible). Returns logits.
 */
export function forwardTrain(net: ClassifierNet, x: tf.Tensor4D, dropout: number, maskSeed: number): tf.Tensor2D {
  let h: tf.Tensor = x;
  let s = 0;
  for (const layer of net.layers) {
    if (dropout > 0 && (DROPOUT_BEFORE as readonly string[]).includes(layer.name)) {
      const keep = 1 - dropout;
      const mask = tf.randomUniform(h.shape, 0, 1, 'float32', maskSeed + s++).less(keep);
      h = h.mul(mask.cast('float32')).div(keep);
    }
    h = layer.apply(h, { training: true }) as tf.Tensor;
  }
  return h as tf.Tensor2D;
}

/** A model sharing `model`'s weights that outputs [features, logits] (inference mode). */
export function featureAndLogitModel(model: tf.LayersModel): tf.LayersModel {
  const f = model.getLayer(FEATURE_LAYER);
  const l = model.getLayer(LOGITS_LAYER);
  return tf.model({ inputs: model.inputs, outputs: [f.output as tf.SymbolicTensor, l.output as tf.SymbolicTensor] });
}
