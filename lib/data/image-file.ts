/** Single image files (JPEG/PNG, any size or colour) as a one-image ImageSet. */
import * as fs from 'fs';
import { decodeImage, ImageDecodeError, type DecodedImage } from './decode';
import { rgbToLuma, lumaToRgb } from './grayscale';
import { resizeShortSideCenterCrop } from './resize';
import type { ImageSet } from './types';

/** Options for loadImageFile / prepareImage. */
export interface ImageFileOptions {
  /** Output is size x size: shorter side resized to `size`, then centre-cropped. Default: keep the file's size. */
  size?: number;
  /** 1 = grayscale (BT.601 luma), 3 = RGB. Default: the file's own (1 for gray files, else 3). */
  channels?: 1 | 3;
}

/** Converts a decoded image to `channels` (luma or gray replicated to RGB). */
export function convertChannels(img: DecodedImage, channels: 1 | 3): DecodedImage {
  if (img.channels === channels) return img;
  const data = channels === 1 ? rgbToLuma(img.data) : lumaToRgb(img.data);
  return { ...img, channels, data };
}

/**
 * Decodes bytes and applies the centre-crop resize and channel conversion. Resizing happens in
 * the file's own colour space (as PIL would), the channel conversion last.
 * Throws ImageDecodeError for bytes that are not a (complete) JPEG/PNG.
 */
export function prepareImage(bytes: Uint8Array, opts: ImageFileOptions = {}): DecodedImage {
  let img = decodeImage(bytes);
  if (opts.size !== undefined) img = resizeShortSideCenterCrop(img, opts.size);
  if (opts.channels !== undefined) img = convertChannels(img, opts.channels);
  return img;
}

/**
 * Loads one image file (JPEG or PNG, any size, gray or colour) as an ImageSet with n = 1,
 * optionally centre-cropped and resized to size x size (same resample as the CelebA loader)
 * and converted to 1 or 3 channels. Throws, naming the file, when it is missing or not a
 * decodable image.
 */
export async function loadImageFile(path: string, opts: ImageFileOptions = {}): Promise<ImageSet> {
  if (opts.channels !== undefined && opts.channels !== 1 && opts.channels !== 3) {
    throw new Error(`loadImageFile(${path}): channels must be 1 or 3, got ${opts.channels}`);
  }
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(path);
  } catch (e) {
    throw new Error(`loadImageFile: cannot read "${path}": ${(e as Error).message}`);
  }
  let img: DecodedImage;
  try {
    img = prepareImage(bytes, opts);
  } catch (e) {
    if (e instanceof ImageDecodeError) throw new Error(`loadImageFile: "${path}" is not a readable JPEG/PNG image: ${e.message}`);
    throw e;
  }
  return {
    data: img.data,
    n: 1,
    height: img.height,
    width: img.width,
    channels: img.channels,
    sources: [path],
    skipped: [],
    name: path,
  };
}
