/**
 * What the campaign makes of a run folder (without training): new, completed, resume, restart,
 * diverged, busy (its run lock held by a live process; without a lock file, the fallback for
 * older folders: "running" and written minutes ago); refused when it holds another experiment,
 * preset or settings. And the campaign ETA:
 * remaining images over measured images/s per image size, borrowed across sizes by pixel count.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn } from 'child_process';
import { tempDir } from '../helpers';
import { inspectRunFolder, BUSY_SECONDS } from '../../lib/runs/run-state';
import { resolveSettings } from '../../lib/runs/experiment';
import { CampaignProgress, CampaignItem } from '../../lib/runs/campaign-progress';
import { getExperiment } from '../../experiments';

const spec = getExperiment('fer-happy');
const settings = resolveSettings(spec, 'paper');

function folder(files: Record<string, unknown>): string {
  const dir = path.join(tempDir('facegan-state-'), 'fer-happy');
  for (const [name, value] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), JSON.stringify(value));
  }
  return dir;
}
const config = (over: Record<string, unknown> = {}) => ({ experiment: 'fer-happy', preset: 'paper', settings, spec, data: { path: '/d', images: 10 }, ...over });

test('run folder states', () => {
  assert.equal(inspectRunFolder(path.join(tempDir(), 'none'), 'fer-happy', 'paper', settings).kind, 'new');
  assert.equal(inspectRunFolder(folder({ 'other.txt': 1 }), 'fer-happy', 'paper', settings).kind, 'new');
  const done = inspectRunFolder(folder({ 'config.json': config(), 'summary.json': { status: 'completed', epochsCompleted: 50 } }), 'fer-happy', 'paper', settings);
  assert.equal(done.kind, 'completed');
  assert.equal(done.kind === 'completed' && done.metrics, false);
  // completed but short of the run's epochs (e.g. resumed with fewer --epochs): continue it
  const short = folder({ 'config.json': config(), 'summary.json': { status: 'completed', epochsCompleted: 20 }, 'checkpoints/latest.json': { checkpoint: 'step-0001000', step: 1000 } });
  assert.deepEqual(pick(inspectRunFolder(short, 'fer-happy', 'paper', settings)), { kind: 'resume', step: 1000, status: 'completed' });
  // no lock file (a folder of an older version), "running" and written just now: another process may be
  // training it, leave it alone; minutes later: killed, resume
  const live = folder({ 'config.json': config(), 'summary.json': { status: 'running' }, 'losses.csv': 'x', 'checkpoints/latest.json': { checkpoint: 'step-0000400', step: 400 } });
  const busy = inspectRunFolder(live, 'fer-happy', 'paper', settings);
  assert.ok(busy.kind === 'busy' && /without a run lock .* written \d+ s ago/.test(busy.by), JSON.stringify(busy));
  const later = Date.now() + (BUSY_SECONDS + 1) * 1000;
  assert.deepEqual(pick(inspectRunFolder(live, 'fer-happy', 'paper', settings, later)), { kind: 'resume', step: 400, status: 'running' });
  assert.equal(inspectRunFolder(folder({ 'config.json': config(), 'summary.json': { status: 'running' } }), 'fer-happy', 'paper', settings, later).kind, 'restart');
  // a finished run's recent files do not make it busy
  assert.equal(inspectRunFolder(folder({ 'config.json': config(), 'summary.json': { status: 'stopped' }, 'checkpoints/latest.json': { checkpoint: 'step-0000400', step: 400 } }), 'fer-happy', 'paper', settings).kind, 'resume');
  const diverged = inspectRunFolder(folder({ 'config.json': config(), 'summary.json': { status: 'diverged', message: 'loss NaN' } }), 'fer-happy', 'paper', settings);
  assert.equal(diverged.kind === 'diverged' && diverged.message, 'loss NaN');
});

test('a folder whose run lock a live process holds is busy; a stale lock is not (and no mtime guess is made)', async () => {
  // a live process on this host: a child that sleeps; the lock written as lib/io/lock.ts writes it
  const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 50));
    const lock = (pid: number) => ({ pid, host: os.hostname(), startedAt: new Date().toISOString(), command: 'resume (test)' });
    const files = { 'config.json': config(), 'summary.json': { status: 'stopped' }, 'checkpoints/latest.json': { checkpoint: 'step-0000400', step: 400 } };
    const held = folder({ ...files, '.lock': lock(holder.pid!) });
    const before = fs.readFileSync(path.join(held, '.lock'), 'utf8');
    const s = inspectRunFolder(held, 'fer-happy', 'paper', settings);
    assert.ok(s.kind === 'busy' && s.by.includes(`pid ${holder.pid} on ${os.hostname()}`) && s.by.includes('resume (test)'), JSON.stringify(s));
    assert.equal(fs.readFileSync(path.join(held, '.lock'), 'utf8'), before, 'inspecting leaves the lock as it was');
    // a folder being created (a lock, no config.json yet) is busy too, not new
    const starting = folder({ '.lock': lock(holder.pid!) });
    assert.equal(inspectRunFolder(starting, 'fer-happy', 'paper', settings).kind, 'busy');
    // a lock left by a process that is gone: resumed (the resume takes the stale lock over), even
    // though summary.json says running and was written just now
    holder.kill();
    await new Promise((r) => holder.once('exit', r));
    const stale = folder({ ...files, 'summary.json': { status: 'running' }, 'losses.csv': 'x', '.lock': lock(holder.pid!) });
    assert.deepEqual(pick(inspectRunFolder(stale, 'fer-happy', 'paper', settings)), { kind: 'resume', step: 400, status: 'running' });
    assert.equal(inspectRunFolder(folder({ '.lock': lock(holder.pid!) }), 'fer-happy', 'paper', settings).kind, 'new');
  } finally {
    holder.kill();
  }
});

test('a folder of another experiment, preset or settings is refused, naming it', () => {
  const other = folder({ 'config.json': config({ experiment: 'fer-sad' }) });
  assert.throws(() => inspectRunFolder(other, 'fer-happy', 'paper', settings), new RegExp(`${other} holds a run of fer-sad at preset paper`));
  assert.throws(() => inspectRunFolder(folder({ 'config.json': config({ preset: 'quick' }) }), 'fer-happy', 'paper', settings), /holds a run of fer-happy at preset quick/);
  assert.throws(
    () => inspectRunFolder(folder({ 'config.json': config({ settings: { ...settings, epochs: 5 } }) }), 'fer-happy', 'paper', settings),
    /with other settings: epochs 5 \(campaign: 50\)/,
  );
});

function pick(s: ReturnType<typeof inspectRunFolder>) {
  return s.kind === 'resume' ? { kind: s.kind, step: s.step, status: s.status } : { kind: s.kind };
}

test('campaign ETA: remaining images / measured speed per size; unmeasured sizes borrow by pixel count', () => {
  const sink = { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream;
  const items: CampaignItem[] = [
    { name: 'celeba', key: '64x64x3', pixels: 64 * 64 * 3, remaining: 150_000, done: false },
    { name: 'fer-happy', key: '48x48x1', pixels: 48 * 48, remaining: 360_000, done: false },
    { name: 'fer-disgust', key: '48x48x1', pixels: 48 * 48, remaining: 0, done: true },
  ];
  const p = new CampaignProgress('study', items, sink);
  assert.equal(p.etaSeconds(), null, 'nothing measured yet');
  p.measured('48x48x1', 120);
  assert.equal(p.etaSeconds(), 360_000 / 120 + 150_000 / ((120 * 48 * 48) / (64 * 64 * 3)));
  p.measured('64x64x3', 50);
  assert.equal(p.etaSeconds(), 360_000 / 120 + 150_000 / 50);
  // 360k / 120 + 150k / 50 = 3000 s + 3000 s
  assert.match(p.line(), /^study: 1\/3 runs done \| campaign ETA 1h40m$/);
  items[1].remaining = null;
  assert.equal(p.etaSeconds(), null, 'a run of unknown size');
});
