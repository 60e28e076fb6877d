/** Colour to grayscale with ITU-R BT.601 luma, so grayscale and colour runs see the same images. */
import type { ImageSet } from './types';

/** round(0.299 R + 0.587 G + 0.114 B) of one pixel (0..255). */
export function luma601(r: number, g: number, b: number): number {
  return Math.round(0.299 * r + 0.587 * g + 0.114 * b);
}

/** Interleaved RGB bytes to one luma byte per pixel. */
export function rgbToLuma(rgb: Uint8Array): Uint8Array {
  const n = Math.floor(rgb.length / 3);
  const out = new Uint8Array(n);
  for (let i = 0, j = 0; i < n; i++, j += 3) out[i] = Math.round(0.299 * rgb[j] + 0.587 * rgb[j + 1] + 0.114 * rgb[j + 2]);
  return out;
}

/** Gray bytes to interleaved RGB (R = G = B). */
export function lumaToRgb(gray: Uint8Array): Uint8Array {
  const out = new Uint8Array(gray.length * 3);
  for (let i = 0, j = 0; i < gray.length; i++, j += 3) out[j] = out[j + 1] = out[j + 2] = gray[i];
  return out;
}

/**
 * The same images with one channel: BT.601 luma of each pixel, rounded. A set that is already
 * grayscale is returned unchanged. Labels, sources and skips are kept.
 */
export function toGrayscale(set: ImageSet): ImageSet {
  if (set.channels === 1) return set;
  return { ...set, data: rgbToLuma(set.data), channels: 1, name: `${set.name} (grayscale)` };
}
