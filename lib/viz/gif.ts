/** Animated GIFs (e.g. the fixed-noise samples across epochs) in pure JS with gifenc. */
import { Picture, checkPicture } from './types';

type Palette = number[][];
interface GifStream {
  writeFrame(index: Uint8Array, width: number, height: number, opts: { palette?: Palette; delay?: number; repeat?: number }): void;
  finish(): void;
  bytes(): Uint8Array;
}
interface Gifenc {
  GIFEncoder(): GifStream;
  quantize(rgba: Uint8Array, maxColors: number, opts?: { format?: string }): Palette;
  applyPalette(rgba: Uint8Array, palette: Palette, format?: string): Uint8Array;
}
// gifenc ships no type declarations; its CommonJS build is typed locally above.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const gifenc = require('gifenc') as Gifenc;

/** A frame: bytes, row-major; 1 channel (gray) or 3 (RGB). */
export type GifFrame = Picture & { channels: 1 | 3 };

/** Options of `animatedGif`. */
export interface GifOptions {
  /** Time each frame is shown, in ms (GIF stores 1/100 s), default 500. */
  delayMs?: number;
  /** Time the last frame is shown, in ms (default delayMs): a longer pause marks the loop's end. */
  lastDelayMs?: number;
  /** Loop forever (true, default) or play once. */
  loop?: boolean;
  /**
   * Colour frames: one palette quantized from all frames (default; colours stay stable across
   * frames) or one per frame (truer colours per frame, may flicker). Grayscale uses 256 exact grays.
   */
  palette?: 'global' | 'per-frame';
}

const GRAYS: Palette = Array.from({ length: 256 }, (_, v) => [v, v, v]);

function toRgba(f: GifFrame): Uint8Array {
  const n = f.width * f.height;
  const out = new Uint8Array(n * 4);
  for (let p = 0; p < n; p++) {
    const s = p * f.channels;
    out[p * 4] = f.pixels[s];
    out[p * 4 + 1] = f.pixels[s + (f.channels === 3 ? 1 : 0)];
    out[p * 4 + 2] = f.pixels[s + (f.channels === 3 ? 2 : 0)];
    out[p * 4 + 3] = 255;
  }
  return out;
}

/** Every k-th pixel of all frames (RGBA), about `budget` pixels in all, for palette quantization. */
function samplePixels(rgbas: Uint8Array[], budget = 1 << 20): Uint8Array {
  const total = rgbas.reduce((a, r) => a + r.length / 4, 0);
  const step = Math.max(1, Math.ceil(total / budget));
  const out = new Uint8Array(Math.ceil(total / step) * 4 + 4 * rgbas.length);
  let q = 0;
  for (const r of rgbas) {
    for (let p = 0; p < r.length / 4; p += step) {
      out.set(r.subarray(p * 4, p * 4 + 4), q);
      q += 4;
    }
  }
  return out.subarray(0, q);
}

/**
 * Encode frames (all the same size) as an animated GIF. If every frame is grayscale the GIF
 * uses a 256-level gray palette and reproduces the pixels exactly; colour frames are quantized
 * to 256 colours (see `palette`).
 */
export function animatedGif(frames: readonly GifFrame[], opts: GifOptions = {}): Buffer {
  if (frames.length === 0) throw new Error('animatedGif: expected at least one frame, got none');
  const { width, height } = frames[0];
  frames.forEach((f, i) => {
    checkPicture(f, `animatedGif frame ${i}`);
    if (f.channels !== 1 && f.channels !== 3) throw new Error(`animatedGif frame ${i}: expected 1 or 3 channels, got ${f.channels}`);
    if (f.width !== width || f.height !== height) {
      throw new Error(`animatedGif frame ${i}: expected ${width}x${height} like frame 0, got ${f.width}x${f.height}`);
    }
  });
  const delay = opts.delayMs ?? 500;
  if (!(delay >= 0 && delay <= 655350)) throw new Error(`animatedGif: expected delayMs in [0, 655350], got ${delay}`);
  const lastDelay = opts.lastDelayMs ?? delay;
  if (!(lastDelay >= 0 && lastDelay <= 655350)) throw new Error(`animatedGif: expected lastDelayMs in [0, 655350], got ${lastDelay}`);
  const delayOf = (i: number) => (i === frames.length - 1 ? lastDelay : delay);
  const repeat = opts.loop === false ? -1 : 0;
  const gif = gifenc.GIFEncoder();
  if (frames.every((f) => f.channels === 1)) {
    frames.forEach((f, i) => gif.writeFrame(f.pixels, width, height, { delay: delayOf(i), repeat, ...(i === 0 ? { palette: GRAYS } : {}) }));
  } else {
    const rgbas = frames.map(toRgba);
    const global = opts.palette !== 'per-frame' ? gifenc.quantize(samplePixels(rgbas), 256) : undefined;
    rgbas.forEach((rgba, i) => {
      const palette = global ?? gifenc.quantize(rgba, 256);
      const index = gifenc.applyPalette(rgba, palette);
      gif.writeFrame(index, width, height, { delay: delayOf(i), repeat, ...(i === 0 || !global ? { palette } : {}) });
    });
  }
  gif.finish();
  return Buffer.from(gif.bytes());
}
