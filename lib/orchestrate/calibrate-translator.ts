/**
 * `npm run experiment -- fer-translate --calibrate-run RUN_DIR`: runs a run's checkpoint choice again, after the
 * fact, with the rule the trainer now applies as it goes (lib/train/translate-gain.ts): every kept snapshot
 * (snapshots/step-N/; a run without them: best/ alone) is scored on the PublicTest selection faces with the run's
 * LOSS classifier at each residual gain, the floor read at the training faces' expression frequencies, and the best
 * (snapshot, gain) by betterSnapshot goes to best/. For runs whose snapshots were scored before the gain existed.
 * Rewrites best/ (model.json with the gain, translator.json, best.json) and drops its evaluation reports, which
 * described the G it held: evaluate it again, then install. The snapshots themselves are left as they are.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { readJson, writeFileAtomic } from '../io/files';
import { acquireRunLock } from '../io/lock';
import { readTranslateConfig } from '../runs/translate-config';
import { loadModelDir, saveModelDir } from '../train/model-io';
import { scoreWithGain, withGain, labelShares } from '../train/translate-gain';
import { SelectionScore, choicePsnr, betterSnapshot } from '../train/translate-select';
import { TRANSLATOR_TARGETS } from '../train/translate-spec';
import { hasChosenSnapshot, v2Extras, disposeExtras, loadTrainingFaces } from './run-translate';

export interface Recalibration {
  /** best/'s score before. */
  before: SelectionScore;
  /** The new choice's score (best/ now). */
  after: SelectionScore;
  /** Every candidate's score, in step order, and the folder it came from. */
  scores: { dir: string; score: SelectionScore }[];
}

/** The kept snapshots of a run (snapshots/step-N/ with a model.json), in step order; none: best/. */
function candidates(runDir: string): { dir: string; step: number }[] {
  const root = path.join(runDir, 'snapshots');
  const snaps = fs.existsSync(root)
    ? fs.readdirSync(root).filter((d) => /^step-\d+$/.test(d) && fs.existsSync(path.join(root, d, 'model.json')))
      .map((d) => ({ dir: path.join(root, d), step: Number(d.slice(5)) })).sort((a, b) => a.step - b.step)
    : [];
  if (snaps.length) return snaps;
  return [{ dir: path.join(runDir, 'best'), step: readJson<SelectionScore>(path.join(runDir, 'best', 'best.json'), 'best snapshot').step }];
}

export async function calibrateChosenGain(
  runDir: string, o: { dataPath?: string; lossClassifier?: string; log?: (line: string) => void } = {},
): Promise<Recalibration> {
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  runDir = path.resolve(runDir);
  const config = readTranslateConfig(runDir);
  if (!hasChosenSnapshot(runDir, config)) throw new Error(`${runDir} has no chosen snapshot (best/model.json): only a run with a checkpoint choice (settings.selectEvery) can be calibrated`);
  const lock = acquireRunLock(runDir, { command: 'fer-translate --calibrate-run' });
  try {
    const best = path.join(runDir, 'best');
    const before = readJson<SelectionScore>(path.join(best, 'best.json'), 'best snapshot');
    const dataPath = o.dataPath ? path.resolve(o.dataPath) : config.data.path;
    if (!fs.existsSync(dataPath)) throw new Error(`${runDir}: its dataset ${dataPath} (config.json data.path) is not here; pass --data DIR (the selection faces are its PublicTest split)`);
    const extras = await v2Extras(config, dataPath, o.lossClassifier);
    const { selectFaces } = extras;
    // the run's checkpoint choice judge: its --choice-classifier, else its loss classifier
    const C = extras.choiceClassifier ?? extras.lossClassifier;
    const k = config.spec.model.labels.length;
    const minPsnr = config.settings.selectMinPsnr ?? 0;
    let winner: { G: tf.LayersModel; dir: string; score: SelectionScore } | null = null;
    const scores: Recalibration['scores'] = [];
    try {
      // the floor at the training faces' expression frequencies, as the checkpoint choice measures it
      const train = await loadTrainingFaces(dataPath, config.settings, config.seed);
      const shares = labelShares(train.labels!, k);
      for (const c of candidates(runDir)) {
        const G = await loadModelDir(c.dir);
        const sc: SelectionScore = { ...(await scoreWithGain(G, C!, selectFaces!, k, c.step, minPsnr, shares)) };
        scores.push({ dir: c.dir, score: sc });
        log(`step ${c.step}: gain ${sc.gain ?? 1}, ratio ${sc.ratio.toFixed(3)}, ${choicePsnr(sc).toFixed(2)} dB (gains tried: ${(sc.gains ?? []).map((t) => `${t.gain} ${t.ratio.toFixed(3)}/${(t.psnrWeighted ?? t.psnrFace).toFixed(2)}`).join(', ')})`);
        if (betterSnapshot(sc, winner?.score ?? null, minPsnr, TRANSLATOR_TARGETS.ratioMacro)) {
          winner?.G.dispose();
          winner = { G, dir: c.dir, score: sc };
        } else {
          G.dispose();
        }
      }
      const w = winner!;
      for (const f of ['metrics.json', 'edit-metrics.md']) fs.rmSync(path.join(best, f), { force: true });
      await withGain(w.G, w.score.gain, () => saveModelDir(w.G, best));
      const infoFile = fs.existsSync(path.join(w.dir, 'translator.json')) ? path.join(w.dir, 'translator.json') : path.join(best, 'translator.json');
      const info = readJson<Record<string, unknown>>(infoFile, 'translator record');
      writeFileAtomic(path.join(best, 'translator.json'), JSON.stringify({ ...info, chosen: w.score }, null, 2));
      writeFileAtomic(path.join(best, 'best.json'), JSON.stringify(w.score, null, 2));
      return { before, after: w.score, scores };
    } finally {
      winner?.G.dispose();
      disposeExtras(extras);
    }
  } finally {
    lock.release();
  }
}
