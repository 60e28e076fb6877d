/**
 * Training-time augmentation for the expression classifier, done on the CPU in plain JS while
 * building a batch (cheap next to the network): a random horizontal flip and a random affine warp
 * (rotation, scale, shift) with bilinear sampling and clamp-to-edge borders, for 1-channel images.
 * Output pixels are floats in [-1, 1] (v / 127.5 - 1), as the classifier expects.
 */
import { Rng } from '../rng';
import type { AugmentOptions } from '../runs/spec-types';

export type { AugmentOptions };

export const NO_AUGMENT: AugmentOptions = { flip: false, rotate: 0, scale: 0, shift: 0 };

/**
 * Writes image `i` of a uint8 N x size x size x 1 set into `out` at `offset` (size*size floats),
 * augmented with parameters drawn from `rng`. With NO_AUGMENT it is an exact copy (rescaled).
 */
export function augmentInto(
  src: Uint8Array, i: number, size: number, out: Float32Array, offset: number, rng: Rng, a: AugmentOptions,
): void {
  const px = size * size;
  const base = i * px;
  const flip = a.flip && rng.uniform() < 0.5;
  const theta = a.rotate > 0 ? ((rng.uniform() * 2 - 1) * a.rotate * Math.PI) / 180 : 0;
  const s = a.scale > 0 ? 1 + (rng.uniform() * 2 - 1) * a.scale : 1;
  const tx = a.shift > 0 ? (rng.uniform() * 2 - 1) * a.shift : 0;
  const ty = a.shift > 0 ? (rng.uniform() * 2 - 1) * a.shift : 0;
  if (!flip && theta === 0 && s === 1 && tx === 0 && ty === 0) {
    for (let p = 0; p < px; p++) out[offset + p] = src[base + p] / 127.5 - 1;
    return;
  }
  // Output pixel (x, y) samples the source at c + R(-theta) ((x, y) - c - t) / s, then flips.
  const c = (size - 1) / 2;
  const cos = Math.cos(theta) / s, sin = Math.sin(theta) / s;
  const max = size - 1;
  for (let y = 0; y < size; y++) {
    const dy = y - c - ty;
    for (let x = 0; x < size; x++) {
      const dx = x - c - tx;
      let sx = c + cos * dx + sin * dy;
      const sy = c - sin * dx + cos * dy;
      if (flip) sx = max - sx;
      const cx = sx < 0 ? 0 : sx > max ? max : sx;
      const cy = sy < 0 ? 0 : sy > max ? max : sy;
      const x0 = Math.floor(cx), y0 = Math.floor(cy);
      const x1 = x0 < max ? x0 + 1 : x0, y1 = y0 < max ? y0 + 1 : y0;
      const fx = cx - x0, fy = cy - y0;
      const r0 = base + y0 * size, r1 = base + y1 * size;
      const top = src[r0 + x0] + (src[r0 + x1] - src[r0 + x0]) * fx;
      const bot = src[r1 + x0] + (src[r1 + x1] - src[r1 + x0]) * fx;
      out[offset + y * size + x] = (top + (bot - top) * fy) / 127.5 - 1;
    }
  }
}

/** Mirrors a float image of size x size (1 channel) left-right, into `out`. */
export function mirrorInto(src: Float32Array, srcOffset: number, size: number, out: Float32Array, outOffset: number): void {
  for (let y = 0; y < size; y++) {
    const r = y * size;
    for (let x = 0; x < size; x++) out[outOffset + r + x] = src[srcOffset + r + size - 1 - x];
  }
}
