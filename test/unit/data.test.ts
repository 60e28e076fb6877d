/** The bundled sample loads with the right counts, shapes and labels; grayscale; single images. */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { loadFer2013, loadCelebA, loadImageFile, readIdentities, toGrayscale, luma601, formatSkips, EMOTIONS } from '../../lib/data';
import type { ImageSet } from '../../lib/data';
import { SAMPLE_CELEBA_DIR, SAMPLE_FER2013_DIR } from '../../lib/data/sample';
import { encodePng, tempDir } from '../fixtures/data-fixtures';

function countLabels(set: ImageSet): number[] {
  const c = new Array(EMOTIONS.length).fill(0);
  for (const l of set.labels!) c[l]++;
  return c;
}

test('FER2013 sample: 100 train and 20 test images per emotion, 48x48x1, labels from the folders', async () => {
  const train = await loadFer2013({ path: SAMPLE_FER2013_DIR });
  assert.equal(train.n, 700);
  assert.deepEqual([train.height, train.width, train.channels], [48, 48, 1]);
  assert.equal(train.data.length, 700 * 48 * 48);
  assert.deepEqual(countLabels(train), [100, 100, 100, 100, 100, 100, 100]);
  assert.equal(train.skipped.length, 0);
  assert.equal(formatSkips(train), '');
  // every label agrees with the folder the image came from
  train.sources!.forEach((s, i) => assert.equal(path.basename(path.dirname(s)), EMOTIONS[train.labels![i]]));
  // real faces, not blank buffers (FER2013 itself has a few all-black images, one is in the sample)
  let flat = 0;
  for (let i = 0; i < train.n; i++) {
    const img = train.data.subarray(i * 2304, (i + 1) * 2304);
    if (Math.max(...img) - Math.min(...img) <= 30) flat++;
  }
  assert.ok(flat <= 7, `${flat} of 700 images have (almost) no contrast`);
  const test_ = await loadFer2013({ path: SAMPLE_FER2013_DIR, split: 'test' });
  assert.equal(test_.n, 140);
  assert.deepEqual(countLabels(test_), [20, 20, 20, 20, 20, 20, 20]);
  const all = await loadFer2013({ path: SAMPLE_FER2013_DIR, split: 'all' });
  assert.equal(all.n, 840);
});

test('FER2013 sample: finer splits from the file-name prefixes add up to the test split', async () => {
  const pub = await loadFer2013({ path: SAMPLE_FER2013_DIR, split: 'PublicTest' });
  const priv = await loadFer2013({ path: SAMPLE_FER2013_DIR, split: 'PrivateTest' });
  const training = await loadFer2013({ path: SAMPLE_FER2013_DIR, split: 'Training' });
  assert.equal(pub.n + priv.n, 140);
  assert.ok(pub.n > 0 && priv.n > 0);
  assert.ok(pub.sources!.every((s) => path.basename(s).startsWith('PublicTest_')));
  assert.ok(priv.sources!.every((s) => path.basename(s).startsWith('PrivateTest_')));
  assert.equal(training.n, 700);
});

test('FER2013 sample: emotion filter keeps the csv label indices', async () => {
  const set = await loadFer2013({ path: SAMPLE_FER2013_DIR, emotions: ['happy', 'neutral'] });
  assert.equal(set.n, 200);
  assert.deepEqual([...new Set(set.labels)].sort(), [3, 6]);
  const one = await loadFer2013({ path: SAMPLE_FER2013_DIR, emotions: 'disgust', split: 'test' });
  assert.equal(one.n, 20);
  assert.ok(one.labels!.every((l) => l === 1));
  assert.match(one.name, /disgust/);
});

test('FER2013 limit: a seeded random subset, stable per seed, nested, not the first N', async () => {
  const a = await loadFer2013({ path: SAMPLE_FER2013_DIR, limit: 50, seed: 7 });
  const b = await loadFer2013({ path: SAMPLE_FER2013_DIR, limit: 50, seed: 7 });
  const c = await loadFer2013({ path: SAMPLE_FER2013_DIR, limit: 50, seed: 8 });
  const big = await loadFer2013({ path: SAMPLE_FER2013_DIR, limit: 120, seed: 7 });
  const full = await loadFer2013({ path: SAMPLE_FER2013_DIR });
  assert.equal(a.n, 50);
  assert.deepEqual(a.sources, b.sources);
  assert.deepEqual(a.data, b.data);
  assert.notDeepEqual(a.sources, c.sources);
  assert.notDeepEqual(a.sources, full.sources!.slice(0, 50));
  const bigSet = new Set(big.sources);
  assert.ok(a.sources!.every((s) => bigSet.has(s)), 'the 50-subset is inside the 120-subset of the same seed');
  assert.ok(new Set(a.labels).size >= 5, 'a random subset spans the emotions');
  // pixels and labels travel with their file
  const idx = full.sources!.indexOf(a.sources![10]);
  assert.deepEqual(a.data.subarray(10 * 2304, 11 * 2304), full.data.subarray(idx * 2304, (idx + 1) * 2304));
  assert.equal(a.labels![10], full.labels![idx]);
  const over = await loadFer2013({ path: SAMPLE_FER2013_DIR, limit: 5000 });
  assert.equal(over.n, 700);
});

test('CelebA sample: 300 faces cropped to 64x64x3 (and 32x32), identities for all of them', async () => {
  const cacheDir = tempDir();
  try {
    const set = await loadCelebA({ path: SAMPLE_CELEBA_DIR, cacheDir, workers: 0 });
    assert.equal(set.n, 300);
    assert.deepEqual([set.height, set.width, set.channels], [64, 64, 3]);
    assert.equal(set.data.length, 300 * 64 * 64 * 3);
    assert.equal(set.labels, undefined);
    const small = await loadCelebA({ path: path.join(SAMPLE_CELEBA_DIR, 'img_align_celeba'), size: 32, limit: 10, cacheDir, workers: 0 });
    assert.equal(small.n, 10);
    assert.equal(small.data.length, 10 * 32 * 32 * 3);
    const ids = readIdentities(SAMPLE_CELEBA_DIR);
    assert.equal(ids.size, 300);
    for (const s of set.sources!) assert.ok(Number.isInteger(ids.get(path.basename(s))), `identity of ${s}`);
    assert.equal(readIdentities(path.join(SAMPLE_CELEBA_DIR, 'img_align_celeba')).size, 300);
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
});

test('toGrayscale: BT.601 luma, rounded, on known pixels', () => {
  const px = [
    [255, 0, 0, 76], // 76.245
    [0, 255, 0, 150], // 149.685
    [0, 0, 255, 29], // 29.07
    [255, 255, 255, 255],
    [10, 20, 30, 18], // 2.99 + 11.74 + 3.42 = 18.15
    [100, 50, 200, 82], // 29.9 + 29.35 + 22.8 = 82.05
  ];
  const set: ImageSet = {
    data: Uint8Array.from(px.flatMap((p) => p.slice(0, 3))), n: 1, height: 2, width: 3, channels: 3,
    labels: Int32Array.from([4]), skipped: [], name: 'px',
  };
  const g = toGrayscale(set);
  assert.equal(g.channels, 1);
  assert.deepEqual(Array.from(g.data), px.map((p) => p[3]));
  assert.deepEqual(Array.from(g.labels!), [4]);
  for (const p of px) assert.equal(luma601(p[0], p[1], p[2]), p[3]);
  assert.equal(toGrayscale(g), g, 'already gray: unchanged');
});

test('loadImageFile: any size and colour, centre-crop + resize, channel conversion', async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'wide.png');
    // 30x10 colour PNG: left third red, middle green, right third blue
    fs.writeFileSync(file, encodePng(30, 10, 3, (x, _y, c) => (c === Math.floor(x / 10) ? 200 : 0)));
    const orig = await loadImageFile(file);
    assert.deepEqual([orig.n, orig.width, orig.height, orig.channels], [1, 30, 10, 3]);
    const sq = await loadImageFile(file, { size: 8 });
    assert.deepEqual([sq.width, sq.height, sq.channels], [8, 8, 3]);
    // the centre crop keeps the green middle third
    const mid = (4 * 8 + 4) * 3;
    assert.deepEqual(Array.from(sq.data.subarray(mid, mid + 3)), [0, 200, 0]);
    const gray = await loadImageFile(file, { size: 8, channels: 1 });
    assert.equal(gray.channels, 1);
    assert.equal(gray.data[4 * 8 + 4], luma601(0, 200, 0));
    const sample = path.join(SAMPLE_CELEBA_DIR, 'img_align_celeba', fs.readdirSync(path.join(SAMPLE_CELEBA_DIR, 'img_align_celeba'))[0]);
    const face = await loadImageFile(sample, { size: 64 });
    assert.deepEqual([face.width, face.height, face.channels], [64, 64, 3]);
    await assert.rejects(loadImageFile(path.join(dir, 'nope.jpg')), /cannot read.*nope\.jpg/);
    fs.writeFileSync(path.join(dir, 'text.jpg'), 'not an image');
    await assert.rejects(loadImageFile(path.join(dir, 'text.jpg')), /text\.jpg.*not a readable JPEG\/PNG/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
