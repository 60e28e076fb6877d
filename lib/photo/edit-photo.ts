/**
 * The photo editor: every face in a photo -> aligned crop -> translator -> residual -> pasted back.
 *
 *   1. detect faces with landmarks (largest first);
 *   2. align each to the translator's canonical 48x48 framing (similarity from its landmarks);
 *   3. the face's current expression: the one the caller gives (`from`), else the class whose
 *      rendering G(x, c) is closest to the crop (the translator's own judgement; no classifier);
 *   4. residual = G(x, target) - G(x, current): what the translator changes for the new expression,
 *      without its own reconstruction error (G(x, current) != x) reaching the photo;
 *   5. paste: strength x residual, upsampled through the inverse alignment, added to luma inside a
 *      feathered face ellipse (paste.ts); everything outside stays bit-exact.
 *
 * No Node API: runs in the browser (web/) and behind `npm run edit` alike.
 */
import { DetectedFace, FaceDetector, NoFaceError, RgbImage } from './types';
import { alignedCrop } from './align';
import { Similarity } from './transform';
import { FaceTemplate, FER_TEMPLATE } from './template';
import { ExpressionEditor } from './editor';
import { pasteResidual, PasteStats } from './paste';

export interface EditPhotoOptions {
  detector: FaceDetector;
  editor: ExpressionEditor;
  /** Target class indices; one output image each. */
  targets: number[];
  /** Scales the residual; 0 returns the photo unchanged. Default 1. */
  strength?: number;
  /** Edit only this face (0 = largest); default every face. */
  face?: number;
  /** The faces' current expression (class index), when the user knows it; else G's reconstruction decides. */
  from?: number;
  template?: FaceTemplate;
  /**
   * Passes of a [1 2 1]/4 binomial filter over the residual (default: the editor's own, else 2): the first has zero gain at
   * the highest frequency (period 2 px), where a transposed-convolution decoder's checkerboard lives,
   * the second takes the period-4 blobs of its previous layer to a quarter; 0 leaves it as G made it.
   */
  smooth?: number;
  /** Faces found earlier (skips detection). */
  faces?: DetectedFace[];
}

export interface FaceRecord {
  /** Index among the detected faces, largest first. */
  index: number;
  box: [number, number, number, number];
  score: number;
  /** Photo -> crop. */
  transform: Similarity;
  /** The aligned luma crop, uint8 size*size. */
  crop: Uint8Array;
  from: { label: string; source: 'given' | 'reconstruction' };
}

export interface PhotoEdit {
  target: string;
  image: RgbImage;
  faces: (PasteStats & { index: number })[];
}

export interface EditPhotoResult {
  faces: FaceRecord[];
  /** All faces found (also those not edited, with --face). */
  detected: DetectedFace[];
  edits: PhotoEdit[];
  /** Milliseconds per stage. */
  timings: { detect: number; align: number; edit: number; paste: number };
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export const STRENGTH_RANGE = [0, 1.5] as const;
export const DEFAULT_SMOOTH = 2;

export async function editPhoto(image: RgbImage, o: EditPhotoOptions): Promise<EditPhotoResult> {
  const strength = o.strength ?? 1;
  if (!(strength >= STRENGTH_RANGE[0] && strength <= STRENGTH_RANGE[1])) throw new Error(`strength must be in ${STRENGTH_RANGE[0]}..${STRENGTH_RANGE[1]}, got ${strength}`);
  const template = o.template ?? FER_TEMPLATE;
  if (o.smooth !== undefined && !(Number.isInteger(o.smooth) && o.smooth >= 0 && o.smooth <= 8)) throw new Error(`smooth must be an integer 0..8, got ${o.smooth}`);
  const { editor } = o;
  if (editor.size !== template.size) throw new Error(`the translator works at ${editor.size}x${editor.size}, the face template at ${template.size}x${template.size}`);
  if (o.from !== undefined && !(o.from >= 0 && o.from < editor.labels.length)) throw new Error(`from ${o.from} is not in 0..${editor.labels.length - 1}`);
  for (const t of o.targets) if (!(t >= 0 && t < editor.labels.length)) throw new Error(`target ${t} is not in 0..${editor.labels.length - 1}`);
  const timings = { detect: 0, align: 0, edit: 0, paste: 0 };

  let t = now();
  const detected = o.faces ?? (await o.detector.detect(image));
  timings.detect = now() - t;
  if (detected.length === 0) throw new NoFaceError('no face found');
  if (o.face !== undefined && !(Number.isInteger(o.face) && o.face >= 0 && o.face < detected.length)) {
    throw new Error(`face ${o.face} asked for, but ${detected.length} face(s) found (0..${detected.length - 1}, largest first)`);
  }
  const chosen = o.face !== undefined ? [o.face] : detected.map((_, i) => i);

  t = now();
  const size = template.size;
  const aligned = chosen.map((index) => {
    const f = detected[index];
    return { index, f, ...alignedCrop(image, f.landmarks, template) };
  });
  timings.align = now() - t;

  t = now();
  const faces: FaceRecord[] = [];
  const residuals: Float32Array[][] = [];
  for (let j = 0; j < aligned.length; j++) {
    const a = aligned[j];
    // The crop the translator sees is the rounded one (what a saved crop would hold).
    const x = Float32Array.from(a.crop);
    let from: number;
    let renders: Float32Array[];
    if (o.from !== undefined) {
      from = o.from;
      const classes = [from, ...o.targets];
      const r = await editor.render(x, classes);
      renders = new Array(editor.labels.length);
      classes.forEach((c, i) => (renders[c] = r[i]));
    } else {
      const all = editor.labels.map((_, c) => c);
      renders = await editor.render(x, all);
      const err = renders.map((r) => r.reduce((s, v, i) => s + (v - x[i]) ** 2, 0));
      from = err.indexOf(Math.min(...err));
    }
    const base = renders[from];
    residuals.push(o.targets.map((c) => {
      const r = new Float32Array(size * size);
      for (let i = 0; i < r.length; i++) r[i] = renders[c][i] - base[i];
      return binomialSmooth(r, size, o.smooth ?? editor.smooth ?? DEFAULT_SMOOTH);
    }));
    faces.push({ index: a.index, box: a.f.box, score: a.f.score, transform: a.transform, crop: a.crop, from: { label: editor.labels[from], source: o.from !== undefined ? 'given' : 'reconstruction' } });
  }
  timings.edit = now() - t;

  t = now();
  const edits: PhotoEdit[] = o.targets.map((c, ti) => {
    const out: RgbImage = { width: image.width, height: image.height, data: Uint8Array.from(image.data) };
    const stats = aligned.map((a, j) => ({ index: a.index, ...pasteResidual(out, residuals[j][ti], a.transform, template, strength) }));
    return { target: editor.labels[c], image: out, faces: stats };
  });
  timings.paste = now() - t;
  return { faces, detected, edits, timings };
}

/** `passes` passes of the separable [1 2 1]/4 filter over a size x size plane (edges repeated). */
export function binomialSmooth(p: Float32Array, size: number, passes: number): Float32Array {
  let a = p;
  for (let k = 0; k < passes; k++) {
    const h = new Float32Array(a.length);
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
      const l = a[y * size + Math.max(0, x - 1)], r = a[y * size + Math.min(size - 1, x + 1)];
      h[y * size + x] = 0.25 * l + 0.5 * a[y * size + x] + 0.25 * r;
    }
    const v = new Float32Array(a.length);
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
      const u = h[Math.max(0, y - 1) * size + x], d = h[Math.min(size - 1, y + 1) * size + x];
      v[y * size + x] = 0.25 * u + 0.5 * h[y * size + x] + 0.25 * d;
    }
    a = v;
  }
  return a;
}
