/**
 * Faster training layers, used by every GAN and the classifier (through useKernels('fused', ...),
 * lib/kernels/kernels.ts: the trainer and trainClassifier call it): on the native backend, the training-mode
 * BatchNorm, ReLU and LeakyReLU of a model run as TensorFlow's own fused kernels instead of tfjs's
 * generic composition, and (on every backend) bias-free linear Conv2D layers run through
 * tf.conv2d instead of tf.fused.conv2d, whose gradient always computes both the input and the
 * filter gradient: in the GAN step that is D's whole weight gradient in G's update and D's
 * first-layer input gradient in D's update, about 1/12 of the step's FLOPs, computed and thrown away.
 *
 * Why: profiling (docs/bench.md) showed ~40% of a native training step outside the convolutions,
 * mostly in the gradients tfjs derives for BatchNorm (moments + batchNorm: ~20 full-size
 * elementwise ops per layer, including `ones(x.shape)` arrays built in JS and uploaded for every
 * Mean gradient), for ReLU (tfjs-node's Step kernel uploads a `ones` array and runs four ops) and
 * for LeakyReLU (Greater, Select, Multiply). TensorFlow has single kernels for all of them:
 * FusedBatchNormV3 / FusedBatchNormGradV3, ReluGrad, LeakyReluGrad. Measured: the DCGAN step
 * 1.5x faster (docs/bench.md, `npm run bench -- --variants lean,unfused`).
 *
 * `fuseLayers(model)` patches the model's BatchNormalization, ReLU and LeakyReLU layer instances
 * so that, in training mode on the 'tensorflow' backend, they call those kernels through
 * `tf.customGrad` (same outputs, gradients and moving statistics as tfjs's to float32 rounding:
 * test/unit/fused-layers.test.ts); on any other backend, or in inference mode, they run unchanged.
 * Conv2D layers (no bias, linear activation, channels-last) are patched on every backend: the
 * same convolution kernel forward, only the gradients that are needed backward. On native,
 * 4x4 stride-2 Conv2DTranspose layers on small inputs, and the matching input gradients of the
 * convolutions, run as a matrix product instead of libtensorflow's slow Conv2DBackpropInput
 * (lib/kernels/conv-transpose.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { convTransposeFast, fastConvTransposeApplies } from './conv-transpose';
import { instanceNormFused, instanceNormComposed, leakyReluTwice, singleOutputConv } from './translator-layers';
import { NativeBackend, native, floatT, num, str, bool, leakyReluGrad } from './native-ops';

/**
 * Training-mode batch normalisation over N, H, W of an NHWC tensor with TensorFlow's fused
 * kernels; `onStats(mean, variance)` receives the batch statistics (biased variance, as tf.moments)
 * for the moving averages. Native backend only.
 */
export function fusedBatchNormTraining(
  be: NativeBackend,
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
  onStats: (mean: tf.Tensor1D, variance: tf.Tensor1D) => void,
): tf.Tensor4D {
  const attrs = [floatT(be), floatT(be, 'U'), num(be, 'epsilon', epsilon), str(be, 'data_format', 'NHWC'), bool(be, 'is_training', true)];
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xx, g, b] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const empty = tf.tensor1d([]);
    const [y, batchMean, batchVarUnbiased, mean, variance, reserve] = be.executeMultipleOutputs(
      'FusedBatchNormV3',
      [...attrs, num(be, 'exponential_avg_factor', 1)],
      [xx, g, b, empty, empty],
      6,
    );
    tf.dispose([empty, batchMean, batchVarUnbiased]);
    onStats(mean as tf.Tensor1D, variance as tf.Tensor1D);
    save([xx, g, mean, variance, reserve]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const out = be.executeMultipleOutputs('FusedBatchNormGradV3', attrs, [dy, ...saved], 5);
        tf.dispose(out.slice(3));
        return out.slice(0, 3);
      },
    };
  });
  return f(x, gamma, beta) as tf.Tensor4D;
}

/** ReLU whose gradient is TensorFlow's ReluGrad (one kernel). Native backend only. */
export function fusedRelu(be: NativeBackend, x: tf.Tensor): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xx, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const y = tf.relu(xx);
    save([y]);
    return { value: y, gradFunc: (dy: tf.Tensor, [sy]: tf.Tensor[]) => be.executeSingleOutput('ReluGrad', [floatT(be)], [dy, sy]) };
  });
  return f(x);
}

/** LeakyReLU whose gradient is TensorFlow's LeakyReluGrad (one kernel). Native backend only. */
export function fusedLeakyRelu(be: NativeBackend, x: tf.Tensor, alpha: number): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xx, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const y = tf.leakyRelu(xx, alpha);
    save([xx]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [sx]: tf.Tensor[]) => leakyReluGrad(be, dy, sx, alpha),
    };
  });
  return f(x);
}

/** tfjs-layers internals of the layers patched here (not in its public typings). */
interface PatchableLayer {
  getClassName(): string;
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor | tf.Tensor[];
  axis?: number;
  epsilon?: number;
  momentum?: number;
  alpha?: number;
  center?: boolean;
  scale?: boolean;
  gamma?: { read(): tf.Tensor };
  beta?: { read(): tf.Tensor };
  movingMean?: { read(): tf.Tensor; write(t: tf.Tensor): void };
  movingVariance?: { read(): tf.Tensor; write(t: tf.Tensor): void };
  __faceganFused?: boolean;
  // Conv2D
  kernel?: { read(): tf.Tensor };
  bias?: { read(): tf.Tensor };
  useBias?: boolean;
  activation?: { getClassName(): string; apply(x: tf.Tensor): tf.Tensor };
  strides?: number[];
  padding?: 'same' | 'valid';
  dataFormat?: string;
  dilationRate?: number[];
  rank?: number;
}

/** Options of {@link fuseLayers}. */
export interface FuseOptions {
  /**
   * Only the kernels whose gradients can be differentiated again (a model under a gradient
   * penalty: the translator's D): plain Conv2D and AbsLeakyReLU. Default false: all.
   */
  secondOrder?: boolean;
  /**
   * Instance norm by tfjs ops (instanceNormComposed) even on tfjs-node, where instanceNormFused runs TensorFlow's batch
   * norm kernels: for measuring one against the other (tools/bench/translator-profile.ts, variant 'fused-composed-IN').
   */
  composedInstanceNorm?: boolean;
  /**
   * The model is frozen and only run in inference mode (the translator's loss classifier): BatchNormalization
   * outside training runs as one scale and shift of the moving statistics, whose input gradient is one
   * multiply (tfjs's batchNorm gradient tiles and recomputes them). Default false.
   */
  frozenBatchNorm?: boolean;
  /**
   * Conv2D layers with a bias too, as conv2d + add (tf.fused.conv2d's gradient computes the input, filter and bias
   * gradients whenever one is asked for): for the translator's D, whose input gradient R1 and G's update take without
   * its weight gradients. Default false.
   */
  biasConv?: boolean;
  /** Layer classes left as built (to measure one kernel's effect: tools/bench/translator-profile.ts). */
  skip?: readonly string[];
}


const first = (inputs: tf.Tensor | tf.Tensor[]) => (Array.isArray(inputs) ? inputs[0] : inputs);

/**
 * A 2-D, channels-last, stride-1, undilated 'same' convolution with one output channel (translator-layers.ts
 * singleOutputConv): the translator's g_colour / g_mask (the DCGANs' 'valid' 1-channel heads are left as they are).
 */
function isSingleOutputConv(layer: PatchableLayer): boolean {
  const k = layer.kernel?.read().shape ?? [];
  return layer.rank === 2 && k.length === 4 && k[3] === 1 && layer.dataFormat === 'channelsLast' && layer.padding === 'same'
    && !!layer.strides?.every((st) => st === 1) && !!layer.dilationRate?.every((d) => d === 1);
}

/** Moving average as tfjs-layers' BatchNormalization does it: v -= (v - value) * (1 - momentum). */
function movingAverage(v: { read(): tf.Tensor; write(t: tf.Tensor): void }, value: tf.Tensor, momentum: number): void {
  tf.tidy(() => {
    const old = v.read();
    v.write(tf.sub(old, tf.mul(tf.sub(old, value), 1 - momentum)));
  });
}

/** Inference-mode batch norm of a frozen layer: x * scale + shift, scale = gamma / sqrt(movingVariance + eps). */
function frozenBatchNorm(x: tf.Tensor, layer: PatchableLayer): tf.Tensor {
  return tf.tidy(() => {
    const scale = tf.mul(layer.gamma!.read(), tf.rsqrt(tf.add(layer.movingVariance!.read(), layer.epsilon!)));
    const shift = tf.sub(layer.beta!.read(), tf.mul(layer.movingMean!.read(), scale));
    return tf.add(tf.mul(x, scale), shift);
  });
}

/**
 * Patches `model`'s BatchNormalization (channels-last, with gamma and beta), ReLU, LeakyReLU,
 * plain Conv2D and 4x4 stride-2 Conv2DTranspose layers; returns how many were patched. Idempotent.
 * See the file comment. The process-wide conv2d input gradient that goes with it is registered by
 * useKernels (lib/kernels/kernels.ts), not here.
 */
export function fuseLayers(model: tf.LayersModel, options: FuseOptions = {}): number {
  let patched = 0;
  const firstOrderOnly = new Set(['BatchNormalization', 'Conv2DTranspose', 'ReLU', 'LeakyReLU', 'InstanceNorm']);
  for (const layer of model.layers as unknown as PatchableLayer[]) {
    if (layer.__faceganFused) continue;
    // a model used as a layer (the members of an ensemble loss classifier): its own layers
    if (layer instanceof tf.LayersModel) {
      patched += fuseLayers(layer, options);
      continue;
    }
    const cls = layer.getClassName();
    if (options.secondOrder && firstOrderOnly.has(cls)) continue;
    if (options.skip?.includes(cls)) continue;
    const original = layer.call.bind(layer);
    if (cls === 'InstanceNorm') {
      layer.call = (inputs, kwargs) => {
        const x = first(inputs);
        if (x.rank !== 4) return original(inputs, kwargs);
        return (options.composedInstanceNorm ? instanceNormComposed : instanceNormFused)(x as tf.Tensor4D, layer.gamma!.read() as tf.Tensor1D, layer.beta!.read() as tf.Tensor1D, layer.epsilon!);
      };
    } else if (cls === 'AbsLeakyReLU') {
      layer.call = (inputs) => leakyReluTwice(first(inputs), layer.alpha!);
    } else if (cls === 'BatchNormalization') {
      if (!(layer.axis === -1 || layer.axis === 3) || layer.center === false || layer.scale === false) continue;
      layer.call = (inputs, kwargs) => {
        const be = native();
        const x = first(inputs);
        if (options.frozenBatchNorm && !kwargs?.training) return frozenBatchNorm(x, layer);
        if (!be || !kwargs?.training || x.rank !== 4) return original(inputs, kwargs);
        return fusedBatchNormTraining(be, x as tf.Tensor4D, layer.gamma!.read() as tf.Tensor1D, layer.beta!.read() as tf.Tensor1D, layer.epsilon!, (mean, variance) => {
          movingAverage(layer.movingMean!, mean, layer.momentum!);
          movingAverage(layer.movingVariance!, variance, layer.momentum!);
        });
      };
    } else if (cls === 'Conv2D' && !options.secondOrder && isSingleOutputConv(layer)) {
      // one output channel (the translator's g_colour): a depthwise conv + channel sum forward (translator-layers.ts)
      layer.call = (inputs) => {
        let y: tf.Tensor = singleOutputConv(first(inputs) as tf.Tensor4D, layer.kernel!.read() as tf.Tensor4D, layer.padding!);
        if (layer.useBias) y = tf.add(y, layer.bias!.read());
        return layer.activation ? layer.activation.apply(y) : y;
      };
    } else if (cls === 'Conv2D') {
      const plain = layer.rank === 2 && (!layer.useBias || options.biasConv) && layer.activation?.getClassName() === 'linear' && layer.dataFormat === 'channelsLast';
      if (!plain || !layer.dilationRate?.every((d) => d === 1)) continue;
      const strides = layer.strides as [number, number];
      layer.call = (inputs) => {
        const y = tf.conv2d(first(inputs) as tf.Tensor4D, layer.kernel!.read() as tf.Tensor4D, strides, layer.padding!, 'NHWC');
        return layer.useBias ? tf.add(y, layer.bias!.read()) : y;
      };
    } else if (cls === 'Conv2DTranspose') {
      const plain = !layer.useBias && layer.activation?.getClassName() === 'linear' && layer.dataFormat === 'channelsLast' && layer.padding === 'same';
      const kernel = layer.kernel?.read().shape ?? [];
      if (!plain || kernel[0] !== 4 || kernel[1] !== 4 || !layer.strides?.every((st) => st === 2)) continue;
      layer.call = (inputs, kwargs) => {
        const x = first(inputs);
        const w = layer.kernel!.read() as tf.Tensor4D;
        return fastConvTransposeApplies(x.shape, w.shape, 2, 'same') ? convTransposeFast(x as tf.Tensor4D, w) : original(inputs, kwargs);
      };
    } else if (cls === 'ReLU') {
      // tf.layers.reLU without maxValue: plain max(x, 0)
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      if ((layer as any).maxValue != null) continue;
      layer.call = (inputs, kwargs) => {
        const be = native();
        return be ? fusedRelu(be, first(inputs)) : original(inputs, kwargs);
      };
    } else if (cls === 'LeakyReLU') {
      layer.call = (inputs, kwargs) => {
        const be = native();
        return be ? fusedLeakyRelu(be, first(inputs), layer.alpha!) : original(inputs, kwargs);
      };
    } else {
      continue;
    }
    layer.__faceganFused = true;
    patched++;
  }
  return patched;
}
