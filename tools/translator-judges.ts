/**
 * How another classifier reads a translator run's snapshots (docs/editing.md, "v2d + ensemble: shipped until 2026-12-07"): every kept snapshot
 * (snapshots/step-N/) at every residual gain of GAIN_GRID, on the run's PublicTest selection faces, judged by JUDGE_DIR,
 * e.g. a fer-loss-classifier model that no loss used. Prints per snapshot the judge's capped macro ratio and the
 * reconstruction PSNR at the training faces' expression shares for each gain. Reads nothing of PrivateTest and refuses
 * the evaluation classifier (checkLossClassifier), so it can inform a choice.
 *
 *   node --import tsx tools/translator-judges.ts RUN_DIR JUDGE_DIR [--snapshots step-0005000,step-0007000]
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { initBackend, describeBackend } from '../lib/backend';
import { loadModelDir } from '../lib/train/model-io';
import { readTranslateConfig } from '../lib/runs/translate-config';
import { pickSelectionFaces, loadTrainingFaces } from '../lib/orchestrate/run-translate';
import { checkLossClassifier, loadLossClassifier } from '../lib/train/translate-classifier';
import { gainTable, scoreAt, labelShares, GAIN_GRID } from '../lib/train/translate-gain';
import { DEFAULT_CLASSIFIER_DIR } from '../lib/eval/classifier';

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { snapshots: { type: 'string' } } });
  const [run, judgeDir] = positionals;
  if (!run || !judgeDir) throw new Error('usage: node --import tsx tools/translator-judges.ts RUN_DIR JUDGE_DIR [--snapshots step-N,...]');
  const backend = await initBackend({});
  process.stderr.write(`backend: ${describeBackend(backend)}\n`);
  const config = readTranslateConfig(run);
  const k = config.spec.model.labels.length;
  const J = await loadLossClassifier(checkLossClassifier(judgeDir, DEFAULT_CLASSIFIER_DIR), DEFAULT_CLASSIFIER_DIR, judgeDir);
  const faces = await pickSelectionFaces(config.data.path, config.settings.selectFaces ?? 280, k, config.seed);
  const shares = labelShares((await loadTrainingFaces(config.data.path, config.settings, config.seed)).labels!, k);
  const root = path.join(run, 'snapshots');
  if (!fs.existsSync(root)) throw new Error(`${run} has no kept snapshots (snapshots/step-N/)`);
  const snaps = values.snapshots ? values.snapshots.split(',') : fs.readdirSync(root).filter((d) => /^step-\d+$/.test(d)).sort();
  console.log(`| snapshot | judge's recall on the real faces | ${GAIN_GRID.map((g) => `gain ${g}`).join(' | ')} |`);
  console.log(`|---|---|${GAIN_GRID.map(() => '---:').join('|')}|`);
  for (const d of snaps) {
    const G = await loadModelDir(path.join(root, d));
    const t = await gainTable(G, J, faces, k, GAIN_GRID);
    const cells = GAIN_GRID.map((_, gi) => {
      const s = scoreAt(t, new Array(k).fill(gi), 0, shares);
      return `${s.ratio.toFixed(3)} / ${s.psnrWeighted!.toFixed(1)} dB`;
    });
    console.log(`| ${d} | ${t.recall.map((r) => r.toFixed(2)).join(' ')} | ${cells.join(' | ')} |`);
    G.dispose();
  }
  J.dispose();
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
});
