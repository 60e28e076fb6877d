/**
 * `npm run experiment -- fer-translate --calibrate-run RUN_DIR`: calibrates the residual gain of a run's chosen G
 * (best/) after the fact, by the rule the checkpoint choice now applies to every snapshot as it trains
 * (lib/train/translate-gain.ts: PublicTest selection faces, the run's LOSS classifier, the largest capped ratio whose
 * per-face reconstruction, at the training faces' expression frequencies, meets the run's floor). For runs whose best/ was chosen before the gain existed. Rewrites
 * best/ (model.json with the gain, translator.json, best.json) and drops its evaluation reports, which described the
 * uncalibrated G: evaluate it again, then install.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readJson, writeFileAtomic } from '../io/files';
import { acquireRunLock } from '../io/lock';
import { readTranslateConfig } from '../runs/translate-config';
import { loadModelDir, saveModelDir } from '../train/model-io';
import { scoreWithGain, withGain, labelShares } from '../train/translate-gain';
import { SelectionScore, choicePsnr } from '../train/translate-select';
import { hasChosenSnapshot, v2Extras, loadTrainingFaces } from './run-translate';

export async function calibrateChosenGain(
  runDir: string, o: { dataPath?: string; lossClassifier?: string; log?: (line: string) => void } = {},
): Promise<{ before: SelectionScore; after: SelectionScore }> {
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
    const { lossClassifier: C, selectFaces } = await v2Extras(config, dataPath, o.lossClassifier);
    const G = await loadModelDir(best);
    try {
      const minPsnr = config.settings.selectMinPsnr ?? 0;
      const k = config.spec.model.labels.length;
      // the floor at the training faces' expression frequencies, as the checkpoint choice measures it
      const train = await loadTrainingFaces(dataPath, config.settings, config.seed);
      const sc: SelectionScore = { ...(await scoreWithGain(G, C!, selectFaces!, k, before.step, minPsnr, labelShares(train.labels!, k))) };
      sc.floorMet = choicePsnr(sc) >= minPsnr;
      for (const t of sc.gains ?? []) log(`gain ${t.gain}: ratio ${t.ratio.toFixed(3)}, ${t.psnrFace.toFixed(2)} dB per face${t.psnrWeighted !== undefined ? ` (${t.psnrWeighted.toFixed(2)} dB at the training faces' expression frequencies)` : ''}`);
      for (const f of ['metrics.json', 'edit-metrics.md']) fs.rmSync(path.join(best, f), { force: true });
      await withGain(G, sc.gain, () => saveModelDir(G, best));
      const info = readJson<Record<string, unknown>>(path.join(best, 'translator.json'), 'translator record');
      writeFileAtomic(path.join(best, 'translator.json'), JSON.stringify({ ...info, chosen: sc }, null, 2));
      writeFileAtomic(path.join(best, 'best.json'), JSON.stringify(sc, null, 2));
      return { before, after: sc };
    } finally {
      G.dispose();
      C?.dispose();
    }
  } finally {
    lock.release();
  }
}
