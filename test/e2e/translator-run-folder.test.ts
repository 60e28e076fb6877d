/**
 * A translator run folder follows the same rules as every run folder (docs/reliability.md), on the
 * real CLI with the smoke preset: a rival start or --resume while a run holds the folder gets exit
 * 75 and changes nothing; SIGTERM finishes the step, checkpoints, says interrupted (signal SIGTERM)
 * and exits 143; --resume then completes with the same weights as an uninterrupted run; a damaged
 * config.json is refused naming the file and field; summary.json, TensorBoard and the checkpoint
 * manifest are written.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import { tempDir } from '../helpers';
import { waitStopped, faultEnv } from '../faults/harness';

const ROOT = path.resolve(__dirname, '..', '..');
const STEPS = '12';
const argv = (extra: string[]) => ['--import', 'tsx', path.join(ROOT, 'scripts', 'experiment.ts'), ...extra, '--no-progress'];
const env = (extra: Record<string, string> = {}) => faultEnv({ ...process.env, CI: '1', ...extra });

function cli(extra: string[]) {
  const r = spawnSync(process.execPath, argv(extra), { cwd: ROOT, encoding: 'utf8', env: env() });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function cliAsync(extra: string[], e: Record<string, string>) {
  const child = spawn(process.execPath, argv(extra), { cwd: ROOT, env: env(e) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

const json = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));
const lastCheckpoint = (dir: string) => path.join(dir, 'checkpoints', json(path.join(dir, 'checkpoints', 'latest.json')).checkpoint);
const start = (dir: string) => ['fer-translate', '--preset', 'smoke', '--steps', STEPS, '--out', dir];

test('translator run folder: lock, SIGTERM, exact resume, checked config, records', { timeout: 5 * 60_000 }, async () => {
  const work = tempDir('facegan-translate-folder-');
  const ref = path.join(work, 'ref');
  let r = cli(start(ref));
  assert.equal(r.code, 0, r.stderr);
  const refSummary = json(path.join(ref, 'summary.json'));
  assert.equal(refSummary.status, 'completed');
  assert.equal(refSummary.steps, 12);
  assert.ok(fs.readdirSync(path.join(ref, 'tb')).some((f) => f.startsWith('events.out.tfevents.')), 'TensorBoard event file');
  assert.ok(fs.existsSync(path.join(lastCheckpoint(ref), 'manifest.json')), 'checkpoint manifest');
  assert.equal(json(path.join(ref, 'config.json')).kernels, 'fused');

  // a run paused mid-way (before its 20th write) holds the folder
  const dir = path.join(work, 'run');
  const p = cliAsync(start(dir), { FACEGAN_FAULT_PAUSE_AT: '20' });
  await waitStopped(p.child);
  const before = fs.readFileSync(path.join(dir, 'losses.csv'), 'utf8');
  for (const rival of [start(dir), ['--resume', dir]]) {
    r = cli(rival);
    assert.equal(r.code, 75, `${rival.join(' ')}: ${r.stderr}`);
  }
  assert.equal(fs.readFileSync(path.join(dir, 'losses.csv'), 'utf8'), before, 'the rivals touched nothing');
  p.child.kill('SIGTERM');
  p.child.kill('SIGCONT');
  const stopped = await p.done;
  assert.equal(stopped.code, 143, stopped.stderr);
  assert.match(stopped.stderr, /Interrupted \(SIGTERM\)/);
  const s = json(path.join(dir, 'summary.json'));
  assert.equal(s.status, 'interrupted');
  assert.equal(s.signal, 'SIGTERM');
  assert.ok(s.steps > 0 && s.steps < 12, `stopped mid-run (step ${s.steps})`);
  assert.equal(json(path.join(dir, 'checkpoints', 'latest.json')).step, s.steps, 'a checkpoint of the step it stopped at');
  assert.ok(!fs.existsSync(path.join(dir, '.lock')), 'the lock is released');

  // a damaged config.json is refused, naming the file and the field, and marks nothing
  const configFile = path.join(dir, 'config.json');
  const good = fs.readFileSync(configFile, 'utf8');
  const damaged = JSON.parse(good);
  damaged.settings.steps = 'abc';
  fs.writeFileSync(configFile, JSON.stringify(damaged));
  r = cli(['--resume', dir]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /config\.json settings: steps must be a positive integer, got "abc"/);
  fs.writeFileSync(configFile, good);

  r = cli(['--resume', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(json(path.join(dir, 'summary.json')).status, 'completed');
  assert.equal(fs.readFileSync(path.join(dir, 'losses.csv'), 'utf8').trim().split('\n').length, 13, 'one row per iteration');
  for (const net of ['G', 'D']) {
    assert.ok(
      fs.readFileSync(path.join(lastCheckpoint(dir), net, 'weights.bin')).equals(fs.readFileSync(path.join(lastCheckpoint(ref), net, 'weights.bin'))),
      `${net} after SIGTERM + resume equals the uninterrupted run's`,
    );
  }
});
