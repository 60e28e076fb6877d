/**
 * Running a trained translator on uint8 faces: every face to each requested target, in batches,
 * back as uint8 images (and the attention masks, when G has them). Used by the progress grids,
 * `npm run edit` and the evaluation.
 */
import * as tf from '@tensorflow/tfjs';
import { translate, oneHot } from './translator';

export interface U8Images {
  data: Uint8Array;
  n: number;
  height: number;
  width: number;
  channels: 1 | 3;
}

/**
 * G's edit of x at `strength` s: x + s * (G(x, y) - x), clipped to [-1, 1]. For a residual
 * translator (v2: G(x, y) = clip(x + d)) this scales its residual d; s = 0 gives the input exactly,
 * s = 1 G's own output, s > 1 exaggerates the edit. Works for every translator (v1: the difference
 * between its output and the input).
 */
export function translateWithStrength(G: tf.LayersModel, x: tf.Tensor4D, y: tf.Tensor2D, strength = 1): { image: tf.Tensor4D; mask: tf.Tensor4D | null } {
  if (!Number.isFinite(strength) || strength < 0) throw new Error(`translator strength must be a non-negative number, got ${strength}`);
  const t = translate(G, x, y);
  if (strength === 1) return t;
  const image = tf.tidy(() => (strength === 0 ? x.clone() : tf.clipByValue(x.add(t.image.sub(x).mul(strength)), -1, 1)) as tf.Tensor4D);
  t.image.dispose();
  return { image, mask: t.mask };
}

/**
 * Edits image `pairs[i].face` of `faces` to class `pairs[i].target` (one output per pair, in order).
 * Returns the edits as uint8 (x in [-1,1] -> round((x + 1) * 127.5)) and the masks in [0,1] (or null).
 * `strength` scales the edit (translateWithStrength; 1 = G's output, 0 = the input).
 */
export async function translateImages(
  G: tf.LayersModel,
  faces: U8Images,
  pairs: { face: number; target: number }[],
  classes: number,
  batchSize = 64,
  strength = 1,
): Promise<{ images: U8Images; masks: Float32Array | null }> {
  const { height: h, width: w, channels: c } = faces;
  const px = h * w * c;
  const out = new Uint8Array(pairs.length * px);
  let masks: Float32Array | null = null;
  for (let i = 0; i < pairs.length; i += batchSize) {
    const part = pairs.slice(i, i + batchSize);
    const x = new Float32Array(part.length * px);
    part.forEach((p, j) => {
      if (!(p.face >= 0 && p.face < faces.n)) throw new Error(`translateImages: face index ${p.face} is not in 0..${faces.n - 1}`);
      if (!(Number.isInteger(p.target) && p.target >= 0 && p.target < classes)) throw new Error(`translateImages: target ${p.target} is not in 0..${classes - 1}`);
      for (let k = 0; k < px; k++) x[j * px + k] = faces.data[p.face * px + k] / 127.5 - 1;
    });
    const r = tf.tidy(() => {
      const t = translateWithStrength(G, tf.tensor4d(x, [part.length, h, w, c]), oneHot(part.map((p) => p.target), classes), strength);
      return t.mask ? [t.image, t.mask] : [t.image];
    });
    const img = r[0];
    const mask = r[1] ?? null;
    const v = await img.data();
    for (let k = 0; k < v.length; k++) out[i * px + k] = Math.max(0, Math.min(255, Math.round((v[k] + 1) * 127.5)));
    if (mask) {
      masks ??= new Float32Array(pairs.length * h * w);
      masks.set(await mask.data(), i * h * w);
    }
    tf.dispose([img, ...(mask ? [mask] : [])]);
  }
  return { images: { data: out, n: pairs.length, height: h, width: w, channels: c }, masks };
}
