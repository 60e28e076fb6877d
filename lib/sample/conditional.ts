/**
 * Sampling a class-conditional generator: images of one class, and same-face grids (one row per
 * noise vector, one column per class: the picture the study wanted, the same person with every
 * expression).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../rng';
import { GeneratedImages, generateImages } from './generate';
import { FixedNoise } from './noise';
import { gridPng } from '../viz/grid';
import { labelledGridPng } from '../viz/labelled';
import { ConditionalSpec } from '../models/conditional-spec';
import { oneHotLabels } from '../models/conditional';

/** Rows of the same-face grids drawn during training (the first rows of the run's fixed noise). */
export const SAME_FACE_ROWS = 8;

/**
 * Inputs for a same-face grid: every noise vector (values: rows * nz numbers, row-major) repeated
 * once per class, with the class labels 0..classes-1 in each row.
 */
export function sameFaceInputs(values: ArrayLike<number>, rows: number, spec: ConditionalSpec): { z: tf.Tensor4D; labels: tf.Tensor2D } {
  const { nz, classes } = spec;
  if (values.length < rows * nz) throw new Error(`sameFaceInputs: ${values.length} noise values for ${rows} rows of ${nz}`);
  const z = new Float32Array(rows * classes * nz);
  const idx = new Int32Array(rows * classes);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < classes; c++) {
      for (let k = 0; k < nz; k++) z[(r * classes + c) * nz + k] = values[r * nz + k];
      idx[r * classes + c] = c;
    }
  }
  return { z: tf.tensor4d(z, [rows * classes, 1, 1, nz]), labels: oneHotLabels(idx, classes) };
}

/** Same-face images (row-major: row r, class c at r * classes + c), generated as one batch. */
export async function generateSameFace(G: tf.LayersModel, spec: ConditionalSpec, values: ArrayLike<number>, rows: number): Promise<GeneratedImages> {
  const { z, labels } = sameFaceInputs(values, rows, spec);
  try {
    return await generateImages(G, z, rows * spec.classes, labels);
  } finally {
    tf.dispose([z, labels]);
  }
}

/** The same-face grid from a run's fixed noise (its first `rows` vectors). */
export async function generateSameFaceFixed(G: tf.LayersModel, spec: ConditionalSpec, fixed: FixedNoise, rows = SAME_FACE_ROWS): Promise<GeneratedImages> {
  return generateSameFace(G, spec, fixed.values, Math.min(rows, fixed.n));
}

/** PNG of same-face images with the class names above the columns and "face k" left of the rows. */
export function sameFaceGridPng(imgs: GeneratedImages, spec: ConditionalSpec, title?: string): Buffer {
  const rows = imgs.n / spec.classes;
  return labelledGridPng(imgs, {
    cols: spec.classes,
    colLabels: spec.classNames,
    rowLabels: Array.from({ length: rows }, (_, i) => `face ${i + 1}`),
    ...(title ? { title } : {}),
  });
}

/** The same images as an unlabelled torchvision-style grid (one row per face), like the other runs' epoch grids. */
export function sameFacePlainGridPng(imgs: GeneratedImages, spec: ConditionalSpec): Buffer {
  return gridPng(imgs, { nrow: spec.classes });
}

/**
 * Images for the given class labels from seeded noise (batches of 64, training-mode BatchNorm as
 * in the study). Keep labels mixed within a batch: G was trained on mixed batches, and BatchNorm
 * uses the batch's statistics.
 */
export async function generateLabelled(G: tf.LayersModel, spec: ConditionalSpec, labels: ArrayLike<number>, seed: number): Promise<GeneratedImages> {
  const n = labels.length;
  const z = tf.tensor4d(new Rng(seed).normals(n * spec.nz), [n, 1, 1, spec.nz]);
  const y = oneHotLabels(labels, spec.classes);
  try {
    return await generateImages(G, z, 64, y);
  } finally {
    tf.dispose([z, y]);
  }
}

/**
 * `n` images of one class. They are generated inside batches that cycle through all classes
 * (G's BatchNorm then sees the mix it was trained on), and the other classes' images are dropped.
 */
export async function generateClass(G: tf.LayersModel, spec: ConditionalSpec, cls: number, n: number, seed: number): Promise<GeneratedImages> {
  if (!Number.isInteger(cls) || cls < 0 || cls >= spec.classes) throw new Error(`generateClass: class ${cls} is not in 0..${spec.classes - 1}`);
  const labels = Int32Array.from({ length: n * spec.classes }, (_, i) => i % spec.classes);
  const all = await generateLabelled(G, spec, labels, seed);
  return pickImages(all, (i) => labels[i] === cls);
}

/** The images whose index passes `keep`, in order. */
export function pickImages(imgs: GeneratedImages, keep: (i: number) => boolean): GeneratedImages {
  const px = imgs.height * imgs.width * imgs.channels;
  const idx = Array.from({ length: imgs.n }, (_, i) => i).filter(keep);
  const data = new Uint8Array(idx.length * px);
  idx.forEach((src, k) => data.set(imgs.data.subarray(src * px, (src + 1) * px), k * px));
  return { ...imgs, data, n: idx.length };
}
