/** Integer nearest-neighbour upscaling: keeps pixels crisp when showing 48x48 faces large. */
import { Picture, checkPicture } from './types';

/** Each pixel of `p` becomes a `factor` x `factor` block (factor a positive integer). */
export function upscaleNearest<P extends Picture>(p: P, factor: number): P {
  checkPicture(p, 'upscaleNearest');
  if (!Number.isInteger(factor) || factor < 1) throw new Error(`upscaleNearest: expected an integer factor >= 1, got ${factor}`);
  if (factor === 1) return p;
  const { width: w, height: h, channels: ch } = p;
  const W = w * factor;
  const out = new Uint8Array(W * h * factor * ch);
  const row = new Uint8Array(W * ch);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const src = (y * w + x) * ch;
      for (let k = 0; k < factor; k++) row.set(p.pixels.subarray(src, src + ch), (x * factor + k) * ch);
    }
    for (let k = 0; k < factor; k++) out.set(row, (y * factor + k) * W * ch);
  }
  return { ...p, pixels: out, width: W, height: h * factor };
}
