/**
 * Measures of a pasted edit (runtime-neutral): pixels changed outside the face masks (must be 0),
 * and how visible the mask's rim is: the luma gradient of the change (edit - photo) on the feathered
 * rim against inside the mask. A seam would show as a rim gradient far above the inside one.
 */
import { RgbImage } from './types';

/** Pixels of `b` that differ from `a` where `mask` (union of the face masks) is 0. */
export function changedOutside(a: RgbImage, b: RgbImage, mask: Float32Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] > 0) continue;
    const o = i * 3;
    if (a.data[o] !== b.data[o] || a.data[o + 1] !== b.data[o + 1] || a.data[o + 2] !== b.data[o + 2]) n++;
  }
  return n;
}

/** The union (max) of masks. */
export function maskUnion(masks: Float32Array[]): Float32Array {
  const out = new Float32Array(masks[0].length);
  for (const m of masks) for (let i = 0; i < m.length; i++) if (m[i] > out[i]) out[i] = m[i];
  return out;
}

export interface SeamMeasure {
  /** Mean |grad(edit - photo)| (grey levels per pixel) on the rim (0 < mask < 1) and inside (mask = 1). */
  rimChangeGradient: number;
  insideChangeGradient: number;
  /** Mean |grad luma| of the edit over that of the photo, on the rim and inside. */
  rimGradientRatio: number;
  insideGradientRatio: number;
  rimPixels: number;
}

/** See the file comment; `mask` is one face's mask over the photo. */
export function seamMeasure(a: RgbImage, b: RgbImage, mask: Float32Array): SeamMeasure {
  const { width: w, height: h } = a;
  const Y = (img: RgbImage, i: number) => 0.299 * img.data[i * 3] + 0.587 * img.data[i * 3 + 1] + 0.114 * img.data[i * 3 + 2];
  let rimD = 0, inD = 0, rimA = 0, rimB = 0, inA = 0, inB = 0, nRim = 0, nIn = 0;
  for (let y = 0; y < h - 1; y++) {
    for (let x = 0; x < w - 1; x++) {
      const i = y * w + x;
      const m = mask[i];
      if (m <= 0) continue;
      const ya = Y(a, i), yb = Y(b, i);
      const gxA = Y(a, i + 1) - ya, gyA = Y(a, i + w) - ya;
      const gxB = Y(b, i + 1) - yb, gyB = Y(b, i + w) - yb;
      const gA = Math.abs(gxA) + Math.abs(gyA), gB = Math.abs(gxB) + Math.abs(gyB);
      const gD = Math.abs(gxB - gxA) + Math.abs(gyB - gyA);
      if (m < 1) { rimD += gD; rimA += gA; rimB += gB; nRim++; } else { inD += gD; inA += gA; inB += gB; nIn++; }
    }
  }
  return {
    rimChangeGradient: nRim ? rimD / nRim : 0,
    insideChangeGradient: nIn ? inD / nIn : 0,
    rimGradientRatio: rimA > 0 ? rimB / rimA : 1,
    insideGradientRatio: inA > 0 ? inB / inA : 1,
    rimPixels: nRim,
  };
}
