/**
 * Converting any square image set to the classifier's input, 48x48x1: colour images become
 * BT.601 luma (as lib/data/grayscale.ts does for CelebA-gray), other sizes are resized with
 * Pillow's antialiased bilinear filter (lib/data/resize.ts). FER2013 images pass through
 * unchanged. Real and generated sets of a run always go through the same conversion, so fd_fer /
 * kid_fer of a CelebA run are "on 48x48 luma" and colour and gray runs compare on equal footing.
 */
import { rgbToLuma } from '../data/grayscale';
import { resizeBilinearAA } from '../data/resize';
import { CLASSIFIER_SIZE } from './classifier-model';
import { UImages } from './classifier';

/** How a set of the given shape is converted, e.g. "as is" or "luma, 64->48 bilinear-AA". */
export function describeClassifierInput(height: number, width: number, channels: number): string {
  const steps: string[] = [];
  if (channels === 3) steps.push('BT.601 luma');
  if (height !== CLASSIFIER_SIZE || width !== CLASSIFIER_SIZE) steps.push(`${height}->${CLASSIFIER_SIZE} bilinear-AA resize`);
  return steps.length ? steps.join(', ') : 'as is';
}

/** The set as uint8 48x48x1 (the same object when it already is). */
export function toClassifierInput(im: UImages): UImages {
  if (im.channels !== 1 && im.channels !== 3) throw new Error(`toClassifierInput: images have ${im.channels} channels, expected 1 or 3`);
  if (im.height !== im.width) throw new Error(`toClassifierInput: images are ${im.height}x${im.width}, expected square images`);
  if (im.data.length !== im.n * im.height * im.width * im.channels) {
    throw new Error(`toClassifierInput: data has ${im.data.length} bytes, expected n*h*w*c = ${im.n * im.height * im.width * im.channels}`);
  }
  if (im.channels === 1 && im.height === CLASSIFIER_SIZE) return im;
  const S = CLASSIFIER_SIZE;
  const inPx = im.height * im.width * im.channels;
  const out = new Uint8Array(im.n * S * S);
  for (let i = 0; i < im.n; i++) {
    let img = im.data.subarray(i * inPx, (i + 1) * inPx);
    if (im.channels === 3) img = rgbToLuma(img);
    const r = im.height === S ? img : resizeBilinearAA({ width: im.width, height: im.height, channels: 1, data: img }, S, S).data;
    out.set(r, i * S * S);
  }
  return { data: out, n: im.n, height: S, width: S, channels: 1 };
}
