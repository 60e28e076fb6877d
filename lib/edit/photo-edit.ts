/**
 * `npm run edit` on photos (Node side of lib/photo): loads the detector and the translator as the
 * pipeline wants them, edits a photo, and judges each edit the way a viewer would see it: the
 * edited photo is run through the detector again, the face found at the same place is aligned and
 * the project's classifier reads its expression. The classifier only judges; it never chooses the
 * edit (the face's current expression comes from the translator's own reconstruction, or --from).
 */
import { FaceDetector, DetectedFace, RgbImage } from '../photo/types';
import { ExpressionEditor, translatorEditor, smoothFor } from '../photo/editor';
import { editPhoto, EditPhotoResult } from '../photo/edit-photo';
import { alignedCrop } from '../photo/align';
import { FER_TEMPLATE } from '../photo/template';
import { ExpressionJudge, argmaxRow } from '../eval/judge';
import { LoadedTranslator } from './translator-model';
import { loadFaceDetector } from './human-node';

export interface PhotoTools {
  detector: FaceDetector;
  editor: ExpressionEditor;
  judge: ExpressionJudge | null;
}

export async function loadPhotoTools(T: LoadedTranslator, judge: ExpressionJudge | null): Promise<PhotoTools> {
  if (T.spec.channels !== 1) throw new Error(`${T.source}: the photo editor needs a grayscale translator (it edits luma); this one has ${T.spec.channels} channels`);
  return { detector: await loadFaceDetector(), editor: translatorEditor(T.G, T.spec.labels, T.spec.size, smoothFor(T.spec)), judge };
}

/** The classifier's reading of one face. */
export interface FaceVerdict {
  predicted: string;
  pTarget: number;
}

/** Aligned 48x48 luma crops of `faces` in `image`. */
export function alignedCrops(image: RgbImage, faces: DetectedFace[]): Uint8Array[] {
  return faces.map((f) => alignedCrop(image, f.landmarks, FER_TEMPLATE).crop);
}

/** The classifier's class probabilities for crops (n x 7). */
export async function classifyCrops(judge: ExpressionJudge, crops: Uint8Array[]): Promise<Float32Array> {
  const s = FER_TEMPLATE.size;
  const data = new Uint8Array(crops.length * s * s);
  crops.forEach((c, i) => data.set(c, i * s * s));
  return judge.classify({ data, n: crops.length, height: s, width: s, channels: 1 });
}

/** The face in `found` whose box overlaps `box` most (IoU >= 0.3), or -1. */
export function matchFace(box: [number, number, number, number], found: DetectedFace[]): number {
  let best = -1, bestIou = 0.3;
  found.forEach((f, i) => {
    const v = iou(box, f.box);
    if (v >= bestIou) { best = i; bestIou = v; }
  });
  return best;
}

function iou(a: number[], b: number[]): number {
  const x0 = Math.max(a[0], b[0]), y0 = Math.max(a[1], b[1]);
  const x1 = Math.min(a[0] + a[2], b[0] + b[2]), y1 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  return inter / (a[2] * a[3] + b[2] * b[3] - inter);
}

/**
 * For every edit and edited face: the classifier's verdict on the face re-detected in the edited
 * photo (null when the detector no longer finds it there).
 */
export async function judgeEdits(tools: PhotoTools, r: EditPhotoResult, labels: readonly string[]): Promise<(FaceVerdict | null)[][]> {
  const { judge } = tools;
  if (!judge) return r.edits.map((e) => e.faces.map(() => null));
  const out: (FaceVerdict | null)[][] = [];
  for (const e of r.edits) {
    const found = await tools.detector.detect(e.image);
    const matched = r.faces.map((f) => matchFace(f.box, found));
    const present = matched.filter((m) => m >= 0);
    const probs = present.length ? await classifyCrops(judge, alignedCrops(e.image, present.map((m) => found[m]))) : new Float32Array(0);
    const k = labels.length;
    const t = labels.indexOf(e.target);
    let j = 0;
    out.push(matched.map((m) => {
      if (m < 0) return null;
      const v = { predicted: labels[argmaxRow(probs, j, k)], pTarget: probs[j * k + t] };
      j++;
      return v;
    }));
  }
  return out;
}

export { editPhoto };
