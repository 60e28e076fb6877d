import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { buildTranslatorG, buildTranslatorD, translate, discriminate, oneHot, modelCost, TranslatorSpec } from '../../lib/models/translator';
import { saveModelDir, loadModelDir } from '../../lib/train/model-io';
import { trainTranslator } from '../../lib/train/translate-trainer';
import { makeTranslatorPair, discriminatorStep, generatorStep } from '../../lib/train/translate-step';
import { loadFer2013, EMOTIONS } from '../../lib/data';
import { SAMPLE_DIR } from '../../lib/runs/dataset';
import { ferTranslate, translatorModel, TranslateSettings } from '../../experiments/translate';
import { setupBackend, tempDir, checkpointWeights } from '../helpers';

test.before(setupBackend);

const tiny: TranslatorSpec = { kind: 'translator', size: 48, channels: 1, labels: EMOTIONS, gDim: 4, downsamples: 2, resBlocks: 1, mask: true, dDim: 4, dLayers: 4, leak: 0.01 };
const FER = path.join(SAMPLE_DIR, 'fer2013');

function randomFaces(n: number, seed = 1): tf.Tensor4D {
  return tf.randomUniform([n, 48, 48, 1], -1, 1, 'float32', seed) as tf.Tensor4D;
}

test('the experiment-size translator: G 1.23 M and D 0.71 M parameters, G about 0.48 GFLOP per image', () => {
  const G = buildTranslatorG(translatorModel);
  const D = buildTranslatorD(translatorModel);
  const g = modelCost(G);
  const d = modelCost(D);
  assert.ok(g.params > 1.1e6 && g.params < 1.35e6, `G has ${g.params} parameters`);
  assert.ok(d.params > 0.6e6 && d.params < 0.8e6, `D has ${d.params} parameters`);
  assert.ok(g.forwardFlops > 0.4e9 && g.forwardFlops < 0.6e9, `G forward ${g.forwardFlops} FLOPs`);
  assert.deepEqual(D.outputs.map((o) => o.shape), [[null, 3, 3, 1], [null, 7]]);
  G.dispose();
  D.dispose();
});

test('G: output shape [b,48,48,1] in [-1, 1], mask in [0, 1]; the target changes the output', () => {
  for (const mask of [true, false]) {
    const G = buildTranslatorG({ ...tiny, mask }, 3);
    tf.tidy(() => {
      const x = randomFaces(4);
      const a = translate(G, x, oneHot([3, 3, 3, 3], 7));
      const b = translate(G, x, oneHot([4, 4, 4, 4], 7));
      assert.deepEqual(a.image.shape, [4, 48, 48, 1]);
      assert.ok(a.image.min().dataSync()[0] >= -1 && a.image.max().dataSync()[0] <= 1);
      if (mask) {
        assert.deepEqual(a.mask!.shape, [4, 48, 48, 1]);
        assert.ok(a.mask!.min().dataSync()[0] >= 0 && a.mask!.max().dataSync()[0] <= 1);
      } else assert.equal(a.mask, null);
      const diff = a.image.sub(b.image).abs().max().dataSync()[0];
      assert.ok(diff > 1e-4, `happy and sad gave the same output (max |diff| ${diff})`);
    });
    G.dispose();
  }
});

test('G and D (custom layers InstanceNorm, AttentionBlend, AbsLeakyReLU) save and load in TF.js layers format with the same outputs', async () => {
  const dir = tempDir();
  const G = buildTranslatorG(tiny, 5);
  const D = buildTranslatorD(tiny, 6);
  await saveModelDir(G, path.join(dir, 'G'));
  await saveModelDir(D, path.join(dir, 'D'));
  const topo = fs.readFileSync(path.join(dir, 'G', 'model.json'), 'utf8');
  for (const cls of ['InstanceNorm', 'AttentionBlend']) assert.match(topo, new RegExp(`"class_name":"${cls}"`));
  assert.match(fs.readFileSync(path.join(dir, 'D', 'model.json'), 'utf8'), /"class_name":"AbsLeakyReLU"/);
  const G2 = await loadModelDir(path.join(dir, 'G'));
  const D2 = await loadModelDir(path.join(dir, 'D'));
  tf.tidy(() => {
    const x = randomFaces(2, 9);
    const y = oneHot([1, 5], 7);
    assert.deepEqual(translate(G2, x, y).image.dataSync(), translate(G, x, y).image.dataSync());
    assert.deepEqual(discriminate(D2, x).cls.dataSync(), discriminate(D, x).cls.dataSync());
  });
  [G, D, G2, D2].forEach((m) => m.dispose());
});

test('the gradient penalty differentiates through D (double gradient matches finite differences)', () => {
  const D = buildTranslatorD(tiny, 7);
  const x = randomFaces(2, 11);
  const fake = randomFaces(2, 12);
  const alpha = tf.tensor4d([0.3, 0.7], [2, 1, 1, 1]);
  const variable = D.getLayer('d_conv2').trainableWeights[0].read() as tf.Variable;
  const shape = variable.shape;
  const gp = () =>
    tf.tidy(() => {
      const xhat = alpha.mul(x).add(tf.sub(1, alpha).mul(fake)) as tf.Tensor4D;
      const g = tf.grad((xi: tf.Tensor) => discriminate(D, xi as tf.Tensor4D).src.sum())(xhat);
      return g.square().sum([1, 2, 3]).sqrt().sub(1).square().mean() as tf.Scalar;
    });
  const { grads } = tf.variableGrads(gp, [variable]);
  const analytic = grads[variable.name].dataSync();
  const w0 = variable.dataSync().slice();
  const eps = 2e-3;
  let checked = 0;
  for (const i of [0, 37, 101]) {
    const at = (d: number) => {
      const w = w0.slice();
      w[i] += d;
      variable.assign(tf.tensor(w, shape));
      return gp().dataSync()[0];
    };
    const numeric = (at(eps) - at(-eps)) / (2 * eps);
    variable.assign(tf.tensor(w0, shape));
    assert.ok(Math.abs(numeric - analytic[i]) <= 0.05 * Math.abs(numeric) + 2e-3, `weight ${i}: analytic ${analytic[i]}, numeric ${numeric}`);
    checked++;
  }
  assert.equal(checked, 3);
  tf.dispose([x, fake, alpha, ...Object.values(grads)]);
  D.dispose();
});

test('one D step of WGAN-GP returns finite terms and moves D', () => {
  const pair = makeTranslatorPair(buildTranslatorG(tiny, 1), buildTranslatorD(tiny, 2), { lr: 1e-3, beta1: 0.5, beta2: 0.999, eps: 1e-8 }, { lr: 1e-3, beta1: 0.5, beta2: 0.999, eps: 1e-8 });
  const before = pair.D.getWeights().map((w) => w.dataSync().slice());
  const b = { x: randomFaces(4), src: oneHot([0, 1, 2, 3], 7), trg: oneHot([3, 2, 1, 0], 7), alpha: tf.tensor4d([0.1, 0.4, 0.6, 0.9], [4, 1, 1, 1]) };
  const d = discriminatorStep(pair, b, ferTranslate.losses);
  for (const [k, v] of Object.entries(d)) assert.ok(Number.isFinite(v.dataSync()[0]), `${k} is not finite`);
  assert.ok(d.gp.dataSync()[0] > 0);
  const moved = pair.D.getWeights().some((w, i) => w.dataSync().some((v, j) => v !== before[i][j]));
  assert.ok(moved);
  tf.dispose([...Object.values(b), ...Object.values(d)]);
  pair.G.dispose();
  pair.D.dispose();
});

test('identity-mapping term: g idt = mean |G(x, own label) - x| before the update, weighted into the G loss; off at weight 0', () => {
  const adam = { lr: 1e-3, beta1: 0.5, beta2: 0.999, eps: 1e-8 };
  const b = { x: randomFaces(4, 5), src: oneHot([0, 1, 2, 3], 7), trg: oneHot([3, 2, 1, 0], 7), alpha: tf.tensor4d([0.1, 0.4, 0.6, 0.9], [4, 1, 1, 1]) };
  const losses = { ...ferTranslate.losses, idt: 7 };
  const values: Record<string, number>[] = [];
  for (const w of [losses, { ...losses, idt: 0 }]) {
    const pair = makeTranslatorPair(buildTranslatorG(tiny, 11), buildTranslatorD(tiny, 12), adam, adam);
    // the expected value: G's output for the faces' own labels, from G's weights before the step, in plain JS
    const ownT = translate(pair.G, b.x, b.src).image;
    const own = ownT.dataSync() as Float32Array;
    ownT.dispose();
    const xs = b.x.dataSync() as Float32Array;
    const want = own.reduce((acc, v, i) => acc + Math.abs(v - xs[i]), 0) / own.length;
    const g = generatorStep(pair, b, w);
    const v = Object.fromEntries(Object.entries(g).map(([k, t]) => [k, t.dataSync()[0]]));
    tf.dispose(Object.values(g));
    values.push(v);
    if (w.idt > 0) assert.ok(Math.abs(v.idt - want) <= 1e-6 * Math.max(1, want), `idt ${v.idt}, expected ${want}`);
    else assert.equal(v.idt, 0);
    const rest = v.adv + (w.clsG ?? w.cls) * v.cls + w.rec * v.rec + v.mask;
    assert.ok(Math.abs(v.loss - (rest + w.idt * v.idt)) <= 1e-4 * Math.abs(v.loss), `loss ${v.loss} = terms ${rest} + ${w.idt} x ${v.idt}`);
    pair.G.dispose();
    pair.D.dispose();
  }
  assert.ok(values[0].idt > 0);
  tf.dispose(Object.values(b));
});

const settings = (o: Partial<TranslateSettings>): TranslateSettings => ({
  steps: 3, batchSize: 8, limit: null, lrG: 1e-3, lrD: 1e-3, beta1: 0.5, beta2: 0.999, nCritic: 1, decayFrom: null,
  flip: true, sampleEvery: 1000, checkpointEvery: 0, logEvery: 1, ...o,
});

async function gridFaces() {
  const s = await loadFer2013({ path: FER, split: 'test', limit: 2, seed: 1 });
  return { data: s.data, n: s.n, height: 48, width: 48, channels: 1 as const, labels: s.labels! };
}

test('the cycle term falls in a short run (30 iterations, bundled sample, tiny widths)', async () => {
  const data = await loadFer2013({ path: FER, split: 'train', limit: 64, seed: 2 });
  const dir = tempDir();
  const s = await trainTranslator({
    runDir: dir, data, model: { ...tiny, gDim: 8 }, losses: ferTranslate.losses, settings: settings({ steps: 30, lrG: 2e-3, checkpointEvery: 0 }),
    seed: 4, gridFaces: await gridFaces(), progress: false,
  });
  assert.equal(s.status, 'completed');
  const rows = fs.readFileSync(path.join(dir, 'losses.csv'), 'utf8').trim().split('\n');
  const header = rows[0].split(',');
  const rec = rows.slice(1).map((l) => Number(l.split(',')[header.indexOf('g_rec')]));
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  const first = mean(rec.slice(0, 5));
  const last = mean(rec.slice(-5));
  assert.ok(last < 0.8 * first, `cycle L1 went from ${first.toFixed(4)} (first 5) to ${last.toFixed(4)} (last 5)`);
  assert.ok(fs.existsSync(path.join(dir, 'samples', 'final.png')));
});

test('exact resume: two iterations + resume == three iterations, bit for bit', async () => {
  {
    const data = await loadFer2013({ path: FER, split: 'train', limit: 24, seed: 3 });
    const base = { data, model: tiny, losses: ferTranslate.losses, settings: settings({ steps: 3, nCritic: 2, decayFrom: 1 }), seed: 8, gridFaces: await gridFaces(), progress: false };
    const a = tempDir();
    assert.equal((await trainTranslator({ ...base, runDir: a })).steps, 3);
    const b = tempDir();
    const first = await trainTranslator({ ...base, runDir: b, maxSteps: 2 });
    assert.equal(first.status, 'stopped');
    const second = await trainTranslator({ ...base, runDir: b, resume: true });
    assert.equal(second.status, 'completed');
    assert.equal(second.steps, 3);
    const wa = checkpointWeights(a, ['opt-G.bin', 'opt-D.bin']);
    const wb = checkpointWeights(b, ['opt-G.bin', 'opt-D.bin']);
    assert.deepEqual(Object.keys(wb).sort(), Object.keys(wa).sort());
    for (const k of Object.keys(wa)) assert.deepEqual(wb[k], wa[k], `${k} differs after resume`);
    const cols = (f: string) => fs.readFileSync(f, 'utf8').trim().split('\n').map((l) => l.split(',').filter((_, i) => i !== 7).join(','));
    assert.deepEqual(cols(path.join(b, 'losses.csv')), cols(path.join(a, 'losses.csv')));
  }
});
