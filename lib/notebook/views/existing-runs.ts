/**
 * Notebooks that show runs trained elsewhere (a study campaign, `npm run experiment`) instead of
 * training: `openRun` checks that a run folder (or each run below it) is completed and returns it
 * in the shape `train` returns, so the notebook's later cells work on it unchanged; the views then
 * keep no copies of their pictures in those folders (they may belong to another campaign, or be
 * read-only). `openCampaign` picks named runs from a campaign folder (`<root>/<experiment>/`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { readJson } from '../../io/files';
import { readRunConfig } from '../../runs/run-dir';
import { readableRuns } from '../../runs/table';
import type { TrainSummary } from '../../train/trainer';
import type { NotebookTrainResult } from './live';
import { markReadOnly, runDirsOf, showLoss, showEpochs, showRealVsFake } from './run-views';
import { showMarkdown } from './show';

function summaryOf(runDir: string): TrainSummary | null {
  const file = path.join(runDir, 'summary.json');
  return fs.existsSync(file) ? readJson<TrainSummary>(file, 'run summary') : null;
}

/** Why a run folder cannot be shown as a finished run, or null when it is completed. */
export function notCompleted(runDir: string): string | null {
  const s = summaryOf(runDir);
  if (!s) return `${runDir} has no summary.json (training never started there)`;
  if (s.status === 'completed') return null;
  const epochs = readRunConfig(runDir).settings.epochs;
  return `${runDir} is not completed (status ${s.status}, ${s.epochsCompleted} of ${epochs} epochs)`;
}

/**
 * A completed run folder (or a folder of completed runs: a sequence, the two arms of notebook 03)
 * to show without training. Throws, naming the folder and its status, when a run is not completed;
 * a damaged run (garbled config.json, summary.json or metrics.json) is left out with a note.
 */
export function openRun(dir: string): NotebookTrainResult {
  const dirs = runDirsOf(dir); // damaged runs left out with a note
  if (dirs.length === 0) throw new Error(`cannot show ${path.resolve(dir)}: it holds no readable run (see the notes above)`);
  const problems = dirs.map(notCompleted).filter((p): p is string => p !== null);
  if (problems.length) throw new Error(`cannot show ${problems.join('; ')}: wait for it to finish, or leave run_dir empty to train here`);
  dirs.forEach(markReadOnly);
  const abs = path.resolve(dir);
  const runs = dirs.map((d) => ({ runDir: d, summary: summaryOf(d)! }));
  showMarkdown(
    `Showing ${runs.length === 1 ? 'the completed run' : `${runs.length} completed runs in`} \`${path.basename(abs)}\`: ` +
      runs.map((r) => `${path.basename(r.runDir)} (${r.summary.epochsCompleted} epochs, ${(r.summary.trainSeconds / 60).toFixed(1)} min)`).join(', ') +
      '. Nothing is trained.',
  );
  return { runDir: abs, runs };
}

/**
 * The runs `experiments` of a campaign folder (`<root>/<experiment>/`, the layout of `npm run study`),
 * each checked as in `openRun`; missing, unfinished or damaged ones are listed in a note and left out.
 */
export function openCampaign(root: string, experiments: readonly string[]): NotebookTrainResult {
  const abs = path.resolve(root);
  if (!fs.existsSync(abs)) throw new Error(`runs_root ${abs}: no such folder`);
  const found: string[] = [];
  const notes: string[] = [];
  for (const e of experiments) {
    const d = path.join(abs, e);
    if (!fs.existsSync(path.join(d, 'config.json'))) notes.push(`${e}: no run (no ${e}/config.json)`);
    else {
      // a damaged run (garbled config.json / summary.json / metrics.json) is listed as not shown, like an unfinished one
      const damaged = readableRuns([d], () => {}).skipped[0];
      const why = damaged ? `${d} is damaged (${damaged.reason})` : notCompleted(d);
      if (why) notes.push(`${e}: ${why.replace(`${d} `, '')}`);
      else found.push(d);
    }
  }
  if (found.length === 0) throw new Error(`runs_root ${abs} has none of ${experiments.join(', ')} completed: ${notes.join('; ')}`);
  found.forEach(markReadOnly);
  const runs = found.map((d) => ({ runDir: d, summary: summaryOf(d)! }));
  showMarkdown(
    `Showing ${runs.length} completed run(s) of \`${path.basename(abs)}\`: ${runs.map((r) => path.basename(r.runDir)).join(', ')}. Nothing is trained.` +
      (notes.length ? `\n\nNot shown: ${notes.join('; ')}.` : ''),
  );
  return { runDir: abs, runs };
}

/** The run folders of a `train` / `openRun` / `openCampaign` result. */
export function runDirsIn(r: NotebookTrainResult): string[] {
  return r.runs.map((x) => x.runDir);
}

/**
 * One section per run: its heading, loss plot, grids across epochs (strip and GIF, at most 12
 * epochs) and real vs generated, at the sizes of `pictureBudget(number of runs)` (run-views.ts).
 * A damaged run is left out with a note (runDirsOf).
 */
export async function showRunSections(r: NotebookTrainResult | readonly string[], labels?: readonly string[]): Promise<void> {
  const given = Array.isArray(r) ? [...(r as readonly string[])] : runDirsIn(r as NotebookTrainResult);
  // a damaged run (garbled config.json / summary.json / metrics.json) is left out with one note
  const sections = given.map((d, i) => ({ d, label: labels?.[i] ?? path.basename(d) })).filter((s) => runDirsOf(s.d).length > 0);
  if (sections.length === 0) return showMarkdown('*no readable runs*');
  const dirs = sections.map((s) => s.d);
  for (const [i, d] of dirs.entries()) {
    showMarkdown(`### ${sections[i].label}`);
    showLoss(d);
    showEpochs(d, { runs: dirs.length });
    await showRealVsFake(d, undefined, dirs.length);
  }
}
