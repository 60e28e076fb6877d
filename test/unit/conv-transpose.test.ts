/**
 * The matrix-product transposed convolution (lib/kernels/conv-transpose.ts) computes what
 * TensorFlow's Conv2DBackpropInput computes, forward and backward, for the DCGAN's 4x4 stride-2
 * layers, and conv2d's input gradient takes it only where it applies.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { setupBackend } from '../helpers';
import { nativeOneDnn } from '../../lib/backend';
import { Rng } from '../../lib/rng';
import {
  fastConvTranspose, convTransposeFast, fastConvTransposeApplies, installFastConv2dInputGradient, FAST_MAX_CELLS, FAST_MIN_CHANNELS,
} from '../../lib/kernels/conv-transpose';

test.before(setupBackend);

const randn = (rng: Rng, shape: number[]) => tf.tensor(rng.normals(shape.reduce((a, b) => a * b, 1)), shape as [number, number, number, number]) as tf.Tensor4D;
const maxRelDiff = (a: tf.Tensor, b: tf.Tensor) => {
  const d = tf.abs(a.sub(b)).max().dataSync()[0];
  return d / Math.max(1e-6, tf.abs(a).max().dataSync()[0]);
};

test('fastConvTranspose = tf.conv2dTranspose (4x4, stride 2, same) for square, oblong and 1-channel cases', () => {
  const rng = new Rng(1);
  for (const [b, h, w, cin, cout] of [[2, 3, 3, 16, 8], [3, 4, 4, 8, 5], [1, 2, 5, 6, 1], [2, 6, 6, 4, 3]]) {
    const x = randn(rng, [b, h, w, cin]);
    const k = randn(rng, [4, 4, cout, cin]);
    const ref = tf.conv2dTranspose(x, k, [b, 2 * h, 2 * w, cout], 2, 'same');
    const got = fastConvTranspose(x, k);
    assert.deepEqual(got.shape, ref.shape);
    assert.ok(maxRelDiff(ref, got) < 1e-5, `[${b},${h},${w},${cin}] -> ${cout}: ${maxRelDiff(ref, got)}`);
    tf.dispose([x, k, ref, got]);
  }
  assert.throws(() => fastConvTranspose(tf.zeros([1, 2, 2, 3]) as tf.Tensor4D, tf.zeros([3, 3, 2, 3]) as tf.Tensor4D), /filter \[3,3,2,3\] does not fit/);
});

test('convTransposeFast has the gradients of tf.conv2dTranspose (input and filter)', () => {
  const rng = new Rng(2);
  const x = randn(rng, [3, 3, 3, 12]);
  const k = randn(rng, [4, 4, 6, 12]);
  const dy = randn(rng, [3, 6, 6, 6]);
  const ref = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [3, 6, 6, 6], 2, 'same'))([x, k], dy);
  const got = tf.grads((a: tf.Tensor, b: tf.Tensor) => convTransposeFast(a as tf.Tensor4D, b as tf.Tensor4D))([x, k], dy);
  ref.forEach((r, i) => assert.ok(maxRelDiff(r, got[i]) < 1e-5, `gradient ${i}: ${maxRelDiff(r, got[i])}`));
});

test('conv2d input gradient through the fast path where it applies (native, oneDNN off), tfjs elsewhere; same values', async () => {
  installFastConv2dInputGradient();
  const rng = new Rng(3);
  // the sub-pixel path is for libtensorflow on Eigen (oneDNN off); with oneDNN TensorFlow's own kernel runs
  const native = tf.getBackend() === 'tensorflow' && nativeOneDnn() === false;
  for (const [h, cin, cout, fast] of [[6, 16, 8, native], [6, 8, 8, false], [24, 16, 8, false]] as [number, number, number, boolean][]) {
    const x = randn(rng, [2, h, h, cin]);
    const k = randn(rng, [4, 4, cin, cout]);
    const dy = randn(rng, [2, h / 2, h / 2, cout]);
    const grads = () => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'))([x, k], dy);
    const kernels = (await tf.profile(() => tf.dispose(grads()))).kernelNames;
    assert.equal(kernels.includes('Conv2DBackpropInput'), !fast, `[${h}, ${cin}] -> ${cout}: kernels ${kernels}`);
    const [dx, dk] = grads();
    const refDx = tf.conv2dTranspose(dy, k, [2, h, h, cin], 2, 'same');
    assert.ok(maxRelDiff(refDx, dx) < 1e-5, `dx ${h}: ${maxRelDiff(refDx, dx)}`);
    // the filter gradient is untouched: check it against a finite difference of sum(conv * dy) in one entry
    const f = (kk: tf.Tensor4D) => tf.conv2d(x, kk, 2, 'same').mul(dy).sum().dataSync()[0];
    const e = tf.tensor4d([1], [1, 1, 1, 1]).pad([[1, 2], [2, 1], [0, cin - 1], [0, cout - 1]]) as tf.Tensor4D;
    const fd = (f(k.add(e.mul(1e-2)) as tf.Tensor4D) - f(k.sub(e.mul(1e-2)) as tf.Tensor4D)) / 2e-2;
    const an = dk.mul(e).sum().dataSync()[0];
    assert.ok(Math.abs(fd - an) <= 2e-2 * Math.max(1, Math.abs(an)), `dk entry: finite difference ${fd} vs ${an}`);
  }
  assert.equal(fastConvTransposeApplies([2, 3, 3, 8], [4, 4, 16, 8], 2, "same"), native);
  assert.equal(fastConvTransposeApplies([2, 3, 3, 8], [4, 4, 16, 8], 1, "same"), false);
  assert.equal(fastConvTransposeApplies([2, 3, 3, 8], [3, 3, 4, 8], 2, 'same'), false);
  assert.equal(fastConvTransposeApplies([2, 3, 3, 8], [4, 4, 8, 8], 2, "same"), false, `fewer than ${FAST_MIN_CHANNELS} output channels`);
  assert.equal(fastConvTransposeApplies([2, 12, 12, 8], [4, 4, 16, 8], 2, "same"), false, `more than ${FAST_MAX_CELLS} cells`);
});
