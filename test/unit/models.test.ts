import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildGenerator, buildDiscriminator, countTrainable } from '../../lib/models/dcgan';
import { checkSpec, DcganSpec } from '../../lib/models/spec';
import { setupBackend } from '../helpers';

test.before(setupBackend);

const spec = (size: 64 | 48, channels: 1 | 3): DcganSpec => ({ size, channels, nz: 100, ngf: 64, ndf: 64 });

test('trainable parameter counts equal PyTorch (64x64x3: G 3,576,704 D 2,765,568)', () => {
  const G = buildGenerator(spec(64, 3));
  const D = buildDiscriminator(spec(64, 3));
  assert.equal(countTrainable(G), 3576704);
  assert.equal(countTrainable(D), 2765568);
  G.dispose();
  D.dispose();
});

test('trainable parameter counts equal PyTorch (48x48x1: G 3,216,256 D 2,759,936)', () => {
  const G = buildGenerator(spec(48, 1));
  const D = buildDiscriminator(spec(48, 1));
  assert.equal(countTrainable(G), 3216256);
  assert.equal(countTrainable(D), 2759936);
  G.dispose();
  D.dispose();
});

for (const [size, channels] of [[64, 3], [64, 1], [48, 1]] as const) {
  test(`G and D shapes for ${size}x${size}x${channels}`, () => {
    const s = spec(size, channels);
    const G = buildGenerator(s, 3);
    const D = buildDiscriminator(s, 4);
    tf.tidy(() => {
      const z = tf.randomNormal([2, 1, 1, 100], 0, 1, 'float32', 1);
      const x = G.apply(z, { training: true }) as tf.Tensor;
      assert.deepEqual(x.shape, [2, size, size, channels]);
      const [lo, hi] = [x.min().dataSync()[0], x.max().dataSync()[0]];
      assert.ok(lo >= -1 && hi <= 1, `tanh output in [-1, 1], got [${lo}, ${hi}]`);
      const y = D.apply(x, { training: true }) as tf.Tensor;
      assert.deepEqual(y.shape, [2, 1, 1, 1]);
    });
    G.dispose();
    D.dispose();
  });
}

test('init follows N(0, 0.02) for conv kernels and N(1, 0.02) for BatchNorm gamma', () => {
  const G = buildGenerator(spec(64, 3), 7);
  const byName = Object.fromEntries(G.weights.map((w) => [w.originalName, w.read()]));
  const k = byName['g_convt2/kernel'];
  const { mean, variance } = tf.moments(k);
  assert.ok(Math.abs(mean.dataSync()[0]) < 1e-3);
  assert.ok(Math.abs(Math.sqrt(variance.dataSync()[0]) - 0.02) < 1e-3);
  const gamma = tf.moments(byName['g_bn1/gamma']);
  assert.ok(Math.abs(gamma.mean.dataSync()[0] - 1) < 0.01);
  assert.equal(byName['g_bn1/beta'].abs().max().dataSync()[0], 0);
  assert.ok(!G.weights.some((w) => w.originalName.endsWith('/bias')), 'no biases');
  G.dispose();
});

test('the same seed gives the same weights, another seed different ones', () => {
  const a = buildGenerator(spec(48, 1), 5).getWeights()[0].dataSync();
  const b = buildGenerator(spec(48, 1), 5).getWeights()[0].dataSync();
  const c = buildGenerator(spec(48, 1), 6).getWeights()[0].dataSync();
  assert.deepEqual(a.slice(0, 50), b.slice(0, 50));
  assert.notDeepEqual(a.slice(0, 50), c.slice(0, 50));
});

test('bad specs are refused with the field named', () => {
  assert.throws(() => checkSpec({ ...spec(64, 3), size: 32 as 64 }), /size must be 64 or 48/);
  assert.throws(() => checkSpec({ ...spec(64, 3), channels: 2 as 1 }), /channels must be 1/);
  assert.throws(() => checkSpec({ ...spec(64, 3), nz: 0 }), /nz must be a positive integer/);
});
