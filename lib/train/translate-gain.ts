/**
 * Calibrating a residual translator's edit gain (issue #23). G is trained at gain 1: out = clip(x + d). Its edit can
 * be too timid for the expression to read (v2d + ens at 5,000 iterations: PublicTest hit ratio 0.84 with the loss
 * classifier at 33 dB), and its reconstruction has dB to spare above the 30 dB target. The gain scales d for every
 * target, the face's own expression included, so a larger gain trades reconstruction for edit strength on one dial:
 * the checkpoint choice scores each snapshot on the PublicTest selection faces with the LOSS classifier at gains
 * GAIN_GRID and keeps the gain with the best capped ratio whose per-face reconstruction still meets the floor (ties:
 * the smaller gain). Never the evaluation classifier, never PrivateTest: the same rule as the snapshot choice.
 */
import * as tf from '@tensorflow/tfjs';
import { residualLayer } from '../models/translator-residual';
import { selectionScore, SelectionScore, choicePsnr } from './translate-select';
import { U8Images } from '../models/translator-apply';

/** The gains tried, in order; the scan stops at the first one below the floor (reconstruction falls as the gain grows). */
export const GAIN_GRID = [1, 1.125, 1.25, 1.375, 1.5, 1.625, 1.75, 2, 2.25, 2.5, 3] as const;

export interface GainTrial {
  gain: number;
  ratio: number;
  psnrFace: number;
}

/**
 * Scores G at each gain of GAIN_GRID (up to the first whose per-face PSNR is below `minPsnr`) and returns the chosen
 * gain's score, with `gain` and every trial in `gains`. G's residual gain is restored before it returns. A translator
 * without a residual output (v1, attention mask) is scored at its own output only (no gain).
 */
export async function scoreWithGain(
  G: tf.LayersModel, C: tf.LayersModel, faces: U8Images & { labels: Int32Array }, classes: number, step: number, minPsnr: number,
): Promise<SelectionScore> {
  const layer = residualLayer(G);
  if (!layer) return selectionScore(G, C, faces, classes, step);
  const trained = layer.gain;
  const trials: GainTrial[] = [];
  let chosen: SelectionScore | null = null;
  try {
    for (const gain of GAIN_GRID) {
      layer.gain = gain;
      const sc = await selectionScore(G, C, faces, classes, step);
      trials.push({ gain, ratio: sc.ratio, psnrFace: choicePsnr(sc) });
      const met = choicePsnr(sc) >= minPsnr;
      // gain 1 is always a candidate (a snapshot below the floor is still scored as trained)
      if (gain === 1 || (met && sc.ratio > chosen!.ratio)) chosen = { ...sc, gain };
      if (!met) break;
    }
  } finally {
    layer.gain = trained;
  }
  return { ...chosen!, gains: trials };
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
