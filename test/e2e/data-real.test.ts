/** The full data in /work/shared/data (or $FACEGAN_SHARED_DATA), when this machine has it. */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { loadFer2013, loadCelebA, readIdentities, EMOTIONS } from '../../lib/data';
import { SHARED_DATA, tempDir } from '../fixtures/data-fixtures';

const FER = path.join(SHARED_DATA, 'fer2013');
const CELEBA = path.join(SHARED_DATA, 'celeba');
const noFer = fs.existsSync(FER) ? false : `no FER2013 at ${FER} (set FACEGAN_SHARED_DATA to the full data)`;
const noCeleba = fs.existsSync(CELEBA) ? false : `no CelebA at ${CELEBA} (set FACEGAN_SHARED_DATA to the full data)`;

/** Per-class counts of the canonical splits (shared/data/fer2013/SOURCE.md). */
const TRAIN_COUNTS: Record<string, number> = { angry: 3995, disgust: 436, fear: 4097, happy: 7215, sad: 4830, surprise: 3171, neutral: 4965 };

test('real FER2013 folders: a few images per split load with their labels', { skip: noFer }, async () => {
  const train = await loadFer2013({ path: SHARED_DATA, limit: 30, seed: 5 });
  assert.equal(train.n, 30);
  assert.ok(train.sources!.every((s) => s.includes(`${path.sep}train${path.sep}`) && path.basename(s).startsWith('Training_')));
  train.sources!.forEach((s, i) => assert.equal(path.basename(path.dirname(s)), EMOTIONS[train.labels![i]]));
  const priv = await loadFer2013({ path: FER, split: 'PrivateTest', emotions: ['surprise'], limit: 10 });
  assert.equal(priv.n, 10);
  assert.ok(priv.sources!.every((s) => path.basename(s).startsWith('PrivateTest_')));
  assert.ok(priv.labels!.every((l) => l === 5));
});

test('real FER2013: the 28,709-image train folder loads in well under a minute with the canonical counts', { skip: noFer }, async (t) => {
  const t0 = Date.now();
  const set = await loadFer2013({ path: FER, split: 'train' });
  const s = (Date.now() - t0) / 1000;
  t.diagnostic(`loaded ${set.n} images in ${s.toFixed(1)} s`);
  assert.equal(set.n, 28709);
  assert.equal(set.skipped.length, 0);
  const counts: Record<string, number> = {};
  for (const l of set.labels!) counts[EMOTIONS[l]] = (counts[EMOTIONS[l]] ?? 0) + 1;
  assert.deepEqual(counts, TRAIN_COUNTS);
  assert.ok(s < 60, `took ${s.toFixed(1)} s`);
});

test('real CelebA: a few images load as 64x64x3 and have identities', { skip: noCeleba }, async () => {
  const cacheDir = tempDir();
  try {
    const set = await loadCelebA({ path: CELEBA, limit: 24, seed: 1, cacheDir, progress: false });
    assert.deepEqual([set.n, set.height, set.width, set.channels], [24, 64, 64, 3]);
    const ids = readIdentities(CELEBA);
    assert.equal(ids.size, 6000);
    for (const s of set.sources!) assert.ok(ids.has(path.basename(s)), `identity of ${s}`);
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
});
