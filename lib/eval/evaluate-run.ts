/**
 * Evaluating a trained run directory (`npm run evaluate -- RUN_DIR`, or the trainer at the end of
 * training): generate n samples from the latest checkpoint's generator, draw two disjoint real
 * sets of n images from the run's own dataset (config.json: data path + dataset spec, without the
 * training `limit`, i.e. the data distribution the run was sampling from), compute the metrics of
 * sample-metrics.ts, and merge them into `<runDir>/metrics.json`: flat numbers (`fd_fer`,
 * `fd_fer_real`, `kid_fer`, ..., `swd`, `diversity`, `hit_rate`, ...), plus `eval` (what was
 * compared, n, seeds, classifier, timings) and `eval_details`.
 *
 * n is capped at half the real images available (the two real sets must be disjoint); the cap is
 * recorded. For per-emotion FER models the hit-rate reference is the held-out FER2013 test split
 * of that emotion, when the data folder has it.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../rng';
import { EMOTIONS } from '../data/types';
import { loadFer2013 } from '../data';
import { readRunConfig } from '../runs/run-dir';
import { loadDataset } from '../runs/dataset';
import { loadRunGenerator } from '../runs/load-generator';
import { readJson, writeJsonAtomic } from '../io/files';
import { withRunLock } from '../io/lock';
import { tensorboardMetrics } from '../train/tb-run';
import { generateImages } from '../sample/generate';
import { noiseTensor } from '../sample/noise';
import { FerClassifier, loadClassifierIfAny, UImages } from './classifier';
import { computeSampleMetrics, SampleMetricOptions } from './sample-metrics';
import { mixSeed } from '../rng';
import { loadInception, InceptionModel } from './inception';

export interface EvaluateRunOptions {
  /** Samples, and images per real set (default 2000; capped at half the real images). */
  n?: number;
  /** Seed for the noise, real-set draws, KID subsets and SWD (default 0). */
  seed?: number;
  /** A loaded classifier; null skips the classifier metrics; default: load models/fer-classifier (skipped with a note if absent). */
  classifier?: FerClassifier | null;
  /** Read the real images from here instead of config.json's data path (runs copied from another machine). */
  dataPath?: string;
  kidSubsets?: number;
  /** Folder of an InceptionV3 in TF.js format: also compute standard FID; skipped with a note when the folder has no model. */
  inception?: string;
  swd?: SampleMetricOptions['swd'];
  /** Do not write metrics.json (just return the values). */
  dryRun?: boolean;
  log?: (line: string) => void;
}

export interface EvaluateRunResult {
  file: string;
  values: Record<string, number>;
  metrics: Record<string, unknown>;
}

/** Rows `idx` of a uint8 image set. */
export function subsetImages(im: UImages, idx: ArrayLike<number>): UImages {
  const px = im.height * im.width * im.channels;
  const data = new Uint8Array(idx.length * px);
  for (let j = 0; j < idx.length; j++) data.set(im.data.subarray(idx[j] * px, (idx[j] + 1) * px), j * px);
  return { data, n: idx.length, height: im.height, width: im.width, channels: im.channels };
}

/** The emotion index of a per-emotion FER run, or undefined. */
export function runEmotion(dataset: { kind: string; emotions?: readonly string[] | 'all' }): number | undefined {
  if (dataset.kind !== 'fer2013' || !Array.isArray(dataset.emotions) || dataset.emotions.length !== 1) return undefined;
  const e = EMOTIONS.indexOf(dataset.emotions[0] as (typeof EMOTIONS)[number]);
  return e >= 0 ? e : undefined;
}

/** Evaluates one run directory; see the file comment. */
export async function evaluateRun(runDir: string, o: EvaluateRunOptions = {}): Promise<EvaluateRunResult> {
  // metrics.json has one writer: a run being trained (or evaluated) elsewhere is refused (LockedError, exit 75)
  if (o.dryRun) return evaluateLocked(runDir, o);
  return withRunLock(runDir, () => evaluateLocked(runDir, o), { command: 'evaluate', say: o.log });
}

async function evaluateLocked(runDir: string, o: EvaluateRunOptions): Promise<EvaluateRunResult> {
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const t0 = Date.now();
  const config = readRunConfig(runDir);
  const spec = config.spec;
  const seed = o.seed ?? 0;
  const want = o.n ?? 2000;
  if (!Number.isInteger(want) || want < 2) throw new Error(`evaluateRun: n must be an integer >= 2, got ${want}`);
  const dataPath = o.dataPath ? path.resolve(o.dataPath) : config.data.path;
  if (!fs.existsSync(dataPath)) {
    throw new Error(`evaluateRun: ${runDir} was trained on ${dataPath}, which does not exist here; pass --data DIR to point at the same dataset`);
  }
  const real = await loadDataset(spec.dataset, dataPath, { limit: null, seed: config.seed, size: spec.model.size });
  const n = Math.min(want, Math.floor(real.n / 2));
  if (n < 2) throw new Error(`evaluateRun: ${real.name} has ${real.n} images; two disjoint real sets need at least 4`);
  if (n < want) log(`note: ${real.name} has ${real.n} images, so n is capped at ${n} (two disjoint real sets)`);
  const perm = new Rng(mixSeed(seed, 0x4ea1)).permutation(real.n);
  const realA = subsetImages(real, perm.subarray(0, n));
  const realB = subsetImages(real, perm.subarray(n, 2 * n));

  const { G, checkpoint } = await loadRunGenerator(runDir);
  const z = noiseTensor(new Rng(mixSeed(seed, 0x6e0)), n, spec.model.nz);
  let fake: UImages;
  try {
    fake = await generateImages(G, z, 64);
  } finally {
    z.dispose();
    G.dispose();
  }
  log(`evaluate ${runDir}: ${n} samples from ${path.relative(runDir, checkpoint)} vs ${real.name} (${((Date.now() - t0) / 1000).toFixed(0)} s to load/generate)`);

  const emotion = runEmotion(spec.dataset);
  let heldOut: UImages | undefined;
  const notes: string[] = [];
  if (emotion !== undefined) {
    try {
      const test = await loadFer2013({ path: dataPath, split: 'test', emotions: [EMOTIONS[emotion]], seed });
      heldOut = subsetImages(test, new Rng(mixSeed(seed, 0x7e57)).permutation(test.n).subarray(0, Math.min(n, test.n)));
    } catch (e) {
      notes.push(`hit-rate reference is real set A (no held-out test images: ${(e as Error).message.split('\n')[0]})`);
    }
  }
  const classifier = o.classifier !== undefined ? o.classifier : await loadClassifierIfAny((why) => {
    notes.push(`classifier metrics skipped: ${why}`);
    log(`note: ${notes[notes.length - 1]}`);
  });
  let inception: InceptionModel | null = null;
  if (o.inception) {
    const r = await loadInception(o.inception);
    inception = r.model;
    if (r.reason) (notes.push(r.reason), log(`note: ${r.reason}`));
  }
  let m;
  try {
    m = await computeSampleMetrics(
      { fake, realA, realB, heldOut, emotion },
      { classifier, seed, kidSubsets: o.kidSubsets, swd: o.swd, inception, log: (l) => log(`  ${l}`) },
    );
  } finally {
    inception?.dispose();
  }
  const file = path.join(runDir, 'metrics.json');
  const old = fs.existsSync(file) ? readJson<Record<string, unknown>>(file, 'run metrics') : {};
  const metrics: Record<string, unknown> = {
    ...old,
    ...m.values,
    eval_n: n,
    eval: {
      n, requestedN: want, seed, checkpoint: path.relative(runDir, checkpoint), real: real.name, realImages: real.n, dataPath,
      emotion: emotion !== undefined ? EMOTIONS[emotion] : null, classifier: classifier ? classifier.dir : null,
      classifierAccuracy: classifier?.info?.accuracy ?? null, backend: tf.getBackend(), seconds: Math.round((Date.now() - t0) / 1000),
      notes, evaluatedAt: new Date().toISOString(),
    },
    eval_details: m.details,
  };
  if (!o.dryRun) {
    writeJsonAtomic(file, metrics);
    tensorboardMetrics(runDir, m.values, log);
  }
  log(`metrics: ${Object.entries(m.values).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  return { file, values: m.values, metrics };
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(3) : v.toPrecision(3);
}
