/**
 * Calibrating a residual translator's edit gain (issue #23). G is trained at gain 1: out = clip(x + d). Its edit can
 * be too timid for the expression to read (v2d + ens at 5,000 iterations: PublicTest hit ratio 0.84 with the loss
 * classifier at 33 dB), and its reconstruction has dB to spare above the 30 dB target. The gain scales d for every
 * target, the face's own expression included, so a larger gain trades reconstruction for edit strength on one dial:
 * the checkpoint choice scores each snapshot on the PublicTest selection faces with the LOSS classifier at gains
 * GAIN_GRID and keeps the gain with the best capped ratio whose per-face reconstruction still meets the floor (ties:
 * the smaller gain). Never the evaluation classifier, never PrivateTest: the same rule as the snapshot choice.
 *
 * G runs once per face and target (gainTable: d from G's last conv); each gain is then x + gain * d, clipped and
 * rounded as G's own output would be, and judged by the loss classifier.
 */
import * as tf from '@tensorflow/tfjs';
import { residualLayer } from '../models/translator-residual';
import { oneHot } from '../models/translator';
import { SelectionScore, predictClasses, choicePsnr, selectionScore } from './translate-select';
import { U8Images } from '../models/translator-apply';
import { PSNR_CAP } from './translate-spec';

/**
 * The gains tried, in order; the scan stops at the first one below the floor (reconstruction falls as the gain grows).
 * 3.5 and 4 since 2026-12-07: the smooth-edit arms (v2k, v2l: smaller, broader changes) reached the old end, 3.
 */
export const GAIN_GRID = [1, 1.125, 1.25, 1.375, 1.5, 1.625, 1.75, 2, 2.25, 2.5, 3, 3.5, 4] as const;

export interface GainTrial {
  gain: number;
  ratio: number;
  psnrFace: number;
  psnrWeighted?: number;
}

/** The selection faces' numbers at every gain, per target: enough to score any gain, one for all targets or one each. */
export interface GainTable {
  gains: number[];
  /** The loss classifier's recall on the real faces of each expression. */
  recall: number[];
  /** Edits asked per target (faces of another expression). */
  asked: number[];
  /** [target][gain index]: edits to the target the loss classifier reads as it. */
  hits: number[][];
  /** Faces per own expression. */
  faces: number[];
  /** [expression][gain index]: sum over that expression's faces of the per-face reconstruction PSNR (capped at PSNR_CAP). */
  psnrSum: number[][];
  /** [expression][gain index]: sum of squared errors of those reconstructions (grey levels), and their pixel count. */
  se: number[][];
  pixels: number[];
}

/** Edits every selection face to every expression once and measures each at every gain in `gains`. */
export async function gainTable(G: tf.LayersModel, C: tf.LayersModel, faces: U8Images & { labels: Int32Array }, classes: number, gains: readonly number[]): Promise<GainTable> {
  const layer = residualLayer(G);
  if (!layer) throw new Error('gainTable: the translator has no residual output (v1, attention mask): there is no gain to set');
  // d = G's last conv (tanh) for [x, target]: the residual layer's first input (its one call site in the graph);
  // a model over G's own layers (no copy of the weights; not disposed, that would dispose G's)
  const dOut = layer.inboundNodes[0].inputTensors[0];
  const D = tf.model({ inputs: G.inputs, outputs: dOut });
  const { height: h, width: w, channels: c } = faces;
  const px = h * w * c;
  const n = faces.n * classes;
  const images = gains.map(() => new Uint8Array(n * px));
  const batch = 64;
  for (let i = 0; i < n; i += batch) {
    const m = Math.min(batch, n - i);
    const x = new Float32Array(m * px);
    const targets: number[] = [];
    for (let j = 0; j < m; j++) {
      const f = Math.floor((i + j) / classes);
      targets.push((i + j) % classes);
      for (let k = 0; k < px; k++) x[j * px + k] = faces.data[f * px + k] / 127.5 - 1;
    }
    const outs = tf.tidy(() => {
      const xt = tf.tensor4d(x, [m, h, w, c]);
      const d = D.predict([xt, oneHot(targets, classes)]) as tf.Tensor;
      return gains.map((g) => tf.clipByValue(xt.add(g === 1 ? d : d.mul(g)), -1, 1));
    });
    // rounded as translateImages rounds G's output
    for (let gi = 0; gi < gains.length; gi++) {
      const v = await outs[gi].data();
      const dst = images[gi];
      for (let k = 0; k < v.length; k++) dst[i * px + k] = Math.max(0, Math.min(255, Math.round((v[k] + 1) * 127.5)));
    }
    tf.dispose(outs);
  }
  const realPred = predictClasses(C, faces);
  const recall = new Array(classes).fill(0);
  const own = new Array(classes).fill(0);
  for (let f = 0; f < faces.n; f++) {
    own[faces.labels[f]] += 1;
    if (realPred[f] === faces.labels[f]) recall[faces.labels[f]] += 1;
  }
  const t: GainTable = {
    gains: [...gains], recall: recall.map((r, k) => (own[k] ? r / own[k] : 0)), asked: own.map((o) => faces.n - o),
    hits: own.map(() => gains.map(() => 0)), faces: own, psnrSum: own.map(() => gains.map(() => 0)), se: own.map(() => gains.map(() => 0)), pixels: own.map((o) => o * px),
  };
  for (let gi = 0; gi < gains.length; gi++) {
    const pred = predictClasses(C, { data: images[gi], n, height: h, width: w, channels: c });
    for (let p = 0; p < n; p++) {
      const f = Math.floor(p / classes);
      const target = p % classes;
      const o = faces.labels[f];
      if (target !== o) {
        if (pred[p] === target) t.hits[target][gi] += 1;
        continue;
      }
      let se = 0;
      for (let k = 0; k < px; k++) se += (images[gi][p * px + k] - faces.data[f * px + k]) ** 2;
      t.se[o][gi] += se;
      t.psnrSum[o][gi] += se === 0 ? PSNR_CAP : Math.min(PSNR_CAP, 10 * Math.log10((255 * 255 * px) / se));
    }
  }
  return t;
}

/** Expression frequencies (shares summing to 1) of a labelled set, e.g. the training faces. */
export function labelShares(labels: ArrayLike<number>, classes: number): number[] {
  const n = new Array(classes).fill(0);
  for (let i = 0; i < labels.length; i++) n[labels[i]] += 1;
  return n.map((c) => c / Math.max(1, labels.length));
}

/**
 * The selection score with gain index `gi[t]` for target t (one gain for all: the same index everywhere). With
 * `shares` (the training faces' expression frequencies) it also estimates the per-face PSNR at those frequencies.
 */
export function scoreAt(t: GainTable, gi: number[], step: number, shares?: number[]): SelectionScore {
  const k = t.recall.length;
  const perTarget = t.recall.map((r, c) => (r > 0 && t.asked[c] ? t.hits[c][gi[c]] / t.asked[c] / r : 0));
  let se = 0, pixels = 0, db = 0, n = 0;
  for (let c = 0; c < k; c++) {
    se += t.se[c][gi[c]];
    pixels += t.pixels[c];
    db += t.psnrSum[c][gi[c]];
    n += t.faces[c];
  }
  const mse = pixels ? se / pixels : 0;
  let wDb = 0, wSum = 0;
  if (shares) {
    for (let c = 0; c < k; c++) {
      if (!t.faces[c]) continue;
      wDb += shares[c] * (t.psnrSum[c][gi[c]] / t.faces[c]);
      wSum += shares[c];
    }
  }
  return {
    step, ratio: perTarget.reduce((a, r) => a + Math.min(1, r), 0) / k, perTarget,
    psnr: mse === 0 ? 99 : 10 * Math.log10((255 * 255) / mse), psnrFace: n ? db / n : PSNR_CAP,
    ...(shares && wSum > 0 ? { psnrWeighted: wDb / wSum } : {}),
  };
}

/**
 * Scores G at each gain of GAIN_GRID (up to the first whose reconstruction PSNR, choicePsnr, is below `minPsnr`) and
 * returns the chosen gain's score, with `gain`, every trial in `gains`, and `floorMet`. `shares`: the training faces' expression
 * frequencies (labelShares), for the floor's estimate at the evaluation's population (SelectionScore.psnrWeighted).
 * A translator without a residual output (v1, attention mask) is scored at its own output only (no gain).
 */
export async function scoreWithGain(
  G: tf.LayersModel, C: tf.LayersModel, faces: U8Images & { labels: Int32Array }, classes: number, step: number, minPsnr: number, shares?: number[],
): Promise<SelectionScore> {
  if (!residualLayer(G)) {
    const sc = await selectionScore(G, C, faces, classes, step);
    return { ...sc, floorMet: choicePsnr(sc) >= minPsnr };
  }
  const table = await gainTable(G, C, faces, classes, GAIN_GRID);
  const trials: GainTrial[] = [];
  let chosen: SelectionScore | null = null;
  for (let gi = 0; gi < GAIN_GRID.length; gi++) {
    const gain = GAIN_GRID[gi];
    const sc = scoreAt(table, new Array(classes).fill(gi), step, shares);
    trials.push({ gain, ratio: sc.ratio, psnrFace: sc.psnrFace!, ...(sc.psnrWeighted !== undefined ? { psnrWeighted: sc.psnrWeighted } : {}) });
    const met = choicePsnr(sc) >= minPsnr;
    // gain 1 is always a candidate (a snapshot below the floor is still scored as trained)
    if (gain === 1 || (met && sc.ratio > chosen!.ratio)) chosen = { ...sc, gain };
    if (!met) break;
  }
  return { ...chosen!, gains: trials, floorMet: choicePsnr(chosen!) >= minPsnr };
}

/** Runs `fn` with G's residual gain set to `gain` (no-op without a residual layer), restoring it after. */
export async function withGain<T>(G: tf.LayersModel, gain: number | undefined, fn: () => Promise<T>): Promise<T> {
  const layer = residualLayer(G);
  if (!layer || gain === undefined) return fn();
  const trained = layer.gain;
  layer.gain = gain;
  try {
    return await fn();
  } finally {
    layer.gain = trained;
  }
}

/**
 * A tool's `--gain` option for translator G: undefined when absent (G's own gain), else the number; refused unless G
 * has a residual output and the gain is >= 0.
 */
export function gainOption(G: tf.LayersModel, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const gain = Number(raw);
  if (!(gain >= 0 && residualLayer(G))) throw new Error(`--gain ${raw}: needs a residual translator and a gain >= 0`);
  return gain;
}
