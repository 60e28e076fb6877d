/**
 * The translator as the photo pipeline sees it: a 48x48 luma crop in, G's output for each asked
 * expression out (floats, grey levels). Built on tfjs only (browser-safe).
 */
import * as tf from '@tensorflow/tfjs';
import { translate, oneHot } from '../models/translator';

export interface ExpressionEditor {
  /** Expression names, in the translator's class order. */
  labels: readonly string[];
  /** Crop side (48). */
  size: number;
  /** G(crop, c) for every class c in `classes`, as size*size floats in 0..255 (crop: same, 0..255). */
  render(crop: Float32Array, classes: number[]): Promise<Float32Array[]>;
  /** Passes of the residual filter this translator needs (edit-photo.ts `smooth`), when it says. */
  smooth?: number;
}

/**
 * The residual filter a translator needs: 2 passes for a transposed-convolution decoder (v1: its
 * checkerboard and the period-4 blobs of the layer before), none for resize-then-convolve (v2).
 */
export function smoothFor(spec: { upsample?: 'transpose' | 'resize' }): number {
  return spec.upsample === 'resize' ? 0 : 2;
}

/** An ExpressionEditor over a translator G (inputs [image, one-hot target], tanh output). */
export function translatorEditor(G: tf.LayersModel, labels: readonly string[], size: number, smooth?: number): ExpressionEditor {
  return {
    labels,
    size,
    smooth,
    async render(crop: Float32Array, classes: number[]): Promise<Float32Array[]> {
      if (crop.length !== size * size) throw new Error(`translator: crop has ${crop.length} values, expected ${size}x${size}`);
      for (const c of classes) if (!(Number.isInteger(c) && c >= 0 && c < labels.length)) throw new Error(`translator: class ${c} is not in 0..${labels.length - 1}`);
      const n = classes.length;
      const out = tf.tidy(() => {
        const x = tf.tensor4d(crop, [1, size, size, 1]).div(127.5).sub(1).tile([n, 1, 1, 1]) as tf.Tensor4D;
        return translate(G, x, oneHot(classes, labels.length)).image.add(1).mul(127.5);
      });
      const v = (await out.data()) as Float32Array;
      out.dispose();
      const px = size * size;
      return classes.map((_, i) => v.slice(i * px, (i + 1) * px));
    },
  };
}
