import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { train, DivergedError } from '../../lib/train/trainer';
import { readWeights } from '../../lib/train/model-io';
import { latestCheckpoint } from '../../lib/train/checkpoint';
import { loadFer2013 } from '../../lib/data';
import { DcganSpec } from '../../lib/models/spec';
import { SAMPLE_DIR } from '../../lib/runs/dataset';
import { setupBackend, tempDir, checkpointWeights } from '../helpers';

const small: DcganSpec = { size: 48, channels: 1, nz: 100, ngf: 4, ndf: 4 };

async function sampleSet(n: number) {
  return loadFer2013({ path: path.join(SAMPLE_DIR, 'fer2013'), split: 'train', emotions: ['happy'], limit: n, seed: 3 });
}

/**
 * The uninterrupted 2-epoch run (cpu backend) both resume tests compare with, trained once: how often a run logs
 * or checkpoints does not change its weights or its losses.csv rows.
 */
let uninterrupted: Promise<string> | null = null;
function uninterruptedRun(data: Awaited<ReturnType<typeof sampleSet>>): Promise<string> {
  uninterrupted ??= (async () => {
    const a = tempDir();
    const s = await train({ data, model: small, epochs: 2, batchSize: 8, seed: 5, logEvery: 1, checkpointEvery: 0, progress: false, runDir: a });
    assert.equal(s.status, 'completed');
    assert.equal(s.steps, 6);
    return a;
  })();
  return uninterrupted;
}

/** Runs `fn` on the cpu backend (bit-exact runs), then puts the previous backend back. */
async function onCpu(fn: () => Promise<void>): Promise<void> {
  await setupBackend();
  const before = tf.getBackend();
  await tf.setBackend('cpu');
  try {
    await fn();
  } finally {
    await tf.setBackend(before);
  }
}

/** The checkpointed weights of run `b` are those of run `a`, name for name, bit for bit. */
function assertSameWeights(b: string, a: string, after: string): void {
  const wa = checkpointWeights(a);
  const wb = checkpointWeights(b);
  assert.deepEqual(Object.keys(wb).sort(), Object.keys(wa).sort());
  for (const k of Object.keys(wa)) assert.deepEqual(wb[k], wa[k], `weight ${k} differs after ${after}`);
}

test('a run stopped mid-epoch and resumed ends with the same weights as an uninterrupted run (cpu backend)', () => onCpu(async () => {
  const data = await sampleSet(24);
  const base = { data, model: small, epochs: 2, batchSize: 8, seed: 5, logEvery: 2, checkpointEvery: 2, progress: false };
  const a = await uninterruptedRun(data);

  const b = tempDir();
  const first = await train({ ...base, runDir: b, maxSteps: 4 });
  assert.equal(first.status, 'stopped');
  assert.equal(first.steps, 4);
  const second = await train({ ...base, runDir: b, resume: true });
  assert.equal(second.status, 'completed');
  assert.equal(second.steps, 6);

  assertSameWeights(b, a, 'resume');
  // the loss log is the same too: one row per iteration, no duplicates from the replayed part
  const la = fs.readFileSync(path.join(a, 'losses.csv'), 'utf8').trim().split('\n');
  const lb = fs.readFileSync(path.join(b, 'losses.csv'), 'utf8').trim().split('\n');
  assert.equal(la.length, 7);
  assert.deepEqual(lb.map((l) => l.split(',').slice(0, 7)), la.map((l) => l.split(',').slice(0, 7)));
  for (const f of ['noise.json', 'samples/epoch-001.png', 'samples/epoch-002.png', 'samples/final.png', 'summary.json']) {
    assert.ok(fs.existsSync(path.join(b, f)), `${f} missing`);
  }
}));

test('a run stopped through its AbortSignal mid-epoch checkpoints, says interrupted with the reason, and resumes bit-exactly (cpu backend)', () => onCpu(async () => {
  const data = await sampleSet(24);
  // checkpoints only at epoch ends (3 iterations each): the stop at iteration 2 is no checkpoint point
  const base = { data, model: small, epochs: 2, batchSize: 8, seed: 5, logEvery: 1, checkpointEvery: 0, progress: false };
  const a = await uninterruptedRun(data);

  const b = tempDir();
  const stop = new AbortController();
  const said: number[] = [];
  const first = await train({
    ...base, runDir: b, signal: stop.signal,
    onLog: (rows) => {
      said.push(...rows.map((r) => r.iter));
      if (rows.some((r) => r.iter === 1)) stop.abort('SIGTERM'); // as scripts/ do on SIGTERM
    },
  });
  assert.equal(first.status, 'interrupted');
  assert.equal(first.signal, 'SIGTERM');
  assert.equal(first.steps, 2, 'the step in progress finished, no further one');
  assert.deepEqual(said, [0, 1]);
  const latest = JSON.parse(fs.readFileSync(path.join(b, 'checkpoints', 'latest.json'), 'utf8'));
  assert.equal(latest.step, 2, 'a checkpoint of the step it stopped at');
  assert.equal(JSON.parse(fs.readFileSync(path.join(b, 'summary.json'), 'utf8')).signal, 'SIGTERM');

  const second = await train({ ...base, runDir: b, resume: true });
  assert.equal(second.status, 'completed');
  assert.equal(second.signal, undefined, 'the earlier session\'s signal is cleared');
  assertSameWeights(b, a, 'the abort and resume');
  const rows = (d: string) => fs.readFileSync(path.join(d, 'losses.csv'), 'utf8').trim().split('\n').map((l) => l.split(',').slice(0, 7).join(','));
  assert.deepEqual(rows(b), rows(a));
}));

test('a NaN loss stops the run with a clear message and keeps the last good checkpoint', async () => {
  await setupBackend();
  const data = await sampleSet(16);
  const dir = tempDir();
  const opts = { runDir: dir, data, model: small, epochs: 50, batchSize: 8, seed: 1, logEvery: 1, checkpointEvery: 1, progress: false };
  await train({ ...opts, maxSteps: 2 });
  const good = latestCheckpoint(dir);
  // Resumed with an absurd learning rate, the weights blow up at the first step.
  await assert.rejects(train({ ...opts, resume: true, adam: { lr: 1e30, beta1: 0.5, beta2: 0.999, eps: 1e-8 } }), (e: Error) => {
    assert.ok(e instanceof DivergedError, e.message);
    assert.match(e.message, /diverged.*iteration 2 .*last good checkpoint is .*step-0000002/);
    return true;
  });
  assert.equal(latestCheckpoint(dir), good, 'the last good checkpoint is still the latest');
  const ck = latestCheckpoint(dir);
  assert.ok(ck, 'a checkpoint from before the divergence exists');
  const { weights } = readWeights(path.join(ck!, 'G'));
  for (const [k, t] of Object.entries(weights)) {
    assert.ok(t.dataSync().every(Number.isFinite), `checkpointed ${k} is finite`);
  }
  const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  assert.equal(summary.status, 'diverged');
});

test('training refuses data whose image size does not match the model', async () => {
  await setupBackend();
  const data = await sampleSet(8);
  await assert.rejects(
    train({ runDir: tempDir(), data, model: { ...small, size: 64 }, epochs: 1, batchSize: 4, seed: 1, progress: false }),
    /is 48x48x1, the model expects 64x64x1/,
  );
});
