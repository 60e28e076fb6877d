/**
 * Which layer kernels a training run uses, as a named option (recorded in a run's config.json):
 *   'fused' (default): TensorFlow's fused BatchNorm / ReLU / LeakyReLU kernels on the native
 *           backend, convolutions that compute only the gradients they need, and the sub-pixel
 *           transposed convolution where it is faster (lib/kernels/fused-layers.ts,
 *           conv-transpose.ts), the translator's instance norm and LeakyReLU with gradients of every order
 *           (translator-layers.ts), and (option) a frozen model's batch norms as one scale and shift. Same results as
 *           'stock' to float32 rounding.
 *   'stock': tfjs-layers as shipped.
 */
import * as tf from '@tensorflow/tfjs';
import { fuseLayers, FuseOptions } from './fused-layers';
import { installFastConv2dInputGradient } from './conv-transpose';

export type Kernels = 'fused' | 'stock';
export const KERNELS: readonly Kernels[] = ['fused', 'stock'];
export const DEFAULT_KERNELS: Kernels = 'fused';

/**
 * Sets up `kernels` for these models: for 'fused', registers the faster conv2d input gradient
 * (process-wide, once) and patches the models' layers; for 'stock', nothing. Returns the number
 * of layers patched. Call it once, right after building the models. `options.secondOrder`: only the kernels
 * whose gradients can be differentiated again (a D under a gradient penalty).
 */
export function useKernels(kernels: Kernels, models: tf.LayersModel[], options: FuseOptions = {}): number {
  if (!KERNELS.includes(kernels)) throw new Error(`kernels must be one of ${KERNELS.join(', ')}, got "${kernels}"`);
  if (kernels === 'stock') return 0;
  installFastConv2dInputGradient();
  return models.reduce((n, m) => n + fuseLayers(m, options), 0);
}
