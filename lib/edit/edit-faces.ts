/**
 * Editing real faces' expressions with a class-conditional generator:
 *   1. the face's current expression: given, else the classifier's verdict, else the expression
 *      under which a short inversion reconstructs it best;
 *   2. inversion (invert.ts): z such that G(z, current) reproduces the face;
 *   3. G(z, target) for each requested expression (same z: same face, new expression);
 *   4. the record: reconstruction error, the classifier's verdict on each edit, and how much of
 *      the face outside the brow/mouth regions changed between reconstruction and edit.
 */
import * as tf from '@tensorflow/tfjs';
import { ConditionalSpec } from '../models/conditional-spec';
import { GeneratedImages } from '../sample/generate';
import { imageStrip } from '../viz/labelled';
import { FaceImage } from './face-image';
import { ConditionalRenderer, RendererOptions } from './renderer';
import { InvertOptions, InversionResult, invertFaces } from './invert';
import { ExpressionJudge, argmaxRow } from '../eval/judge';
import { ChangeStats, changeByRegion, rmseAndPsnr } from '../eval/regions';

export interface EditOptions {
  /** Target classes (indices) rendered for every face. */
  to: number[];
  /** The faces' current classes where known (same length as faces; undefined = find out). */
  from?: (number | undefined)[];
  invert?: InvertOptions;
  renderer?: RendererOptions;
  /** The classifier (null/absent: verdicts are "classifier not available"). */
  judge?: ExpressionJudge | null;
  log?: (line: string) => void;
}

export interface Verdict {
  /** The classifier's most likely class. */
  predicted: string;
  /** Its probability of the requested class. */
  pTarget: number;
  /** predicted === requested. */
  hit: boolean;
}

export interface FaceEdit {
  file: string;
  from: { cls: string; source: 'given' | 'classifier' | 'reconstruction'; probs?: number[] };
  reconstruction: { mse: number; rmse: number; psnr: number; initialMse: number; verdict: Verdict | null };
  edits: { to: string; verdict: Verdict | null; change: ChangeStats }[];
  images: { input: Uint8Array; reconstruction: Uint8Array; edits: Uint8Array[] };
}

export interface EditResult {
  faces: FaceEdit[];
  inversion: InversionResult;
  /** Why there are no verdicts, when there are none. */
  judgeNote: string | null;
  size: number;
  channels: 1 | 3;
}

function verdictOf(probs: Float32Array, i: number, target: number, spec: ConditionalSpec): Verdict {
  const k = spec.classes;
  const p = argmaxRow(probs, i, k);
  return { predicted: spec.classNames[p], pTarget: probs[i * k + target], hit: p === target };
}

function imageOf(imgs: GeneratedImages, i: number): Uint8Array {
  const px = imgs.height * imgs.width * imgs.channels;
  return imgs.data.slice(i * px, (i + 1) * px);
}

/** Edits every face to every class of `o.to`; G is changed only with `invert.fineTune`. */
export async function editFaces(G: tf.LayersModel, spec: ConditionalSpec, faces: FaceImage[], o: EditOptions): Promise<EditResult> {
  const log = o.log ?? (() => {});
  if (faces.length === 0) throw new Error('editFaces: no faces given');
  for (const f of faces) {
    if (f.size !== spec.size || f.channels !== spec.channels) {
      throw new Error(`editFaces: ${f.file} was loaded as ${f.size}x${f.size}x${f.channels}, the model takes ${spec.size}x${spec.size}x${spec.channels}`);
    }
  }
  for (const t of o.to) if (!Number.isInteger(t) || t < 0 || t >= spec.classes) throw new Error(`editFaces: target class ${t} is not in 0..${spec.classes - 1}`);
  if (o.to.length === 0) throw new Error('editFaces: no target expression given');
  const judge = o.judge ?? null;
  const judgeNote = judge ? null : 'classifier not available';
  const k = faces.length;
  const px = spec.size * spec.size * spec.channels;
  const renderer = new ConditionalRenderer(G, spec, o.renderer);
  try {
    // 1. Current expressions.
    const from: FaceEdit['from'][] = new Array(k);
    const unknown: number[] = [];
    faces.forEach((f, i) => {
      const given = o.from?.[i];
      if (given !== undefined) from[i] = { cls: spec.classNames[given], source: 'given' };
      else unknown.push(i);
    });
    if (unknown.length && judge) {
      const probs = await judge.classify(stack(unknown.map((i) => faces[i].bytes), spec));
      unknown.forEach((i, j) => {
        const row = Array.from(probs.subarray(j * spec.classes, (j + 1) * spec.classes));
        from[i] = { cls: spec.classNames[argmaxRow(probs, j, spec.classes)], source: 'classifier', probs: row };
      });
    } else if (unknown.length) {
      // No classifier: try every expression with a short inversion and keep the best fit.
      const steps = Math.max(20, Math.round((o.invert?.steps ?? 300) / 3));
      log(`current expression: no classifier, so each face is inverted under all ${spec.classes} expressions for ${steps} steps and the best fit is kept`);
      const targets = new Float32Array(unknown.length * spec.classes * px);
      const labels = new Int32Array(unknown.length * spec.classes);
      unknown.forEach((i, j) => {
        for (let c = 0; c < spec.classes; c++) {
          targets.set(faces[i].pixels, (j * spec.classes + c) * px);
          labels[j * spec.classes + c] = c;
        }
      });
      const r = await invertFaces(renderer, targets, labels, { ...o.invert, steps, fineTune: null, onLog: undefined });
      unknown.forEach((i, j) => {
        const errs = r.zMse.slice(j * spec.classes, (j + 1) * spec.classes);
        const best = errs.indexOf(Math.min(...errs));
        from[i] = { cls: spec.classNames[best], source: 'reconstruction' };
      });
    }
    const fromIdx = from.map((f) => spec.classNames.indexOf(f.cls));

    // 2. Inversion under the current expressions.
    const targets = new Float32Array(k * px);
    faces.forEach((f, i) => targets.set(f.pixels, i * px));
    log(`inverting ${k} face(s): ${o.invert?.steps ?? 300} steps on z${o.invert?.fineTune?.steps ? ` + ${o.invert.fineTune.steps} steps fine-tuning G` : ''}`);
    const inv = await invertFaces(renderer, targets, fromIdx, {
      ...o.invert,
      onLog: (s, mse, phase) => {
        o.invert?.onLog?.(s, mse, phase);
        log(`  ${phase === 'z' ? 'z' : 'G'} step ${s}: mse ${(mse.reduce((a, b) => a + b, 0) / mse.length).toFixed(4)}`);
      },
    });

    // 3. Reconstruction and edits from the same z, rendered in one batch.
    const E = o.to.length;
    const zAll = new Float32Array(k * (1 + E) * spec.nz);
    const yAll = new Int32Array(k * (1 + E));
    for (let i = 0; i < k; i++) {
      for (let e = 0; e <= E; e++) {
        zAll.set(inv.z.subarray(i * spec.nz, (i + 1) * spec.nz), (i * (1 + E) + e) * spec.nz);
        yAll[i * (1 + E) + e] = e === 0 ? fromIdx[i] : o.to[e - 1];
      }
    }
    const out = await renderer.render(zAll, yAll);

    // 4. Verdicts and change outside the expression regions.
    const probs = judge ? await judge.classify(out) : null;
    const result: FaceEdit[] = faces.map((f, i) => {
      const rec = imageOf(out, i * (1 + E));
      const edits = o.to.map((t, e) => {
        const img = imageOf(out, i * (1 + E) + 1 + e);
        return {
          to: spec.classNames[t],
          verdict: probs ? verdictOf(probs, i * (1 + E) + 1 + e, t, spec) : null,
          change: changeByRegion(rec, img, spec.size, spec.channels),
          img,
        };
      });
      const err = rmseAndPsnr(f.bytes, rec);
      return {
        file: f.file,
        from: from[i],
        reconstruction: { mse: inv.finalMse[i], ...err, initialMse: inv.initialMse[i], verdict: probs ? verdictOf(probs, i * (1 + E), fromIdx[i], spec) : null },
        edits: edits.map(({ img: _img, ...rest }) => rest),
        images: { input: f.bytes, reconstruction: rec, edits: edits.map((e) => e.img) },
      };
    });
    return { faces: result, inversion: inv, judgeNote, size: spec.size, channels: spec.channels };
  } finally {
    renderer.dispose();
  }
}

function stack(images: Uint8Array[], spec: ConditionalSpec) {
  const px = spec.size * spec.size * spec.channels;
  const data = new Uint8Array(images.length * px);
  images.forEach((im, i) => data.set(im, i * px));
  return { data, n: images.length, height: spec.size, width: spec.size, channels: spec.channels };
}

/** The before/after strip of one face: input, reconstruction, then each edit, labelled with the verdicts. */
export function editStripPng(face: FaceEdit, size: number, channels: 1 | 3, title?: string): Buffer {
  const imgs = [face.images.input, face.images.reconstruction, ...face.images.edits];
  const px = size * size * channels;
  const data = new Uint8Array(imgs.length * px);
  imgs.forEach((im, i) => data.set(im, i * px));
  const pct = (p: number) => `${Math.round(p * 100)}%`;
  const labels = [
    `input (${face.from.cls}${face.from.source === 'given' ? '' : '?'})`,
    `reconstruction`,
    ...face.edits.map((e) => (e.verdict ? `${e.to}: ${e.verdict.hit ? 'yes' : e.verdict.predicted} ${pct(e.verdict.pTarget)}` : e.to)),
  ];
  return imageStrip({ data, n: imgs.length, height: size, width: size, channels }, labels, title ? { title } : {});
}

/** A plain-text report of an edit, one line per edit. */
export function formatEdit(face: FaceEdit, judgeNote: string | null): string {
  const r = face.reconstruction;
  const lines = [
    `${face.file}: current expression ${face.from.cls} (${face.from.source})`,
    `  reconstruction: RMSE ${r.rmse.toFixed(1)} grey levels, PSNR ${r.psnr.toFixed(1)} dB (mse ${r.mse.toFixed(4)}, best random start ${r.initialMse.toFixed(4)})` +
      (r.verdict ? `; classifier: ${r.verdict.predicted}` : ''),
  ];
  for (const e of face.edits) {
    const v = e.verdict
      ? `classifier ${e.verdict.hit ? 'agrees' : `says ${e.verdict.predicted}`} (p(${e.to}) = ${e.verdict.pTarget.toFixed(2)})`
      : judgeNote ?? 'classifier not available';
    lines.push(
      `  -> ${e.to.padEnd(8)} ${v}; change in brows/mouth ${(e.change.inside * 100).toFixed(1)}%, elsewhere ${(e.change.outside * 100).toFixed(1)}% (mean |diff| of full range)`,
    );
  }
  return lines.join('\n');
}
