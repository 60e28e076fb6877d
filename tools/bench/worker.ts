/**
 * Child process of the benchmark: `FACEGAN_BENCH_JOB='<job json>' node --import tsx tools/bench/worker.ts`
 * loads the job's backend, runs the job and prints one `FACEGAN_BENCH {json}` line (see jobs.ts).
 * The job comes in the environment (JOB_ENV), not on the command line: lib/ parses no command lines.
 */
import { initBackend } from '../../lib/backend';
import { Job, JobResult, JOB_ENV, RESULT_PREFIX, WorkerOutput } from './jobs';
import { benchTraining } from './train-bench';
import { benchMatMul } from './matmul';
import { profileStep } from './profile';
import { soak } from './soak';
import { netSpec } from './nets';

async function run(job: Job): Promise<JobResult> {
  switch (job.kind) {
    case 'train':
      return { kind: 'train', result: await benchTraining(job) };
    case 'matmul':
      return { kind: 'matmul', result: await benchMatMul(job.n, job.reps) };
    case 'profile':
      return { kind: 'profile', result: await profileStep(netSpec(job.net), job.batch, job.steps, 0, job.fused ?? false) };
    case 'soak':
      return { kind: 'soak', result: await soak({ steps: job.steps, batch: job.batch, data: job.data, images: job.images }) };
  }
}

async function main(): Promise<void> {
  let out: WorkerOutput;
  try {
    const job = JSON.parse(process.env[JOB_ENV] ?? '') as Job;
    const backend = await initBackend({ backend: job.backend, quiet: true });
    out = { ok: true, backend, ...(await run(job)) };
  } catch (e) {
    out = { ok: false, error: (e as Error).message.split('\n')[0] };
  }
  process.stdout.write(`\n${RESULT_PREFIX}${JSON.stringify(out)}\n`);
  process.exit(0);
}

main();
