/**
 * The fused training layers (lib/kernels/fused-layers.ts, set up by useKernels('fused', ...),
 * the trainer's default kernels): on native TensorFlow, training with
 * TensorFlow's fused BatchNorm / ReLU / LeakyReLU kernels gives the same losses, weights and
 * BatchNorm moving statistics as tfjs's own layers, with far fewer kernels and uploads; on other
 * backends the patched layers run unchanged.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/backend';
import { buildGenerator, buildDiscriminator } from '../../lib/models/dcgan';
import { trainStep, readSteps } from '../../lib/train/step';
import { makeGanPair } from '../../lib/train/gan-pair';
import { extendedStep } from '../../lib/train/extensions/extended-step';
import { useKernels } from '../../lib/kernels/kernels';
import { ganPair } from '../helpers';
import { DcganSpec } from '../../lib/models/spec';
import { fuseLayers } from '../../lib/kernels/fused-layers';
import { profileStep } from '../../tools/bench/profile';
import { loadFer2013 } from '../../lib/data/fer2013';
import { SAMPLE_FER2013_DIR } from '../../lib/data/sample';
import { BatchStream } from '../../lib/data/batches';
import { Rng } from '../../lib/rng';
import { EMOTIONS } from '../../lib/data/types';
import { ConditionalSpec } from '../../lib/models/conditional-spec';
import { buildConditionalGenerator, buildConditionalDiscriminator, oneHotLabels } from '../../lib/models/conditional';

const small: DcganSpec = { size: 48, channels: 1, nz: 100, ngf: 8, ndf: 8 };
let native = false;
test.before(async () => {
  try {
    await initBackend({ backend: 'node', quiet: true });
    native = true;
  } catch {
    native = false;
  }
});

test('fuseLayers patches every BatchNorm, ReLU, LeakyReLU and Conv2D layer, once', () => {
  const G = buildGenerator(small, 1);
  const D = buildDiscriminator(small, 2);
  assert.equal(fuseLayers(G), 12); // 4 x (BatchNorm + ReLU) + the four 4x4 stride-2 transposed convolutions
  assert.equal(fuseLayers(D), 12); // 5 Conv2D + 3 BatchNorm + 4 LeakyReLU
  assert.equal(fuseLayers(G), 0);
  G.dispose();
  D.dispose();
});

test('on native, 3 training steps with fused layers = stock layers (losses, weights, moving statistics)', async (t) => {
  if (!native) return t.skip('native tfjs-node backend not available here (npm run setup:native)');
  const data = await loadFer2013({ path: SAMPLE_FER2013_DIR, split: 'train', limit: 24, seed: 3 });
  const run = async (fused: boolean) => {
    const G = buildGenerator(small, 11);
    const D = buildDiscriminator(small, 12);
    const pair = ganPair(G, D, fused ? 'fused' : 'stock');
    const stream = new BatchStream(data, { batchSize: 8, seed: 4 });
    const rng = new Rng(5);
    const values = [];
    for (let i = 0; i < 3; i++) {
      const b = stream.next();
      const real = tf.tensor4d(b.data, b.shape);
      const z = tf.tensor4d(rng.normals(8 * 100), [8, 1, 1, 100]);
      values.push(...(await readSteps([trainStep(pair, real, z)])));
      tf.dispose([real, z]);
    }
    const weights = [...G.weights, ...D.weights].map((w) => ({ name: w.originalName, v: w.read().dataSync().slice() }));
    [G, D, pair.optG, pair.optD].forEach((x) => x.dispose());
    return { values, weights };
  };
  const stock = await run(false);
  const fused = await run(true);
  stock.values.forEach((v, i) => {
    for (const k of Object.keys(v) as (keyof typeof v)[]) {
      assert.ok(Math.abs(v[k] - fused.values[i][k]) <= 1e-5 * Math.max(1, Math.abs(v[k])), `step ${i} ${k}: ${v[k]} vs ${fused.values[i][k]}`);
    }
  });
  assert.ok(stock.weights.some((w) => /moving_variance/.test(w.name)), 'moving statistics must be compared too');
  stock.weights.forEach((w, i) => {
    const f = fused.weights[i].v;
    const maxDiff = Math.max(...Array.from(w.v, (x, j) => Math.abs(x - f[j])));
    assert.ok(maxDiff <= 1e-5, `${w.name}: fused and stock differ by ${maxDiff}`);
  });
});

test('on native, the class-conditional nets (ACGAN head) train the same with fused layers', async (t) => {
  if (!native) return t.skip('native tfjs-node backend not available here (npm run setup:native)');
  const spec: ConditionalSpec = { ...small, classes: 7, classNames: EMOTIONS, embed: 10, aux: 1, fakeLabels: 'data' };
  const data = await loadFer2013({ path: SAMPLE_FER2013_DIR, split: 'train', limit: 14, seed: 6 });
  const run = async (fused: boolean) => {
    const G = buildConditionalGenerator(spec, 1);
    const D = buildConditionalDiscriminator(spec, 2);
    if (fused) assert.ok(useKernels('fused', [G, D]) > 0);
    const pair = makeGanPair(G, D);
    const b = new BatchStream(data, { batchSize: 7, seed: 1 }).next();
    const real = tf.tensor4d(b.data, b.shape);
    const z = tf.tensor4d(new Rng(7).normals(7 * 100), [7, 1, 1, 100]);
    const labels = oneHotLabels(b.labels!, 7);
    const [v] = await readSteps([trainStep(pair, real, z, { parts: extendedStep({ labels: { real: labels, fake: labels }, auxWeight: 1 }) })]);
    const weights = [...G.weights, ...D.weights].map((w) => w.read().dataSync().slice());
    tf.dispose([real, z, labels]);
    [G, D, pair.optG, pair.optD].forEach((x) => x.dispose());
    return { v, weights };
  };
  const stock = await run(false);
  const fused = await run(true);
  for (const k of Object.keys(stock.v) as (keyof typeof stock.v)[]) {
    assert.ok(Math.abs(stock.v[k] - fused.v[k]) <= 1e-5 * Math.max(1, Math.abs(stock.v[k])), `${k}: ${stock.v[k]} vs ${fused.v[k]}`);
  }
  stock.weights.forEach((w, i) => w.forEach((x, j) => assert.ok(Math.abs(x - fused.weights[i][j]) <= 1e-5, `weight ${i}[${j}]`)));
});

test('on native, the fused step runs far fewer kernels, no unneeded conv gradients, and uploads no ones-arrays', async (t) => {
  if (!native) return t.skip('native tfjs-node backend not available here (npm run setup:native)');
  const stock = await profileStep(small, 8, 1, 0, false);
  const fused = await profileStep(small, 8, 1, 0, true);
  assert.ok(fused.kernel_calls < 0.8 * stock.kernel_calls, `kernels ${fused.kernel_calls} vs ${stock.kernel_calls}`);
  // Stock uploads a ones-array per Mean gradient and per ReLU gradient; fused uploads little beyond the batch and noise.
  const batchBytes = 4 * (8 * 48 * 48 + 8 * 100);
  assert.ok(stock.upload_bytes > 3 * batchBytes, `stock uploads ${stock.upload_bytes} B`);
  assert.ok(fused.upload_bytes < 1.5 * batchBytes + 64 * 1024, `fused uploads ${fused.upload_bytes} B`);
  // BatchNorm's gradient tiles; ReLU / LeakyReLU gradients run Step / Select (the loss keeps a few, on [batch] logits).
  const calls = (p: typeof stock, k: string) => p.kernels.find((x) => x.kernel === k)?.calls ?? 0;
  assert.equal(calls(fused, 'Tile'), 0);
  // Stock: D's 5 filter gradients in each of its 3 passes + G's 5 = 20; fused: D's in its own update only (2 passes) + G's = 15.
  assert.equal(calls(stock, 'Conv2DBackpropFilter'), 20);
  assert.equal(calls(fused, 'Conv2DBackpropFilter'), 15);
  for (const k of ['Step', 'Select', 'Mean']) assert.ok(calls(fused, k) < calls(stock, k), `${k}: ${calls(fused, k)} vs ${calls(stock, k)} calls`);
  assert.equal(fused.tensor_growth, 0);
});

test("useKernels('fused') patches both nets, 'stock' and makeGanPair alone leave them as built", () => {
  const patched = (m: tf.LayersModel) => m.layers.filter((l) => (l as unknown as { __faceganFused?: boolean }).__faceganFused).length;
  const a = ganPair(buildGenerator(small, 1), buildDiscriminator(small, 2), 'fused');
  const b = ganPair(buildGenerator(small, 1), buildDiscriminator(small, 2), 'stock');
  const c = makeGanPair(buildGenerator(small, 1), buildDiscriminator(small, 2));
  assert.deepEqual([patched(c.G), patched(c.D)], [0, 0]);
  [c.G, c.D, c.optG, c.optD].forEach((x) => x.dispose());
  assert.deepEqual([patched(a.G), patched(a.D)], [12, 12]);
  assert.deepEqual([patched(b.G), patched(b.D)], [0, 0]);
  [a.G, a.D, a.optG, a.optD, b.G, b.D, b.optG, b.optD].forEach((x) => x.dispose());
});

test('on the cpu backend the patched layers compute exactly what the stock layers do', async () => {
  const prev = tf.getBackend();
  await tf.setBackend('cpu');
  try {
    const stock = [buildGenerator(small, 21), buildDiscriminator(small, 22)];
    const fused = [buildGenerator(small, 21), buildDiscriminator(small, 22)];
    fused.forEach((m) => fuseLayers(m));
    const z = tf.tensor4d(new Rng(6).normals(4 * 100), [4, 1, 1, 100]);
    const images = stock[0].apply(z, { training: true }) as tf.Tensor;
    const a = [images.dataSync(), (stock[1].apply(images, { training: true }) as tf.Tensor).dataSync()];
    const b = [(fused[0].apply(z, { training: true }) as tf.Tensor).dataSync(), (fused[1].apply(images, { training: true }) as tf.Tensor).dataSync()];
    a.forEach((x, i) => assert.deepEqual(Array.from(b[i]), Array.from(x), i ? 'D' : 'G'));
    [...stock, ...fused].forEach((m) => m.dispose());
    z.dispose();
  } finally {
    await tf.setBackend(prev);
  }
});
