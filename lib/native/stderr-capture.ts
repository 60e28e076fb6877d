/**
 * libtensorflow's load-time log lines. Its static initialisers log through absl the moment the
 * binding is dlopen'ed, before anything can configure absl, so TF_CPP_MIN_LOG_LEVEL does not reach
 * them (measured with libtensorflow 2.21: TF_CPP_MIN_LOG_LEVEL=3 set before node starts still prints)
 *
 *   WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
 *   I0000 00:00:1796565805.956385    9809 port.cc:153] oneDNN custom operations are on. ...
 *
 * `captureStderr` runs the load with file descriptor 2 pointing at a temporary file and puts the
 * real stderr back afterwards; `tfLogLines` then keeps the lines TF_CPP_MIN_LOG_LEVEL lets through,
 * which the caller writes to stderr.
 *
 * Node has no dup/dup2, so the real stderr is reopened through /proc/self/fd, and each open lands on
 * descriptor 2 by the lowest-free-descriptor rule. That is only done where a reopened descriptor
 * behaves like the original: on Linux, for a terminal or another character device and for a pipe
 * with a reader, and for a file opened for appending (`>> log`). A file opened with `> log` is left
 * alone (its writers share one file offset, e.g. stdout and stderr after `> log 2>&1`, or the
 * processes of one script: a reopened stderr would have an offset of its own, and the others would
 * overwrite its lines), as are sockets, which cannot be reopened (a Node parent's `stdio: 'pipe'`
 * is a socket pair: the test runner's children, for one); there the lines stay, as TensorFlow
 * prints them.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** What `captureStderr` saw: `captured` is null where stderr was left alone (and why). */
export type Captured<T> = { value: T; captured: string | null; why?: string };

const STDERR = 2;

/** Why stderr cannot be swapped here, or null when it can. */
export function stderrSwapRefusal(): string | null {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  let st: fs.Stats;
  try {
    for (const fd of [0, 1]) fs.fstatSync(fd); // both open, so the lowest free descriptor is 2
    st = fs.fstatSync(STDERR);
  } catch (e) {
    return `a standard descriptor is closed (${(e as NodeJS.ErrnoException).code})`;
  }
  if (st.isCharacterDevice()) return null;
  if (st.isFIFO()) {
    try {
      // O_NONBLOCK: a pipe whose reader has gone fails with ENXIO instead of blocking the open.
      fs.closeSync(fs.openSync(`/proc/self/fd/${STDERR}`, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
      return null;
    } catch (e) {
      return `stderr is a pipe that cannot be reopened (${(e as NodeJS.ErrnoException).code})`;
    }
  }
  if (st.isFile()) {
    // Every writer appends (O_APPEND) to a file opened with >>, so a reopened stderr that appends
    // too writes where the original would; a file opened with > keeps an offset we cannot share.
    const flags = /^flags:\s*([0-7]+)$/m.exec(readOr(`/proc/self/fdinfo/${STDERR}`));
    if (flags && (parseInt(flags[1], 8) & fs.constants.O_APPEND) !== 0) return null;
    return 'stderr is a regular file opened without O_APPEND (> rather than >>)';
  }
  if (st.isSocket()) return 'stderr is a socket (e.g. a pipe made by a Node parent), which cannot be reopened';
  return 'stderr is neither a terminal, a pipe, a file nor a socket';
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Reopens what descriptor `fd` points at, for writing; it lands on the lowest free descriptor. */
function reopen(fd: number): number {
  // O_NOCTTY: reopening a terminal must not make it the controlling terminal of a process without one.
  return fs.openSync(`/proc/self/fd/${fd}`, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_NOCTTY);
}

/**
 * Runs `fn` (synchronous: nothing else may write to stderr meanwhile) with descriptor 2 on a
 * temporary file and returns what was written there; where that cannot be done safely, runs `fn`
 * as it is (`captured` null, `why` says why). If `fn` throws, stderr is restored and the error
 * carries the captured text as `capturedStderr`.
 */
export function captureStderr<T>(fn: () => T): Captured<T> {
  const why = stderrSwapRefusal();
  if (why) return { value: fn(), captured: null, why };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facegan-stderr-'));
  const file = path.join(dir, 'stderr.txt');
  const saved = reopen(STDERR);
  let value: T | undefined;
  let error: unknown;
  let failed = false;
  try {
    fs.closeSync(STDERR);
    const tmp = fs.openSync(file, 'w');
    if (tmp !== STDERR) {
      // Another thread took descriptor 2 in between: give ours back and put stderr where it was.
      fs.closeSync(tmp);
      throw new Error(`captureStderr: the temporary file opened as descriptor ${tmp}, not 2`);
    }
    try {
      value = fn();
    } catch (e) {
      failed = true;
      error = e;
    }
  } finally {
    try {
      fs.closeSync(STDERR);
    } catch {
      // already closed (the temporary file did not land on 2)
    }
    const back = reopen(saved);
    fs.closeSync(saved);
    if (back !== STDERR) throw new Error(`captureStderr: stderr reopened as descriptor ${back}, not 2`);
  }
  const captured = fs.readFileSync(file, 'utf8');
  fs.rmSync(dir, { recursive: true, force: true });
  if (failed) {
    if (error instanceof Error) (error as Error & { capturedStderr?: string }).capturedStderr = captured;
    throw error;
  }
  return { value: value as T, captured };
}

/** absl's and TensorFlow's severities, as TF_CPP_MIN_LOG_LEVEL counts them. */
const SEVERITY: Record<string, number> = { I: 0, W: 1, E: 2, F: 3 };
/** The prefix of an absl log line: `I0000 00:00:1796565805.956385    9809 port.cc:153] `. */
const LOG_LINE = /^([IWEF])\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [^\s\]]+:\d+\] /;
const ABSL_HEADER = /^WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR$/;

/**
 * The captured text less the log messages below `minLevel` (TF_CPP_MIN_LOG_LEVEL: 0 keeps all)
 * and less absl's header line, an INFO-level note. A message's extra lines (absl prints them
 * without a prefix) go with it; text before the first log line is always kept.
 */
export function tfLogLines(text: string, minLevel: number): string {
  const out: string[] = [];
  let keep = true;
  for (const line of text.split('\n')) {
    const m = LOG_LINE.exec(line);
    if (m) keep = SEVERITY[m[1]] >= minLevel;
    else if (ABSL_HEADER.test(line) && minLevel > 0) continue;
    if (keep) out.push(line);
  }
  return out.join('\n');
}
