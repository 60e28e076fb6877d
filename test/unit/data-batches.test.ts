/** BatchStream: every image once per epoch, seeded and reproducible, exact resume from getState(). */
import test from 'node:test';
import assert from 'node:assert/strict';
import { BatchStream, loadFer2013, type Batch, type BatchStreamState } from '../../lib/data';
import { SAMPLE_FER2013_DIR } from '../../lib/data/sample';
import type { ImageSet } from '../../lib/data';

let cached: ImageSet | undefined;
/** 70 real FER sample images (10 per emotion in the sample's train split via limit). */
async function realSet(): Promise<ImageSet> {
  cached ??= await loadFer2013({ path: SAMPLE_FER2013_DIR, limit: 70, seed: 1 });
  return cached;
}

function take(s: BatchStream, k: number): Batch[] {
  return Array.from({ length: k }, () => s.next());
}

test('BatchStream covers every image exactly once per epoch, with a smaller last batch', async () => {
  const set = await realSet();
  const s = new BatchStream(set, { batchSize: 16, seed: 3 });
  assert.equal(s.batchesPerEpoch, 5); // 70 = 4 x 16 + 6
  const orders = new Set<string>();
  for (let epoch = 0; epoch < 3; epoch++) {
    const seen = new Array(set.n).fill(0);
    const batches = take(s, s.batchesPerEpoch);
    batches.forEach((b, i) => {
      assert.equal(b.epoch, epoch);
      assert.equal(b.index, i);
      assert.equal(b.shape[0], i < 4 ? 16 : 6);
      for (const idx of b.indices) seen[idx]++;
    });
    assert.ok(seen.every((c) => c === 1), `epoch ${epoch}: every image exactly once`);
    const order = batches.flatMap((b) => Array.from(b.indices));
    let ascending = 0;
    for (let i = 1; i < order.length; i++) if (order[i] > order[i - 1]) ascending++;
    assert.ok(ascending > 20 && ascending < 50, `epoch ${epoch} is shuffled (${ascending} of 69 steps ascending)`);
    orders.add(order.join(','));
  }
  assert.equal(orders.size, 3, 'a different order every epoch');
});

test('BatchStream reshuffles each epoch and converts pixels to x/127.5-1 with matching labels', async () => {
  const set = await realSet();
  const s = new BatchStream(set, { batchSize: 70, seed: 5 });
  const e0 = s.next();
  const e1 = s.next();
  assert.equal(e1.epoch, 1);
  assert.notDeepEqual(e0.indices, e1.indices, 'a new order each epoch');
  assert.deepEqual(e0.shape, [70, 48, 48, 1]);
  const px = 48 * 48;
  for (let b = 0; b < 70; b++) {
    const i = e0.indices[b];
    assert.equal(e0.labels![b], set.labels![i]);
    for (const k of [0, 100, 1000, 2303]) {
      assert.ok(Math.abs(e0.data[b * px + k] - (set.data[i * px + k] / 127.5 - 1)) < 1e-6);
    }
  }
  let min = Infinity;
  let max = -Infinity;
  for (const v of e0.data) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  assert.ok(min >= -1 && max <= 1 && max - min > 1.5, `range [${min}, ${max}]`);
  assert.ok(e0.data.every(Number.isFinite));
});

test('BatchStream is reproducible from a seed and differs across seeds', async () => {
  const set = await realSet();
  const a = take(new BatchStream(set, { batchSize: 8, seed: 11 }), 20);
  const b = take(new BatchStream(set, { batchSize: 8, seed: 11 }), 20);
  const c = take(new BatchStream(set, { batchSize: 8, seed: 12 }), 20);
  assert.deepEqual(a.map((x) => Array.from(x.indices)), b.map((x) => Array.from(x.indices)));
  assert.deepEqual(a[7].data, b[7].data);
  assert.notDeepEqual(a.map((x) => Array.from(x.indices)), c.map((x) => Array.from(x.indices)));
});

test('BatchStream resumes identically from a JSON round trip of getState(), mid-epoch and at an epoch edge', async () => {
  const set = await realSet();
  for (const stopAt of [3, 9, 10, 17]) {
    const ref = new BatchStream(set, { batchSize: 7, seed: 21 });
    const refBatches = take(ref, 30);
    const first = new BatchStream(set, { batchSize: 7, seed: 21 });
    take(first, stopAt);
    const saved = JSON.parse(JSON.stringify(first.getState())) as BatchStreamState;
    const resumed = new BatchStream(set, { batchSize: 7, seed: 999 }); // the seed comes from the state
    resumed.setState(saved);
    const rest = take(resumed, 30 - stopAt);
    rest.forEach((b, i) => {
      const r = refBatches[stopAt + i];
      assert.deepEqual([b.epoch, b.index], [r.epoch, r.index], `stopAt ${stopAt}, batch ${i}`);
      assert.deepEqual(b.indices, r.indices, `stopAt ${stopAt}, batch ${i}`);
      assert.deepEqual(b.data, r.data);
    });
  }
});

test('BatchStream dropLast drops the smaller batch; bad options and mismatched states are errors', async () => {
  const set = await realSet();
  const s = new BatchStream(set, { batchSize: 16, seed: 2, dropLast: true });
  assert.equal(s.batchesPerEpoch, 4);
  const bs = take(s, 5);
  assert.ok(bs.every((b) => b.shape[0] === 16));
  assert.deepEqual([bs[4].epoch, bs[4].index], [1, 0]);
  assert.throws(() => new BatchStream(set, { batchSize: 0, seed: 1 }), /batchSize must be a positive integer/);
  assert.throws(() => new BatchStream(set, { batchSize: 100, seed: 1, dropLast: true }), /gives no batches/);
  assert.throws(() => new BatchStream({ ...set, n: 0, data: new Uint8Array(0) }, { batchSize: 4, seed: 1 }), /empty/);
  const other = new BatchStream(set, { batchSize: 8, seed: 2 });
  assert.throws(() => other.setState(s.getState()), /batchSize 16.*batchSize 8/);
  assert.throws(() => other.setState({} as BatchStreamState), /not a BatchStream state/);
});
