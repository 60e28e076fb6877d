/**
 * The translator's faster kernels (lib/kernels/translator-layers.ts) against the layers as built, on
 * faces of the bundled sample: instance norm (outputs, gradients of x, gamma, beta), the LeakyReLU
 * with gradients of every order (the R1 double backprop through a small D), and a whole v2 iteration (D step with R1, G step with the frozen classifier,
 * cycle, identity; the loss classifier's convolutions, frozen batch norms and ReLUs too): same weights, same batch ->
 * same losses and gradients, 'fused' vs 'stock'.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { translate, discriminate, domainScore, buildTranslatorG, buildTranslatorD, oneHot, TranslatorSpec } from '../../lib/models/translator';
import { InstanceNorm } from '../../lib/models/instance-norm';
import { AbsLeakyReLU } from '../../lib/models/abs-leaky-relu';
import { instanceNormFused, instanceNormComposed, leakyReluTwice, singleOutputConv } from '../../lib/kernels/translator-layers';
import { native } from '../../lib/kernels/native-ops';
import { makeTranslatorPair, discriminatorStep, generatorStep, translatorIteration, TranslatorPair, TranslateBatch } from '../../lib/train/translate-step';
import { buildClassifier } from '../../lib/eval/classifier-model';
import { loadFer2013, EMOTIONS } from '../../lib/data';
import { SAMPLE_DIR } from '../../lib/runs/dataset';
import { ferTranslateV2 } from '../../experiments/translate';
import { Rng } from '../../lib/rng';
import { useKernels } from '../../lib/kernels/kernels';
import { setupBackend } from '../helpers';

test.before(setupBackend);

async function faces(n: number): Promise<{ x: tf.Tensor4D; labels: number[] }> {
  const s = await loadFer2013({ path: path.join(SAMPLE_DIR, 'fer2013'), split: 'test', limit: n, seed: 3 });
  const x = tf.tidy(() => tf.tensor4d(s.data, [s.n, 48, 48, 1], 'int32').toFloat().div(127.5).sub(1) as tf.Tensor4D);
  return { x, labels: Array.from(s.labels!) };
}

/** max |a - b| / (max |b| + tiny): relative to the tensor's scale. */
function relErr(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => a.sub(b).abs().max().dataSync()[0] / (b.abs().max().dataSync()[0] + 1e-12));
}

function close(a: tf.Tensor, b: tf.Tensor, what: string, tol = 1e-4): void {
  assert.deepEqual(a.shape, b.shape, `${what}: shape`);
  const e = relErr(a, b);
  assert.ok(e < tol, `${what}: relative error ${e}`);
}

/** close() for every named tensor of `ref` (a step's losses), as `${what} ${name}`. */
function closeEach<K extends string>(a: Record<K, tf.Tensor>, ref: Record<K, tf.Tensor>, what: string, tol?: number): void {
  for (const k of Object.keys(ref) as K[]) close(a[k], ref[k], `${what} ${k}`, tol);
}

/** Feature maps from faces: a fixed random conv of x to c channels (not centred, varied scale). */
function features(x: tf.Tensor4D, c: number, seed: number, stride = 1): tf.Tensor4D {
  return tf.tidy(() => tf.conv2d(x, tf.randomNormal([3, 3, 1, c], 0, 0.7, 'float32', seed), stride, 'same').add(0.3) as tf.Tensor4D);
}

test('instance norm: the fused kernel gives the layer\'s output and gradients (x, gamma, beta)', async () => {
  const { x } = await faces(6);
  const h = features(x, 8, 11, 2);
  const layer = new InstanceNorm({ name: 'in_test' });
  layer.apply(h); // builds gamma, beta
  layer.setWeights([tf.randomNormal([8], 1, 0.3, 'float32', 12), tf.randomNormal([8], 0, 0.3, 'float32', 13)]);
  const [gamma, beta] = layer.getWeights() as [tf.Tensor1D, tf.Tensor1D];
  const dy = tf.randomNormal(h.shape, 0, 1, 'float32', 14);
  const loss = (f: (a: tf.Tensor4D, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor) => (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => f(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D).mul(dy).sum();
  const stock = (a: tf.Tensor4D, g: tf.Tensor1D, b: tf.Tensor1D) => {
    const { mean, variance } = tf.moments(a, [1, 2], true);
    return a.sub(mean).mul(tf.rsqrt(variance.add(layer.epsilon))).mul(g).add(b);
  };
  // on tfjs-node instanceNormFused is TensorFlow's batch norm kernels on [1,h,w,b*c]; instanceNormComposed runs anywhere
  assert.equal(!!native(), tf.getBackend() === 'tensorflow');
  const gs = tf.grads(loss(stock))([h, gamma, beta]);
  for (const [name, fn] of [['fused', instanceNormFused], ['composed', instanceNormComposed]] as const) {
    const fused = (a: tf.Tensor4D, g: tf.Tensor1D, b: tf.Tensor1D) => fn(a, g, b, layer.epsilon);
    close(fused(h, gamma, beta), layer.apply(h) as tf.Tensor, `${name}: output`);
    const gf = tf.grads(loss(fused))([h, gamma, beta]);
    ['x', 'gamma', 'beta'].forEach((n, i) => close(gf[i], gs[i], `${name}: d${n}`));
  }
});

test('one-output-channel conv (G\'s g_colour): depthwise + channel sum gives conv2d\'s output and both gradients', async () => {
  const { x } = await faces(4);
  const h = features(x, 16, 21, 1);
  const w = tf.randomNormal([7, 7, 16, 1], 0, 0.1, 'float32', 22) as tf.Tensor4D;
  const dy = tf.randomNormal([h.shape[0], h.shape[1], h.shape[2], 1], 0, 1, 'float32', 23);
  const loss = (f: (a: tf.Tensor4D, k: tf.Tensor4D) => tf.Tensor) => (a: tf.Tensor, k: tf.Tensor) => f(a as tf.Tensor4D, k as tf.Tensor4D).mul(dy).sum();
  const stock = (a: tf.Tensor4D, k: tf.Tensor4D) => tf.conv2d(a, k, 1, 'same');
  const fast = (a: tf.Tensor4D, k: tf.Tensor4D) => singleOutputConv(a, k, 'same');
  close(fast(h, w), stock(h, w), 'output');
  const gs = tf.grads(loss(stock))([h, w]);
  const gf = tf.grads(loss(fast))([h, w]);
  close(gf[0], gs[0], 'dx');
  close(gf[1], gs[1], 'dw');
  assert.throws(() => singleOutputConv(h, tf.zeros([7, 7, 16, 2]) as tf.Tensor4D, 'same'), /2 output channels, expected 1/);
});

test('LeakyReLU with gradients of every order: AbsLeakyReLU\'s output, gradient and R1 second-order gradient', async () => {
  const { x } = await faces(4);
  const alpha = 0.01;
  const w1 = tf.variable(tf.randomNormal([4, 4, 1, 6], 0, 0.3, 'float32', 21), true, 'lr_w1');
  const w2 = tf.variable(tf.randomNormal([4, 4, 6, 3], 0, 0.3, 'float32', 22), true, 'lr_w2');
  const abs = new AbsLeakyReLU({ alpha });
  // a small D: conv, leaky, conv, leaky, sum; R1 = |grad_x D(x)|^2, differentiated w.r.t. the weights
  const net = (act: (t: tf.Tensor) => tf.Tensor) => (xi: tf.Tensor) => act(tf.conv2d(act(tf.conv2d(xi as tf.Tensor4D, w1 as tf.Tensor4D, 2, 'same')) as tf.Tensor4D, w2 as tf.Tensor4D, 2, 'same')).sum() as tf.Scalar;
  const r1 = (act: (t: tf.Tensor) => tf.Tensor) => tf.variableGrads(() => {
    const d = net(act)(x);
    const g = tf.grad(net(act))(x);
    return d.add(g.square().sum().mul(0.5)) as tf.Scalar;
  }, [w1, w2]);
  const stockAct = (t: tf.Tensor) => abs.apply(t) as tf.Tensor;
  const fusedAct = (t: tf.Tensor) => leakyReluTwice(t, alpha);
  const h = tf.randomNormal([3, 5, 5, 4], 0, 1, 'float32', 23);
  close(fusedAct(h), stockAct(h), 'output');
  close(tf.grad((t) => fusedAct(t).mul(h).sum())(h), tf.grad((t) => stockAct(t).mul(h).sum())(h), 'gradient');
  const s = r1(stockAct);
  const f = r1(fusedAct);
  close(f.value, s.value, 'R1 loss');
  close(f.grads.lr_w1, s.grads.lr_w1, 'R1 dW1');
  close(f.grads.lr_w2, s.grads.lr_w2, 'R1 dW2');
});

/** The v2 translator at a small width. */
const SMALL: TranslatorSpec = { ...ferTranslateV2.model, gDim: 8, dDim: 8 };

/** Every weight of `models`, in order, from one Rng(seed): 1-D weights 1 + 0.2 v, the others scale * v. */
function randomizeWeights(models: tf.LayersModel[], seed: number, scale: number): void {
  const rng = new Rng(seed);
  for (const m of models) m.setWeights(m.getWeights().map((w) => tf.tensor(Float32Array.from(rng.normals(w.size), (v) => (w.shape.length === 1 ? 1 + 0.2 * v : scale * v)), w.shape)));
}

/** The v2 iteration's pair at a small width, every weight random (IN gamma/beta, the zero-initialised last conv). */
function pairFor(kernels: 'fused' | 'stock'): TranslatorPair {
  const G = buildTranslatorG(SMALL, 5);
  const D = buildTranslatorD(SMALL, 6);
  randomizeWeights([G, D], 8, 0.1);
  const adam = { lr: 1e-3, beta1: 0.5, beta2: 0.999, eps: 1e-8 };
  const pair = makeTranslatorPair(G, D, adam, adam, kernels);
  // the frozen loss classifier with random weights and moving statistics (1-D weights around 1: positive variances)
  const C = buildClassifier({ blocks: [[4], [8]], dense: 8, spaceToDepth: true }, 8).model;
  randomizeWeights([C], 9, 0.3);
  C.trainable = false;
  if (kernels === 'fused') useKernels('fused', [C], { frozenBatchNorm: true }); // as lib/train/translate-trainer.ts
  pair.C = C;
  return pair;
}

/** Records the gradients each optimiser is given (cloned), then applies them. */
function recordGrads(pair: TranslatorPair): { D: tf.Tensor[][]; G: tf.Tensor[][] } {
  const rec = { D: [] as tf.Tensor[][], G: [] as tf.Tensor[][] };
  for (const [k, opt] of [['D', pair.optD], ['G', pair.optG]] as const) {
    const apply = opt.apply.bind(opt);
    opt.apply = (grads) => {
      rec[k].push(grads.map((g) => tf.keep(g.clone())));
      apply(grads);
    };
  }
  return rec;
}

test('v2 iteration: fused kernels give the stock losses and gradients (D with R1, G with the frozen classifier, cycle, identity)', async () => {
  const w = ferTranslateV2.losses;
  const { x, labels } = await faces(6);
  const stock = pairFor('stock');
  const fused = pairFor('fused');
  assert.ok(fused.G.layers.some((l) => l.getClassName() === 'UpSampling2D'), 'the resize decoder as built (same layers, same weight names)');
  assert.deepEqual(fused.G.weights.map((v) => v.originalName), stock.G.weights.map((v) => v.originalName));
  const recS = recordGrads(stock);
  const recF = recordGrads(fused);
  const n = labels.length;
  const b: TranslateBatch = {
    x, src: oneHot(labels, EMOTIONS.length), trg: oneHot(labels.map((l) => (l + 3) % 7), EMOTIONS.length), alpha: tf.fill([n, 1, 1, 1], 0.5) as tf.Tensor4D,
    aug: { dy: 1, dx: -2, pad: 3, flip: tf.tensor4d([1, 0, 0, 1, 1, 0], [n, 1, 1, 1]), noise: tf.randomNormal([n, 48, 48, 1], 0, 0.05, 'float32', 9) as tf.Tensor4D },
  };
  // after each update the fused pair takes the stock pair's weights: Adam's first steps move a weight by about lr
  // whatever its gradient's size, so float32 rounding of a near-zero gradient would otherwise move the pairs apart
  const tol = (_it: number) => 1e-4;
  const sync = (k: 'G' | 'D') => fused[k].setWeights(stock[k].getWeights());
  // the L1 terms have a kink at 0: a pixel of G(x,s) - x or G(G(x,t),s) - x within rounding of 0 (other than the exact zeros
  // of clipped pixels) would flip its gradient's sign between any two float32 computations (with Rng(7)'s weights one pixel
  // moved the G gradients by 2e-3, as much as scaling the stock weights by 1 +- 1e-6 did): these weights have none
  tf.tidy(() => {
    const near = (t: tf.Tensor) => t.abs().less(1e-4).sum().dataSync()[0] - t.abs().equal(0).sum().dataSync()[0];
    const e = translate(stock.G, x, b.trg).image;
    assert.equal(near(translate(stock.G, x, b.src).image.sub(x)), 0, 'identity term away from its kink');
    assert.equal(near(translate(stock.G, e, b.src).image.sub(x)), 0, 'cycle term away from its kink');
  });
  for (let it = 0; it < 2; it++) {
    const ds = discriminatorStep(stock, b, w);
    const df = discriminatorStep(fused, b, w);
    closeEach(df, ds, `iteration ${it} D`, tol(it));
    assert.ok(ds.gp.dataSync()[0] > 0, 'R1 is on');
    sync('D');
    const gs = generatorStep(stock, b, w);
    const gf = generatorStep(fused, b, w);
    closeEach(gf, gs, `iteration ${it} G`, tol(it));
    sync('G');
  }
  for (const k of ['D', 'G'] as const) {
    assert.equal(recF[k].length, 2);
    recF[k].forEach((grads, it) => grads.forEach((g, i) => close(g, recS[k][it][i], `iteration ${it} grad ${k} ${stock[k === 'D' ? 'optD' : 'optG'].params[i].name}`, tol(it))));
  }
});

/** D's loss as written before: D on the real faces for the terms, again inside R1's gradient; its value and gradients. */
function referenceDLoss(pair: TranslatorPair, x: tf.Tensor4D, src: tf.Tensor2D, trg: tf.Tensor2D, fake: tf.Tensor4D, cls: number, r1: number) {
  return tf.variableGrads(() => {
    const r = discriminate(pair.D, x);
    const rs = domainScore(r.src, src);
    const adv = tf.softplus(rs.neg()).mean().add(tf.softplus(domainScore(discriminate(pair.D, fake).src, trg)).mean());
    const g = tf.grad((xi: tf.Tensor) => domainScore(discriminate(pair.D, xi as tf.Tensor4D).src, src).sum())(x);
    const penalty = g.square().sum([1, 2, 3]).mean().mul(0.5);
    return adv.add(tf.losses.softmaxCrossEntropy(src, r.cls).mul(cls)).add(penalty.mul(r1)) as tf.Scalar;
  }, pair.optD.params);
}

test('D step with R1: D run once on the real faces gives the losses and gradients of separate forward passes', async () => {
  const w = ferTranslateV2.losses;
  const { x, labels } = await faces(6);
  for (const kernels of ['stock', 'fused'] as const) {
    const pair = pairFor(kernels);
    const src = oneHot(labels, EMOTIONS.length);
    const trg = oneHot(labels.map((l) => (l + 2) % 7), EMOTIONS.length);
    const fake = tf.tidy(() => translate(pair.G, x, trg).image);
    const ref = referenceDLoss(pair, x, src, trg, fake, w.cls, w.r1 ?? 0);
    const rec = recordGrads(pair);
    const before = tf.memory().numTensors;
    const d = discriminatorStep(pair, { x, src, trg, alpha: tf.fill([6, 1, 1, 1], 0.5) as tf.Tensor4D }, w);
    close(d.loss, ref.value, `${kernels}: D loss`);
    pair.optD.params.forEach((p, i) => close(rec.D[0][i], ref.grads[p.name], `${kernels}: grad ${p.name}`));
    tf.dispose([...Object.values(d), ...rec.D[0]]);
    assert.equal(tf.memory().numTensors, before + 1, `${kernels}: the step keeps no tensor (but the alpha made here)`);
  }
});

test('lazy R1 (r1Every 3): R1 weighted 3 x on D updates 0, 3, 6, ...; no R1 on the others (gp logged 0)', async () => {
  const w = { ...ferTranslateV2.losses, r1Every: 3 };
  const { x, labels } = await faces(4);
  const pair = pairFor('fused');
  const src = oneHot(labels, EMOTIONS.length);
  const trg = oneHot(labels.map((l) => (l + 1) % 7), EMOTIONS.length);
  const rec = recordGrads(pair);
  for (let it = 0; it < 4; it++) {
    const fake = tf.tidy(() => translate(pair.G, x, trg).image);
    const on = it % 3 === 0;
    const ref = referenceDLoss(pair, x, src, trg, fake, w.cls, on ? 3 * (w.r1 ?? 0) : 0);
    const d = discriminatorStep(pair, { x, src, trg, alpha: tf.fill([4, 1, 1, 1], 0.5) as tf.Tensor4D }, w);
    close(d.loss, ref.value, `update ${it}: D loss`);
    pair.optD.params.forEach((p, i) => close(rec.D[it][i], ref.grads[p.name], `update ${it}: grad ${p.name}`));
    assert.equal(d.gp.dataSync()[0] > 0, on, `update ${it}: R1 ${on ? 'on' : 'off'}`);
    tf.dispose([fake, ref.value, ...Object.values(ref.grads), ...Object.values(d)]);
  }
});

test('translatorIteration (G forward once for both updates) == discriminatorStep then generatorStep', async () => {
  const w = ferTranslateV2.losses;
  const { x, labels } = await faces(6);
  const seq = pairFor('fused');
  const once = pairFor('fused');
  const recS = recordGrads(seq);
  const recO = recordGrads(once);
  const n = labels.length;
  const b: TranslateBatch = {
    x, src: oneHot(labels, EMOTIONS.length), trg: oneHot(labels.map((l) => (l + 4) % 7), EMOTIONS.length), alpha: tf.fill([n, 1, 1, 1], 0.5) as tf.Tensor4D,
    aug: { dy: -1, dx: 2, pad: 3, flip: tf.tensor4d([0, 1, 0, 1, 1, 0], [n, 1, 1, 1]), noise: tf.randomNormal([n, 48, 48, 1], 0, 0.05, 'float32', 19) as tf.Tensor4D },
  };
  for (let it = 0; it < 2; it++) {
    const before = tf.memory().numTensors;
    const o = translatorIteration(once, b, w, true);
    const sd = discriminatorStep(seq, b, w);
    const sg = generatorStep(seq, b, w);
    closeEach(o.d, sd, `iteration ${it} D`, 1e-6);
    closeEach(o.g!, sg, `iteration ${it} G`, 1e-6);
    tf.dispose([...Object.values(o.d), ...Object.values(o.g!), ...Object.values(sd), ...Object.values(sg)]);
    for (const k of ['D', 'G'] as const) recO[k][it].forEach((g, i) => close(g, recS[k][it][i], `iteration ${it} grad ${k} ${i}`, 1e-6));
    assert.ok(tf.memory().numTensors <= before + 4 * recO.G[it].length + 4 * recO.D[it].length, 'no tensors left but the recorded gradients');
  }
  const dOnly = translatorIteration(once, b, w, false);
  assert.equal(dOnly.g, null);
  tf.dispose(Object.values(dOnly.d));
});
