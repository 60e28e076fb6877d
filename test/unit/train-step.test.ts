import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildGenerator, buildDiscriminator } from '../../lib/models/dcgan';
import { trainStep, readSteps } from '../../lib/train/step';
import { outsideTape } from '../../lib/kernels/outside-tape';
import { bceWithLogits } from '../../lib/train/loss';
import { Adam } from '../../lib/train/adam';
import { DcganSpec } from '../../lib/models/spec';
import { setupBackend, ganPair } from '../helpers';

test.before(setupBackend);

// Narrow nets (same layers, fewer feature maps) keep these tests fast on the pure-JS backend too.
const small: DcganSpec = { size: 48, channels: 1, nz: 100, ngf: 4, ndf: 4 };

function batch(seed: number, n = 4) {
  return {
    real: tf.randomUniform([n, 48, 48, 1], -1, 1, 'float32', seed) as tf.Tensor4D,
    z: tf.randomNormal([n, 1, 1, 100], 0, 1, 'float32', seed + 1) as tf.Tensor4D,
  };
}

test('BCE on logits equals -mean(y log s + (1-y) log(1-s)) and stays finite for huge logits', () => {
  const l = tf.tensor1d([-3, -0.5, 0, 0.7, 4]);
  const s = tf.sigmoid(l).dataSync();
  const ref1 = -Array.from(s).reduce((a, p) => a + Math.log(p), 0) / 5;
  const ref0 = -Array.from(s).reduce((a, p) => a + Math.log(1 - p), 0) / 5;
  assert.ok(Math.abs(bceWithLogits(l, 1).dataSync()[0] - ref1) < 1e-5);
  assert.ok(Math.abs(bceWithLogits(l, 0).dataSync()[0] - ref0) < 1e-5);
  const big = bceWithLogits(tf.tensor1d([200, -200]), 1).dataSync()[0];
  assert.ok(Number.isFinite(big) && Math.abs(big - 100) < 1e-3, `got ${big}`);
});

test('Adam follows the PyTorch update rule', () => {
  const p = tf.variable(tf.tensor1d([1, -2]));
  const opt = new Adam([p], { lr: 0.1, beta1: 0.5, beta2: 0.9, eps: 1e-8 });
  const grads = [[0.5, -1], [0.25, 2]];
  let m = [0, 0], v = [0, 0];
  const ref = [1, -2];
  grads.forEach((g, t) => {
    opt.apply([tf.tensor1d(g)]);
    for (let i = 0; i < 2; i++) {
      m[i] = 0.5 * m[i] + 0.5 * g[i];
      v[i] = 0.9 * v[i] + 0.1 * g[i] * g[i];
      const mh = m[i] / (1 - 0.5 ** (t + 1)), vh = v[i] / (1 - 0.9 ** (t + 1));
      ref[i] -= (0.1 * mh) / (Math.sqrt(vh) + 1e-8);
    }
  });
  const got = p.dataSync();
  ref.forEach((r, i) => assert.ok(Math.abs(got[i] - r) < 1e-6, `param ${i}: ${got[i]} vs ${r}`));
  assert.equal(opt.step, 2);
});

test('one training step changes every trainable weight of G and D and reports sane values', async () => {
  const pair = ganPair(buildGenerator(small, 1), buildDiscriminator(small, 2));
  const before = [...pair.optG.params, ...pair.optD.params].map((v) => v.dataSync().slice());
  const { real, z } = batch(3);
  const [vals] = await readSteps([trainStep(pair, real, z)]);
  [...pair.optG.params, ...pair.optD.params].forEach((v, i) => {
    const after = v.dataSync();
    const changed = after.some((x, j) => x !== before[i][j]);
    assert.ok(changed, `${v.name} did not change`);
  });
  for (const k of ['dX', 'dGz1', 'dGz2'] as const) assert.ok(vals[k] > 0 && vals[k] < 1, `${k}=${vals[k]}`);
  assert.ok(vals.lossD > 0 && vals.lossG > 0);
  // At initialisation D is near chance: loss_D is about 2 ln 2.
  assert.ok(Math.abs(vals.lossD - 2 * Math.log(2)) < 0.6, `loss_D ${vals.lossD}`);
});

test('tf.memory().numTensors is the same after step 2 and step 20', async () => {
  const pair = ganPair(buildGenerator(small, 1), buildDiscriminator(small, 2));
  const { real, z } = batch(5, 2);
  let at2 = -1;
  for (let i = 1; i <= 20; i++) {
    await readSteps([trainStep(pair, real, z)]);
    if (i === 2) at2 = tf.memory().numTensors;
  }
  assert.equal(tf.memory().numTensors, at2);
});

test('the lean step (one G forward) gives the same losses and trainable weights as the plain step', async () => {
  const run = async (lean: boolean) => {
    const pair = ganPair(buildGenerator(small, 11), buildDiscriminator(small, 12));
    const out = [];
    for (let i = 0; i < 3; i++) {
      const { real, z } = batch(20 + i);
      out.push(...(await readSteps([trainStep(pair, real, z, { gForward: lean ? 'once' : 'twice' })])));
      tf.dispose([real, z]);
    }
    return { out, w: [...pair.optG.params, ...pair.optD.params].map((v) => v.dataSync().slice()) };
  };
  const lean = await run(true);
  const plain = await run(false);
  assert.deepEqual(lean.out, plain.out);
  lean.w.forEach((w, i) => w.forEach((x, j) => assert.ok(Math.abs(x - plain.w[i][j]) <= 1e-6, `weight ${i}[${j}]`)));
});

test('outsideTape: work inside a gradient tape is not recorded on it, and both gradients stay right', () => {
  const state = (tf.engine() as unknown as { state: { activeTape: unknown[] | null; numTensors: number } }).state;
  const a = tf.variable(tf.scalar(3), true, 'outside_a');
  const b = tf.variable(tf.scalar(5), true, 'outside_b');
  let recorded = { inside: -1, after: -1 };
  let innerGrad = NaN;
  const { grads } = tf.variableGrads(() => {
    const y = a.square(); // recorded: the outer gradient needs it
    const before = state.activeTape!.length;
    outsideTape(() => {
      // a nested gradient (as D's update in G's step): d(b^3)/db = 3 b^2 = 75
      const g = tf.variableGrads(() => b.pow(3).sum() as tf.Scalar, [b]);
      innerGrad = g.grads[b.name].dataSync()[0];
      tf.dispose([g.value, g.grads[b.name]]);
    });
    recorded = { inside: before, after: state.activeTape!.length };
    return y.mul(2).sum() as tf.Scalar; // d(2 a^2)/da = 4 a = 12
  }, [a]);
  assert.equal(innerGrad, 75);
  assert.equal(grads[a.name].dataSync()[0], 12);
  assert.equal(recorded.after, recorded.inside, 'nothing of the nested update may land on the outer tape');
  tf.dispose([a, b, grads[a.name]]);
});
