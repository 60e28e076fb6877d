/**
 * Translator v2 (issue #23) on the bundled sample: residual output (zero edit == input exactly,
 * strength 0 == input), resize-then-convolve decoder, per-expression D with R1, the frozen loss
 * classifier (refused when it is the evaluation classifier), the PublicTest checkpoint choice, and
 * exact resume of a v2 run.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { buildTranslatorG, buildTranslatorD, translate, discriminate, domainScore, oneHot, TranslatorSpec } from '../../lib/models/translator';
import { translateImages, translateWithStrength } from '../../lib/models/translator-apply';
import { saveModelDir, loadModelDir } from '../../lib/train/model-io';
import { trainTranslator, drawTargets, translatorGridPng } from '../../lib/train/translate-trainer';
import { classBalance } from '../../lib/train/class-balance';
import { makeTranslatorPair, discriminatorStep, generatorStep, augmentForClassifier, drawClassifierView, gaussianKernel, maskTv } from '../../lib/train/translate-step';
import { Rng } from '../../lib/rng';
import { checkLossClassifier, loadLossClassifier, writeLossClassifierEnsemble } from '../../lib/train/translate-classifier';
import { useKernels } from '../../lib/kernels/kernels';
import { pickSelectionFaces, pickGridFaces, installTranslator, readGridFaces, resolveInitCheckpoint } from '../../lib/orchestrate/run-translate';
import { betterSnapshot, nearness } from '../../lib/train/translate-select';
import { GAIN_GRID } from '../../lib/train/translate-gain';
import type { TranslateLosses } from '../../lib/train/translate-spec';
import { buildClassifier } from '../../lib/eval/classifier-model';
import { highFrequencyShare } from '../../lib/eval/spectrum';
import { loadFer2013, EMOTIONS } from '../../lib/data';
import { SAMPLE_DIR } from '../../lib/runs/dataset';
import { DEFAULT_CLASSIFIER_DIR } from '../../lib/eval/classifier';
import { ferTranslateV2, ferTranslateV2c, TRANSLATE_VARIANTS, TranslateSettings } from '../../experiments/translate';
import { forwardFlops } from '../../tools/bench/translator-bench';
import { refuseLossClassifierAsJudge, dataPathFor } from '../../lib/orchestrate/translate-eval';
import { exportTranslator } from '../../lib/orchestrate/export-translator';
import { lossClassifierCli } from '../../scripts/cli/fer-loss-classifier';
import { LOSS_CLASSIFIER_EXPERIMENT } from '../../experiments/translate-classifier';
import { setupBackend, tempDir, checkpointWeights, tinyLossClassifier } from '../helpers';

test.before(setupBackend);

const FER = path.join(SAMPLE_DIR, 'fer2013');
const tinyV2: TranslatorSpec = {
  kind: 'translator', size: 48, channels: 1, labels: EMOTIONS, gDim: 4, downsamples: 2, resBlocks: 1, mask: false, dDim: 4, dLayers: 4, leak: 0.01,
  residual: true, upsample: 'resize', dPerDomain: true,
};

async function sampleFaces(n: number, split: 'train' | 'test' = 'test') {
  const s = await loadFer2013({ path: FER, split, limit: n, seed: 5 });
  return { data: s.data, n: s.n, height: 48, width: 48, channels: 1 as const, labels: s.labels! };
}

test('v2 G: output [b,48,48,1] in [-1, 1]; D: one real/fake map per expression [b,3,3,7] and 7 logits; no transposed convs', () => {
  const G = buildTranslatorG(tinyV2, 3);
  perturb(G, 3);
  const D = buildTranslatorD(tinyV2, 4);
  assert.ok(!G.layers.some((l) => l.getClassName() === 'Conv2DTranspose'), 'the resize decoder has no transposed conv');
  assert.ok(G.layers.some((l) => l.getClassName() === 'UpSampling2D'));
  assert.deepEqual(D.outputs.map((o) => o.shape), [[null, 3, 3, 7], [null, 7]]);
  tf.tidy(() => {
    const x = tf.randomUniform([2, 48, 48, 1], -1, 1, 'float32', 1) as tf.Tensor4D;
    const e = translate(G, x, oneHot([3, 5], 7));
    assert.deepEqual(e.image.shape, [2, 48, 48, 1]);
    assert.ok(e.image.min().dataSync()[0] >= -1 && e.image.max().dataSync()[0] <= 1);
    const d = discriminate(D, x);
    // domainScore picks the map of each image's expression
    const picked = domainScore(d.src, oneHot([3, 5], 7)).arraySync() as number[][][][];
    const all = d.src.arraySync() as number[][][][];
    assert.equal(picked[0][1][2][0], all[0][1][2][3]);
    assert.equal(picked[1][0][0][0], all[1][0][0][5]);
  });
  G.dispose();
  D.dispose();
});

/** Gives G's zero-initialised last conv random weights (an untrained G that edits). */
function perturb(G: tf.LayersModel, seed: number): void {
  const colour = G.getLayer('g_colour');
  colour.setWeights(colour.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.05, 'float32', seed + i)));
}

test('residual output: G starts as the identity (a zero edit is the input exactly), and survives save/load', async () => {
  const G = buildTranslatorG(tinyV2, 3);
  const colour = G.getLayer('g_colour');
  assert.ok(colour.getWeights().every((w) => w.abs().max().dataSync()[0] === 0), 'the last conv is zero-initialised');
  const faces = await sampleFaces(4);
  const x = tf.tidy(() => tf.tensor4d(faces.data, [faces.n, 48, 48, 1], 'int32').toFloat().div(127.5).sub(1) as tf.Tensor4D);
  const out = tf.tidy(() => translate(G, x, oneHot([0, 1, 2, 3], 7)).image);
  assert.deepEqual(Array.from(out.dataSync()), Array.from(x.dataSync()), 'G(x) != x with d = 0');
  const dir = tempDir();
  await saveModelDir(G, dir);
  const G2 = await loadModelDir(dir);
  const out2 = tf.tidy(() => translate(G2, x, oneHot([0, 1, 2, 3], 7)).image);
  assert.deepEqual(Array.from(out2.dataSync()), Array.from(x.dataSync()), 'the loaded G lost the residual layer');
  tf.dispose([x, out, out2]);
  G.dispose();
  G2.dispose();
});

test('strength: 0 gives the input exactly, 1 gives G itself, 0.5 halves the residual (uint8 path too)', async () => {
  const G = buildTranslatorG(tinyV2, 5);
  perturb(G, 5);
  const faces = await sampleFaces(3);
  const y = oneHot([3, 3, 3], 7);
  const x = tf.tidy(() => tf.tensor4d(faces.data, [faces.n, 48, 48, 1], 'int32').toFloat().div(127.5).sub(1) as tf.Tensor4D);
  const s0 = translateWithStrength(G, x, y, 0).image;
  assert.deepEqual(Array.from(s0.dataSync()), Array.from(x.dataSync()));
  const full = translate(G, x, y).image;
  const s1 = translateWithStrength(G, x, y, 1).image;
  assert.deepEqual(Array.from(s1.dataSync()), Array.from(full.dataSync()));
  const half = translateWithStrength(G, x, y, 0.5).image;
  const dFull = tf.tidy(() => full.sub(x).abs().mean().dataSync()[0]);
  const dHalf = tf.tidy(() => half.sub(x).abs().mean().dataSync()[0]);
  assert.ok(dFull > 1e-3, 'the untrained G changes the face');
  assert.ok(Math.abs(dHalf - dFull / 2) < 1e-5, `strength 0.5 moved ${dHalf}, half of ${dFull} expected`);
  assert.throws(() => translateWithStrength(G, x, y, -1), /strength/);
  const pairs = [0, 1, 2].map((f) => ({ face: f, target: 6 }));
  const u0 = await translateImages(G, faces, pairs, 7, 64, 0);
  assert.deepEqual(Array.from(u0.images.data), Array.from(faces.data.subarray(0, 3 * 48 * 48)));
  const u1 = await translateImages(G, faces, pairs, 7);
  assert.notDeepEqual(Array.from(u1.images.data), Array.from(u0.images.data));
  tf.dispose([x, y, s0, full, s1, half]);
  G.dispose();
});

test('the loss classifier is refused when it is the evaluation classifier (folder, copied weights, same seed + architecture)', async () => {
  assert.throws(() => checkLossClassifier(DEFAULT_CLASSIFIER_DIR, DEFAULT_CLASSIFIER_DIR), /refused: it is the evaluation classifier's folder/);
  const copy = tempDir();
  for (const f of ['model.json', 'weights.bin']) fs.copyFileSync(path.join(DEFAULT_CLASSIFIER_DIR, f), path.join(copy, f));
  assert.throws(() => checkLossClassifier(copy, DEFAULT_CLASSIFIER_DIR), /same sha256/);
  // a retraining with the evaluation classifier's seed and architecture (other weights)
  const evalInfo = JSON.parse(fs.readFileSync(path.join(DEFAULT_CLASSIFIER_DIR, 'metrics.json'), 'utf8'));
  const retrain = tempDir();
  const net = buildClassifier(evalInfo.settings.arch, evalInfo.seed + 1);
  await saveModelDir(net.model, retrain);
  net.model.dispose();
  fs.writeFileSync(path.join(retrain, 'metrics.json'), JSON.stringify({ seed: evalInfo.seed, settings: { arch: evalInfo.settings.arch } }));
  assert.throws(() => checkLossClassifier(retrain, DEFAULT_CLASSIFIER_DIR), /seed/);
  const own = await tinyLossClassifier();
  const rec = checkLossClassifier(own, DEFAULT_CLASSIFIER_DIR);
  assert.equal(rec.seed, 77);
  assert.match(rec.sha256, /^[0-9a-f]{64}$/);
  const C = await loadLossClassifier(rec, DEFAULT_CLASSIFIER_DIR);
  assert.equal(C.trainable, false);
  C.dispose();
  // a changed model in the recorded folder is refused on resume
  fs.appendFileSync(path.join(own, 'weights.bin'), Buffer.alloc(4));
  await assert.rejects(() => loadLossClassifier(rec, DEFAULT_CLASSIFIER_DIR), /not those the run started with/);
});

test('classifier augmentation: shift moves the image, flip mirrors the chosen images, nothing is changed without it', () => {
  tf.tidy(() => {
    const x = tf.randomUniform([2, 6, 6, 1], -1, 1, 'float32', 3) as tf.Tensor4D;
    assert.equal(augmentForClassifier(x, undefined), x);
    const s = augmentForClassifier(x, { dy: 1, dx: -1, pad: 2, flip: null, noise: null });
    // out[i][j] = x[i + dy][j + dx]
    assert.equal(s.arraySync()[0][2][3][0], x.arraySync()[0][3][2][0]);
    assert.equal(s.arraySync()[0][5][0][0], 0, 'zero fill beyond the edge');
    const f = augmentForClassifier(x, { dy: 0, dx: 0, pad: 0, flip: tf.tensor4d([1, 0], [2, 1, 1, 1]), noise: null });
    const close = (a: tf.Tensor, b: tf.Tensor) => a.sub(b).abs().max().dataSync()[0] < 1e-6;
    assert.ok(close(f.slice([0], [1]), x.reverse(2).slice([0], [1])), 'image 0 is mirrored');
    assert.ok(close(f.slice([1], [1]), x.slice([1], [1])), 'image 1 is unchanged');
  });
});

test('v2b classifier view: blur keeps flat images flat and smooths edges, erasing greys one square in some faces, and v2 runs draw as before', () => {
  tf.tidy(() => {
    const k = gaussianKernel(1.2, 3);
    assert.ok(Math.abs(k.sum().dataSync()[0] - 1) < 1e-6, 'the kernel sums to 1');
    const flat = tf.fill([1, 8, 8, 1], 0.3) as tf.Tensor4D;
    const bf = augmentForClassifier(flat, { dy: 0, dx: 0, pad: 0, flip: null, noise: null, blur: k });
    assert.ok(bf.sub(0.3).abs().max().dataSync()[0] < 1e-6, 'a flat image stays flat up to the border (reflect padding)');
    // a vertical step edge: blurred, its jump spreads over several columns
    const step = tf.concat([tf.fill([1, 8, 4, 1], -1), tf.fill([1, 8, 4, 1], 1)], 2) as tf.Tensor4D;
    const row = augmentForClassifier(step, { dy: 0, dx: 0, pad: 0, flip: null, noise: null, blur: k }).slice([0, 4, 0, 0], [1, 1, 8, 1]).dataSync();
    assert.ok(row[3] > -0.9 && row[3] < 0 && row[4] < 0.9 && row[4] > 0, `edge not smoothed: ${Array.from(row)}`);
    assert.ok(row[0] < -0.99 && row[7] > 0.99, 'far from the edge nothing changes');
    const id = augmentForClassifier(step, { dy: 0, dx: 0, pad: 0, flip: null, noise: null, blur: gaussianKernel(0, 2) });
    assert.equal(id.sub(step).abs().max().dataSync()[0], 0, 'sigma 0 is the identity');
  });
  const shape: [number, number, number, number] = [40, 48, 48, 1];
  const v = drawClassifierView(new Rng(11), { shift: 3, flip: true, noise: 0.05, blur: 1.5, erase: 16 }, shape);
  const keep = v.keep!.dataSync() as Float32Array;
  let erased = 0;
  for (let i = 0; i < 40; i++) {
    const zeros = keep.subarray(i * 2304, (i + 1) * 2304).reduce((a, x) => a + (x === 0 ? 1 : 0), 0);
    assert.ok(zeros === 0 || zeros === 256, `face ${i}: ${zeros} erased pixels, expected 0 or 16x16`);
    if (zeros) erased += 1;
  }
  assert.ok(erased > 10 && erased < 30, `${erased} of 40 faces erased, expected about half`);
  assert.equal(v.blur!.shape[0], 7, 'radius ceil(2 x 1.5)');
  tf.dispose([v.flip, v.noise, v.blur, v.keep].filter((t): t is tf.Tensor4D => !!t));
  // without blur/erase the view draws exactly what v2's paper run drew (its resume stays bit-exact)
  const a = new Rng(12);
  const b = new Rng(12);
  const va = drawClassifierView(a, { shift: 3, flip: true, noise: 0.05 }, shape);
  const vb = drawClassifierView(b, { shift: 3, flip: true, noise: 0.05, blur: 0, erase: 0 }, shape);
  assert.equal(a.uniform(), b.uniform());
  assert.equal(va.blur, undefined);
  assert.equal(va.keep, undefined);
  tf.dispose([va.flip!, va.noise!, vb.flip!, vb.noise!]);
});

test('v2b margin: G\'s classification term is zero for edits the classifier already reads at p >= e^-margin, unchanged otherwise', async () => {
  const G = buildTranslatorG(tinyV2, 7);
  const D = buildTranslatorD(tinyV2, 8);
  const C = await loadModelDir(await tinyLossClassifier(78));
  const faces = await sampleFaces(4, 'train');
  const b = {
    x: tf.tidy(() => tf.tensor4d(faces.data, [4, 48, 48, 1], 'int32').toFloat().div(127.5).sub(1) as tf.Tensor4D),
    src: oneHot(faces.labels, 7), trg: oneHot([1, 2, 3, 4], 7), alpha: tf.fill([4, 1, 1, 1], 0.5) as tf.Tensor4D,
  };
  const cls = (margin: number | undefined) => {
    const pair = makeTranslatorPair(G, D, { lr: 0, beta1: 0.5, beta2: 0.999, eps: 1e-8 }, { lr: 0, beta1: 0.5, beta2: 0.999, eps: 1e-8 });
    pair.C = C;
    const g = generatorStep(pair, b, { ...ferTranslateV2.losses, clsMargin: margin });
    const v = g.cls.dataSync()[0];
    tf.dispose(Object.values(g));
    pair.optG.dispose();
    pair.optD.dispose();
    return v;
  };
  const plain = cls(undefined);
  // G starts as the identity, so the per-face cross-entropies are those of the faces themselves
  const perFace = tf.tidy(() => tf.losses.softmaxCrossEntropy(b.trg, C.apply(b.x) as tf.Tensor2D, undefined, 0, tf.Reduction.NONE).dataSync() as Float32Array);
  assert.ok(Math.abs(plain - perFace.reduce((a, x) => a + x, 0) / 4) < 1e-4, 'no margin: the mean cross-entropy');
  const m = (Math.min(...perFace) + Math.max(...perFace)) / 2;
  const want = perFace.reduce((a, x) => a + Math.max(0, x - m), 0) / 4;
  assert.ok(Math.abs(cls(m) - want) < 1e-4, `margin ${m}: ${cls(m)} vs ${want}`);
  assert.equal(cls(Math.max(...perFace) + 1), 0, 'every face past the margin: no push');
  tf.dispose(Object.values(b));
  G.dispose();
  D.dispose();
  C.dispose();
});

test('v2c: other targets are never the own expression and cover the other six; class weights are (N/k)/n_c capped; D\'s real term is weighted per face', async () => {
  const labels = Int32Array.from({ length: 700 }, (_, i) => i % 7);
  const t = drawTargets(new Rng(3), labels, 7, true);
  const seen = new Set<string>();
  t.forEach((x, i) => (assert.notEqual(x, labels[i], `face ${i} asked for its own expression`), seen.add(`${labels[i]}>${x}`)));
  assert.equal(seen.size, 42, 'every (own, other) pair occurs');
  // the same number of draws as uniform targets, so the RNG stays aligned with the rest of the iteration
  const a = new Rng(4);
  const b = new Rng(4);
  drawTargets(a, labels, 7, true);
  drawTargets(b, labels, 7, false);
  assert.equal(a.uniform(), b.uniform());
  const wts = classBalance([0, 0, 0, 0, 0, 0, 1, 2, 2, 2], 3, 2.5);
  assert.deepEqual(Array.from(wts, (x) => +x.toFixed(4)), [+(10 / 3 / 6).toFixed(4), 2.5, +(10 / 3 / 3).toFixed(4)]);
  // D's real term: all weights 1 == unweighted; a zero weight drops that face's real term
  const G = buildTranslatorG(tinyV2, 7);
  const D = buildTranslatorD(tinyV2, 8);
  const faces = await sampleFaces(4, 'train');
  const batch = {
    x: tf.tidy(() => tf.tensor4d(faces.data, [4, 48, 48, 1], 'int32').toFloat().div(127.5).sub(1) as tf.Tensor4D),
    src: oneHot(faces.labels, 7), trg: oneHot([1, 2, 3, 4], 7), alpha: tf.fill([4, 1, 1, 1], 0.5) as tf.Tensor4D,
  };
  const adv = (realWeight?: number[]) => {
    const pair = makeTranslatorPair(G, D, { lr: 0, beta1: 0.5, beta2: 0.999, eps: 1e-8 }, { lr: 0, beta1: 0.5, beta2: 0.999, eps: 1e-8 });
    const rw = realWeight ? tf.tensor1d(realWeight) : undefined;
    const d = discriminatorStep(pair, { ...batch, realWeight: rw }, ferTranslateV2.losses);
    const v = d.adv.dataSync()[0];
    tf.dispose([...Object.values(d), ...(rw ? [rw] : [])]);
    pair.optG.dispose();
    pair.optD.dispose();
    return v;
  };
  const perFace = tf.tidy(() => tf.softplus(domainScore(discriminate(D, batch.x).src, batch.src).neg()).mean([1, 2, 3]).dataSync() as Float32Array);
  const fakeTerm = adv() - perFace.reduce((x, y) => x + y, 0) / 4;
  assert.ok(Math.abs(adv([1, 1, 1, 1]) - adv()) < 1e-5);
  const want = fakeTerm + (perFace[0] * 0 + perFace[1] * 2 + perFace[2] + perFace[3] * 0.5) / 4;
  assert.ok(Math.abs(adv([0, 2, 1, 0.5]) - want) < 1e-5, `${adv([0, 2, 1, 0.5])} vs ${want}`);
  tf.dispose(Object.values(batch));
  G.dispose();
  D.dispose();
});

/** A tiny G that edits (random weights: its zero-initialised last conv would make every edit the input), D, a loss classifier and one batch. */
async function gTermSetup(seed: number) {
  const G = buildTranslatorG(tinyV2, seed);
  const D = buildTranslatorD(tinyV2, seed + 1);
  const C = await loadModelDir(await tinyLossClassifier(79));
  const faces = await sampleFaces(4, 'train');
  const b = {
    x: tf.tidy(() => tf.tensor4d(faces.data, [4, 48, 48, 1], 'int32').toFloat().div(127.5).sub(1) as tf.Tensor4D),
    src: oneHot(faces.labels, 7), trg: oneHot([1, 2, 3, 4], 7), alpha: tf.fill([4, 1, 1, 1], 0.5) as tf.Tensor4D,
    aug: { dy: 1, dx: -1, pad: 3, flip: null, noise: null },
  };
  G.setWeights(G.getWeights().map((wt, i) => tf.randomNormal(wt.shape, 0, 0.05, 'float32', seed - 2 + i)));
  /** G's loss and its g_mask term for one G step (learning rate 0: nothing moves) with these loss weights. */
  const gStep = (losses: TranslateLosses) => {
    const pair = makeTranslatorPair(G, D, { lr: 0, beta1: 0.5, beta2: 0.999, eps: 1e-8 }, { lr: 0, beta1: 0.5, beta2: 0.999, eps: 1e-8 });
    pair.C = C;
    const g = generatorStep(pair, b, losses);
    const v = { loss: g.loss.dataSync()[0], mask: g.mask.dataSync()[0] };
    tf.dispose(Object.values(g));
    pair.optG.dispose();
    pair.optD.dispose();
    return v;
  };
  const dispose = () => {
    tf.dispose([b.x, b.src, b.trg, b.alpha]);
    G.dispose();
    D.dispose();
    C.dispose();
  };
  return { G, b, gStep, dispose };
}

test('v2d: the squared identity term adds idtSq * mean (G(x, s) - x)^2 to G\'s loss and nothing else', async () => {
  const { G, b, gStep, dispose } = await gTermSetup(7);
  const gLoss = (idtSq?: number) => gStep({ ...ferTranslateV2c.losses, ...(idtSq ? { idtSq } : {}) }).loss;
  const sq = tf.tidy(() => translate(G, b.x, b.src).image.sub(b.x).square().mean().dataSync()[0]);
  assert.ok(sq > 1e-4, `G(x, s) differs from x (${sq})`);
  const plain = gLoss();
  assert.ok(Math.abs(gLoss(50) - plain - 50 * sq) < 1e-4 * Math.max(1, plain), `${gLoss(50)} - ${plain} vs 50 * ${sq}`);
  dispose();
});

test('v2k: the edit smoothness adds editTv * TV(G(x, t) - x) to G\'s loss (and its g_mask column), and a striped change costs more than a broad one', async () => {
  const { G, b, gStep: step, dispose } = await gTermSetup(17);
  const gStep = (editTv?: number) => step({ ...ferTranslateV2c.losses, idtSq: 50, ...(editTv !== undefined ? { editTv } : {}) });
  const tv = tf.tidy(() => maskTv(translate(G, b.x, b.trg).image.sub(b.x) as tf.Tensor4D).dataSync()[0]);
  assert.ok(tv > 1e-5, `the edit changes the faces (${tv})`);
  const plain = gStep();
  assert.deepEqual(gStep(0), plain, 'editTv 0 is the step without the term');
  assert.equal(plain.mask, 0);
  const smooth = gStep(20);
  assert.ok(Math.abs(smooth.mask - 20 * tv) < 1e-5 * Math.max(1, 20 * tv), `g_mask ${smooth.mask} vs 20 * ${tv}`);
  assert.ok(Math.abs(smooth.loss - plain.loss - 20 * tv) < 1e-4 * Math.max(1, plain.loss), `${smooth.loss} - ${plain.loss} vs 20 * ${tv}`);
  // the same energy as vertical bars of period 4 or as one broad bump: the bars cost far more
  const bars = tf.tidy(() => tf.tensor1d(Array.from({ length: 48 }, (_, x) => (x % 4 < 2 ? 0.2 : -0.2))).reshape([1, 1, 48, 1]).tile([1, 48, 1, 1]) as tf.Tensor4D);
  const bump = tf.tidy(() => {
    const g = tf.tensor1d(Array.from({ length: 48 }, (_, i) => Math.exp(-(((i - 24) / 8) ** 2))));
    const m = g.reshape([48, 1]).mul(g.reshape([1, 48]));
    return m.mul(tf.sqrt(bars.square().mean().div(m.square().mean()))).reshape([1, 48, 48, 1]) as tf.Tensor4D;
  });
  const [tb, tu] = [maskTv(bars).dataSync()[0], maskTv(bump).dataSync()[0]];
  assert.ok(tb > 20 * tu, `TV of bars ${tb} vs a bump of the same energy ${tu}`);
  assert.deepEqual(TRANSLATE_VARIANTS.v2k, { ...TRANSLATE_VARIANTS.v2d, description: TRANSLATE_VARIANTS.v2k.description, losses: { ...TRANSLATE_VARIANTS.v2d.losses, editTv: 20 } });
  assert.deepEqual(TRANSLATE_VARIANTS.v2l, { ...TRANSLATE_VARIANTS.v2d, description: TRANSLATE_VARIANTS.v2l.description, losses: { ...TRANSLATE_VARIANTS.v2d.losses, editTv: 60 } });
  tf.dispose([bars, bump]);
  dispose();
});

test('v2 steps: nonsat-r1 D step and frozen-classifier G step give finite terms, move D and G, and leave the loss classifier fixed', async () => {
  const G = buildTranslatorG(tinyV2, 7);
  const D = buildTranslatorD(tinyV2, 8);
  const C = await loadModelDir(await tinyLossClassifier(78));
  const pair = makeTranslatorPair(G, D, { lr: 1e-3, beta1: 0.5, beta2: 0.999, eps: 1e-8 }, { lr: 1e-3, beta1: 0.5, beta2: 0.999, eps: 1e-8 });
  pair.C = C;
  const cBefore = C.getWeights().map((w) => w.dataSync().slice());
  const gBefore = G.getWeights().map((w) => w.dataSync().slice());
  const faces = await sampleFaces(4, 'train');
  const b = {
    x: tf.tidy(() => tf.tensor4d(faces.data, [4, 48, 48, 1], 'int32').toFloat().div(127.5).sub(1) as tf.Tensor4D),
    src: oneHot(faces.labels, 7), trg: oneHot([1, 2, 3, 4], 7), alpha: tf.fill([4, 1, 1, 1], 0.5) as tf.Tensor4D,
  };
  const w = ferTranslateV2.losses;
  const d = discriminatorStep(pair, b, w);
  assert.ok(Number.isFinite(d.loss.dataSync()[0]) && d.gp.dataSync()[0] > 0, 'R1 is positive');
  const g = generatorStep(pair, { ...b, aug: { dy: 1, dx: 0, pad: 3, flip: null, noise: null } }, w);
  for (const v of Object.values(g)) assert.ok(Number.isFinite(v.dataSync()[0]));
  assert.ok(g.cls.dataSync()[0] > 0.5, 'cross-entropy of the frozen classifier');
  const cAfter = C.getWeights().map((x) => x.dataSync());
  cBefore.forEach((v, i) => assert.deepEqual(cAfter[i], v, 'the loss classifier changed'));
  assert.ok(G.getWeights().some((x, i) => x.dataSync().some((v, j) => v !== gBefore[i][j])), 'G did not move');
  assert.throws(() => generatorStep({ ...pair, C: undefined }, b, w), /no loss classifier/);
  tf.dispose([...Object.values(d), ...Object.values(g), ...Object.values(b)]);
  pair.optG.dispose();
  pair.optD.dispose();
  G.dispose();
  D.dispose();
  C.dispose();
});

test('high-frequency share: a checkerboard scores far above a smooth face', async () => {
  const faces = await sampleFaces(8);
  const smooth = highFrequencyShare(faces);
  const checker = new Uint8Array(faces.data.length);
  for (let i = 0; i < checker.length; i++) {
    const p = i % (48 * 48);
    checker[i] = Math.max(0, Math.min(255, faces.data[i] + (((p % 48) + Math.floor(p / 48)) % 2 ? 20 : -20)));
  }
  const checkered = highFrequencyShare({ ...faces, data: checker });
  assert.ok(checkered > 3 * smooth, `checkerboard ${checkered} vs faces ${smooth}`);
});

const settings = (o: Partial<TranslateSettings>): TranslateSettings => ({
  steps: 3, batchSize: 8, limit: null, lrG: 1e-3, lrD: 1e-3, beta1: 0.5, beta2: 0.999, nCritic: 1, decayFrom: null,
  flip: true, sampleEvery: 1000, checkpointEvery: 0, logEvery: 1, ...o,
});

test('v2 exact resume: two iterations + resume == three, bit for bit; the PublicTest checkpoint choice writes select.csv', async () => {
  const data = await loadFer2013({ path: FER, split: 'train', limit: 24, seed: 3 });
  const C = await loadModelDir(await tinyLossClassifier(79));
  const selectFaces = await pickSelectionFaces(FER, 14, 7, 1);
  const base = {
    data, model: tinyV2, losses: ferTranslateV2.losses, settings: settings({ steps: 3, nCritic: 1, decayFrom: 1, selectEvery: 2, selectFaces: 14, selectMinPsnr: 0 }),
    seed: 8, gridFaces: await sampleFaces(2), progress: false, lossClassifier: C, selectFaces,
  };
  const a = tempDir();
  assert.equal((await trainTranslator({ ...base, runDir: a })).steps, 3);
  const b = tempDir();
  assert.equal((await trainTranslator({ ...base, runDir: b, maxSteps: 2 })).status, 'stopped');
  const second = await trainTranslator({ ...base, runDir: b, resume: true });
  assert.equal(second.status, 'completed');
  const wa = checkpointWeights(a, ['opt-G.bin']);
  const wb = checkpointWeights(b, ['opt-G.bin']);
  for (const k of Object.keys(wa)) assert.deepEqual(wb[k], wa[k], `${k} differs after resume`);
  const rows = fs.readFileSync(path.join(a, 'select.csv'), 'utf8').trim().split('\n');
  assert.equal(rows.length, 3, 'header + steps 2 and 3');
  assert.match(rows[0], /^step,ratio,psnr,kept,ratio_angry.*,ratio_neutral,psnr_face,gain,psnr_weighted$/);
  assert.ok(fs.existsSync(path.join(a, 'best', 'model.json')) && fs.existsSync(path.join(a, 'best', 'best.json')));
  assert.deepEqual(fs.readFileSync(path.join(b, 'select.csv'), 'utf8'), fs.readFileSync(path.join(a, 'select.csv'), 'utf8'));
  // every scored snapshot is kept as a translator folder holding its score; best/ is one of them
  assert.deepEqual(fs.readdirSync(path.join(a, 'snapshots')).sort(), ['step-0000002', 'step-0000003']);
  const kept = JSON.parse(fs.readFileSync(path.join(a, 'best', 'best.json'), 'utf8'));
  const snap = path.join(a, 'snapshots', `step-${String(kept.step).padStart(7, '0')}`);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(snap, 'translator.json'), 'utf8')).chosen, kept);
  // the per-face PSNR (the evaluation's measure) is in the score and in select.csv's last column
  const row = rows.find((r) => r.startsWith(`${kept.step},`))!.split(',');
  assert.ok(kept.psnrFace > 0 && kept.psnrFace <= 60);
  assert.equal(row[row.length - 3], kept.psnrFace.toFixed(2));
  assert.equal(row[row.length - 1], kept.psnrWeighted.toFixed(2), "the floor's estimate at the training faces' expression frequencies");
  // the snapshot's residual gain (scanned on the selection faces; floor 0 here: every gain tried) is in best/'s model
  assert.equal(kept.gains.length, GAIN_GRID.length);
  assert.equal(Number(row[row.length - 2]), kept.gain);
  const residual = JSON.parse(fs.readFileSync(path.join(a, 'best', 'model.json'), 'utf8')).modelTopology.config.layers.find((l: { class_name: string }) => l.class_name === 'ResidualAdd');
  assert.equal(residual.config.gain ?? 1, kept.gain);
  // --export-run of a run with a choice exports the chosen G (as --install-run installs it): best/'s records and
  // strips, and the grid of its iteration
  fs.writeFileSync(path.join(a, 'config.json'), JSON.stringify({
    experiment: 'fer-translate', kind: 'translator', preset: 'smoke', overrides: {}, settings: base.settings,
    spec: { ...ferTranslateV2, model: tinyV2 }, seed: 8, data: { path: FER, name: 'fer2013 train', images: 24, skipped: 0 },
  }));
  const g = await pickGridFaces(FER, 7, 7, 1);
  fs.writeFileSync(path.join(a, 'grid-faces.json'), JSON.stringify({ n: g.n, height: 48, width: 48, channels: 1, labels: Array.from(g.labels), sources: g.sources, data: Buffer.from(g.data).toString('base64') }));
  fs.writeFileSync(path.join(a, 'best', 'metrics.json'), JSON.stringify({ edits: { evaluated: 'best' } }));
  fs.writeFileSync(path.join(a, 'best', 'edit-metrics.md'), '## best\n');
  fs.writeFileSync(path.join(a, 'metrics.json'), JSON.stringify({ edits: { evaluated: 'latest' } }));
  fs.mkdirSync(path.join(a, 'samples'), { recursive: true });
  fs.writeFileSync(path.join(a, 'samples', `step-${String(kept.step).padStart(7, '0')}.png`), 'grid of the chosen step');
  const ex = await exportTranslator(a, path.join(tempDir(), 'ref'));
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(ex.dest, 'metrics.json'), 'utf8')).edits, { evaluated: 'best' });
  assert.equal(fs.readFileSync(path.join(ex.dest, 'edit-metrics.md'), 'utf8'), '## best\n');
  // the grid is drawn by best/ (at its gain), not copied from the training's samples (G at gain 1)
  const grid = fs.readFileSync(path.join(ex.dest, 'same-face-grid.png'));
  assert.equal(grid.subarray(1, 4).toString(), 'PNG');
  assert.deepEqual(grid, await translatorGridPng(await loadModelDir(path.join(a, 'best')), tinyV2, readGridFaces(a), `iteration ${kept.step}${kept.gain !== 1 ? `, residual gain ${kept.gain}` : ''}`));
  assert.equal(JSON.parse(fs.readFileSync(path.join(ex.dest, 'edits.json'), 'utf8')).model, 'best');
  // --install-run installs best/ and says which snapshot it is and how to evaluate it
  const inst = JSON.parse(fs.readFileSync(path.join(installTranslator(a, path.join(tempDir(), 'model')), 'metrics.json'), 'utf8'));
  assert.deepEqual(inst.chosen, kept);
  assert.match(inst.evaluate, /\/best$/);
  assert.deepEqual(inst.evaluation, { edits: { evaluated: 'best' } });
  assert.deepEqual(fs.readFileSync(path.join(snap, 'weights.bin')), fs.readFileSync(path.join(a, 'best', 'weights.bin')));
  // reports that evaluate wrote for another snapshot than best/ holds now are refused, not shipped as its numbers
  fs.writeFileSync(path.join(a, 'best', 'metrics.json'), JSON.stringify({ edits: { evaluated: 'best', snapshot_step: kept.step - 1 } }));
  assert.throws(() => installTranslator(a, path.join(tempDir(), 'model')), new RegExp(`snapshot of step ${kept.step - 1}.*holds step ${kept.step}`));
  await assert.rejects(exportTranslator(a, path.join(tempDir(), 'ref')), /npm run evaluate/);
  C.dispose();
});

test('--init-from: a new run starts from another run\'s G and D (its newest checkpoint or a step folder); another model is refused', async () => {
  const data = await loadFer2013({ path: FER, split: 'train', limit: 24, seed: 3 });
  const C = await loadModelDir(await tinyLossClassifier(79));
  const base = { data, model: tinyV2, losses: ferTranslateV2.losses, seed: 8, gridFaces: await sampleFaces(2), progress: false, lossClassifier: C };
  const a = tempDir();
  await trainTranslator({ ...base, runDir: a, settings: settings({ steps: 2 }) });
  fs.writeFileSync(path.join(a, 'config.json'), JSON.stringify({ experiment: 'fer-translate', kind: 'translator', spec: { ...ferTranslateV2, model: tinyV2 } }));
  const init = resolveInitCheckpoint(a, tinyV2);
  assert.equal(init.step, 2);
  assert.deepEqual(resolveInitCheckpoint(init.checkpoint, tinyV2), init, 'the run folder and its step folder name the same checkpoint');
  // with learning rates 0 the fine-tuning run's weights after one iteration are the source's exactly: they were loaded
  const b = tempDir();
  await trainTranslator({ ...base, runDir: b, settings: settings({ steps: 1, lrG: 0, lrD: 0 }), initFrom: init.checkpoint });
  const wa = checkpointWeights(a);
  const wb = checkpointWeights(b);
  for (const k of Object.keys(wa)) assert.deepEqual(wb[k], wa[k], `${k} was not carried over`);
  // a fresh run (no init) at the same seed does not have them
  const c = tempDir();
  await trainTranslator({ ...base, runDir: c, settings: settings({ steps: 1, lrG: 0, lrD: 0 }) });
  assert.ok(Object.keys(wa).some((k) => checkpointWeights(c)[k].some((v, i) => v !== wa[k][i])));
  assert.throws(() => resolveInitCheckpoint(a, { ...tinyV2, gDim: tinyV2.gDim * 2 }), /model differs from this one in gDim/);
  assert.throws(() => resolveInitCheckpoint(path.join(a, 'samples'), tinyV2), /no G\/model.json there/);
  assert.throws(() => resolveInitCheckpoint(path.join(a, 'nothing'), tinyV2), /no such folder/);
  C.dispose();
});

test('checkpoint choice: above the PSNR floor the higher ratio wins; below it, the snapshot nearest to both targets', () => {
  const sc = (ratio: number, psnr: number, floorMet?: boolean) => ({ step: 0, ratio, perTarget: [], psnr, ...(floorMet === undefined ? {} : { floorMet }) });
  // nearness: the worse of ratio / 0.8 and psnr / 30, at most 1
  assert.equal(nearness(sc(0.4, 30), 30, 0.8), 0.5);
  assert.equal(nearness(sc(1, 24), 30, 0.8), 0.8);
  assert.equal(nearness(sc(1, 35), 30, 0.8), 1);
  assert.equal(betterSnapshot(sc(0.1, 10, false), null, 30, 0.8), true, 'anything beats nothing');
  assert.equal(betterSnapshot(sc(0.5, 31, true), sc(0.6, 32, true), 30, 0.8), false);
  assert.equal(betterSnapshot(sc(0.7, 31, true), sc(0.6, 32, true), 30, 0.8), true);
  assert.equal(betterSnapshot(sc(0.3, 30, true), sc(1, 29.9, false), 30, 0.8), true, 'a snapshot at the floor beats any below it');
  assert.equal(betterSnapshot(sc(1, 29.9, false), sc(0.3, 30, true), 30, 0.8), false);
  // v2c's PublicTest rows: 1,000 it (0.77, 22.46 dB) is nearer than 2,000 it (0.99, 21.79 dB)
  assert.equal(betterSnapshot(sc(0.99, 21.79, false), sc(0.77, 22.46, false), 30, 0.8), false);
  assert.equal(betterSnapshot(sc(0.77, 22.46, false), sc(0.99, 21.79, false), 30, 0.8), true);
  // best.json written before floorMet existed held a snapshot at the floor
  assert.equal(betterSnapshot(sc(1, 29, false), sc(0.2, 31), 30, 0.8), false);
  // the per-face PSNR, where a score has it, is the one compared with the floor
  assert.equal(nearness({ ...sc(1, 27), psnrFace: 33 }, 30, 0.8), 1);
  assert.equal(betterSnapshot({ ...sc(0.5, 27), psnrFace: 31 }, sc(1, 29.5), 30, 0.8), true);
});

test('selection faces are PublicTest only, balanced over expressions; variants are one change each', async () => {
  const s = await pickSelectionFaces(FER, 21, 7, 1);
  const set = await loadFer2013({ path: FER, split: 'test' });
  const pub = new Set(Array.from({ length: set.n }, (_, i) => i).filter((i) => set.sources![i].includes('PublicTest')).map((i) => Buffer.from(set.data.subarray(i * 2304, (i + 1) * 2304)).toString('base64')));
  for (let i = 0; i < s.n; i++) assert.ok(pub.has(Buffer.from(s.data.subarray(i * 2304, (i + 1) * 2304)).toString('base64')), `face ${i} is not a PublicTest face`);
  assert.deepEqual(Array.from(s.labels).sort(), [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6]);
  const v = TRANSLATE_VARIANTS;
  assert.equal(v.v1.losses.clsSource, undefined);
  assert.equal(v.cls.losses.clsSource, 'frozen');
  assert.deepEqual(v['cls-residual'].model, { ...v.cls.model, residual: true });
  assert.deepEqual(v['cls-residual-resize'].model, { ...v['cls-residual'].model, upsample: 'resize' });
  assert.equal(v.v2.model.dPerDomain, true);
  assert.deepEqual(v.v2b.model, v.v2.model);
  assert.deepEqual(v.v2c, { ...v.v2b, description: v.v2c.description, losses: { ...v.v2b.losses, otherTargets: true, dBalance: 5 } });
  assert.deepEqual(v.v2d, { ...v.v2c, description: v.v2d.description, losses: { ...v.v2c.losses, idtSq: 50 } });
  assert.deepEqual(v.v2e, { ...v.v2c, description: v.v2e.description, losses: { ...v.v2c.losses, idt: 10 } });
  assert.deepEqual(v.v2f, { ...v.v2c, description: v.v2f.description, losses: { ...v.v2c.losses, idtSq: 15 } });
  assert.deepEqual({ ...v.v2b.losses, idt: 2, clsMargin: undefined, clsAugment: v.v2.losses.clsAugment }, { ...v.v2.losses, clsMargin: undefined });
  for (const name of Object.keys(v)) assert.deepEqual(v[name].presets.ablation, v.v1.presets.ablation, `${name}'s ablation preset differs`);
});

test('bench: the v2 nets cost what the PyTorch peer counts (G 0.565 GFLOP, D 0.029 GFLOP per image forward; C + the fixed 2x2 space-to-depth)', () => {
  const G = buildTranslatorG(ferTranslateV2.model);
  const D = buildTranslatorD(ferTranslateV2.model);
  const C = buildClassifier(LOSS_CLASSIFIER_EXPERIMENT.presets.paper.arch, 1).model;
  // bench/peer/translator_torch.py --json prints forward_flops {G: 565198848, D: 29223936, C: 33474304}
  assert.equal(forwardFlops(G), 565198848);
  assert.equal(forwardFlops(D), 29223936);
  assert.equal(forwardFlops(C), 33474304 + 2 * 2 * 2 * 1 * 4 * 24 * 24);
  G.dispose();
  D.dispose();
  C.dispose();
});

test('evaluate refuses to judge a v2 run (or its best/ snapshot) with its own loss classifier', async () => {
  const lc = await tinyLossClassifier(81);
  const run = tempDir();
  fs.mkdirSync(path.join(run, 'best'));
  fs.writeFileSync(path.join(run, 'config.json'), JSON.stringify({ kind: 'translator', lossClassifier: checkLossClassifier(lc, DEFAULT_CLASSIFIER_DIR) }));
  assert.throws(() => refuseLossClassifierAsJudge(run, lc), /loss classifier the translator was trained against/);
  assert.throws(() => refuseLossClassifierAsJudge(path.join(run, 'best'), lc), /loss classifier/);
  assert.doesNotThrow(() => refuseLossClassifierAsJudge(run, DEFAULT_CLASSIFIER_DIR));
});

test("evaluate reads a run's faces from its dataset, also for best/ and snapshots/step-N/ (no config.json of their own)", () => {
  const run = tempDir();
  const data = tempDir();
  fs.mkdirSync(path.join(run, 'snapshots', 'step-0000002'), { recursive: true });
  fs.mkdirSync(path.join(run, 'best'));
  fs.writeFileSync(path.join(run, 'config.json'), JSON.stringify({ kind: 'translator', data: { path: data } }));
  for (const dir of [run, path.join(run, 'best'), path.join(run, 'snapshots', 'step-0000002')]) assert.equal(dataPathFor(dir), data);
  assert.equal(dataPathFor(path.join(run, 'best'), FER), path.resolve(FER), '--data wins');
  // a dataset that is gone: the default (FACEGAN_FER2013, else the bundled sample), not an error here
  fs.rmSync(data, { recursive: true });
  assert.notEqual(dataPathFor(path.join(run, 'best')), data);
});

test('ensemble loss classifier: mean of its members\' logits, fused like one, fingerprinted per member, refused as a judge', async () => {
  const a = await tinyLossClassifier(91);
  const b = await tinyLossClassifier(92);
  const out = path.join(tempDir(), 'ens');
  const log = console.log;
  const err = console.error;
  console.log = console.error = () => {};
  try {
    await lossClassifierCli(['--ensemble', `${a},${b}`, '--out', out]);
  } finally {
    console.log = log;
    console.error = err;
  }
  const rec = checkLossClassifier(out, DEFAULT_CLASSIFIER_DIR);
  assert.deepEqual(rec.members!.map((m) => m.seed), [91, 92]);
  assert.equal(rec.sha256, rec.members!.map((m) => m.sha256).join(','));
  const E = await loadLossClassifier(rec, DEFAULT_CLASSIFIER_DIR);
  const [A, B] = [await loadModelDir(a), await loadModelDir(b)];
  const faces = await sampleFaces(3, 'train');
  const x = tf.tidy(() => tf.tensor4d(faces.data, [3, 48, 48, 1], 'int32').toFloat().div(127.5).sub(1));
  const want = tf.tidy(() => (A.predict(x) as tf.Tensor).add(B.predict(x) as tf.Tensor).div(2).dataSync());
  const got = (E.predict(x) as tf.Tensor).dataSync();
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-5, `logit ${i}: ${got[i]} vs ${want[i]}`);
  // the trainer fuses the members' layers (batch norms, ReLUs) as it does a single classifier's; same logits
  assert.ok(useKernels('fused', [E], { frozenBatchNorm: true }) > 0);
  const fused = (E.predict(x) as tf.Tensor).dataSync();
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(fused[i] - want[i]) < 1e-4, `fused logit ${i}`);
  // a member is never a judge of a run trained against the ensemble; a classifier can join only once
  const run = tempDir();
  fs.writeFileSync(path.join(run, 'config.json'), JSON.stringify({ kind: 'translator', lossClassifier: rec }));
  assert.throws(() => refuseLossClassifierAsJudge(run, b), /loss classifier the translator was trained against/);
  fs.mkdirSync(path.join(run, 'snapshots', 'step-0001000'), { recursive: true });
  assert.throws(() => refuseLossClassifierAsJudge(path.join(run, 'snapshots', 'step-0001000'), a), /loss classifier/);
  assert.throws(() => writeLossClassifierEnsemble([a, a], path.join(tempDir(), 'dup'), DEFAULT_CLASSIFIER_DIR), /same weights as another member/);
  assert.throws(() => writeLossClassifierEnsemble([a, DEFAULT_CLASSIFIER_DIR], path.join(tempDir(), 'ev'), DEFAULT_CLASSIFIER_DIR), /refused/);
  fs.writeFileSync(path.join(out, 'ensemble.json'), JSON.stringify({ kind: 'loss-classifier-ensemble', members: ['member-1'], combine: 'mean-logits' }));
  assert.throws(() => checkLossClassifier(out, DEFAULT_CLASSIFIER_DIR), /ensemble\.json: not a loss classifier ensemble/);
  tf.dispose([x]);
  [E, A, B].forEach((m) => m.dispose());
});

test('fer-loss-classifier (smoke preset on the sample): its own seed and architecture, accepted as a loss classifier, never installed as the evaluation classifier', async () => {
  const out = path.join(tempDir(), 'run');
  const evalBefore = fs.readFileSync(path.join(DEFAULT_CLASSIFIER_DIR, 'weights.bin'));
  const log = console.log;
  console.log = () => {};
  try {
    await lossClassifierCli(['--preset', 'smoke', '--data', FER, '--out', out]);
  } finally {
    console.log = log;
  }
  const m = JSON.parse(fs.readFileSync(path.join(out, 'model', 'metrics.json'), 'utf8'));
  assert.equal(m.seed, LOSS_CLASSIFIER_EXPERIMENT.seed);
  assert.match(m.command, /fer-loss-classifier --preset smoke/);
  const evalInfo = JSON.parse(fs.readFileSync(path.join(DEFAULT_CLASSIFIER_DIR, 'metrics.json'), 'utf8'));
  assert.notEqual(LOSS_CLASSIFIER_EXPERIMENT.seed, evalInfo.seed);
  assert.notDeepEqual(LOSS_CLASSIFIER_EXPERIMENT.presets.paper.arch, evalInfo.settings.arch);
  assert.equal(checkLossClassifier(path.join(out, 'model'), DEFAULT_CLASSIFIER_DIR).seed, LOSS_CLASSIFIER_EXPERIMENT.seed);
  assert.deepEqual(fs.readFileSync(path.join(DEFAULT_CLASSIFIER_DIR, 'weights.bin')), evalBefore, 'the evaluation classifier was touched');
});
