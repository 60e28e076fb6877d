/**
 * One damaged run folder no longer stops a study campaign (lib/runs/run-state.ts, lib/orchestrate/campaign.ts):
 * - a garbled config.json: that run is skipped with a line naming the folder and the problem, in
 *   --dry-run too, and table.md says it is damaged and left out; the other runs go on;
 * - a garbled summary.json: the run is resumed and its summary rewritten (as `npm run experiment --
 *   --resume` does), instead of stopping the campaign;
 * - a broken latest.json: the step is taken from the newest intact checkpoint;
 * - checkpoints/ deleted from a run whose summary.json names a checkpoint: skipped as damaged, not
 *   started again from scratch.
 * Before: the first garbled file threw and stopped the whole campaign, even the dry run.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { setupBackend, tempDir } from '../helpers';
import { runCampaign, CampaignRequest } from '../../lib/orchestrate/campaign';
import type { ExperimentSpec } from '../../lib/runs/experiment';
import { TINY_SPEC, referenceRun } from './harness';

const RUNS = ['tiny-a', 'tiny-b', 'tiny-c', 'tiny-d', 'tiny-e'];
const tiny = JSON.parse(fs.readFileSync(TINY_SPEC, 'utf8')) as ExperimentSpec;

/** A campaign folder of four completed tiny runs (copies of the reference run under four names). */
function campaignFolder(): string {
  const out = tempDir('facegan-campaign-');
  for (const name of RUNS) {
    const dir = path.join(out, name);
    fs.cpSync(referenceRun(), dir, { recursive: true });
    const file = path.join(dir, 'config.json');
    const c = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...c, experiment: name, spec: { ...c.spec, name } }, null, 2));
  }
  return out;
}

test('a garbled run file: the campaign skips that run with a clear line (dry run too) and the table says so', { timeout: 5 * 60_000 }, async () => {
  const backend = await setupBackend();
  const out = campaignFolder();
  fs.writeFileSync(path.join(out, 'tiny-b', 'config.json'), '{"experiment": "tiny-b", "pres');
  fs.writeFileSync(path.join(out, 'tiny-c', 'summary.json'), '\0\0\0garbled');
  fs.writeFileSync(path.join(out, 'tiny-d', 'checkpoints', 'latest.json'), '{"checkpoint": "step-00');
  fs.writeFileSync(path.join(out, 'tiny-d', 'summary.json'), '{"status": "interrupted"}');
  // checkpoints/ deleted from a run that had them: damaged, not "stopped before its first checkpoint"
  fs.writeFileSync(path.join(out, 'tiny-e', 'summary.json'), JSON.stringify({ ...JSON.parse(fs.readFileSync(path.join(out, 'tiny-e', 'summary.json'), 'utf8')), status: 'interrupted' }));
  fs.rmSync(path.join(out, 'tiny-e', 'checkpoints'), { recursive: true });
  const lines: string[] = [];
  const req: CampaignRequest = {
    campaign: { name: 'tiny', runs: RUNS, evalN: { default: 0 } } as unknown as CampaignRequest['campaign'],
    getSpec: (name) => ({ ...tiny, name }), preset: 'smoke', outDir: out, data: {}, backend,
    evalN: false, progress: false, charts: false, log: (l) => lines.push(l),
  };
  const dry = await runCampaign({ ...req, dryRun: true });
  assert.equal(dry.status, 'stopped');
  const said = lines.join('\n');
  assert.match(said, /tiny-b +damaged \(run config .*tiny-b\/config\.json is not valid JSON.*\): will be skipped/);
  assert.match(said, /tiny-c +summary\.json is damaged .* at step 12: will resume/);
  assert.match(said, /tiny-d +interrupted at step 12: will resume/);
  assert.match(said, /tiny-e +damaged \(its checkpoints are missing, but summary\.json says it reached step 12 .*\): will be skipped/);

  lines.length = 0;
  const r = await runCampaign(req);
  const log = lines.join('\n');
  assert.match(log, /tiny-b: skipping damaged run .*tiny-b: run config .*config\.json is not valid JSON/);
  assert.deepEqual(r.damaged.map((d) => d.experiment), ['tiny-b', 'tiny-e']);
  assert.deepEqual(r.runs.map((x) => [x.experiment, x.status]), [['tiny-a', 'skipped'], ['tiny-b', 'skipped'], ['tiny-c', 'completed'], ['tiny-d', 'completed'], ['tiny-e', 'skipped']]);
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'tiny-c', 'summary.json'), 'utf8'));
  assert.equal(summary.status, 'completed');
  assert.ok(summary.final && summary.imagesPerSecond > 0, 'the rewritten summary has the final record');
  const table = fs.readFileSync(r.tables!.md, 'utf8');
  assert.match(table, /\| tiny-b \| damaged, not in the table: run config .*config\.json is not valid JSON/);
  for (const name of ['tiny-a', 'tiny-c', 'tiny-d']) assert.match(table, new RegExp(name));
});
