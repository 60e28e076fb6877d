/**
 * Splitting a list of runs over n machines (a job array): shard i of n takes items i, i+n, i+2n, ...
 * (0-based), so the shards are disjoint and together cover the list by construction.
 *
 * Where the shard comes from, first match wins:
 *  1. `--shard i/n` on the command line;
 *  2. Slurm job arrays: SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (the index is taken
 *     relative to SLURM_ARRAY_TASK_MIN, so `--array=1-9` works like `--array=0-8`);
 *  3. Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX, with the number of shards from `--shards N`
 *     or FACEGAN_SHARDS (Kubernetes does not tell a pod how many completions its Job has).
 * Nothing of these: no sharding (one machine runs everything).
 */

export interface Shard {
  index: number;
  count: number;
  /** Where it came from, for messages: "--shard", "Slurm array", "Kubernetes indexed job". */
  source: string;
}

/** Parses "i/n" (0 <= i < n); `what` names the option or variable in errors. */
export function parseShard(text: string, what = '--shard'): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new Error(`${what} must be i/n (shard i of n, 0-based, e.g. 0/3), got "${text}"`);
  return checkShard(Number(m[1]), Number(m[2]), what);
}

function checkShard(index: number, count: number, what: string): { index: number; count: number } {
  if (!Number.isInteger(count) || count < 1) throw new Error(`${what}: the number of shards must be an integer >= 1, got ${count}`);
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new Error(`${what}: shard index ${index} is out of range for ${count} shard(s) (expected 0..${count - 1})`);
  }
  return { index, count };
}

function envInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`environment variable ${name} must be a non-negative integer, got "${v}"`);
  return n;
}

/**
 * The shard this process runs, from `--shard` (flag), `--shards` (count for Kubernetes) and the
 * environment (see the file comment); null when nothing asks for sharding.
 */
export function resolveShard(opts: { shard?: string; shards?: number }, env: NodeJS.ProcessEnv = process.env): Shard | null {
  if (opts.shard !== undefined) return { ...parseShard(opts.shard), source: '--shard' };
  const slurmId = envInt(env, 'SLURM_ARRAY_TASK_ID');
  if (slurmId !== undefined) {
    const count = envInt(env, 'SLURM_ARRAY_TASK_COUNT');
    if (count === undefined) throw new Error(`SLURM_ARRAY_TASK_ID=${slurmId} is set but SLURM_ARRAY_TASK_COUNT is not (submit with sbatch --array=0-N)`);
    const min = envInt(env, 'SLURM_ARRAY_TASK_MIN') ?? 0;
    return { ...checkShard(slurmId - min, count, `Slurm array task ${slurmId} (SLURM_ARRAY_TASK_MIN ${min}, SLURM_ARRAY_TASK_COUNT ${count})`), source: 'Slurm array' };
  }
  const k8sIndex = envInt(env, 'JOB_COMPLETION_INDEX');
  if (k8sIndex !== undefined) {
    const count = opts.shards ?? envInt(env, 'FACEGAN_SHARDS');
    if (count === undefined) {
      throw new Error(`JOB_COMPLETION_INDEX=${k8sIndex} is set (a Kubernetes Indexed Job) but not the number of shards: pass --shards N or set FACEGAN_SHARDS (the Job's completions)`);
    }
    return { ...checkShard(k8sIndex, count, `JOB_COMPLETION_INDEX ${k8sIndex} with ${count} shard(s)`), source: 'Kubernetes indexed job' };
  }
  if (opts.shards !== undefined) throw new Error('--shards N needs JOB_COMPLETION_INDEX (a Kubernetes Indexed Job); on the command line use --shard i/n');
  return null;
}

/** Items i, i+n, i+2n, ... of `items` (all of them without a shard). */
export function shardItems<T>(items: readonly T[], shard: { index: number; count: number } | null): T[] {
  if (!shard) return [...items];
  return items.filter((_, k) => k % shard.count === shard.index);
}
