/**
 * Decode JPEG and PNG bytes into uint8 pixels in pure JS (jpeg-js, pngjs): no native code.
 * Grayscale files come back with 1 channel, colour files with 3 (alpha is dropped).
 */
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** One decoded image, row-major HWC uint8. */
export interface DecodedImage {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

/** Image header facts read without decoding the pixels. */
export interface ImageInfo {
  format: 'jpeg' | 'png';
  width: number;
  height: number;
  channels: 1 | 3;
}

/** Thrown for bytes that are not a decodable JPEG/PNG; the loaders turn it into a counted skip. */
export class ImageDecodeError extends Error {}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function isPng(b: Uint8Array): boolean {
  return b.length >= 8 && PNG_MAGIC.every((v, i) => b[i] === v);
}

function isJpeg(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
}

/**
 * Reads the size and channel count from a JPEG (SOFn marker) or PNG (IHDR) header without
 * decoding. Throws ImageDecodeError when the bytes are neither, or the header is cut short.
 */
export function readImageInfo(bytes: Uint8Array): ImageInfo {
  if (bytes.length === 0) throw new ImageDecodeError('empty file');
  if (isPng(bytes)) {
    if (bytes.length < 26) throw new ImageDecodeError('truncated PNG header');
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const colorType = bytes[25];
    return { format: 'png', width: dv.getUint32(16), height: dv.getUint32(20), channels: colorType === 0 || colorType === 4 ? 1 : 3 };
  }
  if (!isJpeg(bytes)) throw new ImageDecodeError('not a JPEG or PNG file (unknown magic bytes)');
  let off = 2;
  while (off + 4 <= bytes.length) {
    if (bytes[off] !== 0xff) throw new ImageDecodeError(`corrupt JPEG: expected a marker at byte ${off}`);
    const marker = bytes[off + 1];
    if (marker === 0xff) { off++; continue; } // fill byte
    const len = (bytes[off + 2] << 8) | bytes[off + 3];
    // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (off + 10 > bytes.length) break;
      const height = (bytes[off + 5] << 8) | bytes[off + 6];
      const width = (bytes[off + 7] << 8) | bytes[off + 8];
      const comps = bytes[off + 9];
      return { format: 'jpeg', width, height, channels: comps === 1 ? 1 : 3 };
    }
    if (marker === 0xda || marker === 0xd9) break; // start of scan / end of image before any frame
    off += 2 + len;
  }
  throw new ImageDecodeError('truncated or corrupt JPEG: no frame header (SOF) found');
}

/**
 * Decodes JPEG or PNG bytes. Strict: a truncated or corrupt file throws ImageDecodeError
 * (jpeg-js's tolerant mode, which silently returns partly grey images, is turned off).
 */
export function decodeImage(bytes: Uint8Array): DecodedImage {
  const info = readImageInfo(bytes);
  if (info.width === 0 || info.height === 0) throw new ImageDecodeError(`image has zero size (${info.width}x${info.height})`);
  try {
    if (info.format === 'jpeg') return decodeJpeg(bytes, info);
    return decodePng(bytes);
  } catch (e) {
    if (e instanceof ImageDecodeError) throw e;
    throw new ImageDecodeError(`cannot decode ${info.format.toUpperCase()}: ${(e as Error).message}`);
  }
}

function decodeJpeg(bytes: Uint8Array, info: ImageInfo): DecodedImage {
  const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, tolerantDecoding: false, maxResolutionInMP: 200 });
  const { width, height } = img;
  if (info.channels === 3) return { width, height, channels: 3, data: img.data };
  // jpeg-js always returns RGB; a 1-component JPEG has R = G = B.
  const n = width * height;
  const gray = new Uint8Array(n);
  const src = img.data;
  for (let i = 0, j = 0; i < n; i++, j += 3) gray[i] = src[j];
  return { width, height, channels: 1, data: gray };
}

function decodePng(bytes: Uint8Array): DecodedImage {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const { width, height } = png;
  const n = width * height;
  const rgba = png.data;
  if (rgba.length < n * 4) throw new ImageDecodeError(`truncated PNG: ${rgba.length} bytes of pixels for ${width}x${height}`);
  if (!png.color) {
    const gray = new Uint8Array(n);
    for (let i = 0; i < n; i++) gray[i] = rgba[i * 4];
    return { width, height, channels: 1, data: gray };
  }
  const rgb = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n * 4; i += 4) {
    rgb[j++] = rgba[i];
    rgb[j++] = rgba[i + 1];
    rgb[j++] = rgba[i + 2];
  }
  return { width, height, channels: 3, data: rgb };
}
