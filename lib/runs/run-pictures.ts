/**
 * Pictures of a run folder, built from its files only: the fixed-noise grids across epochs
 * (samples/epoch-NNN.png) as a labelled strip or an animated GIF, real training images next to
 * the final grid, and the final samples of several runs. Used by the notebook views and by the
 * campaign's reference export; the run's model size comes from its config.json.
 */
import * as fs from 'fs';
import * as path from 'path';
import { decodePng, imageGrid, labelledGridPng, imageStrip, animatedGif, type GifFrame } from '../viz';
import { gridCells, spread } from '../viz/grid-cells';
import { readRunConfig, type RunConfig } from './run-dir';
import { loadDataset, resolveDataPath } from './dataset';

/** At most this many epochs in an epoch strip or GIF (spread evenly, first and last kept): bounded notebook size. */
export const MAX_EPOCH_FRAMES = 12;

/** The per-epoch grids of a run (samples/epoch-NNN.png), in epoch order. */
export function epochGrids(runDir: string): { epoch: number; file: string }[] {
  const dir = path.join(runDir, 'samples');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((f) => ({ m: /^epoch-(\d+)\.png$/.exec(f), f }))
    .filter((x) => x.m)
    .map((x) => ({ epoch: Number(x.m![1]), file: path.join(dir, x.f) }))
    .sort((a, b) => a.epoch - b.epoch);
}

/** The image size (px) of a run's model, from its config.json. */
export function modelSize(runDir: string): number {
  return readRunConfig(runDir).spec.model.size;
}

/**
 * The fixed-noise samples across epochs as one picture: one row per epoch (at most `maxEpochs`,
 * spread evenly, first and last kept), the first `samples` images of each epoch's grid.
 */
export function epochStripPng(runDir: string, opts: { maxEpochs?: number; samples?: number; scale?: number } = {}): Buffer {
  const grids = spread(epochGrids(runDir), opts.maxEpochs ?? MAX_EPOCH_FRAMES);
  if (grids.length === 0) throw new Error(`${runDir}: no samples/epoch-NNN.png yet (no epoch finished)`);
  const size = modelSize(runDir);
  const samples = opts.samples ?? 8;
  const cells = grids.flatMap((g) => gridCells(decodePng(fs.readFileSync(g.file)), size, samples));
  return labelledGridPng(cells, {
    cols: samples,
    rowLabels: grids.map((g) => `epoch ${g.epoch}`),
    title: `Fixed-noise samples across epochs (${path.basename(runDir)})`,
    ...(opts.scale ? { scale: opts.scale } : {}),
  });
}

/** Options of the epochs GIF. */
export interface EpochGifOptions {
  delayMs?: number;
  /** At most this many epochs (default MAX_EPOCH_FRAMES), spread evenly, first and last kept. */
  maxEpochs?: number;
  /** Only the first `samples` images of each grid, 8 per row (default: the whole grid). */
  samples?: number;
  /** Grayscale runs: quantise to this many gray levels (default 256): fewer compress much better. */
  grayLevels?: number;
}

/** The epochs' grids as the frames of an animated GIF (see {@link EpochGifOptions}). */
export function epochGif(runDir: string, opts: EpochGifOptions = {}): Buffer {
  const grids = spread(epochGrids(runDir), opts.maxEpochs ?? MAX_EPOCH_FRAMES);
  if (grids.length === 0) throw new Error(`${runDir}: no samples/epoch-NNN.png yet (no epoch finished)`);
  const size = opts.samples ? modelSize(runDir) : 0;
  const frames = grids.map((g) => {
    let p = decodePng(fs.readFileSync(g.file));
    if (p.channels === 4) throw new Error(`${g.file}: expected a gray or RGB grid, got RGBA`);
    if (opts.samples) {
      const cells = gridCells(p, size, opts.samples);
      const px = size * size * p.channels;
      const data = new Uint8Array(cells.length * px);
      cells.forEach((c, i) => data.set(c.pixels, i * px));
      p = imageGrid({ data, n: cells.length, height: size, width: size, channels: p.channels }, { nrow: 8 });
    }
    const levels = opts.grayLevels ?? 256;
    if (p.channels === 1 && levels < 256) {
      const step = 256 / levels;
      const q = new Uint8Array(p.pixels.length);
      for (let i = 0; i < q.length; i++) q[i] = Math.min(255, Math.floor(p.pixels[i] / step) * step + Math.floor(step / 2));
      p = { ...p, pixels: q };
    }
    return p as GifFrame;
  });
  // hold the last frame longer so the loop's end is visible
  const delayMs = opts.delayMs ?? 600;
  return animatedGif(frames, { delayMs, lastDelayMs: 3 * delayMs });
}

/**
 * Where a run's training images are on this machine: the recorded folder when it exists here; else
 * (a reference export records it relative to the dataset root, or the data moved) $FACEGAN_FER2013 /
 * $FACEGAN_CELEBA, else the bundled sample, with a note saying so.
 */
function runDataPath(dataset: RunConfig['spec']['dataset'], recorded: string): { path: string; note: string } {
  if (path.isAbsolute(recorded) && fs.existsSync(recorded)) return { path: recorded, note: '' };
  const r = resolveDataPath(dataset);
  return { path: r.path, note: r.source === 'sample' ? ', from the bundled sample' : ` from ${r.path}` };
}

/** `count` real training images of the run's dataset (seeded like the run) next to its final generated grid. */
export async function realVsFakePng(runDir: string, count = 64): Promise<Buffer> {
  const config = readRunConfig(runDir);
  const finalFile = finalGridFile(runDir);
  if (!finalFile) throw new Error(`${path.join(runDir, 'samples', 'final.png')} is missing (the run has not finished)`);
  const fake = decodePng(fs.readFileSync(finalFile));
  const data = runDataPath(config.spec.dataset, config.data.path);
  const real = await loadDataset(config.spec.dataset, data.path, { limit: count, seed: config.seed, size: config.spec.model.size });
  const realGrid = imageGrid(real, { nrow: 8 });
  return imageStrip([realGrid, fake], [`real (${real.n} training images${data.note})`, `generated (final, ${path.basename(runDir)})`]);
}

/**
 * A run's final fixed-noise grid: samples/final.png in a run folder, final.png in a reference export
 * (`npm run study -- --export`); null when it has neither.
 */
export function finalGridFile(runDir: string): string | null {
  for (const f of [path.join(runDir, 'samples', 'final.png'), path.join(runDir, 'final.png')]) if (fs.existsSync(f)) return f;
  return null;
}

/** The final samples of several runs, one row each (the first `samples` images), labelled. */
export function finalSamplesPng(runDirs: string[], labels?: string[], samples = 8): Buffer {
  const rows = runDirs.map((d) => ({ d, file: finalGridFile(d) })).filter((r): r is { d: string; file: string } => r.file !== null);
  if (rows.length === 0) throw new Error('finalSamplesPng: none of the runs has samples/final.png (or an exported final.png)');
  const cells = rows.flatMap((r) => gridCells(decodePng(fs.readFileSync(r.file)), modelSize(r.d), samples));
  return labelledGridPng(cells, {
    cols: samples,
    rowLabels: labels ?? rows.map((r) => path.basename(r.d)),
    title: 'Final fixed-noise samples',
  });
}
