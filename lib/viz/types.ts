/** Shared picture types of lib/viz: a batch of images in, a single raster out. */

/**
 * A batch of `n` images, NHWC row-major: pixel (i, y, x, c) is at
 * ((i * height + y) * width + x) * channels + c. Bytes are 0..255; floats are mapped from a
 * value range (default [-1, 1], the generator's tanh output) to 0..255.
 * Structurally compatible with `ImageSet` from lib/data/types.
 */
export interface ImageBatch {
  data: Uint8Array | Float32Array;
  n: number;
  height: number;
  width: number;
  channels: 1 | 3;
}

/** One raster image of bytes, row-major, `channels` interleaved values per pixel. */
export interface Picture {
  pixels: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
}

/** Throw a clear error unless `b` is a well-formed batch (sizes positive, data length matching). */
export function checkBatch(b: ImageBatch, what = 'images'): void {
  for (const k of ['n', 'height', 'width'] as const) {
    if (!Number.isInteger(b[k]) || b[k] < 1) {
      throw new Error(`${what}: expected ${k} to be a positive integer, got ${b[k]}`);
    }
  }
  if (b.channels !== 1 && b.channels !== 3) {
    throw new Error(`${what}: expected channels 1 (grayscale) or 3 (RGB), got ${b.channels}`);
  }
  const want = b.n * b.height * b.width * b.channels;
  if (b.data.length !== want) {
    throw new Error(
      `${what}: expected data of length n*height*width*channels = ` +
        `${b.n}*${b.height}*${b.width}*${b.channels} = ${want}, got ${b.data.length}`,
    );
  }
}

/** Throw a clear error unless `p` is a well-formed picture. */
export function checkPicture(p: Picture, what = 'picture'): void {
  if (!Number.isInteger(p.width) || p.width < 1 || !Number.isInteger(p.height) || p.height < 1) {
    throw new Error(`${what}: expected positive integer width and height, got ${p.width}x${p.height}`);
  }
  if (p.channels !== 1 && p.channels !== 3 && p.channels !== 4) {
    throw new Error(`${what}: expected channels 1, 3 or 4, got ${p.channels}`);
  }
  const want = p.width * p.height * p.channels;
  if (p.pixels.length !== want) {
    throw new Error(
      `${what}: expected ${p.width}*${p.height}*${p.channels} = ${want} pixel values, got ${p.pixels.length}`,
    );
  }
}
