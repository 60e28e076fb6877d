/**
 * How well a method edits real faces' expressions, from the images alone (the same numbers for the
 * translator and for inversion into the conditional DCGAN, so `npm run compare` can set them side by side):
 *   per target t: hit[t]  = share of edits of faces whose label is not t that the classifier assigns to t
 *                 real[t] = the classifier's recall on the real faces labelled t (same faces)
 *                 ratio[t] = hit[t] / real[t]        (target: macro mean >= 0.8)
 *                 ratio_macro_capped: the macro mean of min(1, ratio[t]): a method that turns every
 *                 edit into one expression the classifier rarely recognises (fear: recall 0.35) earns
 *                 more than 1 there under the plain mean; capped, over-producing a target earns nothing
 *   reconstruction: PSNR of the face rendered under its own expression against the input (mean of
 *     per-face PSNR, each capped at 60 dB; target >= 30 dB, issue #23)
 *   change: mean |edit - input| inside and outside the brow/eye and mouth boxes (regions.ts), 0..1 scale
 *   identity (optional): mean cosine similarity of an identity embedding between each face and its edits
 */
import { EMOTIONS } from '../data/types';
import { changeByRegion, regionMask, rmseAndPsnr } from './regions';
import { argmaxRow } from './judge';
import { TRANSLATOR_TARGETS, PSNR_CAP } from '../train/translate-spec';

/** The editing targets of docs/editing.md: macro hit ratio (edits vs real faces) and reconstruction PSNR in dB. */
export const EDIT_TARGETS = TRANSLATOR_TARGETS;
export { PSNR_CAP };

export interface EditImages {
  size: number;
  channels: 1 | 3;
  /** n input faces, uint8. */
  inputs: Uint8Array;
  labels: Int32Array;
  /** n faces rendered under their own label. */
  reconstructions: Uint8Array;
  /** n x classes edits, face-major: edit (i, t) at (i * classes + t). */
  edits: Uint8Array;
}

export interface EditMetrics {
  n: number;
  classes: readonly string[];
  hit: number[];
  real: number[];
  ratio: number[];
  ratio_macro: number;
  /** macro mean of min(1, ratio[t]) */
  ratio_macro_capped: number;
  hit_macro: number;
  real_macro: number;
  /** mean classifier probability of the target on the edits, per target */
  p_target: number[];
  rec_psnr: number;
  rec_rmse: number;
  change_inside: number;
  change_outside: number;
  identity?: {
    /** mean cosine similarity of each face and its edits to the other expressions */
    similarity: number;
    /** ... and of each face and its reconstruction */
    similarity_reconstruction: number;
    /** mean cosine similarity of different test faces (face i vs face i+1): what "another person" scores */
    different_faces: number;
    /** the embedding's held-out verification AUC / mean same-person and different-person cosine (its floor) */
    verification_auc: number | null;
    same_person: number | null;
    different_person: number | null;
    model: string;
  } | null;
}

/**
 * The metrics of `im`, given the classifier's probabilities of the real faces (n x k), of the
 * edits (n*k x k, same order as im.edits). `identity(i, j)`, when given, is the similarity of face i and image j of the edits.
 */
export function editMetrics(im: EditImages, probsReal: Float32Array, probsEdits: Float32Array, classes: readonly string[] = EMOTIONS): EditMetrics {
  const k = classes.length;
  const n = im.labels.length;
  const px = im.size * im.size * im.channels;
  if (im.inputs.length !== n * px || im.reconstructions.length !== n * px || im.edits.length !== n * k * px) {
    throw new Error(`editMetrics: expected ${n} inputs and reconstructions and ${n * k} edits of ${px} values`);
  }
  if (probsReal.length !== n * k || probsEdits.length !== n * k * k) throw new Error('editMetrics: probabilities do not match the images');
  const realHits = new Array(k).fill(0), realN = new Array(k).fill(0);
  const editHits = new Array(k).fill(0), editN = new Array(k).fill(0), pSum = new Array(k).fill(0);
  let inside = 0, outside = 0, changes = 0, psnr = 0, mse = 0;
  const mask = regionMask(im.size);
  for (let i = 0; i < n; i++) {
    const y = im.labels[i];
    realN[y]++;
    if (argmaxRow(probsReal, i, k) === y) realHits[y]++;
    const input = im.inputs.subarray(i * px, (i + 1) * px);
    const r = rmseAndPsnr(input, im.reconstructions.subarray(i * px, (i + 1) * px));
    psnr += Math.min(PSNR_CAP, r.psnr);
    mse += r.rmse ** 2;
    for (let t = 0; t < k; t++) {
      if (t === y) continue;
      const j = i * k + t;
      editN[t]++;
      if (argmaxRow(probsEdits, j, k) === t) editHits[t]++;
      pSum[t] += probsEdits[j * k + t];
      const c = changeByRegion(input, im.edits.subarray(j * px, (j + 1) * px), im.size, im.channels, mask);
      inside += c.inside;
      outside += c.outside;
      changes++;
    }
  }
  const hit = editHits.map((h, t) => (editN[t] ? h / editN[t] : NaN));
  const real = realHits.map((h, t) => (realN[t] ? h / realN[t] : NaN));
  const ratio = hit.map((h, t) => (real[t] > 0 ? h / real[t] : NaN));
  const macro = (a: number[]) => {
    const ok = a.filter(Number.isFinite);
    return ok.length ? ok.reduce((x, v) => x + v, 0) / ok.length : NaN;
  };
  return {
    n, classes, hit, real, ratio, ratio_macro: macro(ratio),
    ratio_macro_capped: macro(ratio.map((r) => Math.min(1, r))), hit_macro: macro(hit), real_macro: macro(real),
    p_target: pSum.map((s, t) => (editN[t] ? s / editN[t] : NaN)),
    rec_psnr: psnr / n, rec_rmse: Math.sqrt(mse / n), change_inside: inside / changes, change_outside: outside / changes,
  };
}

/** The flat numbers of metrics.json (what `npm run compare` tabulates), prefixed `edit_`. */
export function flatEditMetrics(m: EditMetrics): Record<string, number> {
  const out: Record<string, number> = {
    edit_n: m.n, edit_ratio_macro: m.ratio_macro, edit_ratio_macro_capped: m.ratio_macro_capped, edit_hit_macro: m.hit_macro, edit_hit_real_macro: m.real_macro,
    edit_rec_psnr: m.rec_psnr, edit_change_inside: m.change_inside, edit_change_outside: m.change_outside,
  };
  m.classes.forEach((c, t) => {
    out[`edit_hit_${c}`] = m.hit[t];
    out[`edit_hit_real_${c}`] = m.real[t];
    out[`edit_ratio_${c}`] = m.ratio[t];
  });
  if (m.identity) {
    out.edit_identity = m.identity.similarity;
    out.edit_identity_reconstruction = m.identity.similarity_reconstruction;
    out.edit_identity_different_faces = m.identity.different_faces;
  }
  return out;
}

/** A markdown table of the metrics: one row per target expression, then the summary lines. */
export function editMetricsMarkdown(m: EditMetrics, title: string): string {
  const f = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
  const lines = [
    `## ${title}`,
    '',
    `${m.n} real FER2013 test faces, each edited to every other expression; judged by the shipped expression classifier.`,
    '',
    '| target | edits classified as target | classifier recall on real faces | ratio | mean p(target) |',
    '|---|---:|---:|---:|---:|',
    ...m.classes.map((c, t) => `| ${c} | ${f(m.hit[t])} | ${f(m.real[t])} | ${f(m.ratio[t])} | ${f(m.p_target[t])} |`),
    `| **macro** | ${f(m.hit_macro)} | ${f(m.real_macro)} | **${f(m.ratio_macro)}** (target >= ${EDIT_TARGETS.ratioMacro}) | |`,
    `| macro, each ratio capped at 1 | | | ${f(m.ratio_macro_capped)} | |`,
    '',
    `- reconstruction under the face's own expression: PSNR ${f(m.rec_psnr, 2)} dB (target >= ${EDIT_TARGETS.recPsnr}), RMSE ${f(m.rec_rmse, 1)} grey levels`,
    `- mean |change| inside the brow/eye and mouth boxes ${f(m.change_inside * 100, 2)}%, outside ${f(m.change_outside * 100, 2)}% of the full range`,
    m.identity
      ? `- identity (${m.identity.model}): cosine similarity of a face and its edits ${f(m.identity.similarity)}, and its reconstruction ` +
        `${f(m.identity.similarity_reconstruction)}; two different test faces ${f(m.identity.different_faces)}. The embedding on held-out CelebA ` +
        `identities: verification AUC ${f(m.identity.verification_auc ?? NaN)}, mean cosine same person ${f(m.identity.same_person ?? NaN)}, different people ${f(m.identity.different_person ?? NaN)}`
      : '- identity: not measured (no identity model in models/identity-embed; see docs/editing.md)',
  ];
  return lines.join('\n') + '\n';
}
