/**
 * `npm run bench` end to end on a tiny plan (fer48, batch 2, one round, native backend): it
 * writes results/bench-style bench.md/bench.json and the JSON, says why the peer is
 * skipped when there is no Python with torch, and rejects bad options by name.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { probeNative } from '../../lib/native/probe';
import { BenchJson } from '../../tools/bench/summary';
import { tempDir } from '../helpers';

const ROOT = path.resolve(__dirname, '..', '..');

function bench(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', ...env },
    encoding: 'utf8',
    timeout: 600_000,
  });
}

test('bad options are rejected, naming the option', () => {
  const r = bench(['--nets', 'celeba128']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--nets "celeba128": expected one of celeba64, fer48/);
  const s = bench(['--steps', 'zero']);
  assert.equal(s.status, 1);
  assert.match(s.stderr, /--steps must be an integer >= 1, got "zero"/);
});

test('a tiny run writes the report and the issue schema; no Python with torch -> the peer is skipped with the reason', async (t) => {
  if (!(await probeNative('@tensorflow/tfjs-node')).ok) return t.skip('native backend not available (npm run setup:native); the pure-JS run takes minutes');
  const out = tempDir('facegan-bench-');
  const jsonFile = path.join(out, 'issue.json');
  const r = bench(['--quick', '--nets', 'fer48', '--batches', '2', '--backends', 'node', '--variants', 'lean,eigen', '--out', out, '--json', jsonFile], {
    FACEGAN_PYTHON: path.join(out, 'no-such-python'),
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /peer: skipped: FACEGAN_PYTHON=.*no-such-python cannot import torch/);
  const j = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as BenchJson;
  assert.deepEqual(Object.keys(j).sort(), ['machine', 'peak_matmul_gflops', 'peer', 'ratios', 'runs']);
  assert.deepEqual(j.runs.map((x) => x.backend), ['node', 'node+eigen']);
  const run = j.runs[0];
  assert.deepEqual([run.backend, run.net, run.batch], ['node', 'fer48', 2]);
  assert.ok(run.train_images_per_s > 0 && run.gflops > 0 && run.sample_images_per_s! > 0 && run.peak_rss_mb > 50, JSON.stringify(run));
  assert.ok(j.peak_matmul_gflops > 0);
  assert.deepEqual(j.peer, []);
  assert.deepEqual(j.ratios, []);
  const md = fs.readFileSync(path.join(out, 'bench.md'), 'utf8');
  assert.match(md, /\| node \| fer48 \| 2 \| /);
  assert.match(md, /peer: skipped: FACEGAN_PYTHON=/);
  const full = JSON.parse(fs.readFileSync(path.join(out, 'bench.json'), 'utf8')) as BenchJson & { details: { run: { train: unknown[] } } };
  const train = (full.details.run.train as { variant: string; ours: { onednn: boolean | null } }[]).map((x) => [x.variant, x.ours.onednn]);
  assert.deepEqual(train, [['lean', true], ['eigen', false]], 'the eigen variant runs with oneDNN off, the trainer\'s step with it on');
  assert.match(md, /`\+eigen` rows: the trainer's lean step with libtensorflow's oneDNN kernels off/);
});
