/**
 * Soak test of the real training loop (lib/train/trainer.ts `train`, with its loss log, sample
 * grids, checkpoints and loss plot): the fer48 net, N steps, recording live tensors and resident
 * memory every log interval. "Flat" means the tensor count never changes after the first
 * interval and RSS grows by less than max(64 MB, 5%) from the first reading after the first epoch
 * end (the first grid, loss plot and checkpoint load their modules and fonts once) to the last one.
 * `images` shrinks the data set, so that many epoch ends (grid + plot + checkpoint) are soaked too.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { train } from '../../lib/train/trainer';
import { loadFer2013 } from '../../lib/data/fer2013';
import { ImageSet } from '../../lib/data/types';
import { BENCH_NETS } from './nets';
import { syntheticImageSet } from './synthetic';

export interface SoakOptions {
  steps: number;
  batch?: number;
  /** FER2013 folder/csv; images of one emotion are used. Missing or unreadable: synthetic images. */
  data?: string;
  emotion?: 'happy';
  seed?: number;
  logEvery?: number;
  /** use a seeded random subset of this many images (more epoch ends per step) */
  images?: number;
}

export interface SoakPoint {
  step: number;
  tensors: number;
  rss_mb: number;
  heap_mb: number;
}

export interface SoakResult {
  net: 'fer48';
  batch: number;
  steps: number;
  data: string;
  /** readings at 10, 100, 250 and 500 steps (scaled to `steps`), plus every reading in `all` */
  points: SoakPoint[];
  all: SoakPoint[];
  /** steps per epoch (an epoch end writes a grid, a loss plot and a checkpoint) */
  steps_per_epoch: number;
  tensors_flat: boolean;
  /** RSS growth from step 100 (or the first reading) to the end */
  rss_growth_mb: number;
  /** RSS growth from the first reading after the first epoch end to the end: the flatness criterion */
  rss_growth_after_first_epoch_mb: number;
  rss_flat: boolean;
  images_per_s: number;
  seconds: number;
  epochs: number;
}

/** The steps at which the report quotes the soak: 10, 100, 250, 500 for 500 steps. */
export function soakMarks(steps: number): number[] {
  const marks = [10, steps / 5, steps / 2, steps].map((s) => Math.max(10, Math.round(s / 10) * 10));
  return [...new Set(marks)].filter((s) => s <= steps);
}

async function soakData(o: SoakOptions): Promise<ImageSet> {
  if (o.data && fs.existsSync(o.data)) {
    try {
      return await loadFer2013({ path: o.data, split: 'train', emotions: o.emotion ?? 'happy', ...(o.images ? { limit: o.images, seed: o.seed ?? 0 } : {}) });
    } catch (e) {
      process.stderr.write(`soak: cannot read FER2013 at ${o.data} (${(e as Error).message}); using synthetic images\n`);
    }
  }
  return syntheticImageSet(BENCH_NETS.fer48, o.images ?? 64 * 100, o.seed ?? 0);
}

/** Runs the soak on the active backend. */
export async function soak(o: SoakOptions): Promise<SoakResult> {
  const batch = o.batch ?? 64;
  const logEvery = o.logEvery ?? 10;
  const data = await soakData(o);
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'facegan-soak-'));
  const all: SoakPoint[] = [];
  let step = 0;
  try {
    const summary = await train({
      runDir,
      data,
      model: BENCH_NETS.fer48,
      epochs: Math.ceil(o.steps / Math.floor(data.n / batch)) + 1,
      batchSize: batch,
      seed: o.seed ?? 0,
      maxSteps: o.steps,
      logEvery,
      progress: false,
      onLog: (rows) => {
        step += rows.length;
        const m = process.memoryUsage();
        all.push({ step, tensors: tf.memory().numTensors, rss_mb: m.rss / 2 ** 20, heap_mb: m.heapUsed / 2 ** 20 });
      },
    });
    const marks = soakMarks(o.steps);
    const points = marks.map((s) => all.find((p) => p.step >= s)).filter((p): p is SoakPoint => !!p);
    const early = all.find((p) => p.step >= Math.min(100, o.steps)) ?? all[0];
    const lastP = all[all.length - 1];
    const growth = lastP.rss_mb - early.rss_mb;
    const perEpoch = Math.ceil(data.n / batch);
    const afterEpoch = all.find((p) => p.step > perEpoch) ?? early;
    const growthAfter = lastP.rss_mb - afterEpoch.rss_mb;
    return {
      net: 'fer48',
      batch,
      steps: summary.steps,
      data: data.name,
      points,
      all,
      steps_per_epoch: perEpoch,
      tensors_flat: all.every((p) => p.tensors === all[0].tensors),
      rss_growth_mb: growth,
      rss_growth_after_first_epoch_mb: growthAfter,
      rss_flat: growthAfter < Math.max(64, 0.05 * afterEpoch.rss_mb),
      images_per_s: summary.imagesPerSecond,
      seconds: summary.trainSeconds,
      epochs: summary.epochsCompleted,
    };
  } finally {
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}
