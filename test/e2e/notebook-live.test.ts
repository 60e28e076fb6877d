/**
 * The notebook API's live training displays, outside a kernel (displays routed to a handler):
 * the loss plot and status are shown and then updated in place, the epoch grid appears, and the
 * run is recorded as scraps. Also the picture helpers on a real smoke run.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { withDisplayHandler, DisplayMessage } from '../../lib/notebook/runner/tslab';
import { train } from '../../notebooks/api/api';
import { SCRAP_MIME } from '../../lib/notebook/runner/scrap';
import { runDirsOf } from '../../lib/notebook/views/run-views';
import { epochStripPng, epochGif, finalSamplesPng } from '../../lib/runs/run-pictures';
import { gridCells, spread } from '../../lib/viz/grid-cells';
import { ferCounts, countsTable } from '../../lib/notebook/views/dataset-views';
import { pngSize, tableBundle } from '../../lib/notebook/views/show';
import { decodePng, imageGrid } from '../../lib/viz';
import { EMOTIONS } from '../../lib/data';
import { runExperiment } from '../../lib/orchestrate/run-experiment';
import { getExperiment } from '../../experiments';
import { setupBackend, tempDir } from '../helpers';

test('train() shows a live loss plot, status and grid that update in place, and records the run', async () => {
  await setupBackend();
  const outDir = path.join(tempDir('facegan-live-'), 'run');
  const msgs: { msg: DisplayMessage; update: boolean }[] = [];
  const r = await withDisplayHandler((msg, update) => msgs.push({ msg, update }), () =>
    train({ experiment: 'fer-happy', preset: 'smoke', outDir, liveEveryMs: 0 }),
  );
  assert.equal(r.runDir, outDir);
  assert.equal(r.runs[0].summary.steps, 2);
  const byId = new Map<string, { msg: DisplayMessage; update: boolean }[]>();
  for (const m of msgs) {
    const id = m.msg.transient?.display_id;
    if (id) byId.set(id, [...(byId.get(id) ?? []), m]);
  }
  const kinds = [...byId.values()].map((ms) => Object.keys(ms[0].msg.data).filter((k) => k !== 'text/plain')[0]);
  assert.deepEqual(kinds.sort(), ['image/png', 'image/png', 'text/markdown'], 'status, loss plot, grid');
  for (const ms of byId.values()) {
    assert.equal(ms[0].update, false, 'first shown');
    assert.ok(ms.slice(1).every((m) => m.update), 'then only updated');
  }
  const chart = [...byId.values()].find((ms) => /loss plot/.test(String(ms[0].msg.data['text/plain'])))!;
  assert.ok(chart.length >= 3, `the loss plot is redrawn during training (each log flush, the epoch, the end): ${chart.length}`);
  const png = Buffer.from(chart[chart.length - 1].msg.data['image/png'] as string, 'base64');
  assert.equal((chart[chart.length - 1].msg.metadata as Record<string, { width: number }>)['image/png'].width, pngSize(png).width / 2, 'a 2x chart shown at its natural size');
  const status = [...byId.values()].find((ms) => 'text/markdown' in ms[0].msg.data)!;
  assert.match(String(status[status.length - 1].msg.data['text/markdown']), /completed: 2 iterations, 1\/1 epochs/);
  const scraps = Object.fromEntries(msgs.filter((m) => SCRAP_MIME in m.msg.data).map((m) => {
    const s = m.msg.data[SCRAP_MIME] as { name: string; data: unknown };
    return [s.name, s.data];
  }));
  assert.equal(scraps.run_dir, outDir);
  assert.equal(scraps.experiment, 'fer-happy');
  assert.deepEqual((scraps.runs as { steps: number }[]).map((x) => x.steps), [2]);
});

test('gridCells takes back exactly the images imageGrid tiled', () => {
  const n = 11;
  const sq = new Uint8Array(n * 6 * 6).map((_, i) => (i * 53) % 256);
  const g2 = imageGrid({ data: sq, n, height: 6, width: 6, channels: 1 }, { nrow: 4 });
  const cells = gridCells(g2, 6, n);
  assert.equal(cells.length, n);
  cells.forEach((c, i) => assert.deepEqual(Buffer.from(c.pixels), Buffer.from(sq.subarray(i * 36, (i + 1) * 36)), `image ${i}`));
  assert.equal(gridCells(g2, 6, 99).length, 12, 'at most the grid\'s slots');
  assert.deepEqual(spread([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 4), [1, 4, 8, 11]);
  assert.deepEqual(spread([1, 2], 5), [1, 2]);
});

test('run pictures from a smoke run: epochs strip, GIF, final samples, run directories', async () => {
  const backend = await setupBackend();
  const outDir = path.join(tempDir('facegan-pictures-'), 'run');
  const { runDir: liveRunDir } = await runExperiment({ spec: getExperiment('fer-happy'), preset: 'smoke', backend, outDir, progress: false, log: () => {} });
  assert.deepEqual(runDirsOf(path.dirname(liveRunDir)), [liveRunDir]);
  const strip = decodePng(epochStripPng(liveRunDir));
  assert.ok(strip.width > 8 * 48 && strip.height > 48, `${strip.width}x${strip.height}`);
  const gif = epochGif(liveRunDir);
  assert.equal(gif.subarray(0, 6).toString('latin1'), 'GIF89a');
  const finals = decodePng(finalSamplesPng([liveRunDir, liveRunDir], ['a', 'b']));
  assert.ok(finals.height > 2 * 48);
  assert.throws(() => runDirsOf(path.join(liveRunDir, 'samples')), /holds no run/);
});

test('data tour: FER2013 counts of the bundled sample, as a table with totals', async () => {
  const counts = await ferCounts(null);
  const train = counts.filter((c) => c.split === 'Training');
  assert.deepEqual(train.map((c) => c.emotion), [...EMOTIONS]);
  // the bundled sample holds 100 training faces per emotion (data/sample/README.md)
  for (const c of train) assert.equal(c.images, fs.readdirSync(path.join(__dirname, '..', '..', 'data', 'sample', 'fer2013', 'train', c.emotion)).length);
  const table = countsTable(counts);
  const all = table[table.length - 1];
  assert.equal(all.emotion, 'all');
  assert.equal(all.total, counts.reduce((a, c) => a + c.images, 0));
  const b = tableBundle(table, 'counts');
  assert.match(b['text/html'], /<th style="text-align:right">Training<\/th>/);
  assert.match(b['text/plain'], /^counts\nemotion/);
});
