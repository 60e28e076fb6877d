/**
 * Reference artefacts of a trained translator run, for committing
 * (`npm run experiment -- fer-translate --export-run RUN_DIR [--to DEST]`, default results/reference/translate):
 *   config.json, summary.json, metrics.json   the run's records, paths made portable (portable-paths.ts)
 *   edit-metrics.md                            `npm run evaluate`'s table (when evaluated)
 *   loss.png                                   the losses
 *   same-face-grid.png                         samples/final.png: 8 fixed real test faces (rows) x input + 7 expressions
 *   edit-<emotion>.png                         one strip per emotion: the first grid face of that emotion, its
 *                                              reconstruction and its 7 edits, labelled with the classifier's verdicts
 *   edits.json                                 those strips' numbers (verdicts, PSNR, change inside / outside)
 * No checkpoints or weights are copied (models/fer-translate/ holds the installed G).
 * A run with a checkpoint choice (v2: settings.selectEvery) exports its chosen G, best/, as --install-run installs
 * it: metrics.json and edit-metrics.md of best/ (`npm run evaluate -- RUN/best`), the same-face grid drawn by best/
 * (at its residual gain; the training's samples/step-N.png show G at gain 1), strips edited by best/.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readJson, writeFileAtomic, writeJsonAtomic } from '../io/files';
import { portableJson, portableString, runPathRoots } from '../runs/portable-paths';
import { readTranslateConfig } from '../runs/translate-config';
import { loadTranslator } from '../edit/translator-model';
import { faceFromBytes } from '../edit/face-image';
import { editWithTranslator } from '../edit/translate-edit';
import { editStripPng } from '../edit/edit-faces';
import { loadJudge } from '../eval/judge';
import { readGridFaces, hasChosenSnapshot, staleChosenReports } from './run-translate';
import { translatorGridPng } from '../train/translate-trainer';
import { residualLayer } from '../models/translator-residual';

export interface TranslatorExport {
  dest: string;
  files: string[];
  /** what was not exported, and why (e.g. not evaluated yet) */
  notes: string[];
}

export async function exportTranslator(runDir: string, dest: string): Promise<TranslatorExport> {
  const config = readTranslateConfig(runDir);
  const roots = runPathRoots(runDir, config);
  const files: string[] = [];
  const notes: string[] = [];
  fs.mkdirSync(dest, { recursive: true });
  const bestDir = path.join(runDir, 'best');
  const chosen = hasChosenSnapshot(runDir, config);
  const stale = chosen ? staleChosenReports(runDir) : null;
  if (stale) throw new Error(`not exporting ${runDir}: ${stale}`);
  const chosenStep = chosen ? readJson<{ step: number }>(path.join(bestDir, 'best.json'), 'best snapshot').step : null;
  const from = (f: string) => (chosen && (f === 'metrics.json' || f === 'edit-metrics.md') ? path.join(bestDir, f) : path.join(runDir, f));
  const put = (name: string, data: Buffer | string) => {
    writeFileAtomic(path.join(dest, name), data);
    files.push(name);
  };
  for (const f of ['config.json', 'summary.json', 'metrics.json']) {
    const src = from(f);
    if (!fs.existsSync(src)) {
      notes.push(`${f}: not in the run${f === 'metrics.json' ? ` (npm run evaluate -- ${chosen ? bestDir : runDir} first)` : ''}`);
      continue;
    }
    writeJsonAtomic(path.join(dest, f), portableJson(readJson<unknown>(src, f), roots));
    files.push(f);
  }
  // the chosen G's grid is drawn from best/ (at its residual gain); the training grids are G as trained (gain 1)
  const copies: [string, string][] = [['edit-metrics.md', 'edit-metrics.md'], ['loss.png', 'loss.png'], ...(chosen ? [] : [[path.join('samples', 'final.png'), 'same-face-grid.png'] as [string, string]])];
  for (const [name, to] of copies) {
    const src = from(name);
    if (!fs.existsSync(src)) {
      notes.push(`${name}: not in the run`);
      continue;
    }
    put(to, to.endsWith('.md') ? portableString(fs.readFileSync(src, 'utf8'), roots) : fs.readFileSync(src));
  }

  // One strip per emotion: the first grid face with that label.
  const faces = readGridFaces(runDir);
  const T = await loadTranslator(chosen ? bestDir : runDir);
  const { judge, reason } = await loadJudge();
  if (!judge) notes.push(`edit strips are not judged: ${reason}`);
  try {
    const { spec } = T;
    if (chosen) {
      const gain = residualLayer(T.G)?.gain ?? 1;
      put('same-face-grid.png', await translatorGridPng(T.G, spec, faces, `iteration ${chosenStep}${gain !== 1 ? `, residual gain ${gain}` : ''}`));
    }
    const px = spec.size * spec.size * spec.channels;
    const records: unknown[] = [];
    for (let c = 0; c < spec.labels.length; c++) {
      const i = Array.from(faces.labels).indexOf(c);
      if (i < 0) {
        notes.push(`no grid face labelled ${spec.labels[c]}`);
        continue;
      }
      const name = path.basename(faces.sources[i] ?? `grid face ${i}`);
      const face = faceFromBytes(faces.data.subarray(i * px, (i + 1) * px), spec, name);
      const [f] = await editWithTranslator(T, [face], spec.labels.map((_, t) => t), { from: [c], judge });
      put(`edit-${spec.labels[c]}.png`, editStripPng(f, spec.size, spec.channels, `${spec.labels[c]} test face ${name}: ${T.name}`));
      records.push({ face: name, label: spec.labels[c], reconstruction: { rmse: f.reconstruction.rmse, psnr: f.reconstruction.psnr }, edits: f.edits });
    }
    writeJsonAtomic(path.join(dest, 'edits.json'), { model: T.name, classifier: judge ? { accuracy: judge.accuracy } : reason, strips: records });
    files.push('edits.json');
  } finally {
    judge?.dispose();
    T.G.dispose();
  }
  return { dest, files, notes };
}
