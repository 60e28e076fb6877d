/**
 * An exclusive lock per run folder: `<folder>/.lock`, created atomically (open with 'wx', which
 * fails if the file exists) and holding JSON {pid, host, startedAt, command, heartbeatAt}. Training,
 * resume and evaluate take it, so two writers never share a run folder: the second one gets a
 * LockedError (exit code 75, EX_TEMPFAIL: try again later) before it touches anything.
 *
 * Released by its holder: callers release in `finally` (normal return, an error, a run stopped
 * through its AbortSignal); a program that ends at once (a second Ctrl-C, a signal while nothing
 * stops gracefully) calls releaseAllLocks() before it exits (tools/cli/stop.ts). A kill -9 leaves the file behind; the next writer finds it stale and takes it over
 * with a message:
 *   - same host: the recorded pid is not alive (a zombie counts as dead), is a kernel thread, or
 *     now belongs to a process with another start time (the lock records the holder's start time,
 *     PID namespace and boot id: lib/io/process-identity.ts); a lock from another PID namespace is
 *     judged by the process that has that pid in that namespace (none: stale), or by its heartbeat
 *     where this machine cannot look into it;
 *   - another host (a shared file system): its pid cannot be checked, so the lock is stale only when
 *     its heartbeat (refreshed every LOCK_HEARTBEAT_MS while held) is older than LOCK_STALE_MS.
 *   `force` (the CLI's --force-unlock) takes over any holder, naming it.
 * A lock file that is empty or not JSON (a crash between creating and writing it) is stale once
 * older than a few seconds. Taking over is itself guarded by `<folder>/.lock.takeover` ('wx'), so
 * two processes never both take over the same stale lock.
 * Re-entrant inside one process: a nested acquire of a folder this process holds is a no-op handle.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { makeDirs } from './files';
import { selfIdentity, startTicksOf, processKind, findInNamespace, bootId } from './process-identity';

/** EX_TEMPFAIL of sysexits.h: the run folder is busy; try again when the other writer is done. */
export const LOCKED_EXIT_CODE = 75;
/** A held lock's file is touched this often, so other hosts can tell a live lock from a dead one. */
export const LOCK_HEARTBEAT_MS = 60_000;
/** A lock from another host whose heartbeat is older than this is taken over (ten heartbeats). */
export const LOCK_STALE_MS = 10 * LOCK_HEARTBEAT_MS;
/** A lock file that is empty or garbled and older than this is a leftover of a crash. */
const GARBLED_STALE_MS = 5_000;

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
  heartbeatAt?: string;
  /** The holder's start time, PID namespace and boot (lib/io/process-identity.ts); absent in older locks. */
  startTicks?: number;
  pidNs?: string;
  bootId?: string;
}

/** Another process holds the run folder. `exitCode` is what a CLI should exit with. */
export class LockedError extends Error {
  readonly exitCode = LOCKED_EXIT_CODE;
  constructor(readonly dir: string, readonly holder: LockInfo | null, detail: string) {
    super(detail);
    this.name = 'LockedError';
  }
}

export interface RunLock {
  readonly file: string;
  release(): void;
}

interface Held {
  file: string;
  depth: number;
  timer: NodeJS.Timeout;
}
const held = new Map<string, Held>();

function lockFile(dir: string): string {
  return path.join(path.resolve(dir), '.lock');
}

function readLock(file: string): LockInfo | null {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
    return typeof v.pid === 'number' && typeof v.host === 'string' ? v : null;
  } catch {
    return null;
  }
}

/** Start time (ms since the epoch) of a live local process, from /proc; null where /proc is absent. */
function processStartMs(pid: number): number | null {
  try {
    const ticks = startTicksOf(pid);
    const btime = Number(/^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'))?.[1]);
    if (ticks === null || !Number.isFinite(btime)) return null;
    return btime * 1000 + (ticks / 100) * 1000; // USER_HZ is 100 on every Linux platform Node runs on
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return processKind(pid) !== 'zombie'; // ended but not yet reaped: dead
}

/** Why a holder on this host (same boot) is gone, or null when it is alive; 'unknown' when this machine cannot tell. */
function localHolderGone(info: LockInfo): string | null | 'unknown' {
  const mine = selfIdentity();
  if (info.pidNs && mine?.pidNs && info.pidNs !== mine.pidNs) {
    // the pid is the holder's own number inside its namespace: look for that process there
    const there = findInNamespace(info.pidNs, info.pid);
    if (!there) return 'unknown';
    if (there.found === null) return `process ${info.pid} of PID namespace ${info.pidNs} is no longer running`;
    const t = startTicksOf(there.found);
    if (info.startTicks !== undefined && t !== null && t !== info.startTicks) return `process ${info.pid} of PID namespace ${info.pidNs} is not the one that took the lock (its pid was reused)`;
    return null;
  }
  if (!alive(info.pid)) return `process ${info.pid} is no longer running`;
  if (processKind(info.pid) === 'kernel') return `pid ${info.pid} is a kernel thread here (the lock was taken in another PID namespace)`;
  if (info.startTicks !== undefined) {
    const t = startTicksOf(info.pid);
    return t !== null && t !== info.startTicks ? `process ${info.pid} is not the one that took the lock (its pid was reused: start time differs)` : null;
  }
  // a lock written before start times were recorded: judged by the time it was taken
  const start = processStartMs(info.pid);
  const lockStart = Date.parse(info.startedAt);
  if (start !== null && Number.isFinite(lockStart) && start > lockStart + 2000) {
    return `process ${info.pid} is not the one that took the lock (its pid was reused)`;
  }
  return null;
}

/** Why a lock held by `info` (file modified at mtimeMs) is stale, or null when it is live. */
function staleReason(info: LockInfo | null, mtimeMs: number, force: boolean): string | null {
  const age = Date.now() - mtimeMs;
  if (!info) return age > GARBLED_STALE_MS ? 'the lock file is empty or garbled (a crash while it was created)' : null;
  if (force) return '--force-unlock given';
  let where = `host ${info.host}`;
  if (info.host === os.hostname()) {
    const boot = bootId();
    if (info.bootId && boot && info.bootId !== boot) return `this machine has restarted since the lock was taken (boot ${info.bootId})`;
    const gone = localHolderGone(info);
    if (gone !== 'unknown') return gone;
    where = `PID namespace ${info.pidNs}`;
  }
  if (age > LOCK_STALE_MS) return `its heartbeat is ${Math.round(age / 60_000)} min old (${where} stopped refreshing it)`;
  return null;
}

function identityFields(): Pick<LockInfo, 'startTicks' | 'pidNs' | 'bootId'> {
  const id = selfIdentity();
  if (!id) return {};
  return { startTicks: id.startTicks, ...(id.pidNs ? { pidNs: id.pidNs } : {}), ...(id.bootId ? { bootId: id.bootId } : {}) };
}

function describe(info: LockInfo | null): string {
  if (!info) return 'a process that is still creating the lock';
  return `pid ${info.pid} on ${info.host}, since ${info.startedAt} (${info.command})`;
}

function createLock(file: string, info: LockInfo): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new Error(`cannot create the run lock ${file}: ${(e as Error).message}`);
  }
  try {
    const text = Buffer.from(JSON.stringify(info) + '\n');
    if (fs.writeSync(fd, text) !== text.length) throw Object.assign(new Error('short write'), { code: 'EIO' });
    fs.fsyncSync(fd);
  } catch (e) {
    // nothing half-made stays behind: an empty lock file would block the folder for seconds
    try { fs.closeSync(fd); } catch { /* already closed */ }
    fs.rmSync(file, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`cannot create the run lock ${file}: ${code === 'ENOSPC' ? 'no space left on the device (ENOSPC)' : (e as Error).message}; nothing was changed`);
  }
  fs.closeSync(fd);
  return true;
}

/** Removes a stale lock, guarded so only one process does it; false if another is taking it over. */
function takeOver(file: string, expected: string): boolean {
  const guard = `${file}.takeover`;
  try {
    const st = fs.statSync(guard);
    if (Date.now() - st.mtimeMs > 30_000) fs.rmSync(guard, { force: true }); // a takeover that crashed
  } catch {
    // no guard: the usual case
  }
  let fd: number;
  try {
    fd = fs.openSync(guard, 'wx');
  } catch {
    return false;
  }
  fs.closeSync(fd);
  try {
    let now: string | null = null;
    try {
      now = fs.readFileSync(file, 'utf8');
    } catch {
      return true; // already gone
    }
    if (now !== expected) return false; // someone else replaced it meanwhile
    fs.rmSync(file, { force: true });
    return true;
  } finally {
    fs.rmSync(guard, { force: true });
  }
}

/**
 * Takes the lock of run folder `dir` (created if missing) or throws LockedError naming the holder.
 * `say` gets the message when a stale lock is taken over.
 */
export function acquireRunLock(
  dir: string,
  opts: { command?: string; force?: boolean; say?: (line: string) => void } = {},
): RunLock {
  const file = lockFile(dir);
  const mine = held.get(file);
  if (mine) {
    mine.depth += 1;
    return nestedHandle(file);
  }
  makeDirs(path.dirname(file));
  const say = opts.say ?? ((l: string) => process.stderr.write(l + '\n'));
  const info: LockInfo = {
    pid: process.pid,
    host: os.hostname(),
    startedAt: new Date().toISOString(),
    command: opts.command ?? '(command not given)',
    ...identityFields(),
  };
  for (let attempt = 0; ; attempt++) {
    if (createLock(file, info)) break;
    let text = '';
    let mtimeMs = Date.now();
    try {
      text = fs.readFileSync(file, 'utf8');
      mtimeMs = fs.statSync(file).mtimeMs;
    } catch {
      continue; // released between our open and read: try again
    }
    const holder = (() => {
      try {
        const v = JSON.parse(text) as LockInfo;
        return typeof v.pid === 'number' && typeof v.host === 'string' ? v : null;
      } catch {
        return null;
      }
    })();
    const reason = staleReason(holder, mtimeMs, !!opts.force);
    if (reason === null || attempt >= 3) {
      const other = holder && holder.host !== os.hostname() ? ' (another host: pass --force-unlock once you are sure it is not running)'
        : holder?.pidNs && holder.pidNs !== selfIdentity()?.pidNs ? ` (another PID namespace, ${holder.pidNs}: pass --force-unlock once you are sure it is not running)` : '';
      throw new LockedError(
        dir,
        holder,
        `${path.resolve(dir)} is in use by ${describe(holder)}${other}; nothing was changed. ` +
          `Wait for it to finish (or stop it), then run the command again.`,
      );
    }
    if (takeOver(file, text)) say(`note: taking over the stale lock of ${path.resolve(dir)}: ${reason} (was held by ${describe(holder)})`);
  }
  const timer = setInterval(() => {
    try {
      const now = new Date();
      fs.utimesSync(file, now, now);
    } catch {
      // the folder went away: nothing to refresh
    }
  }, LOCK_HEARTBEAT_MS);
  timer.unref();
  held.set(file, { file, depth: 1, timer });
  return nestedHandle(file);
}

function nestedHandle(file: string): RunLock {
  let released = false;
  return {
    file,
    release() {
      if (released) return;
      released = true;
      const h = held.get(file);
      if (!h) return;
      h.depth -= 1;
      if (h.depth <= 0) releaseFile(h);
    },
  };
}

/** Removes the lock file if it is still ours (a takeover by force may have replaced it). */
function releaseFile(h: Held): void {
  clearInterval(h.timer);
  held.delete(h.file);
  const info = readLock(h.file);
  if (info && info.pid === process.pid && info.host === os.hostname()) fs.rmSync(h.file, { force: true });
}

/** What the lock file of a run folder says, read only (nothing is taken, refreshed or removed). */
export type RunLockState =
  | { state: 'none' }
  | { state: 'live'; holder: LockInfo | null; by: string }
  | { state: 'stale'; reason: string };

/**
 * Whether run folder `dir` is held by a live process, judged as acquireRunLock judges it (same
 * host: the pid is alive and not reused; another host: a recent heartbeat): 'none' when there is
 * no lock file, 'stale' when its holder is gone (the next writer takes it over).
 */
export function runLockState(dir: string): RunLockState {
  const file = lockFile(dir);
  let text: string;
  let mtimeMs: number;
  try {
    text = fs.readFileSync(file, 'utf8');
    mtimeMs = fs.statSync(file).mtimeMs;
  } catch {
    return { state: 'none' };
  }
  let holder: LockInfo | null = null;
  try {
    const v = JSON.parse(text) as LockInfo;
    holder = typeof v.pid === 'number' && typeof v.host === 'string' ? v : null;
  } catch {
    holder = null;
  }
  const reason = staleReason(holder, mtimeMs, false);
  return reason === null ? { state: 'live', holder, by: describe(holder) } : { state: 'stale', reason };
}

/** Releases every lock this process holds (a program's exit paths); returns how many it held. */
export function releaseAllLocks(): number {
  const all = [...held.values()];
  for (const h of all) releaseFile(h);
  return all.length;
}

/** Runs `fn` holding the lock of `dir`. */
export async function withRunLock<T>(dir: string, fn: () => Promise<T>, opts?: Parameters<typeof acquireRunLock>[1]): Promise<T> {
  const lock = acquireRunLock(dir, opts);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
