/**
 * Image grids like torchvision's `make_grid`: a batch of NHWC images tiled `nrow` per row with
 * `padding` pixels between and around them, as bytes or a PNG.
 */
import type { Tensor4D } from '@tensorflow/tfjs';
import { encodePng } from './png';
import { ImageBatch, Picture, checkBatch } from './types';

/** Options of `imageGrid`. */
export interface GridOptions {
  /** Images per row (torchvision's `nrow`), default 8; fewer when n is smaller. */
  nrow?: number;
  /** Pixels between images and around the border, default 2. */
  padding?: number;
  /** Byte value (0..255) of the padding, default 0 (black). */
  padValue?: number;
  /** Value range of float input mapped to 0..255 (clamped), default [-1, 1]. Ignored for bytes. */
  range?: [number, number];
}

/** A grid image; channels as the input batch. */
export interface GridPicture extends Picture {
  channels: 1 | 3;
}

/**
 * Convert a batch to bytes: Uint8Array data is returned as is; float data is mapped from
 * `range` (default [-1, 1]) linearly to 0..255, rounded and clamped (NaN becomes 0).
 */
export function toBytes(data: Uint8Array | Float32Array, range: [number, number] = [-1, 1]): Uint8Array {
  if (data instanceof Uint8Array) return data;
  const [lo, hi] = range;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) {
    throw new Error(`toBytes: expected range [lo, hi] with finite lo < hi, got [${lo}, ${hi}]`);
  }
  const scale = 255 / (hi - lo);
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = Math.round((data[i] - lo) * scale);
    out[i] = v > 255 ? 255 : v > 0 ? v : 0; // NaN fails both tests and becomes 0
  }
  return out;
}

/** Grid size in pixels for n images of h x w (torchvision's layout). */
export function gridSize(
  n: number,
  height: number,
  width: number,
  nrow = 8,
  padding = 2,
): { cols: number; rows: number; width: number; height: number } {
  const cols = Math.min(nrow, n);
  const rows = Math.ceil(n / cols);
  return { cols, rows, width: cols * (width + padding) + padding, height: rows * (height + padding) + padding };
}

/**
 * Tile a batch of images into one picture, `nrow` per row (default 8), row-major, with `padding`
 * (default 2) pixels of `padValue` (default 0) between and around them, as torchvision's
 * `make_grid`. Float input is mapped from `range` (default [-1, 1]) to bytes.
 * Image i sits at x = padding + (i % cols) * (width + padding), y = padding + floor(i / cols) * (height + padding).
 */
export function imageGrid(images: ImageBatch, opts: GridOptions = {}): GridPicture {
  checkBatch(images, 'imageGrid');
  const nrow = opts.nrow ?? 8;
  const padding = opts.padding ?? 2;
  const padValue = opts.padValue ?? 0;
  if (!Number.isInteger(nrow) || nrow < 1) throw new Error(`imageGrid: expected nrow >= 1 (integer), got ${nrow}`);
  if (!Number.isInteger(padding) || padding < 0) {
    throw new Error(`imageGrid: expected padding >= 0 (integer), got ${padding}`);
  }
  if (!Number.isInteger(padValue) || padValue < 0 || padValue > 255) {
    throw new Error(`imageGrid: expected padValue to be a byte 0..255, got ${padValue}`);
  }
  const { n, height: h, width: w, channels: ch } = images;
  const bytes = toBytes(images.data, opts.range);
  const size = gridSize(n, h, w, nrow, padding);
  const pixels = new Uint8Array(size.width * size.height * ch).fill(padValue);
  const rowBytes = w * ch;
  for (let i = 0; i < n; i++) {
    const x0 = padding + (i % size.cols) * (w + padding);
    const y0 = padding + Math.floor(i / size.cols) * (h + padding);
    for (let y = 0; y < h; y++) {
      const src = (i * h + y) * rowBytes;
      pixels.set(bytes.subarray(src, src + rowBytes), ((y0 + y) * size.width + x0) * ch);
    }
  }
  return { pixels, width: size.width, height: size.height, channels: ch };
}

/** `imageGrid` encoded as PNG (grayscale PNG for 1-channel input, RGB for 3). */
export function gridPng(images: ImageBatch, opts: GridOptions = {}): Buffer {
  const g = imageGrid(images, opts);
  return encodePng(g.pixels, g.width, g.height, g.channels);
}

/**
 * Read an NHWC tensor (e.g. generator output in [-1, 1]) into an `ImageBatch` of floats, for
 * `imageGrid(..., { range: [-1, 1] })`. Does not dispose `t`. Channels must be 1 or 3.
 */
export async function tensorToImages(t: Tensor4D): Promise<ImageBatch & { data: Float32Array }> {
  if (t.rank !== 4) throw new Error(`tensorToImages: expected a rank-4 NHWC tensor, got shape [${t.shape}]`);
  const [n, height, width, channels] = t.shape;
  if (channels !== 1 && channels !== 3) {
    throw new Error(`tensorToImages: expected 1 or 3 channels (NHWC), got shape [${t.shape}]`);
  }
  const raw = await t.data();
  const data = raw instanceof Float32Array ? raw : Float32Array.from(raw as ArrayLike<number>);
  return { data, n, height, width, channels };
}

/** The i-th image of a batch as bytes (floats mapped from `range`, default [-1, 1]). */
export function imageAt(images: ImageBatch, i: number, range?: [number, number]): GridPicture {
  checkBatch(images, 'imageAt');
  if (!Number.isInteger(i) || i < 0 || i >= images.n) {
    throw new Error(`imageAt: expected index 0..${images.n - 1}, got ${i}`);
  }
  const size = images.height * images.width * images.channels;
  const part = images.data.subarray(i * size, (i + 1) * size);
  const pixels = part instanceof Uint8Array ? part.slice() : toBytes(part, range);
  return { pixels, width: images.width, height: images.height, channels: images.channels };
}
