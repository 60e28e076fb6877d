/**
 * npm run study -- --export DEST --notebooks: the campaign's notebooks run over its completed runs
 * (nothing trained) and are written with the machine's folders made relative; a notebook whose runs
 * are not completed is skipped, naming them.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { setupBackend, tempDir } from '../helpers';
import { runExperiment } from '../../lib/orchestrate/run-experiment';
import { exportNotebooks, replaceFolders } from '../../lib/notebook/export-notebooks';
import { exportReference } from '../../lib/orchestrate/export-reference';
import { studyCampaign } from '../../experiments/study';
import { getExperiment } from '../../experiments';

const ROOT = path.resolve(__dirname, '..', '..');

test('replaceFolders rewrites whole folder prefixes only, longest first', () => {
  const text = '{"a": "/home/u/camp/celeba/loss.png", "b": "/home/u/campaign2", "c": "/home/u/x"}';
  const out = replaceFolders(text, [['/home/u/camp', '..'], ['/home/u', '~']]);
  assert.equal(out, '{"a": "../celeba/loss.png", "b": "~/campaign2", "c": "~/x"}');
});

test('the CelebA notebook shows a finished run without absolute paths; notebooks with unfinished runs are skipped', async () => {
  const backend = await setupBackend();
  const camp = path.join(tempDir('facegan-nbexport-'), 'camp');
  const runDir = path.join(camp, 'celeba');
  await runExperiment({ spec: getExperiment('celeba'), preset: 'smoke', outDir: runDir, backend, progress: false });
  const before = fs.readFileSync(path.join(runDir, 'losses.csv'), 'utf8');
  const dest = path.join(tempDir('facegan-nbexport-dest-'), 'ref');
  const lines: string[] = [];
  const r = await exportNotebooks({
    notebooks: studyCampaign.notebooks!.filter((n) => /01-celeba|02-fer/.test(n.notebook)),
    from: camp, to: dest, projectRoot: ROOT, log: (l) => lines.push(l),
  });
  assert.deepEqual(r.written.map((w) => w.notebook), ['01-celeba.ipynb']);
  assert.equal(r.skipped.length, 1);
  assert.match(r.skipped[0].reason, /fer-angry \(not started\)/);
  const text = fs.readFileSync(path.join(dest, 'notebooks', '01-celeba.ipynb'), 'utf8');
  const nb = JSON.parse(text);
  assert.ok(nb.cells.some((c: { outputs?: { data?: Record<string, unknown> }[] }) => (c.outputs ?? []).some((o) => o.data?.['image/png'])), 'the notebook shows pictures');
  for (const abs of [camp, ROOT, os.tmpdir() + '/facegan-nb-']) assert.ok(!text.includes(abs), `no ${abs} in the exported notebook`);
  assert.ok(text.includes('../celeba'), 'the run is named relative to the export');
  assert.equal(fs.readFileSync(path.join(runDir, 'losses.csv'), 'utf8'), before, 'the shown run is not retrained');

  // a notebook over {export} reads the exported reference runs: skipped until DEST holds them
  const compareNb = { notebook: 'notebooks/04-compare-results.ipynb', params: { results_dir: '{export}', presets: 'smoke', out_dir: '{tmp}' }, needs: ['celeba'] };
  const first = await exportNotebooks({ notebooks: [compareNb], from: camp, to: dest, projectRoot: ROOT, log: () => {} });
  assert.match(first.skipped[0]?.reason ?? '', /celeba \(not started\)/, 'DEST has no celeba yet');
  await exportReference({ campaign: studyCampaign, from: camp, to: dest, only: ['celeba'], log: () => {} });
  const second = await exportNotebooks({ notebooks: [compareNb], from: camp, to: dest, projectRoot: ROOT, log: () => {} });
  assert.deepEqual(second.written.map((w) => w.notebook), ['04-compare-results.ipynb']);
  const compared = fs.readFileSync(path.join(dest, 'notebooks', '04-compare-results.ipynb'), 'utf8');
  assert.match(compared, /1 run\(s\) found under \.\./, 'the exported run, named relative to the export');
  assert.ok(JSON.parse(compared).cells.some((c: { outputs?: { data?: Record<string, unknown> }[] }) => (c.outputs ?? []).some((o) => o.data?.['image/png'])), 'its final grid (final.png of the export) is shown');
  for (const abs of [camp, dest, ROOT]) assert.ok(!compared.includes(abs), `no ${abs} in the exported notebook`);

  // the per-run notebook over the exported reference run itself (no losses.csv, no per-epoch grids,
  // the data path relative): loss plot, the exported epoch strip, real (bundled sample) vs generated
  const files = fs.readdirSync(path.join(dest, 'celeba')).sort();
  const overExport = await exportNotebooks({
    notebooks: [{ notebook: 'notebooks/01-celeba.ipynb', params: { run_dir: '{export}/celeba' }, needs: ['celeba'] }],
    from: camp, to: dest, projectRoot: ROOT, log: () => {},
  });
  assert.deepEqual(overExport.written.map((w) => w.notebook), ['01-celeba.ipynb']);
  const shown = JSON.parse(fs.readFileSync(path.join(dest, 'notebooks', '01-celeba.ipynb'), 'utf8'));
  const alts = shown.cells.flatMap((c: { outputs?: { data?: Record<string, string> }[] }) => (c.outputs ?? []).map((o) => o.data?.['text/html'] ?? o.data?.['text/markdown'] ?? '').filter(Boolean)).join('\n');
  const pngs = shown.cells.flatMap((c: { outputs?: { data?: Record<string, unknown> }[] }) => (c.outputs ?? []).filter((o) => o.data?.['image/png'])).length;
  assert.ok(pngs >= 3, `loss plot, epoch strip and real vs generated shown (${pngs} pictures): ${alts.slice(0, 400)}`);
  assert.deepEqual(fs.readdirSync(path.join(dest, 'celeba')).sort(), files, 'the exported run is only read');
});
