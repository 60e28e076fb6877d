/**
 * summary.json's final record is derived from losses.csv and the checkpoint (lib/train/final-losses.ts),
 * so every resume, even one that trains nothing, rewrites the record an uninterrupted run has:
 * - a resume after a kill -9 between the last checkpoint and the summary write (the last writes);
 * - a resume of a completed run (as after a SIGTERM during evaluation), and a repeated resume;
 * - a resume with --max-steps at or below the steps done;
 * - a resume of a run whose summary.json was lost.
 * Before: `final: null` and `imagesPerSecond: 0`, so tables showed blank losses with no warning.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from '../helpers';
import { cli, tinyArgs, referenceRun, referenceWrites, checkComplete, diffRuns, TINY_STEPS } from './harness';

const summaryOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));

/** The fields an uninterrupted run's record has, which any resume must reproduce. */
function record(dir: string) {
  const s = summaryOf(dir);
  assert.ok(s.imagesPerSecond > 0, `${dir}: imagesPerSecond ${s.imagesPerSecond}`);
  assert.ok(s.final && Number.isFinite(s.final.loss_d) && Number.isFinite(s.final.loss_g), `${dir}: final ${JSON.stringify(s.final)}`);
  return { status: s.status, steps: s.steps, epochsCompleted: s.epochsCompleted, imagesSeen: s.imagesSeen, final: s.final, lastCheckpoint: path.basename(s.lastCheckpoint) };
}

function copyRun(ref: string): string {
  const dir = path.join(tempDir('facegan-rec-'), 'run');
  fs.cpSync(ref, dir, { recursive: true });
  return dir;
}

test('a resume that trains nothing rewrites the record of the uninterrupted run', { timeout: 8 * 60_000 }, () => {
  const ref = referenceRun();
  const want = record(ref);
  assert.equal(want.steps, TINY_STEPS);

  // kill -9 at the last write (summary.json), and at the one before it: the checkpoint is complete
  const writes = referenceWrites();
  for (const at of [writes, writes - 1]) {
    const dir = path.join(tempDir('facegan-rec-'), 'run');
    const r = cli(tinyArgs(dir), { FACEGAN_FAULT_KILL_AT: String(at) });
    assert.equal(r.signal, 'SIGKILL', `write ${at}: ${r.stderr}`);
    const again = cli(['--resume', dir]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(record(dir), want, `killed at write ${at}, then resumed`);
    assert.deepEqual(checkComplete(dir), []);
    assert.deepEqual(diffRuns(dir, ref), []);
  }

  // a completed run resumed (the advice after a SIGTERM during evaluation), twice
  const done = copyRun(ref);
  for (const round of [1, 2]) {
    const r = cli(['--resume', done]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(record(done), want, `resume ${round} of a completed run`);
  }
  assert.deepEqual(diffRuns(done, ref), []);

  // --max-steps at and below the steps done
  for (const max of [TINY_STEPS, 6]) {
    const dir = copyRun(ref);
    const r = cli(['--resume', dir, '--max-steps', String(max)]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(record(dir), want, `--max-steps ${max}`);
  }

  // summary.json lost (as a campaign's run can lose it)
  const lost = copyRun(ref);
  fs.rmSync(path.join(lost, 'summary.json'));
  const r = cli(['--resume', lost]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(record(lost), want, 'summary.json lost, then resumed');
});

test('a run stopped at --max-steps records the losses of its last logged rows, the same after a no-op resume', { timeout: 5 * 60_000 }, () => {
  const dir = path.join(tempDir('facegan-rec-'), 'run');
  assert.equal(cli([...tinyArgs(dir), '--max-steps', '5']).code, 0);
  const first = record(dir);
  assert.equal(first.status, 'stopped');
  const r = cli(['--resume', dir, '--max-steps', '5']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(record(dir), first);
});
