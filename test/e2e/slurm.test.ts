/**
 * deploy/slurm/study.sbatch on a real Slurm: submitted as a 9-task array at the smoke preset on the
 * bundled sample, every task writing into one shared folder; after the array finishes, each of the
 * nine runs is there exactly once, completed, with each iteration once in losses.csv, and each was
 * trained by exactly one task. Needs `sbatch` and a running cluster (CI: `source .ci/slurm.sh`
 * starts a one-node one and exports SLURM_CONF; its slurm.conf is also found at
 * <tmp>/facegan-slurm/slurm.conf). Skipped, saying why, where sbatch is missing.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tempDir } from '../helpers';
import { studyCampaign } from '../../experiments/study';
import { campaignRuns } from '../../lib/orchestrate/campaign';

const ROOT = path.resolve(__dirname, '..', '..');
const SBATCH = path.join(ROOT, 'deploy', 'slurm', 'study.sbatch');
const DEFAULT_CONF = path.join(os.tmpdir(), 'facegan-slurm', 'slurm.conf');
const env: NodeJS.ProcessEnv = { ...process.env };
if (!env.SLURM_CONF && fs.existsSync(DEFAULT_CONF)) env.SLURM_CONF = DEFAULT_CONF;
for (const k of Object.keys(env)) if (k.startsWith('SLURM_') && k !== 'SLURM_CONF') delete env[k]; // not inside another job's array

function run(cmd: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  return spawnSync(cmd, args, { encoding: 'utf8', env: { ...env, ...extraEnv }, timeout: 30_000 });
}

const hasSbatch = run('sbatch', ['--version']).status === 0;
const skip = hasSbatch ? false : 'sbatch not found (install Slurm, e.g. `source .ci/slurm.sh` as root on Debian)';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the sbatch array trains every run of the campaign exactly once into the shared folder', { skip, timeout: 15 * 60_000 }, async () => {
  const state = run('sinfo', ['-h', '-o', '%T']);
  assert.equal(state.status, 0, `sinfo failed (is a cluster running? SLURM_CONF=${env.SLURM_CONF ?? 'unset'}): ${state.stderr}`);
  assert.match(state.stdout, /idle|mixed|allocated/, `no usable node: ${state.stdout}`);

  const work = tempDir('facegan-slurm-test-');
  const shared = path.join(work, 'shared');
  const n = studyCampaign.runs.length;
  const sub = run('sbatch', [
    '--parsable', `--array=0-${n - 1}`, '--cpus-per-task=1', `--chdir=${ROOT}`, `--output=${work}/task-%a.out`, '--export=ALL', SBATCH,
  ], {
    PRESET: 'smoke',
    SHARED: shared,
    CELEBA: path.join(ROOT, 'data', 'sample', 'celeba'),
    FER: path.join(ROOT, 'data', 'sample', 'fer2013'),
    STUDY_ARGS: '--no-eval --no-charts',
  });
  assert.equal(sub.status, 0, `sbatch failed: ${sub.stderr}`);
  const jobId = sub.stdout.trim().split(';')[0];
  assert.match(jobId, /^\d+$/);

  const deadline = Date.now() + 12 * 60_000;
  for (;;) {
    const q = run('squeue', ['-h', '-j', jobId, '-o', '%i %T']);
    if (q.status !== 0 || q.stdout.trim() === '') break;
    if (Date.now() > deadline) {
      run('scancel', [jobId]);
      assert.fail(`the array did not finish in 12 minutes; still queued:\n${q.stdout}`);
    }
    await sleep(2000);
  }

  const outputs = Array.from({ length: n }, (_, i) => {
    const f = path.join(work, `task-${i}.out`);
    assert.ok(fs.existsSync(f), `no output of array task ${i}`);
    return fs.readFileSync(f, 'utf8');
  });
  const info = run('scontrol', ['show', 'job', jobId]);
  if (info.status === 0) {
    const codes = [...info.stdout.matchAll(/ExitCode=(\d+:\d+)/g)].map((m) => m[1]);
    assert.deepEqual(codes, Array(n).fill('0:0'), `array task exit codes\n${outputs.join('\n----\n')}`);
  }
  // every task took its shard from Slurm's variables and trained exactly the runs of that shard
  const trainedBy = new Map<string, number[]>();
  outputs.forEach((text, i) => {
    assert.match(text, new RegExp(`shard ${i}/${n} from Slurm array`), `task ${i}\n${text}`);
    for (const m of text.matchAll(/^run: (.+)$/gm)) {
      const name = path.basename(m[1].trim());
      trainedBy.set(name, [...(trainedBy.get(name) ?? []), i]);
    }
    const mine = campaignRuns(studyCampaign, undefined, { index: i, count: n, source: 'test' });
    assert.deepEqual([...trainedBy.entries()].filter(([, t]) => t.includes(i)).map(([r]) => r), mine, `task ${i} trained its shard's runs`);
  });
  assert.deepEqual([...trainedBy.keys()].sort(), [...studyCampaign.runs].sort());
  for (const [r, tasks] of trainedBy) assert.equal(tasks.length, 1, `${r} trained by tasks ${tasks.join(', ')}`);

  const folders = fs.readdirSync(shared, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  assert.deepEqual(folders, [...studyCampaign.runs].sort(), 'one folder per experiment, nothing else');
  for (const name of folders) {
    const dir = path.join(shared, name);
    const s = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    assert.equal(s.status, 'completed', name);
    assert.equal(s.steps, 2, name);
    const iters = fs.readFileSync(path.join(dir, 'losses.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[1]);
    assert.deepEqual(iters, ['0', '1'], `${name}: losses.csv rows, each iteration once`);
  }
  assert.ok(fs.existsSync(path.join(shared, 'table.md')), 'the tasks wrote the campaign table');
});
