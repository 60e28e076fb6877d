import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { buildConditionalGenerator, buildConditionalDiscriminator, oneHotLabels } from '../../lib/models/conditional';
import { ConditionalSpec, checkConditionalSpec, isConditional, classIndex } from '../../lib/models/conditional-spec';
import { generateSameFace, generateClass } from '../../lib/sample/conditional';
import { generateImages } from '../../lib/sample/generate';
import { trainStep, readSteps } from '../../lib/train/step';
import { extendedStep } from '../../lib/train/extensions/extended-step';
import { bceWithLogitsTarget } from '../../lib/train/extensions/label-smoothing';
import { sameFaceLoss } from '../../lib/train/extensions/same-face';
import { bceWithLogits } from '../../lib/train/loss';
import { makeAugmenter } from '../../lib/train/augment';
import { saveModelDir, loadModelDir } from '../../lib/train/model-io';
import { MinibatchStd } from '../../lib/models/conditional-mbstd';
import { train } from '../../lib/train/trainer';
import { loadFer2013, EMOTIONS } from '../../lib/data';
import { SAMPLE_DIR } from '../../lib/runs/dataset';
import { decodePng } from '../../lib/viz/png';
import { Rng } from '../../lib/rng';
import { setupBackend, tempDir, ganPair } from '../helpers';

test.before(setupBackend);

// The study's layers with few feature maps, so the tests stay fast.
const small: ConditionalSpec = { size: 48, channels: 1, nz: 100, ngf: 4, ndf: 4, classes: 7, classNames: EMOTIONS, embed: 10, aux: 1, fakeLabels: 'uniform' };

function batch(seed: number, n = 7) {
  return {
    real: tf.randomUniform([n, 48, 48, 1], -1, 1, 'float32', seed) as tf.Tensor4D,
    z: tf.randomNormal([n, 1, 1, 100], 0, 1, 'float32', seed + 1) as tf.Tensor4D,
    labels: { real: oneHotLabels(Array.from({ length: n }, (_, i) => i % 7), 7), fake: oneHotLabels(Array.from({ length: n }, (_, i) => (i * 3) % 7), 7) },
  };
}

test('conditional G and D: shapes, the label embedding, projection and auxiliary heads', () => {
  const G = buildConditionalGenerator(small, 1);
  const D = buildConditionalDiscriminator(small, 2);
  const { z, labels, real } = batch(1);
  const x = G.apply([z, labels.fake], { training: true }) as tf.Tensor;
  assert.deepEqual(x.shape, [7, 48, 48, 1]);
  const v = x.dataSync();
  assert.ok(v.every((p) => p >= -1 && p <= 1), 'tanh output in [-1, 1]');
  const out = D.apply([real, labels.real], { training: true }) as tf.Tensor[];
  assert.equal(out.length, 2, 'aux > 0 gives [logit, class logits]');
  assert.deepEqual(out[0].shape, [7, 1]);
  assert.deepEqual(out[1].shape, [7, 7]);
  const names = [...G.weights, ...D.weights].map((w) => w.originalName);
  for (const n of ['g_embed/kernel', 'g_convt1/kernel', 'g_convt5/kernel', 'd_embed/kernel', 'd_conv5/kernel', 'd_aux/kernel']) {
    assert.ok(names.includes(n), `${n} missing`);
  }
  // G's first layer sees nz + embed channels.
  assert.deepEqual(G.getLayer('g_convt1').getWeights()[0].shape, [3, 3, 8 * 4, 100 + 10], 'kernel [k, k, 8 ngf, nz + embed]');
  const noAux = buildConditionalDiscriminator({ ...small, aux: 0 }, 2);
  assert.ok(!Array.isArray(noAux.apply([real, labels.real])), 'aux 0: one output');
});

test('conditioning changes the output for fixed z (and the same label gives the same image)', async () => {
  const G = buildConditionalGenerator(small, 3);
  const zRow = new Rng(4).normals(2 * 100);
  const imgs = await generateSameFace(G, small, zRow, 2);
  assert.equal(imgs.n, 14);
  const px = 48 * 48;
  const img = (i: number) => imgs.data.subarray(i * px, (i + 1) * px);
  const meanAbs = (a: Uint8Array, b: Uint8Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;
  // Same z (row 0), different expressions: every pair of columns differs.
  for (let c = 1; c < 7; c++) assert.ok(meanAbs(img(0), img(c)) > 0.5, `angry vs ${EMOTIONS[c]} identical for the same z`);
  // Inference mode (no batch statistics): only the label differs between the two rows of input.
  const z = tf.tensor4d(Float32Array.from([...zRow.subarray(0, 100), ...zRow.subarray(0, 100)]), [2, 1, 1, 100]);
  const out = (G.apply([z, oneHotLabels([3, 5], 7)], { training: false }) as tf.Tensor).dataSync();
  const same = (G.apply([z, oneHotLabels([3, 3], 7)], { training: false }) as tf.Tensor).dataSync();
  let d = 0, s = 0, m = 0;
  for (let i = 0; i < px; i++) (d += Math.abs(out[i] - out[px + i])), (s += Math.abs(same[i] - same[px + i])), (m += Math.abs(out[i]));
  // Untrained weights (N(0, 0.02)) with moving-average BatchNorm give tiny outputs: compare relative to their size.
  assert.ok(d / m > 0.05, `happy vs surprise differ by ${d / m} of the output's size`);
  assert.equal(s, 0, 'same z and label give the same image');
});

test('generateImages on a conditional G without labels cycles through the classes', async () => {
  const G = buildConditionalGenerator(small, 8);
  const z = tf.randomNormal([14, 1, 1, 100], 0, 1, 'float32', 2) as tf.Tensor4D;
  const n0 = tf.memory().numTensors;
  const a = await generateImages(G, z, 64);
  assert.equal(tf.memory().numTensors, n0);
  const y = oneHotLabels(Array.from({ length: 14 }, (_, i) => i % 7), 7);
  const b = await generateImages(G, z, 64, y);
  assert.deepEqual(a.data, b.data);
});

test('generateClass returns n images of one class; bad class and spec errors name the field', async () => {
  const G = buildConditionalGenerator(small, 5);
  const imgs = await generateClass(G, small, 3, 5, 1);
  assert.equal(imgs.n, 5);
  assert.equal(imgs.data.length, 5 * 48 * 48);
  await assert.rejects(generateClass(G, small, 7, 2, 1), /class 7 is not in 0..6/);
  assert.throws(() => checkConditionalSpec({ ...small, classes: 1 }), /classes must be an integer >= 2/);
  assert.throws(() => checkConditionalSpec({ ...small, classNames: ['a'] }), /classNames must list 7 names/);
  assert.throws(() => checkConditionalSpec({ ...small, fakeLabels: 'x' as 'data' }), /fakeLabels/);
  assert.throws(() => classIndex(small, 'joy'), /unknown class "joy"; expected one of angry/);
  assert.equal(classIndex(small, 'Happy'), 3);
  assert.ok(isConditional(small));
  assert.ok(!isConditional({ size: 48, channels: 1, nz: 100, ngf: 4, ndf: 4 }));
  assert.throws(() => oneHotLabels([0, 9], 7), /label 9 at position 1/);
});

test('BCE against a smoothed target: -mean(y log s + (1 - y) log(1 - s)), and exactly bceWithLogits at 0 and 1', () => {
  const l = tf.tensor1d([-2, -0.3, 0, 1.1, 5]);
  const s = tf.sigmoid(l).dataSync();
  const ref = -Array.from(s).reduce((a, p) => a + 0.9 * Math.log(p) + 0.1 * Math.log(1 - p), 0) / 5;
  assert.ok(Math.abs(bceWithLogitsTarget(l, 0.9).dataSync()[0] - ref) < 1e-5);
  assert.equal(bceWithLogitsTarget(l, 1).dataSync()[0], bceWithLogits(l, 1).dataSync()[0]);
});

test('a conditional step (labels, ACGAN head, DiffAugment, label smoothing, mode seeking) updates every weight; no tensor leak', async () => {
  const pair = ganPair(buildConditionalGenerator(small, 1), buildConditionalDiscriminator(small, 2));
  const rng = new Rng(9);
  const opts = { auxWeight: 1, realLabel: 0.9, modeSeeking: 1, augment: makeAugmenter(() => rng, { policies: ['color', 'translation', 'cutout'] }) };
  const before = [...pair.optG.params, ...pair.optD.params].map((v) => v.dataSync().slice());
  const { real, z, labels } = batch(3);
  const [vals] = await readSteps([trainStep(pair, real, z, { parts: extendedStep({ ...opts, labels }) })]);
  [...pair.optG.params, ...pair.optD.params].forEach((v, i) => {
    assert.ok(v.dataSync().some((x, j) => x !== before[i][j]), `${v.name} did not change`);
  });
  for (const k of ['dX', 'dGz1', 'dGz2'] as const) assert.ok(vals[k] > 0 && vals[k] < 1, `${k}=${vals[k]}`);
  // At initialisation: adversarial part ~ 2 ln 2 plus the auxiliary cross-entropy ~ ln 7.
  assert.ok(Math.abs(vals.lossD - (2 * Math.log(2) + Math.log(7))) < 1, `loss_D ${vals.lossD}`);
  let at2 = -1;
  for (let i = 1; i <= 6; i++) {
    await readSteps([trainStep(pair, real, z, { parts: extendedStep({ ...opts, labels }) })]);
    if (i === 2) at2 = tf.memory().numTensors;
  }
  assert.equal(tf.memory().numTensors, at2);
});

test('lean and plain conditional steps with augmentation give the same losses and weights', async () => {
  const run = async (lean: boolean) => {
    const pair = ganPair(buildConditionalGenerator(small, 11), buildConditionalDiscriminator(small, 12));
    const rng = new Rng(77);
    const augment = makeAugmenter(() => rng, { policies: ['color', 'translation', 'cutout'] });
    const out = [];
    for (let i = 0; i < 2; i++) {
      const { real, z, labels } = batch(20 + i);
      out.push(...(await readSteps([trainStep(pair, real, z, { parts: extendedStep({ labels, augment, auxWeight: 1, realLabel: 0.9, modeSeeking: 1 }), gForward: lean ? 'once' : 'twice' })])));
      tf.dispose([real, z, labels.real, labels.fake]);
    }
    return { out, w: [...pair.optG.params, ...pair.optD.params].map((v) => v.dataSync().slice()) };
  };
  const lean = await run(true);
  const plain = await run(false);
  lean.out.forEach((r, i) => (Object.keys(r) as (keyof typeof r)[]).forEach((k) => assert.ok(Math.abs(r[k] - plain.out[i][k]) < 1e-5, `${k} step ${i}`)));
  lean.w.forEach((w, i) => w.forEach((x, j) => assert.ok(Math.abs(x - plain.w[i][j]) <= 1e-5, `weight ${i}[${j}]`)));
});

test('mode seeking adds weight / (image distance / noise distance) to G\'s loss', async () => {
  const G = buildConditionalGenerator(small, 31);
  const D = buildConditionalDiscriminator({ ...small, aux: 0 }, 32);
  const { real, z } = batch(40, 4);
  const labels = { real: oneHotLabels([1, 2, 1, 2], 7), fake: oneHotLabels([1, 2, 1, 2], 7) };
  const lossG = async (modeSeeking: number) => {
    // plain step: G's loss is computed with D after its update; same start weights each time
    const pair = ganPair(buildConditionalGenerator(small, 31), buildConditionalDiscriminator({ ...small, aux: 0 }, 32));
    const [v] = await readSteps([trainStep(pair, real, z, { parts: extendedStep({ labels, modeSeeking }), gForward: 'twice' })]);
    return v;
  };
  const a = await lossG(0);
  const b = await lossG(0.5);
  assert.equal(b.lossD, a.lossD, 'D is not affected');
  const fake = (G.apply([z, labels.fake], { training: true }) as tf.Tensor4D);
  const dImg = tf.abs(fake.slice([0, 0, 0, 0], [2, -1, -1, -1]).sub(fake.slice([2, 0, 0, 0], [2, -1, -1, -1]))).mean().dataSync()[0];
  const dZ = tf.abs(z.slice([0, 0, 0, 0], [2, -1, -1, -1]).sub(z.slice([2, 0, 0, 0], [2, -1, -1, -1]))).mean().dataSync()[0];
  assert.ok(Math.abs(b.lossG - a.lossG - 0.5 / (dImg / dZ + 1e-5)) < 1e-3 * (b.lossG - a.lossG), `${b.lossG - a.lossG} vs ${0.5 / (dImg / dZ)}`);
  D.dispose();
});

test("labelAt 'features': G's first map comes from z alone, the label still changes the image; saves and loads", async () => {
  const spec: ConditionalSpec = { ...small, labelAt: 'features' };
  const G = buildConditionalGenerator(spec, 41);
  const first = tf.model({ inputs: G.inputs, outputs: G.getLayer('g_relu1').output as tf.SymbolicTensor });
  const z = tf.randomNormal([2, 1, 1, 100], 0, 1, 'float32', 8) as tf.Tensor4D;
  const zz = tf.concat([z, z]) as tf.Tensor4D;
  const y = oneHotLabels([0, 1, 5, 6], 7);
  const h = first.predict([zz, y]) as tf.Tensor;
  assert.deepEqual(h.shape, [4, 3, 3, 32]);
  assert.equal(tf.abs(h.slice([0], [2]).sub(h.slice([2], [2]))).max().dataSync()[0], 0, 'the first map must not depend on the label');
  const x = G.apply([zz, y], { training: true }) as tf.Tensor;
  const change = tf.abs(x.slice([0], [2]).sub(x.slice([2], [2]))).mean().dataSync()[0];
  assert.ok(change > 1e-3, `the label must change the image (mean change ${change})`);
  assert.ok(G.getLayer('g_label_maps'));
  const dir = path.join(tempDir(), 'G');
  await saveModelDir(G, dir);
  const G2 = await loadModelDir(dir);
  const x2 = G2.apply([zz, y], { training: true }) as tf.Tensor;
  assert.ok(tf.abs(x.sub(x2)).max().dataSync()[0] < 1e-6);
  assert.throws(() => checkConditionalSpec({ ...small, labelAt: 'middle' as never }), /labelAt must be "z" or "features"/);
  assert.throws(() => checkConditionalSpec({ ...small, sameFace: -1 }), /sameFace must be a number >= 0/);
});

test('the same-face term adds weight * mean (pool8(G(z, y)) - pool8(G(z, y\')))^2 to G\'s loss, and only G\'s', async () => {
  const { real, z } = batch(50, 4);
  const labels = { real: oneHotLabels([1, 2, 3, 4], 7), fake: oneHotLabels([1, 2, 3, 4], 7) };
  const other = oneHotLabels([5, 6], 7);
  const step = async (sameFace?: { weight: number; labels: tf.Tensor2D }) => {
    const pair = ganPair(buildConditionalGenerator(small, 51), buildConditionalDiscriminator({ ...small, aux: 0 }, 52));
    const [v] = await readSteps([trainStep(pair, real, z, { parts: extendedStep({ labels, ...(sameFace ? { sameFace } : {}) }) })]);
    return v;
  };
  const none = await step();
  const a = await step({ weight: 0, labels: other }); // renders the same 6 rows (G's batch statistics too), adds nothing
  const b = await step({ weight: 2, labels: other });
  assert.ok(Math.abs(a.lossG - none.lossG) < 0.2, 'weight 0 leaves G\'s loss about where it was without the term');
  // the reference: G's images in one forward over the 4 + 2 rows, as the step renders them
  const G = buildConditionalGenerator(small, 51);
  const all = G.apply([tf.concat([z, z.slice([0], [2])]), tf.concat([labels.fake, other])], { training: true }) as tf.Tensor4D;
  const expected = sameFaceLoss(all.slice([0], [2]) as tf.Tensor4D, all.slice([4], [2]) as tf.Tensor4D, 2).dataSync()[0];
  assert.ok(expected > 0);
  assert.equal(b.lossD, a.lossD, 'D is not affected');
  assert.ok(Math.abs(b.lossG - a.lossG - expected) < 1e-4 + 1e-3 * expected, `G's loss grew by ${b.lossG - a.lossG}, expected ${expected}`);
  // identical renderings cost nothing, and the pooling keeps 6x6 at 48x48
  const img = tf.randomUniform([2, 48, 48, 1], -1, 1, 'float32', 3) as tf.Tensor4D;
  assert.equal(sameFaceLoss(img, img, 5).dataSync()[0], 0);
  const shifted = img.add(0.25) as tf.Tensor4D;
  assert.ok(Math.abs(sameFaceLoss(img, shifted, 2).dataSync()[0] - 2 * 0.25 ** 2) < 1e-5);
  // a change confined to one 8x8 cell costs 1/36 of the same change everywhere (squares, not absolute values)
  const cell = img.add(tf.ones([1, 8, 8, 1]).pad([[0, 1], [16, 24], [16, 24], [0, 0]])) as tf.Tensor4D;
  assert.ok(Math.abs(sameFaceLoss(img, cell, 1).dataSync()[0] - 1 / 72) < 1e-5, 'one cell of one image changed by 1: 1 / (2 images x 36 cells)');
  await assert.rejects(step({ weight: 1, labels: oneHotLabels([0, 1, 2, 3, 4, 5], 7) }), /sameFace: 6 label rows for a batch of 4/);
});

test('a saved conditional generator loads back and renders the same images', async () => {
  const G = buildConditionalGenerator(small, 21);
  const dir = path.join(tempDir(), 'G');
  await saveModelDir(G, dir);
  const G2 = await loadModelDir(dir);
  assert.equal(G2.inputs.length, 2);
  const z = tf.randomNormal([3, 1, 1, 100], 0, 1, 'float32', 5) as tf.Tensor4D;
  const y = oneHotLabels([0, 3, 6], 7);
  const a = (G.apply([z, y], { training: true }) as tf.Tensor).dataSync();
  const b = (G2.apply([z, y], { training: true }) as tf.Tensor).dataSync();
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-6));
});

test('training a conditional model on real FER2013 faces writes labelled same-face grids and refuses unlabelled data', async () => {
  const data = await loadFer2013({ path: path.join(SAMPLE_DIR, 'fer2013'), split: 'train', limit: 16, seed: 1 });
  const runDir = tempDir();
  const s = await train({ runDir, data, model: small, epochs: 1, batchSize: 8, seed: 2, progress: false, augment: { policies: ['translation'] }, realLabel: 0.9 });
  assert.equal(s.status, 'completed');
  assert.equal(s.steps, 2);
  for (const f of ['epoch-001.png', 'final.png', 'same-face-epoch-001.png', 'same-face-final.png']) {
    assert.ok(fs.existsSync(path.join(runDir, 'samples', f)), `${f} missing`);
  }
  const plain = decodePng(fs.readFileSync(path.join(runDir, 'samples', 'epoch-001.png')));
  // 8 faces (rows) x 7 expressions (columns), 48 px with 2 px padding.
  assert.equal(plain.width, 7 * 50 + 2);
  assert.equal(plain.height, 8 * 50 + 2);
  const labelled = decodePng(fs.readFileSync(path.join(runDir, 'samples', 'same-face-final.png')));
  assert.ok(labelled.width > plain.width, 'labelled grid has headers');
  const unlabelled = { ...data, labels: undefined };
  await assert.rejects(train({ runDir: tempDir(), data: unlabelled, model: small, epochs: 1, batchSize: 8, seed: 2, progress: false }), /has no labels: a conditional model/);
});

test('a conditional run with DiffAugment stopped mid-run and resumed gives the same losses and grid', async () => {
  {
    const data = await loadFer2013({ path: path.join(SAMPLE_DIR, 'fer2013'), split: 'train', limit: 16, seed: 4 });
    const base = { data, model: { ...small, ngf: 2, ndf: 2 }, epochs: 2, batchSize: 8, seed: 5, logEvery: 1, checkpointEvery: 1, progress: false, augment: { policies: ['color', 'translation', 'cutout'] as ('color' | 'translation' | 'cutout')[] }, realLabel: 0.9 };
    const a = tempDir();
    assert.equal((await train({ ...base, runDir: a })).steps, 4);
    const b = tempDir();
    assert.equal((await train({ ...base, runDir: b, maxSteps: 3 })).status, 'stopped');
    assert.equal((await train({ ...base, runDir: b, resume: true })).status, 'completed');
    const la = fs.readFileSync(path.join(a, 'losses.csv'), 'utf8').trim().split('\n').map((l) => l.split(',').slice(0, 7));
    const lb = fs.readFileSync(path.join(b, 'losses.csv'), 'utf8').trim().split('\n').map((l) => l.split(',').slice(0, 7));
    assert.deepEqual(lb, la, 'the same losses at every iteration (the augmentation draws resume too)');
    const grid = (d: string) => fs.readFileSync(path.join(d, 'samples', 'same-face-final.png'));
    assert.ok(grid(a).equals(grid(b)), 'the same final same-face grid');
  }
});

test('minibatch stddev: one extra map holding the batch spread (0 for identical images); D with it saves and loads', async () => {
  const layer = new MinibatchStd({});
  const x = tf.tensor4d([1, 3, 5, 7, 3, 3, 9, 9], [2, 2, 2, 1]);
  const y = layer.apply(x) as tf.Tensor4D;
  assert.deepEqual(y.shape, [2, 2, 2, 2]);
  // per-position std over the batch: |1-3|/2, |3-3|/2, |5-9|/2, |7-9|/2 = 1, 0, 2, 1 -> mean 1
  const v = y.arraySync();
  for (const b of [0, 1]) for (const i of [0, 1]) for (const j of [0, 1]) assert.ok(Math.abs(v[b][i][j][1] - 1) < 1e-3);
  const same = (layer.apply(tf.ones([3, 2, 2, 1])) as tf.Tensor).arraySync() as number[][][][];
  assert.ok(Math.abs(same[0][0][0][1]) < 1e-3);
  const spec = { ...small, minibatchStd: true };
  const D = buildConditionalDiscriminator(spec, 3);
  assert.ok(D.getLayer('d_mbstd'));
  assert.deepEqual(D.getLayer('d_conv5').getWeights()[0].shape, [3, 3, 33, 1], 'conv5 sees 8 ndf + 1 maps');
  const dir = path.join(tempDir(), 'D');
  await saveModelDir(D, dir);
  const D2 = await loadModelDir(dir);
  const { real, labels } = batch(2);
  const a = (D.apply([real, labels.real]) as tf.Tensor[])[0].dataSync();
  const b = (D2.apply([real, labels.real]) as tf.Tensor[])[0].dataSync();
  a.forEach((p, i) => assert.ok(Math.abs(p - b[i]) < 1e-5));
});
