/**
 * The pure-JS cpu backend trains correctly: one training step from the same weights, on the same
 * real faces and noise, gives the same losses, gradients (Adam's first moment) and weights on the
 * cpu backend as on native TensorFlow (tfjs-node). Skipped, with a message, where native is missing.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/backend';
import { Rng } from '../../lib/rng';
import { loadFer2013 } from '../../lib/data/fer2013';
import { loadCelebA } from '../../lib/data/celeba';
import { SAMPLE_FER2013_DIR, SAMPLE_CELEBA_DIR } from '../../lib/data/sample';
import { BatchStream } from '../../lib/data/batches';
import { ImageSet } from '../../lib/data/types';
import { DcganSpec } from '../../lib/models/spec';
import { buildGenerator, buildDiscriminator } from '../../lib/models/dcgan';
import { trainStep, readSteps, StepValues } from '../../lib/train/step';
import { tempDir, ganPair } from '../helpers';

// The study's layer layout with narrow widths, so the pure-JS step takes seconds.
const FER: DcganSpec = { size: 48, channels: 1, nz: 100, ngf: 8, ndf: 8 };
const CELEBA: DcganSpec = { size: 64, channels: 3, nz: 100, ngf: 4, ndf: 4 };
const BATCH = 4;

let native: string | null = null;
test.before(async () => {
  try {
    await initBackend({ backend: 'node', quiet: true });
    native = tf.getBackend();
  } catch (e) {
    native = null;
    process.stderr.write(`backend-parity: native backend unavailable (${(e as Error).message.split('. Fix')[0]}); skipping\n`);
  }
});

interface Outcome {
  values: StepValues;
  /** every weight of G and D after the step (trainable, and BatchNorm moving statistics) */
  weights: Float32Array[];
  names: string[];
  /** Adam's first moments after one step: (1 - beta1) * gradient */
  moments: Float32Array[];
}

/** One step on `backend` from `init` weights (or the seeded initial weights when absent). */
async function stepOn(backend: string, spec: DcganSpec, data: ImageSet, init?: Float32Array[]): Promise<{ out: Outcome; init: Float32Array[] }> {
  await tf.setBackend(backend);
  const G = buildGenerator(spec, 7);
  const D = buildDiscriminator(spec, 8);
  const all = () => [...G.weights, ...D.weights];
  if (init) all().forEach((w, i) => w.write(tf.tensor(init[i], w.shape as number[])));
  const start = all().map((w) => w.read().dataSync() as Float32Array).map((a) => a.slice());
  const pair = ganPair(G, D);
  const b = new BatchStream(data, { batchSize: BATCH, seed: 3 }).next();
  const real = tf.tensor4d(b.data, b.shape);
  const z = tf.tensor4d(new Rng(4).normals(BATCH * spec.nz), [BATCH, 1, 1, spec.nz]);
  const [values] = await readSteps([trainStep(pair, real, z)]);
  tf.dispose([real, z]);
  const opt = [await pair.optG.getState(), await pair.optD.getState()];
  const out: Outcome = {
    values,
    weights: all().map((w) => (w.read().dataSync() as Float32Array).slice()),
    names: all().map((w) => w.originalName),
    moments: [...opt[0].m, ...opt[1].m],
  };
  G.dispose();
  D.dispose();
  pair.optG.dispose();
  pair.optD.dispose();
  return { out, init: start };
}

function maxRelDiff(a: Float32Array, b: Float32Array): { diff: number; scale: number } {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return { diff, scale };
}

async function compare(spec: DcganSpec, data: ImageSet) {
  const n = await stepOn(native!, spec, data);
  const c = await stepOn('cpu', spec, data, n.init);
  await tf.setBackend(native!);
  // Losses and D outputs: float32 sums in a different order, so equal to ~1e-5 relative.
  for (const k of Object.keys(n.out.values) as (keyof StepValues)[]) {
    const a = n.out.values[k];
    const b = c.out.values[k];
    assert.ok(Number.isFinite(a) && Number.isFinite(b), `${k}: ${a} vs ${b}`);
    assert.ok(Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b)), `${k}: native ${a} vs cpu ${b}`);
  }
  // Gradients (Adam's m after one step = 0.5 * grad), per variable, relative to its largest entry.
  n.out.moments.forEach((m, i) => {
    const { diff, scale } = maxRelDiff(m, c.out.moments[i]);
    assert.ok(scale > 0, `moment ${i} is all zero: the comparison would be vacuous`);
    assert.ok(diff <= 1e-4 * scale, `gradient of variable ${i}: native vs cpu differ by ${diff} (largest ${scale})`);
  });
  // Weights: Adam's first step moves every weight by ~lr * sign(grad), so a weight whose gradient is
  // ~0 may move either way on the two backends; all others must agree to float32 rounding.
  const lr = 2e-4;
  n.out.weights.forEach((w, i) => {
    const cw = c.out.weights[i];
    let bad = 0;
    let moved = 0;
    for (let j = 0; j < w.length; j++) {
      if (Math.abs(w[j] - n.init[i][j]) > lr / 2) moved++;
      if (Math.abs(w[j] - cw[j]) > 2e-6 + 1e-5 * Math.abs(cw[j])) bad++;
    }
    assert.ok(bad <= Math.max(1, 0.002 * w.length), `${n.out.names[i]}: ${bad} of ${w.length} weights differ between native and cpu`);
    if (!/moving/.test(n.out.names[i])) assert.ok(moved > 0.5 * w.length, `${n.out.names[i]}: the step moved only ${moved} of ${w.length} weights`);
  });
}

test('one fer48 training step on real FER2013 faces: cpu backend = native (losses, gradients, weights)', async (t) => {
  if (!native) return t.skip('native tfjs-node backend not available here (npm run setup:native)');
  const data = await loadFer2013({ path: SAMPLE_FER2013_DIR, split: 'train', limit: 16, seed: 1 });
  await compare(FER, data);
});

test('one celeba64 training step on real CelebA faces: cpu backend = native (losses, gradients, weights)', async (t) => {
  if (!native) return t.skip('native tfjs-node backend not available here (npm run setup:native)');
  const data = await loadCelebA({ path: SAMPLE_CELEBA_DIR, limit: 8, seed: 1, cacheDir: tempDir(), workers: 0, progress: false });
  await compare(CELEBA, data);
});
