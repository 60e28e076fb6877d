/**
 * Lock liveness beyond the pid (lib/io/lock.ts, lib/io/process-identity.ts):
 * - a run killed inside another PID namespace (`unshare --pid --fork`, as a container's PID 1) leaves
 *   a lock naming a pid that is alive here (this machine's own pid 1): the next --resume takes it
 *   over and completes bit-identically (before: exit 75 forever);
 * - a lock naming a kernel thread, or a zombie (killed, not yet reaped), is stale;
 * - a lock whose pid now belongs to a process with another start time is stale;
 * - --force-unlock takes over any holder, saying who it was;
 * - a full disk while the lock is created: the error names the lock file, no empty .lock remains.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import { tempDir } from '../helpers';
import { acquireRunLock, LockedError } from '../../lib/io/lock';
import { startTicksOf } from '../../lib/io/process-identity';
import { ROOT, TINY_SPEC, cli, referenceRun, checkComplete, diffRuns, mountTmpfs, faultEnv } from './harness';

const lockOf = (dir: string) => path.join(dir, '.lock');
const writeLock = (dir: string, info: object) => fs.writeFileSync(lockOf(dir), JSON.stringify(info));
const base = () => ({ host: os.hostname(), startedAt: new Date().toISOString(), command: 'experiment x' });

const canUnshare = process.getuid?.() === 0 && spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;

test('a run killed in another PID namespace leaves a lock naming a pid alive here: --resume takes it over', { skip: canUnshare ? false : 'needs root and unshare --pid', timeout: 5 * 60_000 }, async () => {
  const ref = referenceRun();
  const dir = path.join(tempDir('facegan-pidns-'), 'run');
  const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, '--import', 'tsx', path.join(ROOT, 'scripts', 'experiment.ts'),
    '--spec', TINY_SPEC, '--preset', 'smoke', '--out', dir, '--no-progress', '--no-eval'], { cwd: ROOT, env: faultEnv({ ...process.env, CI: '1', FACEGAN_FAULT_PAUSE_AT: '30' }) });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const closed = new Promise((r) => child.on('close', r));
  try {
    const t0 = Date.now();
    while (!/facegan-fault: paused/.test(stderr)) {
      assert.ok(Date.now() - t0 < 120_000 && child.exitCode === null, `the run did not pause: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const lock = JSON.parse(fs.readFileSync(lockOf(dir), 'utf8'));
    assert.equal(lock.pid, 1, 'inside its namespace the run is pid 1');
    assert.notEqual(lock.pidNs, fs.readlinkSync('/proc/self/ns/pid'));
    // kill -9 the namespace's init (the run): the namespace ends with it
    const inner = Number(fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
    process.kill(inner, 'SIGKILL');
    await closed;
  } finally {
    child.kill('SIGKILL');
  }
  assert.ok(fs.existsSync(lockOf(dir)), 'kill -9 left the lock behind');
  const r = cli(['--resume', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /taking over the stale lock .*process 1 of PID namespace pid:\[\d+\] is no longer running/);
  assert.deepEqual(checkComplete(dir), []);
  assert.deepEqual(diffRuns(dir, ref), []);
});

/** A kernel thread's pid, if this machine shows any (kthreadd is usually 2). */
function kernelThread(): number | null {
  for (const e of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if ((e === '2' || ppid === 2) && fs.readFileSync(`/proc/${e}/cmdline`).length === 0) return Number(e);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

test('a lock naming a kernel thread (pid from another namespace, no pidNs recorded) is stale', { skip: kernelThread() === null ? 'no kernel thread visible' : false }, () => {
  const dir = tempDir();
  const pid = kernelThread()!;
  writeLock(dir, { pid, ...base() });
  const said: string[] = [];
  acquireRunLock(dir, { say: (l) => said.push(l) }).release();
  assert.match(said.join('\n'), new RegExp(`pid ${pid} is a kernel thread here`));
});

test('a lock recording another PID namespace that no longer exists is stale', () => {
  const dir = tempDir();
  writeLock(dir, { pid: 1, ...base(), pidNs: 'pid:[1]', startTicks: 1 });
  const said: string[] = [];
  acquireRunLock(dir, { say: (l) => said.push(l) }).release();
  assert.match(said.join('\n'), /process 1 of PID namespace pid:\[1\] is no longer running/);
});

test('a zombie holder (killed, not yet reaped) is dead', async () => {
  const dir = tempDir();
  // `sleep 0 &` ends at once; its parent then execs `sleep 5`, which never reaps it: a zombie for 5 s
  const sh = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const pid = Number(await new Promise<string>((r) => sh.stdout.once('data', (d) => r(String(d)))));
  try {
    const t0 = Date.now();
    while (!fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')) {
      assert.ok(Date.now() - t0 < 5000, 'the child did not become a zombie');
      await new Promise((r) => setTimeout(r, 10));
    }
    writeLock(dir, { pid, ...base() });
    const said: string[] = [];
    acquireRunLock(dir, { say: (l) => said.push(l) }).release();
    assert.match(said.join('\n'), new RegExp(`process ${pid} is no longer running`));
  } finally {
    sh.kill('SIGKILL');
  }
});

test('a lock whose pid now belongs to a process started at another time is stale (start time recorded)', async () => {
  const dir = tempDir();
  const sleeper = spawn('sleep', ['5']);
  try {
    const ticks = startTicksOf(sleeper.pid!);
    assert.ok(ticks !== null);
    // taken "now" (after the sleeper started), so the old check by date would call it live
    writeLock(dir, { pid: sleeper.pid, ...base(), startTicks: ticks! - 1 });
    const said: string[] = [];
    acquireRunLock(dir, { say: (l) => said.push(l) }).release();
    assert.match(said.join('\n'), /its pid was reused: start time differs/);
    // the same start time: a live holder
    writeLock(dir, { pid: sleeper.pid, ...base(), startTicks: ticks });
    assert.throws(() => acquireRunLock(dir), (e: Error) => e instanceof LockedError && new RegExp(`in use by pid ${sleeper.pid} `).test(e.message));
  } finally {
    sleeper.kill('SIGKILL');
  }
});

test('--force-unlock takes over any holder, this host included, saying who it was', () => {
  const dir = tempDir();
  writeLock(dir, { pid: 1, ...base(), command: 'experiment held-here' });
  assert.throws(() => acquireRunLock(dir), LockedError);
  const said: string[] = [];
  acquireRunLock(dir, { force: true, say: (l) => said.push(l) }).release();
  assert.match(said.join('\n'), new RegExp(`--force-unlock given \\(was held by pid 1 on ${os.hostname()}, .*experiment held-here`));
});

const tmpfs = mountTmpfs('64k');
test('a full disk while the lock is created: the error names the lock file, no empty .lock stays', { skip: typeof tmpfs === 'string' ? tmpfs : false }, () => {
  const mount = tmpfs as Exclude<typeof tmpfs, string>;
  try {
    const dir = path.join(mount.dir, 'run');
    fs.mkdirSync(dir);
    // fill the file system: creating the lock file still works (an inode), writing to it does not
    const fd = fs.openSync(path.join(mount.dir, 'filler'), 'w');
    try {
      const block = Buffer.alloc(4096, 1);
      for (;;) fs.writeSync(fd, block);
    } catch (e) {
      assert.equal((e as NodeJS.ErrnoException).code, 'ENOSPC');
    } finally {
      fs.closeSync(fd);
    }
    assert.throws(() => acquireRunLock(dir), (e: Error) => e.message.includes(`cannot create the run lock ${lockOf(dir)}: no space left on the device (ENOSPC)`));
    assert.deepEqual(fs.readdirSync(dir), [], 'nothing is left behind');
  } finally {
    mount.unmount();
  }
});
