/**
 * A sequence of experiments (fer-all, fer-remedies-*) stops when a member does not complete
 * (Ctrl-C, --max-steps, divergence) instead of starting the next one, and --resume on the parent
 * folder continues with that member and then the rest.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { setupBackend, tempDir } from '../helpers';
import { runSequence } from '../../lib/orchestrate/run-experiment';
import { getExperiment } from '../../experiments';

let backend: Awaited<ReturnType<typeof setupBackend>>;
test.before(async () => {
  backend = await setupBackend();
});

test('a sequence stops at a member that did not complete, and --resume finishes it and the rest', async () => {
  const spec = getExperiment('fer-remedies-disgust');
  assert.deepEqual(spec.sequence, ['fer-disgust', 'fer-disgust-remedies']);
  const parentDir = path.join(tempDir(), 'seq');
  const lines: string[] = [];
  const common = { preset: 'smoke' as const, backend, progress: false, log: (l: string) => lines.push(l) };
  const first = await runSequence(spec, getExperiment, { ...common, parentDir, maxSteps: 1 });
  assert.equal(first.runs.length, 1, 'the second member must not start');
  assert.equal(first.runs[0].summary.status, 'stopped');
  assert.ok(!fs.existsSync(path.join(parentDir, 'fer-disgust-remedies')), 'no folder for the member that did not start');
  assert.ok(lines.some((l) => /fer-disgust stopped; the sequence stops here \(continue with --resume /.test(l)), lines.join('\n'));

  const second = await runSequence(spec, getExperiment, { ...common, parentDir });
  assert.deepEqual(second.runs.map((r) => r.summary.status), ['completed', 'completed']);
  assert.equal(second.runs[0].runDir, path.join(parentDir, 'fer-disgust'));
  assert.equal(second.runs[0].summary.steps, 2, 'the resumed member continues from its checkpoint to the end');
});

test('a sharded sequence runs only its members (i, i+n, ...) into the shared parent folder', async () => {
  const spec = getExperiment('fer-remedies-disgust');
  const parentDir = path.join(tempDir(), 'seq');
  const lines: string[] = [];
  const r = await runSequence(spec, getExperiment, {
    preset: 'smoke', backend, progress: false, log: (l: string) => lines.push(l), parentDir, shard: { index: 1, count: 2, source: '--shard' },
  });
  assert.deepEqual(r.runs.map((x) => path.basename(x.runDir)), ['fer-disgust-remedies']);
  assert.equal(r.runs[0].summary.status, 'completed');
  assert.ok(!fs.existsSync(path.join(parentDir, 'fer-disgust')), 'the other shard\'s member is left to it');
  assert.ok(lines.includes('fer-remedies-disgust: shard 1/2 (--shard): fer-disgust-remedies'), lines.join('\n'));
});
