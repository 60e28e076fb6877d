/**
 * The project's one file writer (bottom floor: imports nothing of the project). Atomic writes: a
 * temporary file beside the target, every byte checked, fsync'd, renamed over the target, and the
 * folder fsync'd, so a crash or a full disk never leaves half a file under the final name.
 */
import * as fs from 'fs';
import * as path from 'path';

let counter = 0;

/**
 * Fault injection for the reliability tests (docs/reliability.md): a plan that only the test-only
 * module test/faults/inject.cjs sets (from FACEGAN_FAULT_*, loaded with NODE_OPTIONS=--require), so a
 * production run cannot switch it on, whatever its environment. With a plan, the N-th write of this
 * process (atomic writes and appends alike) can write half its bytes and then SIGKILL the process
 * (killAt) or fail as a full disk (failAt), or the process stops itself before it (pauseAt, SIGSTOP);
 * each fault prints a `facegan-fault:` line on stderr naming the write and file. Without one (the
 * normal case) the check costs one comparison per write.
 */
interface FaultPlan {
  killAt: number;
  failAt: number;
  pauseAt: number;
  /** Writes so far, kept on the plan so the test module reports them at exit. */
  writes?: number;
}
const plan: FaultPlan | undefined = (globalThis as { __faceganFaultPlan?: FaultPlan }).__faceganFaultPlan;
const KILL_AT = plan?.killAt ?? 0;
const FAIL_AT = plan?.failAt ?? 0;
const PAUSE_AT = plan?.pauseAt ?? 0;
let writes = 0;

/** Writes done by this process so far (atomic writes and appends), for fault-injection tests. */
export function writeCount(): number {
  return writes;
}

/**
 * Applies an injected fault to this write, if one is due: half the bytes, then SIGKILL or ENOSPC.
 * A write given in parts (writeFileAtomic with a list) is one write: half of all its bytes.
 */
function injectFault(fd: number, parts: readonly Uint8Array[], file: string): void {
  writes += 1;
  if (plan) plan.writes = writes;
  if (writes === PAUSE_AT) {
    process.stderr.write(`facegan-fault: paused before write ${writes} (${file})\n`);
    process.kill(process.pid, 'SIGSTOP');
  }
  if (writes !== KILL_AT && writes !== FAIL_AT) return;
  let half = parts.reduce((n, p) => n + p.length, 0) >> 1;
  for (const p of parts) {
    if (half <= 0) break;
    writeAll(fd, p.subarray(0, Math.min(half, p.length)));
    half -= p.length;
  }
  process.stderr.write(`facegan-fault: ${writes === KILL_AT ? 'SIGKILL' : 'ENOSPC'} at write ${writes} (${file})\n`);
  if (writes === KILL_AT) process.kill(process.pid, 'SIGKILL');
  throw Object.assign(new Error('no space left on device (injected fault)'), { code: 'ENOSPC' });
}

/** A write that failed, naming the file it was writing (the temporary file is already removed). */
export class WriteError extends Error {
  constructor(readonly file: string, readonly code: string | undefined, detail: string) {
    super(`cannot write ${file}: ${detail}`);
    this.name = 'WriteError';
  }
}

/** The most bytes passed to one write(2) call (large buffers, such as a pixel cache, go in pieces). */
const MAX_WRITE = 1 << 30;

/** Writes all of `buf` to `fd`, looping over short writes; throws if the system accepts no byte. */
function writeAll(fd: number, buf: Uint8Array): void {
  let off = 0;
  while (off < buf.length) {
    const n = fs.writeSync(fd, buf, off, Math.min(MAX_WRITE, buf.length - off));
    if (n <= 0) throw Object.assign(new Error(`short write: ${off} of ${buf.length} bytes`), { code: 'EIO' });
    off += n;
  }
}

/** fsync of a folder, so a rename inside it survives a power cut (ignored where folders cannot be opened). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // some file systems (and Windows) refuse fsync on a folder: the rename itself is still atomic
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Creates folder `dir` and its missing parents, one mkdir each, parents first. Node's own
 * `mkdirSync(dir, { recursive: true })` loops forever at 100% CPU where mkdir answers ENOENT although
 * the parent exists (/proc/nope: a pseudo file system); here that is an error naming the folder.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d)) {
    missing.push(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'EEXIST' && fs.statSync(d).isDirectory()) continue; // made meanwhile by another writer
      throw Object.assign(new Error(`cannot create the folder ${d}: ${err.code ?? err.message}`), { code: err.code });
    }
  }
}

/**
 * Writes `data` to `file` atomically: a reader sees the old file or the new one, never a mix. A list
 * of buffers is written one after the other into the one file (a header and a large body without
 * joining them in memory); it counts as one write for fault injection.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  const parts: readonly Uint8Array[] = typeof data === 'string' ? [Buffer.from(data, 'utf8')] : data instanceof Uint8Array ? [data] : data;
  const dir = path.dirname(file);
  const tmp = `${file}.${process.pid}.${counter++}.tmp`;
  try {
    makeDirs(dir);
    const fd = fs.openSync(tmp, 'w');
    try {
      injectFault(fd, parts, file);
      for (const p of parts) writeAll(fd, p);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    try { fs.rmSync(tmp, { force: true }); } catch { /* nothing more to clean */ }
    const err = e as NodeJS.ErrnoException;
    throw new WriteError(file, err.code, err.code === 'ENOSPC' ? 'no space left on the device (ENOSPC)' : err.message);
  }
  fsyncDir(dir);
}

/**
 * Appends `data` to `file` (a log such as losses.csv), every byte checked, then fsync'd. Not atomic: a crash can
 * leave a partial last line, which readers of such logs must drop (LossLog does).
 */
export function appendFileChecked(file: string, data: string): void {
  const buf = Buffer.from(data, 'utf8');
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'a');
    injectFault(fd, [buf], file);
    writeAll(fd, buf);
    fs.fsyncSync(fd);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new WriteError(file, err.code, err.code === 'ENOSPC' ? 'no space left on the device (ENOSPC)' : err.message);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Removes what killed writers left in `dir` (not recursive): temporary files of writeFileAtomic
 * (`<name>.<pid>.<n>.tmp`) and temporary checkpoint folders (`.tmp-*`) of other processes. Call it
 * only while holding the folder's lock (lib/io/lock.ts): then no other writer is using them.
 */
export function removeStaleTemps(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const removed: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    const m = /\.(\d+)\.\d+\.tmp$/.exec(name) ?? /^\.tmp-.*-(\d+)$/.exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/** Reads a JSON file, with an error that names the file and the problem. */
export function readJson<T = unknown>(file: string, what = 'file'): T {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`${what} ${file} is not valid JSON: ${(e as Error).message}`);
  }
}
