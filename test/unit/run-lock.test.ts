import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { acquireRunLock, LockedError, LOCKED_EXIT_CODE, LOCK_STALE_MS } from '../../lib/io/lock';
import { removeStaleTemps } from '../../lib/io/files';
import { tempDir } from '../helpers';

const lockOf = (dir: string) => path.join(dir, '.lock');

/** The pid of a process that has already ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

function writeLock(dir: string, info: object, ageMs = 0): void {
  fs.writeFileSync(lockOf(dir), JSON.stringify(info));
  if (ageMs) {
    const t = new Date(Date.now() - ageMs);
    fs.utimesSync(lockOf(dir), t, t);
  }
}

test('a run lock is exclusive, re-entrant in its process, and removed on release', () => {
  const dir = tempDir();
  const a = acquireRunLock(dir);
  const info = JSON.parse(fs.readFileSync(lockOf(dir), 'utf8'));
  assert.equal(info.pid, process.pid);
  assert.equal(info.host, os.hostname());
  assert.ok(Date.parse(info.startedAt) > 0 && typeof info.command === 'string');
  const nested = acquireRunLock(dir);
  nested.release();
  assert.ok(fs.existsSync(lockOf(dir)), 'a nested release keeps the lock');
  // another process cannot take it
  const other = spawnSync(process.execPath, ['--import', 'tsx', '-e', `
    const { acquireRunLock } = require(${JSON.stringify(path.resolve(__dirname, '..', '..', 'lib', 'io', 'lock.ts'))});
    try { acquireRunLock(${JSON.stringify(dir)}); console.log('taken'); } catch (e) { console.log(e.exitCode, e.message); }`], { encoding: 'utf8' });
  assert.match(other.stdout, new RegExp(`^75 .* is in use by pid ${process.pid} on ${os.hostname()}`));
  a.release();
  assert.ok(!fs.existsSync(lockOf(dir)));
});

test('a stale lock of a dead process on this host is taken over, with a message', () => {
  const dir = tempDir();
  const pid = deadPid();
  writeLock(dir, { pid, host: os.hostname(), startedAt: new Date().toISOString(), command: 'experiment' });
  const said: string[] = [];
  const l = acquireRunLock(dir, { say: (s) => said.push(s) });
  assert.match(said.join('\n'), new RegExp(`taking over the stale lock .*process ${pid} is no longer running`));
  assert.equal(JSON.parse(fs.readFileSync(lockOf(dir), 'utf8')).pid, process.pid);
  l.release();
});

test('a live lock is refused with exit code 75; a lock whose pid was reused after it was taken is stale', () => {
  const dir = tempDir();
  // pid 1 is alive; it started long before this lock, so the lock is live
  writeLock(dir, { pid: 1, host: os.hostname(), startedAt: new Date().toISOString(), command: 'x' });
  assert.throws(() => acquireRunLock(dir), (e: Error) => e instanceof LockedError && e.exitCode === LOCKED_EXIT_CODE && /in use by pid 1 /.test(e.message));
  if (fs.existsSync('/proc/1/stat')) {
    writeLock(dir, { pid: process.pid === 1 ? 2 : 1, host: os.hostname(), startedAt: '1970-01-02T00:00:00Z', command: 'x' });
    const said: string[] = [];
    acquireRunLock(dir, { say: (s) => said.push(s) }).release();
    assert.match(said.join(''), /pid was reused/);
  }
});

test('a lock from another host: refused while its heartbeat is fresh, taken over with --force-unlock or once it is old', () => {
  const dir = tempDir();
  const info = { pid: 4242, host: 'elsewhere.example', startedAt: new Date().toISOString(), command: 'x' };
  writeLock(dir, info);
  assert.throws(() => acquireRunLock(dir), /in use by pid 4242 on elsewhere\.example, .*--force-unlock/);
  const said: string[] = [];
  acquireRunLock(dir, { force: true, say: (s) => said.push(s) }).release();
  assert.match(said.join(''), /--force-unlock given/);
  writeLock(dir, info, LOCK_STALE_MS + 60_000);
  acquireRunLock(dir, { say: (s) => said.push(s) }).release();
  assert.match(said.join(''), /heartbeat is \d+ min old/);
});

test('an empty lock file (a crash while creating it) is busy while fresh, stale once old', () => {
  const dir = tempDir();
  fs.writeFileSync(lockOf(dir), '');
  assert.throws(() => acquireRunLock(dir), LockedError);
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(lockOf(dir), old, old);
  const said: string[] = [];
  acquireRunLock(dir, { say: (s) => said.push(s) }).release();
  assert.match(said.join(''), /empty or garbled/);
});

test('temporary files of killed writers are removed, those of this process kept', () => {
  const dir = tempDir();
  const mine = `summary.json.${process.pid}.0.tmp`;
  for (const f of ['summary.json.99999999.3.tmp', mine, 'keep.json']) fs.writeFileSync(path.join(dir, f), 'x');
  fs.mkdirSync(path.join(dir, '.tmp-step-0000004-99999999'));
  assert.deepEqual(removeStaleTemps(dir).sort(), ['.tmp-step-0000004-99999999', 'summary.json.99999999.3.tmp']);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['keep.json', mine].sort());
});

test('a classifier run folder held by a live process is refused with exit code 75, nothing changed', async () => {
  const { runClassifierExperiment } = await import('../../lib/classify/classifier-experiment');
  const { CLASSIFIER_EXPERIMENT } = await import('../../experiments/classifier');
  // never initialised: the lock is refused before the backend is used
  const backend: import('../../lib/backend').BackendInfo = { name: 'cpu', tfBackend: 'cpu', reason: 'test', tried: [], threads: 1, versions: {} };
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'classifier.json'), '{"kind":"fer-classifier"}\n');
  fs.writeFileSync(path.join(dir, 'progress.csv'), 'epoch,step\n');
  // pid 1 is alive and started before this lock: a live holder
  writeLock(dir, { pid: 1, host: os.hostname(), startedAt: new Date().toISOString(), command: 'experiment fer-classifier' });
  const before = Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
  const busy = (e: Error) => e instanceof LockedError && e.exitCode === LOCKED_EXIT_CODE && /in use by pid 1 /.test(e.message);
  const quiet = { experiment: CLASSIFIER_EXPERIMENT, backend, log: () => {} };
  await assert.rejects(runClassifierExperiment({ ...quiet, resume: dir }), busy);
  await assert.rejects(runClassifierExperiment({ ...quiet, preset: 'smoke', outDir: dir }), busy);
  const after = Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
  assert.deepEqual(after, before);
});
