/**
 * Reading and writing photos in Node for the photo pipeline: sharp (libvips; an optional
 * dependency with prebuilt binaries inside its npm packages) when it loads, else the pure-JS
 * jpeg-js/pngjs. Either way: EXIF orientation applied (pixels upright, the tag dropped on write),
 * transparency composited over white, gray photos kept gray. Errors name the file.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { RgbImage } from '../photo/types';
import { applyOrientation, readExifOrientation } from '../photo/exif';
import { toRgb, hasTransparency, isGray } from '../photo/pixels';
import { readImageBytes } from './face-image';

type Sharp = typeof import('sharp').default;
let sharpModule: Sharp | null | undefined;

/** sharp, or null when it is not installed or does not load here (then the pure-JS codecs serve). */
export function loadSharp(): Sharp | null {
  if (sharpModule !== undefined) return sharpModule;
  if (process.env.FACEGAN_CODEC === 'js') return (sharpModule = null);
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const m = require('sharp') as Sharp & { default?: Sharp };
    sharpModule = m.default ?? m;
  } catch {
    sharpModule = null;
  }
  return sharpModule;
}

/** "sharp 0.35.6 (libvips 8.18.8)" or "jpeg-js + pngjs (pure JS)". */
export function codecName(): string {
  const s = loadSharp();
  return s ? `sharp ${s.versions.sharp} (libvips ${s.versions.vips})` : 'jpeg-js + pngjs (pure JS)';
}

export interface Photo {
  file: string;
  format: 'jpeg' | 'png';
  image: RgbImage;
  /** The EXIF orientation that was applied (1 = none). */
  orientation: number;
  /** Some pixels were transparent and were composited over white. */
  alphaOverWhite: boolean;
  /** Every pixel gray: written back as a gray image. */
  gray: boolean;
}

/** Reads a JPEG or PNG photo upright, as RGB. */
export async function readPhoto(file: string): Promise<Photo> {
  const { bytes, info } = readImageBytes(file);
  const orientation = readExifOrientation(bytes);
  let raw: { data: Uint8Array; width: number; height: number; channels: number };
  try {
    raw = await decodeRaw(bytes, info.format, orientation);
  } catch (e) {
    throw new Error(`"${file}" is not a readable ${info.format.toUpperCase()} image: ${(e as Error).message}`);
  }
  const alphaOverWhite = hasTransparency(raw.data, raw.width, raw.height, raw.channels);
  const image = toRgb(raw.data, raw.width, raw.height, raw.channels);
  return { file, format: info.format, image, orientation, alphaOverWhite, gray: raw.channels <= 2 || isGray(image) };
}

/** Decoded, upright pixels with their own channel count (1..4). */
async function decodeRaw(bytes: Buffer, format: 'jpeg' | 'png', orientation: number): Promise<{ data: Uint8Array; width: number; height: number; channels: number }> {
  const sharp = loadSharp();
  if (sharp) {
    const { data, info } = await sharp(bytes, { failOn: 'error', limitInputPixels: 200e6 }).rotate().raw().toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: info.channels };
  }
  let img: { data: Uint8Array; width: number; height: number; channels: number };
  if (format === 'jpeg') {
    const d = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, tolerantDecoding: false, maxResolutionInMP: 200, maxMemoryUsageInMB: 2048 });
    img = { data: d.data, width: d.width, height: d.height, channels: 3 };
  } else {
    const png = PNG.sync.read(bytes);
    img = { data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength), width: png.width, height: png.height, channels: 4 };
  }
  const up = applyOrientation({ width: img.width, height: img.height, data: img.data }, orientation, img.channels);
  return { data: up.data, width: up.width, height: up.height, channels: img.channels };
}

/** The output format for a file name: .jpg/.jpeg -> jpeg, .png -> png; anything else is an error naming the option. */
export function formatForFile(file: string, option = '--out'): 'jpeg' | 'png' {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.jpg' || ext === '.jpeg') return 'jpeg';
  if (ext === '.png') return 'png';
  throw new Error(`${option} ${file}: the file name must end in .jpg, .jpeg or .png (it sets the output format)`);
}

/** Encodes an RGB image (gray when `gray`) as JPEG (quality 1..100) or PNG. */
export async function encodePhoto(img: RgbImage, format: 'jpeg' | 'png', o: { quality?: number; gray?: boolean } = {}): Promise<Buffer> {
  const quality = o.quality ?? 92;
  if (!(Number.isInteger(quality) && quality >= 1 && quality <= 100)) throw new Error(`--quality must be an integer 1..100, got ${quality}`);
  const n = img.width * img.height;
  let data: Uint8Array = img.data;
  let channels: 1 | 3 = 3;
  if (o.gray) {
    data = new Uint8Array(n);
    for (let i = 0; i < n; i++) data[i] = img.data[i * 3];
    channels = 1;
  }
  const sharp = loadSharp();
  if (sharp) {
    const s = sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width: img.width, height: img.height, channels } });
    const t = channels === 1 ? s.toColourspace('b-w') : s;
    return format === 'jpeg' ? t.jpeg({ quality, mozjpeg: false }).toBuffer() : t.png({ compressionLevel: 6 }).toBuffer();
  }
  if (format === 'jpeg') {
    const rgba = new Uint8Array(n * 4);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 3; c++) rgba[i * 4 + c] = channels === 1 ? data[i] : data[i * 3 + c];
      rgba[i * 4 + 3] = 255;
    }
    return Buffer.from(jpeg.encode({ data: rgba, width: img.width, height: img.height }, quality).data);
  }
  const png = new PNG({ width: img.width, height: img.height, colorType: channels === 1 ? 0 : 2, inputColorType: 2, inputHasAlpha: false });
  const rgb = Buffer.alloc(n * 3);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) rgb[i * 3 + c] = channels === 1 ? data[i] : data[i * 3 + c];
  png.data = rgb;
  return PNG.sync.write(png, { colorType: channels === 1 ? 0 : 2, inputColorType: 2, inputHasAlpha: false });
}

/** Forget the codec choice (tests switch FACEGAN_CODEC between calls). */
loadSharp.reset = (): void => {
  sharpModule = undefined;
};
