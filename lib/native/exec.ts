/**
 * Running external commands (pip, python3, node-gyp, child probes) with a time limit, capturing
 * their output and optionally appending it to a log file.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';

/** Outcome of one command. `code` is null when it was killed (timeout or signal). */
export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
  /** Set when the command could not be started at all (e.g. ENOENT). */
  spawnError?: string;
}

/** Options for {@link exec}. */
export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the whole process group after this many milliseconds (default 10 minutes). */
  timeoutMs?: number;
  /** Append stdout and stderr to this file as they arrive. */
  logFile?: string;
  /** Keep at most this many characters of each stream in memory (default 1 MB). */
  maxBuffer?: number;
}

/**
 * Runs `cmd args` without a shell and resolves (never rejects) with its exit code and output.
 * On timeout the command's whole process group is killed, so grandchildren (compilers) stop too.
 */
export function exec(cmd: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const t0 = Date.now();
  const maxBuffer = opts.maxBuffer ?? 1 << 20;
  const log = opts.logFile ? fs.openSync(opts.logFile, 'a') : null;
  if (log !== null) fs.writeSync(log, `\n$ ${cmd} ${args.join(' ')}\n`);
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    const finish = (r: Omit<ExecResult, 'stdout' | 'stderr' | 'timedOut' | 'ms'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (log !== null) fs.closeSync(log);
      resolve({ ...r, stdout, stderr, timedOut, ms: Date.now() - t0 });
    };
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
    });
    const keep = (prev: string, chunk: Buffer) => {
      if (log !== null) fs.writeSync(log, chunk);
      const next = prev + chunk.toString('utf8');
      return next.length > maxBuffer ? next.slice(next.length - maxBuffer) : next;
    };
    child.stdout!.on('data', (c: Buffer) => (stdout = keep(stdout, c)));
    child.stderr!.on('data', (c: Buffer) => (stderr = keep(stderr, c)));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }, opts.timeoutMs ?? 600_000);
    child.on('error', (e) => finish({ code: null, spawnError: e.message }));
    child.on('close', (code) => finish({ code }));
  });
}

/** Last `n` non-empty lines of a command's combined output, for error messages. */
export function tail(r: Pick<ExecResult, 'stdout' | 'stderr'>, n = 8): string {
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
  return lines.slice(-n).join('\n');
}

/** The most telling line of a failed command's output: the last one mentioning an error, else the last. */
export function errorLine(r: Pick<ExecResult, 'stdout' | 'stderr'>): string {
  const lines = `${r.stdout}\n${r.stderr}`
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^at /.test(l) && !/^Node\.js v\d/.test(l));
  const rev = [...lines].reverse();
  const hit =
    rev.find((l) => /^(\w*Error|ERROR)\b|\berror:/.test(l)) ??
    rev.find((l) => /error|fail|cannot|not found|no such|denied|timed? ?out/i.test(l));
  return hit ?? lines[lines.length - 1] ?? '(no output)';
}
