/**
 * Editing faces with the expression translator: one forward pass of G per face and target, no
 * inversion. For each face:
 *   1. its current expression: given, else the classifier's verdict, else the expression under
 *      which G changes the face least (G(x, own expression) should be x);
 *   2. the reconstruction G(x, current) (how much G disturbs a face it should leave alone);
 *   3. G(x, target) for every target, with the classifier's verdict and the change inside and
 *      outside the brow/mouth regions (regions.ts).
 * The result has the shape of the inversion path's (edit-faces.ts), so the same strip draws it.
 */
import { FaceImage } from './face-image';
import { FaceEdit, Verdict } from './edit-faces';
import { ExpressionJudge, argmaxRow } from '../eval/judge';
import { changeByRegion, rmseAndPsnr } from '../eval/regions';
import { LoadedTranslator } from './translator-model';
import { translateImages, U8Images } from '../models/translator-apply';

function stack(images: Uint8Array[], size: number, channels: 1 | 3): U8Images {
  const px = size * size * channels;
  const data = new Uint8Array(images.length * px);
  images.forEach((im, i) => data.set(im, i * px));
  return { data, n: images.length, height: size, width: size, channels };
}

/** The classifier's verdict on image i of probs (n x k) for target class `target`. */
export function verdictAt(probs: Float32Array, i: number, target: number, labels: readonly string[]): Verdict {
  const k = labels.length;
  const p = argmaxRow(probs, i, k);
  return { predicted: labels[p], pTarget: probs[i * k + target], hit: p === target };
}

/** Edits every face to every target class (indices into spec.labels). */
export async function editWithTranslator(
  T: LoadedTranslator,
  faces: FaceImage[],
  targets: number[],
  o: { from?: (number | undefined)[]; judge?: ExpressionJudge | null } = {},
): Promise<FaceEdit[]> {
  const { spec } = T;
  const k = spec.labels.length;
  if (faces.length === 0) throw new Error('editWithTranslator: no faces given');
  if (targets.length === 0) throw new Error('editWithTranslator: no target expression given');
  for (const f of faces) {
    if (f.size !== spec.size || f.channels !== spec.channels) {
      throw new Error(`${f.file} was loaded as ${f.size}x${f.size}x${f.channels}; the translator takes ${spec.size}x${spec.size}x${spec.channels}`);
    }
  }
  const judge = o.judge ?? null;
  const input = stack(faces.map((f) => f.bytes), spec.size, spec.channels);
  const from: FaceEdit['from'][] = new Array(faces.length);
  const unknown: number[] = [];
  faces.forEach((_, i) => {
    const g = o.from?.[i];
    if (g !== undefined) from[i] = { cls: spec.labels[g], source: 'given' };
    else unknown.push(i);
  });
  if (unknown.length && judge) {
    const probs = await judge.classify(stack(unknown.map((i) => faces[i].bytes), spec.size, spec.channels));
    unknown.forEach((i, j) => {
      from[i] = { cls: spec.labels[argmaxRow(probs, j, k)], source: 'classifier', probs: Array.from(probs.subarray(j * k, (j + 1) * k)) };
    });
  } else if (unknown.length) {
    const all = await translateImages(T.G, input, unknown.flatMap((i) => spec.labels.map((_, c) => ({ face: i, target: c }))), k);
    const px = spec.size * spec.size * spec.channels;
    unknown.forEach((i, j) => {
      const errs = spec.labels.map((_, c) => rmseAndPsnr(faces[i].bytes, all.images.data.subarray((j * k + c) * px, (j * k + c + 1) * px)).rmse);
      from[i] = { cls: spec.labels[errs.indexOf(Math.min(...errs))], source: 'reconstruction' };
    });
  }
  const fromIdx = from.map((f) => spec.labels.indexOf(f.cls));
  const E = targets.length;
  const pairs = faces.flatMap((_, i) => [fromIdx[i], ...targets].map((t) => ({ face: i, target: t })));
  const out = await translateImages(T.G, input, pairs, k);
  const probs = judge ? await judge.classify(out.images) : null;
  const px = spec.size * spec.size * spec.channels;
  const img = (j: number) => out.images.data.slice(j * px, (j + 1) * px);
  return faces.map((f, i) => {
    const base = i * (1 + E);
    const rec = img(base);
    const err = rmseAndPsnr(f.bytes, rec);
    const edits = targets.map((t, e) => ({ to: spec.labels[t], verdict: probs ? verdictAt(probs, base + 1 + e, t, spec.labels) : null, change: changeByRegion(f.bytes, img(base + 1 + e), spec.size, spec.channels) }));
    return {
      file: f.file,
      from: from[i],
      reconstruction: { mse: (err.rmse / 127.5) ** 2, ...err, initialMse: NaN, verdict: probs ? verdictAt(probs, base, fromIdx[i], spec.labels) : null },
      edits,
      images: { input: f.bytes, reconstruction: rec, edits: targets.map((_, e) => img(base + 1 + e)) },
    };
  });
}

/** A plain-text report of a translator edit, one line per target. */
export function formatTranslatorEdit(face: FaceEdit, judgeNote: string | null): string {
  const r = face.reconstruction;
  const lines = [
    `${face.file}: current expression ${face.from.cls} (${face.from.source})`,
    `  G(face, ${face.from.cls}): RMSE ${r.rmse.toFixed(1)} grey levels from the input, PSNR ${r.psnr.toFixed(1)} dB`,
  ];
  for (const e of face.edits) {
    const v = e.verdict
      ? `classifier ${e.verdict.hit ? 'agrees' : `says ${e.verdict.predicted}`} (p(${e.to}) = ${e.verdict.pTarget.toFixed(2)})`
      : judgeNote ?? 'classifier not available';
    lines.push(`  -> ${e.to.padEnd(8)} ${v}; change in brows/mouth ${(e.change.inside * 100).toFixed(1)}%, elsewhere ${(e.change.outside * 100).toFixed(1)}% (mean |diff| of full range)`);
  }
  return lines.join('\n');
}
