/**
 * Evaluating runs (lib/eval/evaluate-run.ts, sample-metrics.ts): `evaluateRun` on smoke runs fills
 * metrics.json with every metric and its real-vs-real floor; the metrics order real faces, samples
 * and noise as they should; mismatched image sizes/channels and set sizes are refused clearly.
 * A small untrained classifier stands in for the shipped one (its features are fixed by the seed).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { loadFer2013 } from '../../lib/data';
import { SAMPLE_DIR } from '../../lib/runs/dataset';
import { runExperiment } from '../../lib/orchestrate/run-experiment';
import { ExperimentSpec } from '../../lib/runs/experiment';
import { smoke } from '../../experiments/presets';
import { Rng } from '../../lib/rng';
import { buildClassifier } from '../../lib/eval/classifier-model';
import { classifierFromModel, FerClassifier, UImages } from '../../lib/eval/classifier';
import { evaluateRun, runEmotion, subsetImages } from '../../lib/eval/evaluate-run';
import { computeSampleMetrics, checkMatchingSets } from '../../lib/eval/sample-metrics';
import { loadInception } from '../../lib/eval/inception';
import { saveModelDir } from '../../lib/train/model-io';
import { setupBackend, tempDir } from '../helpers';

const small = { nz: 100, ngf: 4, ndf: 4 };
const ferHappy: ExperimentSpec = {
  name: 't-fer-happy', description: 'test', dataset: { kind: 'fer2013', split: 'train', emotions: ['happy'] },
  model: { size: 48, channels: 1, ...small }, presets: { smoke },
};
const celebaColour: ExperimentSpec = {
  name: 't-celeba', description: 'test', dataset: { kind: 'celeba', grayscale: false },
  model: { size: 64, channels: 3, ...small }, presets: { smoke },
};

let clf: FerClassifier | undefined;
async function testClassifier(): Promise<FerClassifier> {
  await setupBackend();
  clf ??= classifierFromModel(buildClassifier({ blocks: [[8], [16]], dense: 32, spaceToDepth: true }, 3).model, 'test: untrained');
  return clf;
}

async function smokeRun(spec: ExperimentSpec, data: string): Promise<string> {
  const backend = await setupBackend();
  const r = await runExperiment({ spec, preset: 'smoke', backend, dataPath: path.join(SAMPLE_DIR, data), outDir: path.join(tempDir(), 'run'), progress: false, log: () => {} });
  return r.runDir;
}

test('evaluate on a smoke FER run fills metrics.json: every metric beside its floor, hit-rate against held-out faces', async () => {
  const classifier = await testClassifier();
  const runDir = await smokeRun(ferHappy, 'fer2013');
  fs.writeFileSync(path.join(runDir, 'metrics.json'), JSON.stringify({ kept: 1 }));
  const lines: string[] = [];
  const r = await evaluateRun(runDir, { n: 1000, classifier, log: (l) => lines.push(l) });
  const m = JSON.parse(fs.readFileSync(path.join(runDir, 'metrics.json'), 'utf8'));
  assert.equal(m.kept, 1, 'keys already in metrics.json are kept');
  for (const k of ['fd_fer', 'kid_fer', 'swd', 'diversity', 'hit_rate', 'hit_prob']) {
    assert.equal(typeof m[k], 'number', `${k} is written`);
    assert.equal(typeof m[`${k}_real`], 'number', `${k}_real (the floor) is written beside it`);
    assert.ok(Number.isFinite(m[k]) && Number.isFinite(m[`${k}_real`]));
  }
  assert.ok(m.kid_fer_std >= 0 && m.kid_fer_real_std >= 0);
  // The sample has 100 happy training faces: two disjoint real sets cap n at 50.
  assert.equal(m.eval.n, 50);
  assert.equal(m.eval_n, 50);
  assert.ok(lines.some((l) => /n is capped at 50/.test(l)));
  assert.equal(m.eval.emotion, 'happy');
  assert.equal(m.eval_details.hit.reference, 'held-out real images (20)');
  assert.ok(m.hit_rate >= 0 && m.hit_rate <= 1 && m.hit_prob > 0 && m.hit_prob < 1);
  // A 2-iteration generator is far from real faces; two real sets are close.
  assert.ok(m.swd > 2 * m.swd_real, `swd ${m.swd} vs floor ${m.swd_real}`);
  assert.ok(m.fd_fer > 2 * m.fd_fer_real, `fd_fer ${m.fd_fer} vs floor ${m.fd_fer_real}`);
  assert.ok(Math.abs(m.diversity_real - 1) < 0.2, `two real sets are equally diverse (${m.diversity_real})`);
  assert.deepEqual(Object.keys(r.values).sort(), Object.keys(r.values).filter((k) => typeof m[k] === 'number').sort());
  // Deterministic for a seed: evaluating again gives the same numbers.
  const again = await evaluateRun(runDir, { n: 1000, classifier, dryRun: true, log: () => {} });
  assert.deepEqual(again.values, r.values);
});

test('evaluate on a smoke CelebA colour run: SWD on colour patches, classifier metrics on 48x48 luma, no hit-rate', async () => {
  const classifier = await testClassifier();
  const runDir = await smokeRun(celebaColour, 'celeba');
  const r = await evaluateRun(runDir, { n: 24, classifier, log: () => {} });
  const m = r.metrics as Record<string, any>;
  assert.equal(m.eval_details.image, '64x64x3');
  assert.equal(m.eval_details.classifier.input, 'BT.601 luma, 64->48 bilinear-AA resize');
  assert.deepEqual(m.eval_details.swd.resolutions, [64, 32, 16]);
  assert.equal(m.hit_rate, undefined);
  assert.ok(m.swd > m.swd_real && m.fd_fer > m.fd_fer_real);
  assert.equal(runEmotion(celebaColour.dataset), undefined);
  assert.equal(runEmotion(ferHappy.dataset), 3);
});

test('metrics refuse mismatched image sizes/channels and unequal set sizes with a clear error', async () => {
  const classifier = await testClassifier();
  const fer = await loadFer2013({ path: path.join(SAMPLE_DIR, 'fer2013'), split: 'test', limit: 12, seed: 1 });
  const a = subsetImages(fer, [0, 1, 2, 3]), b = subsetImages(fer, [4, 5, 6, 7]);
  const colour: UImages = { data: new Uint8Array(4 * 64 * 64 * 3), n: 4, height: 64, width: 64, channels: 3 };
  await assert.rejects(
    computeSampleMetrics({ fake: colour, realA: a, realB: b }, { classifier }),
    /image sizes\/channels differ: samples is 64x64x3, real set A is 48x48x1/,
  );
  assert.throws(() => checkMatchingSets({ fake: a, realA: a, realB: subsetImages(fer, [4, 5]) }), /set sizes differ \(samples 4, real A 4, real B 2\)/);
  assert.throws(() => checkMatchingSets({ fake: { ...a, channels: 2 }, realA: a, realB: b }), /samples has 2 channels, expected 1 or 3/);
  // A run whose generator makes 48x48x1 faces, evaluated against colour CelebA images.
  const runDir = await smokeRun(ferHappy, 'fer2013');
  const cfgFile = path.join(runDir, 'config.json');
  const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
  cfg.spec.dataset = { kind: 'celeba', grayscale: false };
  cfg.data.path = path.join(SAMPLE_DIR, 'celeba');
  fs.writeFileSync(cfgFile, JSON.stringify(cfg));
  await assert.rejects(evaluateRun(runDir, { n: 8, classifier, log: () => {} }), /image sizes\/channels differ: samples is 48x48x1, real set A is 48x48x3/);
  await assert.rejects(evaluateRun(runDir, { n: 8, classifier, dataPath: '/nonexistent/data', log: () => {} }), /does not exist here; pass --data DIR/);
});

test('the metrics order real faces < blurred faces < noise, each against the real-vs-real floor', async () => {
  const classifier = await testClassifier();
  const fer = await loadFer2013({ path: path.join(SAMPLE_DIR, 'fer2013'), split: 'train', limit: 240, seed: 9 });
  const perm = new Rng(1).permutation(fer.n);
  const [a, b, c] = [0, 1, 2].map((k) => subsetImages(fer, perm.subarray(k * 80, (k + 1) * 80)));
  const blur = box3(c);
  const noise: UImages = { ...c, data: Uint8Array.from(c.data, (_, i) => Math.floor(new Rng(i).uniform() * 256)) };
  const opts = { classifier, kidSubsets: 10 };
  const real = (await computeSampleMetrics({ fake: c, realA: a, realB: b }, opts)).values;
  const blurred = (await computeSampleMetrics({ fake: blur, realA: a, realB: b }, opts)).values;
  const noisy = (await computeSampleMetrics({ fake: noise, realA: a, realB: b }, opts)).values;
  assert.equal(real.swd_real, blurred.swd_real, 'the floor does not depend on the samples');
  for (const k of ['swd', 'fd_fer', 'kid_fer'] as const) {
    assert.ok(real[k] < blurred[k] && blurred[k] < noisy[k], `${k}: real ${real[k]} < blurred ${blurred[k]} < noise ${noisy[k]}`);
  }
  assert.ok(real.swd < 2 * real.swd_real && real.fd_fer < 2 * real.fd_fer_real, 'a third real set sits near the floor');
});

/** 3x3 box blur of 1-channel images (edges clamped). */
function box3(im: UImages): UImages {
  const { n, height: h, width: w } = im;
  const out = new Uint8Array(im.data.length);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      let s = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        const yy = Math.min(h - 1, Math.max(0, y + dy)), xx = Math.min(w - 1, Math.max(0, x + dx));
        s += im.data[(i * h + yy) * w + xx];
      }
      out[(i * h + y) * w + x] = Math.round(s / 9);
    }
  }
  return { ...im, data: out };
}

test('--inception: a missing model is skipped with a note; a TF.js model gives fid beside its floor', async () => {
  const classifier = await testClassifier();
  const missing = await loadInception('/nonexistent/inception');
  assert.equal(missing.model, null);
  assert.match(missing.reason!, /no InceptionV3 model at \/nonexistent\/inception\/model.json .*FID skipped/);
  // A stand-in "Inception": any TF.js image model; its first output is pooled to features.
  const dir = tempDir();
  const m = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [16, 16, 3], filters: 6, kernelSize: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) })] });
  await saveModelDir(m, dir);
  m.dispose();
  const { model } = await loadInception(dir);
  assert.deepEqual(model!.size, [16, 16]);
  const fer = await loadFer2013({ path: path.join(SAMPLE_DIR, 'fer2013'), split: 'test', limit: 30, seed: 2 });
  const [a, b, c] = [0, 1, 2].map((k) => subsetImages(fer, [...Array(10).keys()].map((i) => k * 10 + i)));
  const noise: UImages = { ...c, data: Uint8Array.from(c.data, (_, i) => (i * 7919) % 256) };
  const same = await computeSampleMetrics({ fake: b, realA: a, realB: b }, { classifier, inception: model, kidSubsets: 2 });
  assert.equal(same.values.fid, same.values.fid_real, 'samples identical to real set B give exactly the floor');
  const far = await computeSampleMetrics({ fake: noise, realA: a, realB: b }, { classifier, inception: model, kidSubsets: 2 });
  assert.ok(far.values.fid > same.values.fid_real, `noise fid ${far.values.fid} > floor ${same.values.fid_real}`);
  model!.dispose();
});
