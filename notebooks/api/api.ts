/**
 * What the notebooks call (`import fg from 'facegan'`, loaded through facegan.js): setup, training
 * with live displays, views of runs, the data tour and the comparison, plus display and scrap
 * helpers. Notebooks stay thin: each cell is one or two calls into this module. This is the
 * application's binding of the library (lib/notebook/ views and runner) to the experiment specs
 * (experiments/): lib/ takes specs as arguments and imports nothing from experiments/.
 */
import * as fs from 'fs';
import * as path from 'path';
import { initBackend, describeBackend, type BackendInfo } from '../../lib/backend';
import { newRunDir } from '../../lib/runs/run-dir';
import { showMarkdown } from '../../lib/notebook/views/show';
import { EMOTIONS } from '../../lib/data';
import { glue, RUN_DIR_SCRAP } from '../../lib/notebook/runner/scrap';
import { train as trainWith, type NotebookTrainParams, type NotebookTrainResult } from '../../lib/notebook/views/live';
import { getExperiment } from '../../experiments';
import { stopOnSignals } from '../../tools/cli/stop';

export { glue, readScraps, RUN_DIR_SCRAP } from '../../lib/notebook/runner/scrap';
export { showPng, showGif, showMarkdown, showChart, showTable, LiveDisplay } from '../../lib/notebook/views/show';
export { recordRuns, LiveTraining, type NotebookTrainParams, type NotebookTrainResult } from '../../lib/notebook/views/live';
export { showLoss, showLossComparison, showEpochs, showRealVsFake, showFinalSamples, showSummary, runDirsOf } from '../../lib/notebook/views/run-views';
export { epochGrids, epochStripPng, epochGif, realVsFakePng, finalSamplesPng, MAX_EPOCH_FRAMES } from '../../lib/runs/run-pictures';
export { ferCounts, countsTable, showFerCounts, showEmotionSamples, showColourVsGray, ferPath, celebaPath } from '../../lib/notebook/views/dataset-views';
export { findRuns, compareRow, metricColumns, notebookOf, showComparison } from '../../lib/notebook/views/compare-views';
export { openRun, openCampaign, runDirsIn, showRunSections, notCompleted } from '../../lib/notebook/views/existing-runs';
export { showSameFace, editTestFaces, editGridPng, showEditTable, showHitRates, type EditTestFacesOptions } from '../../lib/notebook/views/edit-views';
export {
  translateTestFaces, showTranslatorMetrics, findTranslator, type TranslateTestFacesOptions, type TranslatorEditResult, type TranslatorMetricsView,
} from '../../lib/notebook/views/translator-views';
export { EMOTIONS } from '../../lib/data';
export { EXPERIMENTS, getExperiment } from '../../experiments';
export * as viz from '../../lib/viz';
export * as data from '../../lib/data';
export { RESULTS_DIR, findRunDirs, readRunConfig } from '../../lib/runs/run-dir';
export { runRow, writeRunTables } from '../../lib/runs/table';

/** Selects the tfjs backend (null: the fastest that loads) and shows which one and why. */
export async function setup(opts: { backend?: string | null } = {}): Promise<BackendInfo> {
  const info = await initBackend({ backend: opts.backend ?? undefined, quiet: true });
  showMarkdown(`**backend**: ${describeBackend(info)}${info.name === 'cpu' ? '\n\n*The pure-JS cpu backend is slow: run `npm run setup:native` for TensorFlow.*' : ''}`);
  return info;
}

/**
 * The folder a notebook writes into and records as its run directory (the runner saves the
 * executed notebook there): `explicit` if given, else a new results/<kind>/<time>-<label>.
 */
export function outputDir(kind: string, label: string, explicit?: string | null): string {
  const dir = explicit ? path.resolve(explicit) : newRunDir(kind, label);
  fs.mkdirSync(dir, { recursive: true });
  glue(RUN_DIR_SCRAP, dir);
  return dir;
}

/** The experiment of notebook 02 for an `emotion` parameter: fer-<emotion>, or fer-all for 'all'. */
export function ferExperiment(emotion: string): string {
  if (emotion === 'all') return 'fer-all';
  if (!(EMOTIONS as readonly string[]).includes(emotion)) {
    throw new Error(`parameter emotion: expected one of ${EMOTIONS.join(', ')}, or all; got ${JSON.stringify(emotion)}`);
  }
  return `fer-${emotion}`;
}

/**
 * Trains an experiment of experiments/ (by name) at a preset with live displays and records the
 * run (lib/notebook/views/live.ts `train`, given experiments/' lookup). The kernel's interrupt
 * (SIGINT: Jupyter's stop button, the runner's Ctrl-C) stops the run after its step with a
 * checkpoint, as on the command line; an interrupt while the data loads stops it at its first step.
 */
export async function train(p: NotebookTrainParams): Promise<NotebookTrainResult> {
  // after a turn of the event loop: a SIGINT listener added while the cell's synchronous part runs
  // is undone by node's vm breakOnSigint (tslab)
  await new Promise((r) => setImmediate(r));
  const stop = stopOnSignals({ signals: ['SIGINT'], unheard: 'keep' });
  try {
    return await trainWith(p, getExperiment, stop.signal);
  } finally {
    stop.release();
  }
}
