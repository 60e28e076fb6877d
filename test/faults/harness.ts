/**
 * Harness of the fault-injection suite (docs/reliability.md): runs the real CLI
 * (`node --import tsx scripts/experiment.ts`) as child processes on a tiny experiment
 * (tiny-spec.json: ngf/ndf 4, 32 bundled faces, 3 epochs x 4 iterations, a checkpoint every 2),
 * injects faults through the FACEGAN_FAULT_* variables (test-only: inject.cjs), and compares runs bit
 * for bit (weights, Adam state, step, losses.csv without its timing column).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as crypto from 'crypto';
import * as os from 'os';
import { spawn, spawnSync, ChildProcess } from 'child_process';
import { after } from 'node:test';
import { tempDir } from '../helpers';

/** Children still running when the tests end (a failed assertion while one is paused) are killed. */
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) c.kill('SIGKILL');
});

export const ROOT = path.resolve(__dirname, '..', '..');
export const TINY_SPEC = path.join(__dirname, 'tiny-spec.json');
export const TINY_STEPS = 12;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The test-only module that turns FACEGAN_FAULT_* into lib/io/files.ts's fault plan in a child. */
export const INJECT = path.join(__dirname, 'inject.cjs');

/** `env` plus what a child needs to take FACEGAN_FAULT_* variables (NODE_OPTIONS --require inject.cjs). */
export function faultEnv(env: Record<string, string | undefined> = process.env): Record<string, string | undefined> {
  return { ...env, NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} --require ${INJECT}`.trim() };
}

const BASE_ENV = faultEnv({ ...process.env, CI: '1' });

function args(extra: string[]): string[] {
  return ['--import', 'tsx', path.join(ROOT, 'scripts', 'experiment.ts'), ...extra, '--no-progress', '--no-eval'];
}

/** `npm run experiment -- ...` as a child process, waited for. */
export function cli(extra: string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, args(extra), { cwd: ROOT, encoding: 'utf8', env: { ...BASE_ENV, ...env } });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** The same, asynchronously (for running several at once, or acting on a paused one). */
export function cliAsync(extra: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, args(extra), { cwd: ROOT, env: { ...BASE_ENV, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  children.add(child);
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => (children.delete(child), resolve({ code, signal, stdout, stderr }))));
  return { child, done };
}

/** Waits until `child` has stopped itself (FACEGAN_FAULT_PAUSE_AT): its /proc state is T. */
export async function waitStopped(child: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    try {
      const stat = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('T')) return;
    } catch {
      throw new Error(`process ${child.pid} ended before pausing`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`process ${child.pid} did not pause within ${timeoutMs} ms`);
}

/** A fresh tiny run: `--spec tiny-spec.json --preset smoke --out DIR`. */
export function tinyArgs(out: string): string[] {
  return ['--spec', TINY_SPEC, '--preset', 'smoke', '--out', out];
}

let reference: string | null = null;
/** The uninterrupted tiny run every faulted run is compared with (made once per test file). */
export function referenceRun(): string {
  if (reference) return reference;
  const dir = path.join(tempDir('facegan-ref-'), 'run');
  const r = cli(tinyArgs(dir), { FACEGAN_FAULT_REPORT: '1' });
  if (r.code !== 0) throw new Error(`reference run failed (${r.code}): ${r.stderr}`);
  reference = dir;
  return dir;
}

/** Number of writes an uninterrupted tiny run makes (from FACEGAN_FAULT_REPORT). */
export function referenceWrites(): number {
  const dir = path.join(tempDir('facegan-count-'), 'run');
  const r = cli(tinyArgs(dir), { FACEGAN_FAULT_REPORT: '1' });
  const m = /facegan-fault: (\d+) writes/.exec(r.stderr);
  if (r.code !== 0 || !m) throw new Error(`counting run failed (${r.code}): ${r.stderr}`);
  return Number(m[1]);
}

const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

/** What must be bit-identical between two complete runs, with a file -> hash map. */
export function fingerprintRun(dir: string): Record<string, string> {
  const latest = JSON.parse(fs.readFileSync(path.join(dir, 'checkpoints', 'latest.json'), 'utf8'));
  const ck = path.join(dir, 'checkpoints', latest.checkpoint);
  const out: Record<string, string> = { checkpoint: latest.checkpoint };
  for (const f of ['G/weights.bin', 'D/weights.bin', 'opt-G.bin', 'opt-D.bin', 'opt-G.json', 'opt-D.json', 'noise.json']) {
    const file = f === 'noise.json' ? path.join(dir, f) : path.join(ck, f);
    out[f] = sha(file);
  }
  const state = JSON.parse(fs.readFileSync(path.join(ck, 'state.json'), 'utf8'));
  delete state.seconds;
  out['state.json'] = JSON.stringify(state);
  // losses.csv without the seconds column (timing)
  out['losses.csv'] = fs.readFileSync(path.join(dir, 'losses.csv'), 'utf8').trim().split('\n').map((l) => l.split(',').slice(0, 7).join(',')).join('\n');
  return out;
}

/** Files every complete tiny run has; none may be lost, and no temporary or lock file may remain. */
export function checkComplete(dir: string): string[] {
  const problems: string[] = [];
  const want = ['config.json', 'losses.csv', 'noise.json', 'summary.json', 'loss.svg', 'checkpoints/latest.json', 'samples/final.png',
    'samples/epoch-001.png', 'samples/epoch-002.png', 'samples/epoch-003.png'];
  for (const f of want) if (!fs.existsSync(path.join(dir, f))) problems.push(`${f} lost`);
  const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? [e.name, ...walk(path.join(d, e.name)).map((x) => `${e.name}/${x}`)] : [e.name]));
  for (const f of walk(dir)) {
    const base = path.basename(f);
    if (base.endsWith('.tmp') || base.startsWith('.tmp-') || base === '.lock') problems.push(`${f} left behind`);
  }
  try {
    const s = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    if (s.status !== 'completed') problems.push(`summary.json status ${s.status}`);
    const rows = fs.readFileSync(path.join(dir, 'losses.csv'), 'utf8').trim().split('\n').length - 1;
    if (rows !== TINY_STEPS) problems.push(`losses.csv has ${rows} rows, expected ${TINY_STEPS}`);
  } catch (e) {
    problems.push((e as Error).message);
  }
  return problems;
}

/** Differences between a run and the reference (empty: bit-identical). */
export function diffRuns(dir: string, ref: string): string[] {
  const a = fingerprintRun(dir);
  const b = fingerprintRun(ref);
  return Object.keys(b).filter((k) => a[k] !== b[k]).map((k) => `${k} differs`);
}

/** A seeded generator for drawing fault points (mulberry32), so a failing draw can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Hashes of every file below `dir` (to prove a refused command touched nothing). */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const f = path.join(d, e.name);
      if (e.isDirectory()) walk(f);
      else out[path.relative(dir, f)] = sha(f);
    }
  };
  walk(dir);
  return out;
}

/** Runs async jobs with at most `n` at a time. */
export async function pool<T>(jobs: (() => Promise<T>)[], n: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, jobs.length) }, async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]();
    }
  }));
  return out;
}

/** Mounts a tmpfs of `size` at a new folder, or returns why it cannot (needs Linux and root). */
export function mountTmpfs(size: string): { dir: string; unmount(): void } | string {
  if (os.platform() !== 'linux') return 'tmpfs needs Linux';
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  const dir = tempDir('facegan-tmpfs-');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) return `mount -t tmpfs failed: ${(r.stderr || r.error?.message || '').trim()}`;
  return { dir, unmount: () => void spawnSync('umount', [dir]) };
}
