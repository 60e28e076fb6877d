import test from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { augmentColor, augmentTranslation, augmentCutout, diffAugment, checkAugmentOptions, makeAugmenter } from '../../lib/train/augment';
import { loadFer2013 } from '../../lib/data';
import { SAMPLE_DIR } from '../../lib/runs/dataset';
import { Rng } from '../../lib/rng';
import { setupBackend } from '../helpers';

test.before(setupBackend);

/** Four real FER2013 faces as a [-1, 1] batch. */
async function faces(n = 4): Promise<tf.Tensor4D> {
  const set = await loadFer2013({ path: path.join(SAMPLE_DIR, 'fer2013'), split: 'test', limit: n, seed: 2 });
  return tf.tensor4d(Float32Array.from(set.data, (v) => v / 127.5 - 1), [n, 48, 48, 1]);
}

test('translation moves each real face by a whole-pixel shift of at most 6 px, filling with zeros', async () => {
  const x = await faces();
  const xs = x.arraySync();
  const y = augmentTranslation(x, new Rng(3)).arraySync();
  const shifts = new Set<string>();
  for (let b = 0; b < 4; b++) {
    // Find the shift (ty, tx) that explains the output: out(i, j) = in(i + ty, j + tx), 0 outside.
    let found: [number, number] | null = null;
    for (let ty = -6; ty <= 6 && !found; ty++) {
      for (let tx = -6; tx <= 6 && !found; tx++) {
        let ok = true;
        for (let i = 0; i < 48 && ok; i++) {
          for (let j = 0; j < 48 && ok; j++) {
            const si = i + ty, sj = j + tx;
            const want = si >= 0 && si < 48 && sj >= 0 && sj < 48 ? xs[b][si][sj][0] : 0;
            if (Math.abs(y[b][i][j][0] - want) > 1e-6) ok = false;
          }
        }
        if (ok) found = [ty, tx];
      }
    }
    assert.ok(found, `image ${b} is not a shifted copy of its input`);
    shifts.add(found!.join(','));
  }
  assert.ok(shifts.size > 1, 'images get their own shifts');
});

test('cutout zeroes one 24x24 square (clipped at the border) and keeps every other pixel', async () => {
  const x = await faces();
  const xs = x.dataSync();
  const y = augmentCutout(x, new Rng(5)).dataSync();
  for (let b = 0; b < 4; b++) {
    let rows = new Set<number>(), cols = new Set<number>(), zeroed = 0;
    for (let i = 0; i < 48; i++) {
      for (let j = 0; j < 48; j++) {
        const k = (b * 48 + i) * 48 + j;
        if (y[k] !== xs[k]) {
          assert.ok(y[k] === 0, 'changed pixels are zero');
          rows.add(i), cols.add(j), zeroed++;
        }
      }
    }
    assert.ok(rows.size <= 24 && cols.size <= 24 && rows.size > 0, `image ${b}: cut ${rows.size}x${cols.size}`);
    const r = [...rows], c = [...cols];
    assert.equal(Math.max(...r) - Math.min(...r) + 1, rows.size, 'contiguous rows');
    assert.equal(Math.max(...c) - Math.min(...c) + 1, cols.size, 'contiguous columns');
    assert.ok(zeroed <= rows.size * cols.size);
  }
});

test('colour on a grayscale face: brightness then contrast about the image mean (saturation is a no-op)', async () => {
  const x = await faces(2);
  const rng = new Rng(8);
  const y = augmentColor(x, rng).dataSync();
  // Replay the random numbers: per image brightness u_b, saturation u_s, contrast u_c (drawn in that order per batch).
  const r2 = new Rng(8);
  const ub = [r2.uniform(), r2.uniform()], _us = [r2.uniform(), r2.uniform()], uc = [r2.uniform(), r2.uniform()];
  const xs = x.dataSync();
  for (let b = 0; b < 2; b++) {
    const px = Array.from(xs.subarray(b * 2304, (b + 1) * 2304), (v) => v + ub[b] - 0.5);
    const mean = px.reduce((a, v) => a + v, 0) / px.length;
    for (let i = 0; i < 2304; i += 97) {
      const want = (px[i] - mean) * (uc[b] + 0.5) + mean;
      assert.ok(Math.abs(y[b * 2304 + i] - want) < 1e-4, `image ${b} pixel ${i}: ${y[b * 2304 + i]} vs ${want}`);
    }
  }
  assert.equal(_us.length, 2);
});

test('DiffAugment is differentiable: gradients reach the images (cutout: exactly the kept pixels)', async () => {
  const x = await faces(2);
  const gCut = tf.grad((t: tf.Tensor) => augmentCutout(t as tf.Tensor4D, new Rng(1)).sum())(x).dataSync();
  const kept = augmentCutout(tf.onesLike(x) as tf.Tensor4D, new Rng(1)).dataSync();
  gCut.forEach((g, i) => assert.equal(g, kept[i]));
  const gAll = tf.grad((t: tf.Tensor) => diffAugment(t as tf.Tensor4D, new Rng(2), { policies: ['color', 'translation', 'cutout'] }).square().sum())(x).dataSync();
  assert.ok(gAll.some((g) => g !== 0) && gAll.every(Number.isFinite));
  // Translation's gradient sums to the number of source pixels that stay inside the image.
  const gT = tf.grad((t: tf.Tensor) => augmentTranslation(t as tf.Tensor4D, new Rng(4)).sum())(x).dataSync();
  assert.ok(gT.every((g) => g === 0 || g === 1), 'each input pixel lands at most once');
});

test('same seed, same augmentation; options are checked; no tensors leak', async () => {
  const x = await faces(2);
  const a = diffAugment(x, new Rng(6), { policies: ['color', 'translation', 'cutout'] }).dataSync();
  const b = diffAugment(x, new Rng(6), { policies: ['color', 'translation', 'cutout'] }).dataSync();
  const c = diffAugment(x, new Rng(7), { policies: ['color', 'translation', 'cutout'] }).dataSync();
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.throws(() => checkAugmentOptions({ policies: ['flip' as 'color'] }), /unknown policy "flip"/);
  assert.throws(() => checkAugmentOptions({ policies: ['cutout'], cutoutRatio: 1.5 }), /cutoutRatio must be in \(0, 1\)/);
  const aug = makeAugmenter(() => new Rng(1), { policies: ['color', 'translation', 'cutout'] });
  const n0 = tf.memory().numTensors;
  aug(x).dispose();
  aug(x).dispose();
  assert.equal(tf.memory().numTensors, n0);
});
