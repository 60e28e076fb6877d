/** Reading a face photo for editing: any size and colour, centre-cropped and resized to the model's input. */
import * as fs from 'fs';
import { readImageInfo, ImageDecodeError, ImageInfo } from '../data/decode';
import { loadImageFile } from '../data/image-file';
import { DcganSpec } from '../models/spec';

/** A face as the model sees it: floats in [-1, 1] and bytes, size x size x channels. */
export interface FaceImage {
  file: string;
  /** The file's own size and channels. */
  original: { width: number; height: number; channels: number };
  size: number;
  channels: 1 | 3;
  /** [-1, 1], NHWC with n = 1. */
  pixels: Float32Array;
  bytes: Uint8Array;
}

/** Faces smaller than this (shorter side, pixels) are refused: upscaling them invents the expression. */
export const MIN_FACE_SIDE = 24;

/**
 * The bytes and header of an image file, with errors naming it: missing, a folder (suggesting
 * --in), unreadable, or not a JPEG/PNG.
 */
export function readImageBytes(file: string): { bytes: Buffer; info: ImageInfo } {
  let bytes: Buffer;
  try {
    if (fs.statSync(file).isDirectory()) throw new Error(`"${file}" is a folder, not an image: to edit every image in it, use --in ${file}`);
    bytes = fs.readFileSync(file);
  } catch (e) {
    if (!(e as NodeJS.ErrnoException).code) throw e;
    throw new Error(`cannot read image "${file}": ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  try {
    return { bytes, info: readImageInfo(bytes) };
  } catch (e) {
    if (e instanceof ImageDecodeError) throw new Error(`"${file}" is not a readable JPEG/PNG image: ${e.message}`);
    throw e;
  }
}

/**
 * Loads `file` for a model of `spec.size` x `spec.size` x `spec.channels`: the shorter side is
 * resized to the model size and the centre cropped (as the data loaders do), colour becomes
 * BT.601 luma for grayscale models. Throws, naming the file, when it is missing, not a readable
 * JPEG/PNG, or smaller than `minSide` on its shorter side.
 */
export async function loadFace(file: string, spec: Pick<DcganSpec, 'size' | 'channels'>, minSide = MIN_FACE_SIDE): Promise<FaceImage> {
  const { info } = readImageBytes(file);
  const side = Math.min(info.width, info.height);
  if (side < minSide) {
    throw new Error(`"${file}" is too small: ${info.width}x${info.height} pixels; a face needs at least ${minSide} pixels on its shorter side (the model works at ${spec.size}x${spec.size})`);
  }
  const set = await loadImageFile(file, { size: spec.size, channels: spec.channels });
  const pixels = new Float32Array(set.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = set.data[i] / 127.5 - 1;
  return { file, original: { width: info.width, height: info.height, channels: info.channels }, size: spec.size, channels: spec.channels, pixels, bytes: set.data };
}

/** A face already at the model's size (e.g. a FER2013 image of an ImageSet) as a FaceImage. */
export function faceFromBytes(bytes: Uint8Array, spec: Pick<DcganSpec, 'size' | 'channels'>, name: string): FaceImage {
  if (bytes.length !== spec.size * spec.size * spec.channels) {
    throw new Error(`faceFromBytes(${name}): ${bytes.length} values, expected ${spec.size}x${spec.size}x${spec.channels}`);
  }
  const pixels = Float32Array.from(bytes, (v) => v / 127.5 - 1);
  return { file: name, original: { width: spec.size, height: spec.size, channels: spec.channels }, size: spec.size, channels: spec.channels, pixels, bytes: Uint8Array.from(bytes) };
}
