/**
 * The expression classifier (lib/eval/classifier*.ts): network pieces, augmentation, confusion
 * matrices, seeded reproducible training and exact resume on the bundled FER2013 sample, the
 * input conversion for other image sizes, and the shipped weights in models/fer-classifier/.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { loadFer2013, loadCelebA } from '../../lib/data';
import { SAMPLE_DIR } from '../../lib/runs/dataset';
import { Rng } from '../../lib/rng';
import { buildClassifier, CLASSIFIER_SIZE } from '../../lib/eval/classifier-model';
import { augmentInto, mirrorInto, NO_AUGMENT } from '../../lib/eval/augment';
import { confusion } from '../../lib/eval/confusion';
import { trainClassifier, evaluateClassifier, learningRate, ClassifierSettings } from '../../lib/classify/classifier-train';
import { classify, loadClassifier, checkClassifierInput, expressionHits } from '../../lib/eval/classifier';
import { toClassifierInput } from '../../lib/eval/classifier-input';
import { classifierCheck, CLASSIFIER_CHECK } from '../../lib/eval/classifier-check';
import { CLASSIFIER_PRESETS, CLASSIFIER_EXPERIMENT } from '../../experiments/classifier';
import { runClassifierExperiment } from '../../lib/classify/classifier-experiment';
import { readWeights } from '../../lib/train/model-io';
import { setupBackend, tempDir, hasShared, SHARED } from '../helpers';

const FER_SAMPLE = path.join(SAMPLE_DIR, 'fer2013');

test('the space-to-depth stem rearranges each 2x2 cell into 4 channels exactly', async () => {
  await setupBackend();
  const net = buildClassifier({ blocks: [[4]], dense: 8, spaceToDepth: true }, 1);
  const s2d = tf.model({ inputs: net.model.inputs, outputs: net.model.getLayer('s2d').output as tf.SymbolicTensor });
  const x = tf.tidy(() => tf.range(0, 48 * 48).reshape([1, 48, 48, 1]));
  const y = s2d.predict(x) as tf.Tensor;
  assert.deepEqual(y.shape, [1, 24, 24, 4]);
  const v = y.dataSync();
  for (const [r, c] of [[0, 0], [5, 17], [23, 23]]) {
    for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) {
      assert.equal(v[(r * 24 + c) * 4 + dy * 2 + dx], (2 * r + dy) * 48 + 2 * c + dx);
    }
  }
  tf.dispose([x, y]);
  net.model.dispose();
});

test('augmentation: none is an exact rescale, a flip-only draw is the mirror image', async () => {
  const set = await loadFer2013({ path: FER_SAMPLE, split: 'test', limit: 2, seed: 1 });
  const px = 48 * 48;
  const plain = new Float32Array(px);
  augmentInto(set.data, 1, 48, plain, 0, new Rng(1), NO_AUGMENT);
  for (let p = 0; p < px; p++) assert.equal(plain[p], Math.fround(set.data[px + p] / 127.5 - 1));
  const mirrored = new Float32Array(px);
  mirrorInto(plain, 0, 48, mirrored, 0);
  let flips = 0, same = 0;
  for (let seed = 0; seed < 20; seed++) {
    const out = new Float32Array(px);
    augmentInto(set.data, 1, 48, out, 0, new Rng(seed), { ...NO_AUGMENT, flip: true });
    const isMirror = out.every((v, p) => Math.abs(v - mirrored[p]) < 1e-6);
    const isSame = out.every((v, p) => v === plain[p]);
    assert.ok(isMirror || isSame, `seed ${seed}: a flip-only augmentation must give the image or its mirror`);
    if (isMirror && !isSame) flips++;
    if (isSame) same++;
  }
  assert.ok(flips > 3 && same > 3, `both outcomes should occur over 20 seeds (flipped ${flips}, kept ${same})`);
  const warped = new Float32Array(px);
  augmentInto(set.data, 1, 48, warped, 0, new Rng(3), { flip: false, rotate: 10, scale: 0.1, shift: 4 });
  assert.ok(warped.every((v) => v >= -1 && v <= 1));
  assert.ok(warped.some((v, p) => Math.abs(v - plain[p]) > 0.05), 'an affine warp changes the image');
});

test('confusion matrix, accuracy and per-class recall', () => {
  const probs = new Float32Array(4 * 7);
  const put = (i: number, c: number) => (probs[i * 7 + c] = 1);
  put(0, 3); put(1, 3); put(2, 0); put(3, 6);
  const c = confusion([3, 3, 4, 6], probs);
  assert.equal(c.accuracy, 0.75);
  assert.equal(c.matrix[3][3], 2);
  assert.equal(c.matrix[4][0], 1);
  assert.equal(c.recall[3], 1);
  assert.equal(c.recall[4], 0);
  assert.ok(Number.isNaN(c.recall[1]));
  assert.throws(() => confusion([9], new Float32Array(7)), /label 9 of image 0 is not a class index 0..6/);
  assert.deepEqual(expressionHits(probs, 3), { hitRate: 0.5, meanProb: 0.5 });
});

test('learning rate: linear warm-up, then cosine down to lr * finalLrFraction', () => {
  const s = { ...CLASSIFIER_PRESETS.paper, lr: 1, finalLrFraction: 0.01 };
  assert.equal(learningRate(s, 0, 100, 10), 0.1);
  assert.equal(learningRate(s, 9, 100, 10), 1);
  assert.ok(Math.abs(learningRate(s, 10, 100, 10) - 1) < 1e-12);
  assert.ok(Math.abs(learningRate(s, 55, 100, 10) - 0.505) < 1e-12);
  assert.ok(Math.abs(learningRate(s, 100, 100, 10) - 0.01) < 1e-12);
});

/** A small network on the bundled sample (700 training faces): seconds on the native backend. */
const small: ClassifierSettings = {
  ...CLASSIFIER_PRESETS.smoke, trainLimit: null, epochs: 4, batchSize: 32, lr: 3e-3, checkpointEvery: 10,
};

test('classifier accuracy on a fixed test subset is reproducible from the seed; another seed differs', async () => {
  await setupBackend();
  const train = await loadFer2013({ path: FER_SAMPLE, split: 'train' });
  const test = await loadFer2013({ path: FER_SAMPLE, split: 'test', limit: 100, seed: 4 });
  const run = async (seed: number) => {
    const r = await trainClassifier({ runDir: tempDir(), train, settings: small, seed, log: () => {} });
    const e = await evaluateClassifier(r.net, test);
    const trainAcc = (await evaluateClassifier(r.net, train)).plain.accuracy;
    r.net.model.dispose();
    return { acc: e.plain.accuracy, probs: e.probs, trainAcc };
  };
  const a = await run(11);
  const b = await run(11);
  const c = await run(12);
  assert.equal(a.acc, b.acc);
  assert.deepEqual(a.probs, b.probs, 'same seed: identical probabilities');
  assert.notDeepEqual(a.probs, c.probs, 'another seed: another network');
  assert.ok(a.trainAcc > 0.2, `training should fit the training faces above chance (1/7), got ${a.trainAcc}`);
});

test('a classifier run stopped mid-epoch and resumed ends with the same weights', async () => {
  await setupBackend();
  const train = await loadFer2013({ path: FER_SAMPLE, split: 'train', limit: 160, seed: 2 });
  const settings = { ...small, epochs: 2 };
  const weights = (dir: string) => {
    const { weights } = readWeights(path.join(dir, 'checkpoints', 'latest'));
    const out = Object.fromEntries(Object.entries(weights).map(([k, t]) => [k, Array.from(t.dataSync())]));
    tf.dispose(Object.values(weights));
    return out;
  };
  const a = tempDir();
  const ra = await trainClassifier({ runDir: a, train, settings, seed: 5, log: () => {} });
  assert.equal(ra.completed, true);
  const b = tempDir();
  const stopped = await trainClassifier({ runDir: b, train, settings, seed: 5, maxSteps: 7, log: () => {} });
  assert.equal(stopped.completed, false);
  assert.equal(stopped.steps, 7);
  stopped.net.model.dispose();
  const rb = await trainClassifier({ runDir: b, train, settings, seed: 5, resume: true, log: () => {} });
  assert.equal(rb.completed, true);
  assert.deepEqual(weights(b), weights(a));
  assert.equal(fs.readFileSync(path.join(b, 'progress.csv'), 'utf8').trim().split('\n').length, 3, 'header + one row per epoch');
  await assert.rejects(
    trainClassifier({ runDir: b, train, settings: { ...settings, lr: 1e-3 }, seed: 5, resume: true, log: () => {} }),
    /checkpoint was made with other settings/,
  );
  ra.net.model.dispose();
  rb.net.model.dispose();
});

test('--init: a second stage starts from a trained classifier, and its metrics.json lists the stages', async () => {
  const backend = await setupBackend();
  const quiet = { log: () => {}, backend, dataPath: FER_SAMPLE, preset: 'smoke' as const, experiment: CLASSIFIER_EXPERIMENT };
  const first = await runClassifierExperiment({ ...quiet, outDir: path.join(tempDir(), 'stage1') });
  assert.ok(first.modelDir && first.metrics);
  assert.ok(!fs.existsSync(path.join(first.runDir, '.lock')), 'the run folder lock is released at the end');
  // Zero steps of a second stage = exactly the first stage's network: it really starts from those weights.
  const train = await loadFer2013({ path: FER_SAMPLE, split: 'train', limit: 32, seed: 1 });
  const zero = await trainClassifier({ runDir: tempDir(), train, settings: CLASSIFIER_PRESETS.smoke, seed: 3, initFrom: first.modelDir, maxSteps: 0, log: () => {} });
  const stage1 = readWeights(first.modelDir);
  for (const w of zero.net.model.weights) {
    assert.deepEqual(Array.from(w.read().dataSync()), Array.from(stage1.weights[w.originalName].dataSync()), w.originalName);
  }
  tf.dispose(Object.values(stage1.weights));
  zero.net.model.dispose();
  const second = await runClassifierExperiment({ ...quiet, outDir: path.join(tempDir(), 'stage2'), init: first.modelDir, argv: ['--init', first.modelDir] });
  assert.deepEqual(second.metrics!.stages!.map((st) => [st.preset, st.epochs, st.accuracy]), [['smoke', first.metrics.epochs, first.metrics.accuracy]]);
  assert.match(second.metrics!.command, /--init <the previous stage's model>/);
  await assert.rejects(runClassifierExperiment({ ...quiet, outDir: path.join(tempDir(), 'bad'), init: tempDir() }), /--init .*: no model\.json there/);
});

test('classifier input: 48x48x1 passes through, CelebA colour becomes 48x48 luma, other shapes are refused', async () => {
  const fer = await loadFer2013({ path: FER_SAMPLE, split: 'test', limit: 3, seed: 1 });
  assert.equal(toClassifierInput(fer), fer);
  const celeba = await loadCelebA({ path: path.join(SAMPLE_DIR, 'celeba'), size: 64, limit: 3, seed: 1, cache: false, workers: 0, progress: false });
  const c = toClassifierInput(celeba);
  assert.deepEqual([c.n, c.height, c.width, c.channels], [3, 48, 48, 1]);
  // The luma of a mid-face pixel is close to the 64x64 image's luma there (resize is local).
  const rgb = (y: number, x: number) => Array.from(celeba.data.subarray((y * 64 + x) * 3, (y * 64 + x) * 3 + 3));
  const [r, g, b] = rgb(32, 32);
  assert.ok(Math.abs(c.data[24 * 48 + 24] - (0.299 * r + 0.587 * g + 0.114 * b)) < 25);
  assert.throws(() => checkClassifierInput(celeba, 'real set'), /real set is 64x64x3; the expression classifier takes 48x48x1/);
  assert.throws(() => toClassifierInput({ data: new Uint8Array(2 * 3), n: 1, height: 2, width: 3, channels: 1 }), /expected square images/);
});

test('the shipped classifier (models/fer-classifier) reaches its recorded accuracy and reproduces its check subset', async (t) => {
  await setupBackend();
  const clf = await loadClassifier();
  const info = clf.info as { accuracy: number; test_images: number; check?: { accuracy: number } };
  assert.equal(clf.featureDim, 256);
  // The check subset: a fixed, seeded selection of the bundled sample's test faces.
  const check = await classifierCheck(clf, FER_SAMPLE);
  assert.ok(info.check, 'metrics.json records the check-subset accuracy');
  assert.ok(Math.abs(check.accuracy - info.check!.accuracy) < 1e-9, `check accuracy ${check.accuracy} vs recorded ${info.check!.accuracy}`);
  assert.equal(check.images, CLASSIFIER_CHECK.limit);
  if (hasShared('fer2013')) {
    // The recorded test accuracy, measured again on the whole FER2013 test split: the number in
    // metrics.json must be what these weights compute, and reach the 65% target.
    const test = await loadFer2013({ path: path.join(SHARED, 'fer2013'), split: 'test', seed: 7 });
    assert.equal(test.n, info.test_images, 'metrics.json was measured on the whole FER2013 test split');
    const acc = confusion(test.labels!, (await classify(clf, test)).probs).accuracy;
    assert.ok(Math.abs(acc - info.accuracy) < 0.002, `accuracy on all ${test.n} FER2013 test faces ${acc} vs recorded ${info.accuracy}`);
    assert.ok(acc >= 0.65, `shipped classifier test accuracy ${acc}: below the 65% target`);
  } else {
    t.diagnostic(`test accuracy not measured again: no ${path.join(SHARED, 'fer2013')} (set FACEGAN_SHARED_DATA)`);
  }
  clf.model.dispose();
  assert.equal(CLASSIFIER_SIZE, 48);
});
