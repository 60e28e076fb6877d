/**
 * The step profiler (tools/bench/profile.ts): its phase-by-phase step is the lean trainStep (same
 * losses and weights), and a profile accounts for the step's phases, kernels and allocations.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildGenerator, buildDiscriminator } from '../../lib/models/dcgan';
import { trainStep, readSteps } from '../../lib/train/step';
import { phasedStep, profileStep, PHASES, timedStep } from '../../tools/bench/profile';
import { DcganSpec } from '../../lib/models/spec';
import { loadFer2013 } from '../../lib/data/fer2013';
import { SAMPLE_FER2013_DIR } from '../../lib/data/sample';
import { BatchStream } from '../../lib/data/batches';
import { Rng } from '../../lib/rng';
import { setupBackend, ganPair } from '../helpers';

test.before(setupBackend);

const small: DcganSpec = { size: 48, channels: 1, nz: 100, ngf: 4, ndf: 4 };

test('the phased step gives the same losses and weights as trainStep, over 3 steps on real faces', async () => {
  const data = await loadFer2013({ path: SAMPLE_FER2013_DIR, split: 'train', limit: 24, seed: 2 });
  const run = async (phased: boolean) => {
    const pair = ganPair(buildGenerator(small, 5), buildDiscriminator(small, 6));
    const stream = new BatchStream(data, { batchSize: 8, seed: 1 });
    const rng = new Rng(9);
    const values = [];
    for (let i = 0; i < 3; i++) {
      const b = stream.next();
      const real = tf.tensor4d(b.data, b.shape);
      const z = tf.tensor4d(rng.normals(8 * 100), [8, 1, 1, 100]);
      const marks: string[] = [];
      const s = phased ? phasedStep(pair, real, z, (p) => marks.push(p)) : trainStep(pair, real, z);
      if (phased) assert.deepEqual(marks, PHASES.slice(1, -1));
      values.push(...(await readSteps([s])));
      tf.dispose([real, z]);
    }
    const weights = [...pair.G.weights, ...pair.D.weights].map((w) => w.read().dataSync().slice());
    [pair.G, pair.D, pair.optG, pair.optD].forEach((x) => x.dispose());
    return { values, weights };
  };
  const a = await run(true);
  const b = await run(false);
  assert.deepEqual(a.values, b.values);
  a.weights.forEach((w, i) => assert.deepEqual(w, b.weights[i], `weight ${i}`));
});

test('timedStep reports every phase, and they add up to the step', async () => {
  const pair = ganPair(buildGenerator(small, 1), buildDiscriminator(small, 2));
  const rng = new Rng(3);
  const makeBatch = () => ({
    real: tf.tensor4d(Float32Array.from(rng.normals(4 * 48 * 48), (x) => Math.tanh(x)), [4, 48, 48, 1]),
    z: tf.tensor4d(rng.normals(400), [4, 1, 1, 100]),
  });
  const t0 = performance.now();
  const { ms, values } = await timedStep(pair, makeBatch);
  const total = performance.now() - t0;
  assert.deepEqual(Object.keys(ms), [...PHASES]);
  const sum = Object.values(ms).reduce((x, y) => x + y, 0);
  assert.ok(Object.values(ms).every((x) => x >= 0));
  assert.ok(sum <= total + 1 && sum > 0.5 * total, `phases ${sum} ms vs step ${total} ms`);
  assert.ok(Number.isFinite(values.lossD) && Number.isFinite(values.lossG));
  [pair.G, pair.D, pair.optG, pair.optD].forEach((x) => x.dispose());
});

test('profileStep: phases, kernels (convolutions among them), allocations and no tensor growth', async () => {
  const p = await profileStep(small, 4, 1);
  assert.equal(p.phases.length, PHASES.length);
  assert.ok(Math.abs(p.phases.reduce((a, x) => a + x.share, 0) - 1) < 1e-9);
  const names = p.kernels.map((k) => k.kernel);
  for (const k of ['Conv2DBackpropInput', 'Conv2DBackpropFilter']) assert.ok(names.includes(k), `no ${k} in ${names.join(' ')}`);
  assert.ok(!names.some((n) => n.endsWith('__op')), 'op wrappers must not be counted twice');
  assert.ok(p.conv_ms > 0 && p.conv_ms <= p.kernel_ms);
  assert.ok(p.kernel_calls > 100, `kernel calls ${p.kernel_calls}`);
  // At least the batch and the noise are uploaded each step; tensors created include every kernel output.
  assert.ok(p.uploads >= 2 && p.upload_bytes >= 4 * (4 * 48 * 48 + 4 * 100), `uploads ${p.uploads} (${p.upload_bytes} B)`);
  assert.ok(p.tensors_created >= p.kernel_calls, `${p.tensors_created} tensors for ${p.kernel_calls} kernels`);
  assert.equal(p.tensor_growth, 0);
});
