/**
 * The notebooks' picture views (notebooks 02 and 03: showFinalSamples, showRunSections, openRun,
 * openCampaign) skip a damaged run (a garbled config.json) with a note and show the others, as
 * compare and showSummary do; pictures they keep in a run folder are written atomically.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { imageGrid, encodePng } from '../../lib/viz';
import { withDisplayHandler, type DisplayMessage } from '../../lib/notebook/runner/tslab';
import { showFinalSamples, showSummary } from '../../lib/notebook/views/run-views';
import { showRunSections, openRun, openCampaign } from '../../lib/notebook/views/existing-runs';
import { tempDir } from '../helpers';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'runs', 'fer-happy');

/** A grid of 8 grayscale 48x48 faces as the trainer writes it (samples/final.png, epoch-NNN.png). */
function gridPng(shade: number): Buffer {
  const size = 48;
  const data = new Uint8Array(8 * size * size).map((_, i) => (shade + i) & 255);
  const g = imageGrid({ data, n: 8, height: size, width: size, channels: 1 }, { nrow: 8 });
  return Buffer.from(encodePng(g.pixels, g.width, g.height, 1));
}

/**
 * A campaign folder (<root>/<experiment>/) with a completed smoke-size FER run (the compare fixture's
 * config.json and summary.json, a final grid, one epoch grid, a loss plot, losses.csv) and a copy of
 * it whose config.json is garbled.
 */
function campaign(): { root: string; good: string; bad: string } {
  const root = tempDir('facegan-damaged-');
  const good = path.join(root, 'fer-happy');
  const bad = path.join(root, 'fer-sad');
  for (const d of [good, bad]) {
    fs.mkdirSync(path.join(d, 'samples'), { recursive: true });
    fs.copyFileSync(path.join(FIXTURE, 'config.json'), path.join(d, 'config.json'));
    const summary = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'summary.json'), 'utf8'));
    fs.writeFileSync(path.join(d, 'summary.json'), JSON.stringify({ ...summary, status: 'completed' }));
    fs.writeFileSync(path.join(d, 'samples', 'final.png'), gridPng(40));
    fs.writeFileSync(path.join(d, 'samples', 'epoch-001.png'), gridPng(90));
    fs.writeFileSync(path.join(d, 'loss.png'), gridPng(0));
    fs.writeFileSync(path.join(d, 'losses.csv'), 'epoch,iter,loss_d,loss_g,d_x,d_g_z1,d_g_z2,seconds\n0,0,1.3,0.7,0.5,0.4,0.3,0.01\n');
  }
  fs.writeFileSync(path.join(bad, 'config.json'), '{"experiment": "fer-sad", "spec": {"mod');
  return { root, good, bad };
}

/** The displays (markdown text, image alt texts) a view makes. */
async function displays(fn: () => unknown): Promise<{ md: string[]; images: string[] }> {
  const md: string[] = [];
  const images: string[] = [];
  await withDisplayHandler(
    (msg: DisplayMessage) => {
      if (typeof msg.data['text/markdown'] === 'string') md.push(msg.data['text/markdown']);
      else if (msg.data['image/png'] || msg.data['image/gif']) images.push(String(msg.data['text/plain']));
    },
    async () => {
      await fn();
    },
  );
  return { md, images };
}

const skipNote = (bad: string) => new RegExp(`note: skipping damaged run ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: run config .* is not valid JSON`);

test('showFinalSamples and showSummary skip a run with a garbled config.json with a note and show the other', async () => {
  const { root, good, bad } = campaign();
  const final = await displays(() => showFinalSamples([good, bad], ['happy', 'sad']));
  assert.equal(final.md.length, 1);
  assert.match(final.md[0], skipNote(bad));
  assert.deepEqual(final.images, ['final fixed-noise samples per run']);
  const all = await displays(() => showFinalSamples(root));
  assert.equal(all.images.length, 1, 'a campaign folder: the readable run is shown');
  const only = await displays(() => showFinalSamples([bad]));
  assert.deepEqual(only.images, []);
  assert.match(only.md.join('\n'), /no readable runs/);
  const summary = await displays(() => showSummary(root));
  assert.equal(summary.md.filter((m) => /skipping damaged run/.test(m)).length, 1, 'one note per damaged run');
});

test('showRunSections skips the damaged run with one note; pictures kept in the good run are whole files', async () => {
  const { good, bad } = campaign();
  const r = await displays(() => showRunSections([bad, good], ['sad', 'happy']));
  assert.equal(r.md.filter((m) => /skipping damaged run/.test(m)).length, 1, r.md.join('\n'));
  assert.match(r.md.join('\n'), skipNote(bad));
  assert.deepEqual(r.md.filter((m) => m.startsWith('###')), ['### happy'], 'a section for the good run only, with its own label');
  assert.ok(r.images.some((a) => /real vs generated faces of fer-happy/.test(a)), r.images.join('\n'));
  assert.ok(r.images.some((a) => /across epochs .*fer-happy/.test(a)), r.images.join('\n'));
  for (const f of ['epochs-strip.png', 'epochs.gif', 'real-vs-fake.png']) assert.ok(fs.statSync(path.join(good, 'samples', f)).size > 0, f);
  assert.deepEqual(fs.readdirSync(path.join(good, 'samples')).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
  assert.ok(!fs.existsSync(path.join(bad, 'samples', 'epochs-strip.png')), 'nothing written into the damaged run');
});

test('openRun and openCampaign leave a damaged run out with a note', async () => {
  const { root, good, bad } = campaign();
  let opened: ReturnType<typeof openRun> | undefined;
  const r = await displays(() => (opened = openRun(root)));
  assert.deepEqual(opened!.runs.map((x) => x.runDir), [good]);
  assert.match(r.md.join('\n'), skipNote(bad));
  await displays(() => assert.throws(() => openRun(bad), /holds no readable run/));
  let c: ReturnType<typeof openCampaign> | undefined;
  const rc = await displays(() => (c = openCampaign(root, ['fer-happy', 'fer-sad'])));
  assert.deepEqual(c!.runs.map((x) => x.runDir), [good]);
  assert.match(rc.md.join('\n'), /Not shown: fer-sad: is damaged \(run config .* is not valid JSON/);
});
