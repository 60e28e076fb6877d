/**
 * Shards of a campaign: --shard i/n, Slurm array variables and Kubernetes' JOB_COMPLETION_INDEX
 * pick runs i, i+n, ... of the list after --only; the shards are disjoint and cover the list; an
 * index out of range or a missing count is an error that names its source.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { parseShard, resolveShard, shardItems } from '../../lib/runs/shard';
import { campaignRuns } from '../../lib/orchestrate/campaign';
import { studyCampaign } from '../../experiments/study';

test('the study campaign is the nine runs of the study', () => {
  assert.deepEqual([...studyCampaign.runs].sort(), [
    'celeba', 'celeba-gray', 'fer-angry', 'fer-disgust', 'fer-fear', 'fer-happy', 'fer-neutral', 'fer-sad', 'fer-surprise',
  ]);
});

test('n shards split any list disjointly and together cover it', () => {
  for (const n of [1, 2, 3, 4, 9, 12]) {
    const parts = Array.from({ length: n }, (_, i) => campaignRuns(studyCampaign, undefined, { index: i, count: n, source: 'test' }));
    const all = parts.flat();
    assert.equal(new Set(all).size, all.length, `n=${n}: a run in two shards`);
    assert.deepEqual([...all].sort(), [...studyCampaign.runs].sort(), `n=${n}: not every run taken`);
    parts.forEach((p, i) => assert.deepEqual(p, studyCampaign.runs.filter((_, k) => k % n === i)));
  }
  assert.deepEqual(shardItems(['a', 'b', 'c', 'd', 'e'], parseShard('1/2')), ['b', 'd']);
});

test('--only filters first, then the shard takes every n-th of what is left', () => {
  const only = ['fer-sad', 'celeba', 'fer-happy'];
  assert.deepEqual(campaignRuns(studyCampaign, only), ['celeba', 'fer-happy', 'fer-sad']);
  assert.deepEqual(campaignRuns(studyCampaign, only, { index: 1, count: 2, source: 'test' }), ['fer-happy']);
  assert.throws(() => campaignRuns(studyCampaign, ['fer-happy', 'fer-joy']), /--only: fer-joy not in the study campaign/);
});

test('--shard i/n: malformed or out-of-range values are errors naming the option', () => {
  assert.deepEqual(parseShard('2/9'), { index: 2, count: 9 });
  assert.throws(() => parseShard('9/9'), /--shard: shard index 9 is out of range for 9 shard\(s\) \(expected 0\.\.8\)/);
  assert.throws(() => parseShard('1/0'), /number of shards must be an integer >= 1/);
  assert.throws(() => parseShard('a/3'), /--shard must be i\/n/);
  assert.throws(() => parseShard('-1/3'), /--shard must be i\/n/);
});

test('the shard comes from --shard, else Slurm array variables, else JOB_COMPLETION_INDEX with --shards or FACEGAN_SHARDS', () => {
  assert.equal(resolveShard({}, {}), null);
  assert.deepEqual(resolveShard({ shard: '1/3' }, { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '9' }), { index: 1, count: 3, source: '--shard' });
  assert.deepEqual(resolveShard({}, { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '9' }), { index: 4, count: 9, source: 'Slurm array' });
  // --array=1-9 numbers tasks from 1
  assert.deepEqual(resolveShard({}, { SLURM_ARRAY_TASK_ID: '9', SLURM_ARRAY_TASK_COUNT: '9', SLURM_ARRAY_TASK_MIN: '1' }), { index: 8, count: 9, source: 'Slurm array' });
  assert.throws(() => resolveShard({}, { SLURM_ARRAY_TASK_ID: '9', SLURM_ARRAY_TASK_COUNT: '9' }), /Slurm array task 9 .*out of range for 9 shard/);
  assert.throws(() => resolveShard({}, { SLURM_ARRAY_TASK_ID: '2' }), /SLURM_ARRAY_TASK_COUNT is not/);
  assert.deepEqual(resolveShard({}, { JOB_COMPLETION_INDEX: '3', FACEGAN_SHARDS: '9' }), { index: 3, count: 9, source: 'Kubernetes indexed job' });
  assert.deepEqual(resolveShard({ shards: 4 }, { JOB_COMPLETION_INDEX: '3', FACEGAN_SHARDS: '9' }), { index: 3, count: 4, source: 'Kubernetes indexed job' });
  assert.throws(() => resolveShard({}, { JOB_COMPLETION_INDEX: '3' }), /pass --shards N or set FACEGAN_SHARDS/);
  assert.throws(() => resolveShard({}, { JOB_COMPLETION_INDEX: '9', FACEGAN_SHARDS: '9' }), /JOB_COMPLETION_INDEX 9 .*out of range/);
  assert.throws(() => resolveShard({}, { JOB_COMPLETION_INDEX: 'x', FACEGAN_SHARDS: '9' }), /JOB_COMPLETION_INDEX must be a non-negative integer/);
  assert.throws(() => resolveShard({ shards: 3 }, {}), /--shards N needs JOB_COMPLETION_INDEX/);
});
