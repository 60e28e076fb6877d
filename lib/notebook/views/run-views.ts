/**
 * Views of finished runs, built from run directories only: the loss plot, the fixed-noise grids
 * across epochs (a labelled strip and an animated GIF), real vs generated side by side, final
 * samples of several runs, and the run's summary table. `show*` functions display them in the
 * notebook (and keep a copy in the run directory's samples/ folder); the pictures themselves are
 * lib/runs/run-pictures.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { decodePng, encodePng, readLossesCsv, lineChartSpec, downsampleIndices } from '../../viz';
import { writeFileAtomic } from '../../io/files';
import { findRunDirs } from '../../runs/run-dir';
import { runRow, readableRuns } from '../../runs/table';
import { MAX_EPOCH_FRAMES, epochGrids, epochStripPng, epochGif, realVsFakePng, finalSamplesPng, modelSize, type EpochGifOptions } from '../../runs/run-pictures';
import { showPng, showGif, showMarkdown, showTable, showChart, pngSize } from './show';

/** Run folders shown but never written to (runs opened with `openRun`: folders of other campaigns, possibly read-only). */
const readOnlyRuns = new Set<string>();

/** Marks a run folder as shown-only: the views keep no copies of their pictures in it. */
export function markReadOnly(runDir: string): void {
  readOnlyRuns.add(path.resolve(runDir));
}

/**
 * The run directories of `dir`: itself when it holds config.json, else those below it (a sequence,
 * two arms); for a list, each entry's. A damaged run (garbled config.json, summary.json or
 * metrics.json) is left out with a note, as compare does (lib/runs/table readableRuns), so one
 * broken run never fails a view of the others; the result may then be empty.
 */
export function runDirsOf(dir: string | readonly string[]): string[] {
  if (typeof dir !== 'string') return dir.flatMap((d) => runDirsOf(d));
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs)) throw new Error(`${abs}: no such run directory`);
  const dirs = findRunDirs(abs);
  if (dirs.length === 0) throw new Error(`${abs} holds no run (no config.json in it or below it)`);
  return readableRuns(dirs, noteDamaged).dirs;
}

/** Shows readableRuns' note on a skipped run in the notebook. */
function noteDamaged(line: string): void {
  showMarkdown(`*note: ${line}*`);
}

/**
 * runDirsOf for views that take labels, one per entry of a list: the readable runs and the labels
 * of the entries that still have one.
 */
function labelledRunDirs(dir: string | readonly string[], labels?: readonly string[]): { dirs: string[]; labels?: string[] } {
  if (!labels || typeof dir === 'string') return { dirs: runDirsOf(dir), labels: labels ? [...labels] : undefined };
  const entries = dir.map((d, i) => ({ dirs: runDirsOf(d), label: labels[i] }));
  return { dirs: entries.flatMap((e) => e.dirs), labels: entries.filter((e) => e.dirs.length > 0).map((e) => e.label) };
}


/** A PNG without its alpha channel when every pixel is opaque (the trainer's loss.png is RGBA): about a third smaller. */
function opaquePng(png: Buffer): Buffer {
  const p = decodePng(png);
  if (p.channels !== 4) return png;
  const n = p.width * p.height;
  for (let i = 0; i < n; i++) if (p.pixels[i * 4 + 3] !== 255) return png;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) rgb.set(p.pixels.subarray(i * 4, i * 4 + 3), i * 3);
  const out = encodePng(rgb, p.width, p.height, 3);
  return out.length < png.length ? out : png;
}

/** What the views show of `runs` runs in one notebook: sizes that keep the notebook well under 10 MB. */
export interface PictureBudget {
  /** Upscaling of the epoch strip (undefined: the automatic one, 2x for 48 px faces). */
  stripScale?: number;
  /** Epochs in the strip (default MAX_EPOCH_FRAMES). */
  stripEpochs?: number;
  gif: EpochGifOptions;
  /** Real and generated faces in `real vs generated`. */
  realVsFake: number;
}

/**
 * One run: the GIF of the first 32 samples (4 rows), 64 real + 64 generated faces. Several runs
 * in one notebook (the seven FER runs, the two arms of experiment 3): 8 epochs in the strip (at
 * native size) and in the GIF (16 samples, 32 gray levels for grayscale runs), 32 + 32 faces.
 * Measured: one 25-epoch CelebA run ~7.3 MB of notebook, seven 50-epoch FER runs ~8 MB.
 */
export function pictureBudget(runs: number): PictureBudget {
  return runs <= 1
    ? { gif: { samples: 32 }, realVsFake: 64 }
    : { stripScale: 1, stripEpochs: 8, gif: { samples: 16, grayLevels: 32, maxEpochs: 8 }, realVsFake: 32 };
}

/**
 * Keeps a copy of a picture in its run folder (unless the run was opened shown-only), written
 * atomically by lib/io/files.ts like every run file (docs/reliability.md).
 */
function keepCopy(runDir: string, file: string, bytes: Buffer): void {
  if (readOnlyRuns.has(path.resolve(runDir))) return;
  writeFileAtomic(file, bytes);
}

function saveAndShow(runDir: string, file: string, png: Buffer, alt: string, halfSize = false): void {
  keepCopy(runDir, file, png);
  showPng(png, { alt, ...(halfSize ? { width: pngSize(png).width / 2 } : {}) });
}

function heading(dirs: string[], d: string): void {
  if (dirs.length > 1) showMarkdown(`#### ${path.basename(d)}`);
}

/** Shows each run's loss plot (loss.png, written by the trainer at 2x). */
export function showLoss(dir: string | readonly string[]): void {
  const dirs = runDirsOf(dir);
  for (const d of dirs) {
    heading(dirs, d);
    const file = path.join(d, 'loss.png');
    if (!fs.existsSync(file)) {
      showMarkdown(`*${d}: no loss.png (no epoch finished yet)*`);
      continue;
    }
    const png = opaquePng(fs.readFileSync(file));
    showPng(png, { alt: `loss plot of ${path.basename(d)}`, width: pngSize(png).width / 2 });
  }
}

/** Shows each run's grids across epochs: the labelled strip and the animated GIF (also saved in samples/). */
export function showEpochs(
  dir: string | readonly string[],
  opts: { maxEpochs?: number; samples?: number; delayMs?: number; stripScale?: number; gif?: EpochGifOptions; runs?: number } = {},
): void {
  const dirs = runDirsOf(dir);
  const budget = pictureBudget(opts.runs ?? dirs.length);
  opts = { stripScale: budget.stripScale, maxEpochs: budget.stripEpochs, ...opts, gif: { ...budget.gif, ...opts.gif } };
  for (const d of dirs) {
    heading(dirs, d);
    if (epochGrids(d).length === 0) {
      // a reference export (npm run study -- --export) keeps the strip, not the per-epoch grids
      const exported = path.join(d, 'epoch-strip.png');
      if (fs.existsSync(exported)) showPng(fs.readFileSync(exported), { alt: `fixed-noise samples across epochs of ${path.basename(d)} (exported strip)` });
      else showMarkdown(`*${d}: no epoch finished yet*`);
      continue;
    }
    const stripScale = opts.stripScale ?? (modelSize(d) >= 64 ? 1 : undefined); // 64 px faces are readable as they are
    saveAndShow(d, path.join(d, 'samples', 'epochs-strip.png'), epochStripPng(d, { ...opts, scale: stripScale }), `fixed-noise samples across epochs of ${path.basename(d)}`);
    const gif = epochGif(d, { delayMs: opts.delayMs, maxEpochs: opts.maxEpochs, ...opts.gif });
    keepCopy(d, path.join(d, 'samples', 'epochs.gif'), gif);
    const frames = Math.min(epochGrids(d).length, opts.gif?.maxEpochs ?? opts.maxEpochs ?? MAX_EPOCH_FRAMES);
    showGif(gif, { alt: `fixed-noise samples across epochs (${frames} frames) of ${path.basename(d)}` });
  }
}

/** Shows real training images next to the final generated grid, for each run. */
export async function showRealVsFake(dir: string | readonly string[], count?: number, runs?: number): Promise<void> {
  const dirs = runDirsOf(dir);
  count ??= pictureBudget(runs ?? dirs.length).realVsFake;
  for (const d of dirs) {
    heading(dirs, d);
    saveAndShow(d, path.join(d, 'samples', 'real-vs-fake.png'), await realVsFakePng(d, count), `real vs generated faces of ${path.basename(d)}`);
  }
}

/** Shows the final samples of all runs in `dir` (or the given run directories) one row each. */
export function showFinalSamples(dirOrDirs: string | readonly string[], labels?: string[]): void {
  const runs = labelledRunDirs(dirOrDirs, labels);
  if (runs.dirs.length === 0) return showMarkdown('*no readable runs*');
  showPng(finalSamplesPng(runs.dirs, runs.labels), { alt: 'final fixed-noise samples per run' });
}

/** Shows the summary table: one row per run (lib/runs/table's columns, incl. any metrics). */
export function showSummary(dirOrDirs: string | readonly string[]): void {
  // a damaged run (garbled config.json / summary.json) is left out with a note, not a failed table
  const { dirs, rows } = readableRuns(runDirsOf(dirOrDirs), noteDamaged);
  if (rows.length === 0) return showMarkdown('*no readable runs*');
  if (rows.length === 1) {
    showTable(Object.entries(rows[0]).map(([field, value]) => ({ field, value })), `Run summary: ${path.basename(dirs[0])}`);
  } else {
    showTable(rows, 'Run summary');
  }
}

/** Loss curves of several runs in one chart (loss_G and loss_D per run), e.g. the two arms of experiment 3. */
export async function showLossComparison(runDirs: readonly string[], labels?: string[], maxPoints = 500): Promise<void> {
  const rows = runDirs.flatMap((d, i) => {
    const lr = readLossesCsv(path.join(d, 'losses.csv'));
    const name = labels?.[i] ?? path.basename(d);
    return (['loss_g', 'loss_d'] as const).flatMap((k) =>
      downsampleIndices(lr.map((r) => r[k]), maxPoints).map((j) => ({ iteration: j + 1, loss: lr[j][k], series: `${name} ${k === 'loss_g' ? 'G' : 'D'}` })),
    );
  });
  if (rows.length === 0) return showMarkdown('*no loss rows yet*');
  await showChart(lineChartSpec(rows, { x: 'iteration', y: 'loss', color: 'series', title: 'Generator (G) and discriminator (D) loss' }), { alt: 'loss curves of the compared runs' });
}
