/**
 * Benchmark jobs, each run in a fresh Node process (tools/bench/worker.ts): a process can load only
 * one native backend, and a fresh process gives each measurement its own peak RSS.
 */
import * as path from 'path';
import { exec } from '../../lib/native/exec';
import { REPO_ROOT } from '../../lib/native/paths';
import type { BackendInfo } from '../../lib/backend';
import type { NetName } from './nets';
import type { TrainBenchResult } from './train-bench';
import type { StepVariant } from './variants';
import type { MatMulResult } from './matmul';
import type { StepProfile } from './profile';
import type { SoakResult } from './soak';

export type Job =
  | { kind: 'train'; backend: string; net: NetName; batch: number; warmup: number; steps: number; sampleReps: number; variant?: StepVariant }
  | { kind: 'matmul'; backend: string; n: number; reps: number }
  | { kind: 'profile'; backend: string; net: NetName; batch: number; steps: number; fused?: boolean }
  | { kind: 'soak'; backend: string; steps: number; batch: number; data?: string; images?: number };

/** The result type of each job kind. */
export interface ResultOf {
  train: TrainBenchResult;
  matmul: MatMulResult;
  profile: StepProfile;
  soak: SoakResult;
}

export type JobResult = { [K in keyof ResultOf]: { kind: K; result: ResultOf[K] } }[keyof ResultOf];

/** What a worker prints on its last `FACEGAN_BENCH ` line. */
export type WorkerOutput = ({ ok: true; backend: BackendInfo } & JobResult) | { ok: false; error: string };

export const RESULT_PREFIX = 'FACEGAN_BENCH ';
/** The environment variable that hands a job (JSON) to tools/bench/worker.ts. */
export const JOB_ENV = 'FACEGAN_BENCH_JOB';

/** Runs a job in a child process and returns its result; throws with the child's reason on failure. */
export async function runJob<K extends keyof ResultOf>(
  job: Extract<Job, { kind: K }>,
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<{ backend: BackendInfo; result: ResultOf[K] }> {
  const worker = path.join(__dirname, 'worker.ts');
  const r = await exec(process.execPath, ['--import', 'tsx', worker], {
    cwd: REPO_ROOT,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', ...opts.env, [JOB_ENV]: JSON.stringify(job) },
    timeoutMs: opts.timeoutMs ?? 3_600_000,
  });
  const line = r.stdout.split('\n').reverse().find((l) => l.startsWith(RESULT_PREFIX));
  if (!line) {
    const why = r.timedOut ? 'timed out' : r.code === null ? 'killed (out of memory?)' : `exit ${r.code}`;
    const tail = r.stderr.trim().split('\n').slice(-3).join(' | ');
    throw new Error(`bench job ${job.kind} on ${job.backend} ${why}${tail ? `: ${tail}` : ''}`);
  }
  const out = JSON.parse(line.slice(RESULT_PREFIX.length)) as WorkerOutput;
  if (!out.ok) throw new Error(out.error);
  return { backend: out.backend, result: out.result as ResultOf[K] };
}
