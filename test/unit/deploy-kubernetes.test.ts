/**
 * deploy/kubernetes/study-job.yaml is a valid batch/v1 Job (checked offline against the Kubernetes
 * schema by the kubernetes-models package), an Indexed Job whose completions, parallelism and
 * FACEGAN_SHARDS agree, running `npm run study` into a shared PersistentVolumeClaim that the file
 * also defines; and `npm run study`'s shard resolution turns its pods' indices into a disjoint
 * cover of the campaign.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { resolveShard } from '../../lib/runs/shard';
import { campaignRuns } from '../../lib/orchestrate/campaign';
import { studyCampaign } from '../../experiments/study';

const FILE = path.resolve(__dirname, '..', '..', 'deploy', 'kubernetes', 'study-job.yaml');

function documents(): Record<string, any>[] {
  const docs = parseAllDocuments(fs.readFileSync(FILE, 'utf8'));
  for (const d of docs) assert.deepEqual(d.errors, [], `${FILE}: YAML errors`);
  return docs.map((d) => d.toJSON());
}

test('the manifest validates against the Kubernetes schema (Job and its PersistentVolumeClaim)', () => {
  const docs = documents();
  const job = docs.find((d) => d.kind === 'Job');
  const pvc = docs.find((d) => d.kind === 'PersistentVolumeClaim');
  assert.ok(job && pvc, 'a Job and a PersistentVolumeClaim');
  assert.equal(job.apiVersion, 'batch/v1');
  new Job(job as ConstructorParameters<typeof Job>[0]).validate();
  new PersistentVolumeClaim(pvc as ConstructorParameters<typeof PersistentVolumeClaim>[0]).validate();
  // the validator does reject a broken Job (so passing above means something)
  const broken = structuredClone(job);
  broken.spec.completions = 'nine';
  assert.throws(() => new Job(broken).validate(), /completions/);
});

test('an Indexed Job with completions = parallelism = FACEGAN_SHARDS, on the shared volume, running the study', () => {
  const job = documents().find((d) => d.kind === 'Job')!;
  const pvc = documents().find((d) => d.kind === 'PersistentVolumeClaim')!;
  assert.equal(job.spec.completionMode, 'Indexed');
  const container = job.spec.template.spec.containers[0];
  const env = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));
  const shards = Number(env.FACEGAN_SHARDS);
  assert.equal(job.spec.completions, shards, 'completions = the number of shards the command uses');
  assert.equal(job.spec.parallelism, shards);
  assert.equal(shards, studyCampaign.runs.length, 'one pod per run of the study');
  const command = [...container.command, ...container.args].join(' ');
  // node under tini (PID 1 forwarding SIGTERM), never npm -> sh -c -> node (test/faults/signals.test.ts)
  assert.match(command, /^\/usr\/bin\/tini -- node --import tsx scripts\/study\.ts /);
  assert.match(command, /--preset paper/);
  const out = container.args[container.args.indexOf('--out') + 1];
  const claim = job.spec.template.spec.volumes.find((v: any) => v.persistentVolumeClaim)?.persistentVolumeClaim.claimName;
  assert.equal(claim, pvc.metadata.name, 'the Job mounts the claim the file defines');
  assert.ok(pvc.spec.accessModes.includes('ReadWriteMany'), 'all pods write to the same volume');
  const mount = container.volumeMounts.find((m: any) => job.spec.template.spec.volumes.some((v: any) => v.name === m.name && v.persistentVolumeClaim));
  for (const flag of ['--out', '--celeba', '--fer']) {
    const p = container.args[container.args.indexOf(flag) + 1];
    assert.ok(p.startsWith(mount.mountPath + '/'), `${flag} ${p} is on the shared volume (${mount.mountPath})`);
  }
  assert.ok(out);
  // each pod's JOB_COMPLETION_INDEX with the manifest's FACEGAN_SHARDS: every run exactly once
  const taken = Array.from({ length: job.spec.completions }, (_, i) =>
    campaignRuns(studyCampaign, undefined, resolveShard({}, { JOB_COMPLETION_INDEX: String(i), FACEGAN_SHARDS: env.FACEGAN_SHARDS }))).flat();
  assert.deepEqual([...taken].sort(), [...studyCampaign.runs].sort());
});

test('the Job uses the image built from deploy/Dockerfile (node 20, npm ci, no GPU)', () => {
  const docker = fs.readFileSync(path.resolve(__dirname, '..', '..', 'deploy', 'Dockerfile'), 'utf8');
  assert.match(docker, /^FROM node:20/m);
  assert.match(docker, /npm ci/);
  assert.match(docker, /setup:native/);
  assert.match(fs.readFileSync(FILE, 'utf8'), /docker build -f deploy\/Dockerfile/);
});
