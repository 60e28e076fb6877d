/**
 * TensorBoard event files (<run>/tb/) read back with TensorBoard's own reader (the Python
 * `tensorboard` package's EventAccumulator, from .venv-tb made by .ci/tensorboard.sh or
 * $FACEGAN_TB_PYTHON); the reading tests skip with the reason where that Python is missing.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { PNG } from 'pngjs';
import { train } from '../../lib/train/trainer';
import { crc32c, maskedCrc32c } from '../../lib/train/tb-events';
import { openTensorBoard } from '../../lib/train/tensorboard';
import { tensorboardMetrics, LOSS_TAGS } from '../../lib/train/tb-run';
import { loadFer2013 } from '../../lib/data';
import { DcganSpec } from '../../lib/models/spec';
import { SAMPLE_DIR } from '../../lib/runs/dataset';
import { trainClassifier, ClassifierSettings } from '../../lib/classify/classifier-train';
import { CLASSIFIER_PRESETS } from '../../experiments/classifier';
import { setupBackend, tempDir } from '../helpers';

const ROOT = path.resolve(__dirname, '..', '..');
const small: DcganSpec = { size: 48, channels: 1, nz: 100, ngf: 4, ndf: 4 };

/** A Python that has the tensorboard package, or why there is none. */
function tbPython(): { python: string } | { skip: string } {
  const candidates = [process.env.FACEGAN_TB_PYTHON, path.join(ROOT, '.venv-tb', 'bin', 'python')].filter((p): p is string => !!p);
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', 'import tensorboard'], { encoding: 'utf8' });
    if (r.status === 0) return { python: py };
  }
  return { skip: `no Python with the tensorboard package (tried ${candidates.join(', ')}; run .ci/tensorboard.sh or set FACEGAN_TB_PYTHON)` };
}
const PY = tbPython();
const skip = 'skip' in PY ? PY.skip : false;

interface TbRead {
  scalars: Record<string, [number, number][]>;
  images: Record<string, { step: number; width: number; height: number; png: string }[]>;
}

/** Everything TensorBoard's EventAccumulator sees in a log folder. */
function readTb(dir: string): TbRead {
  const script = `
import base64, json, sys
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
ea = EventAccumulator(sys.argv[1], size_guidance={"scalars": 0, "images": 0})
ea.Reload()
tags = ea.Tags()
out = {"scalars": {t: [[e.step, e.value] for e in ea.Scalars(t)] for t in tags["scalars"]},
       "images": {t: [{"step": e.step, "width": e.width, "height": e.height, "png": base64.b64encode(e.encoded_image_string).decode()} for e in ea.Images(t)] for t in tags["images"]}}
print(json.dumps(out))
`;
  const r = spawnSync((PY as { python: string }).python, ['-c', script, dir], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `EventAccumulator failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as TbRead;
}

function lossesCsv(runDir: string): Record<string, number>[] {
  const [head, ...lines] = fs.readFileSync(path.join(runDir, 'losses.csv'), 'utf8').trim().split('\n');
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], Number(v)])));
}

const f32 = (x: number) => Math.fround(x);

function assertScalarsMatchCsv(tb: TbRead, runDir: string): void {
  const rows = lossesCsv(runDir);
  for (const tag of LOSS_TAGS) {
    const ev = tb.scalars[tag];
    assert.ok(ev, `scalar ${tag} missing (tags: ${Object.keys(tb.scalars).join(', ')})`);
    assert.deepEqual(ev.map((e) => e[0]), rows.map((r) => r.iter), `${tag}: one event per losses.csv row, at its iteration`);
    ev.forEach(([step, v], i) => {
      const want = f32(rows[i][tag]);
      assert.ok(Math.abs(v - want) <= 1e-4 * Math.max(1, Math.abs(want)), `${tag} at step ${step}: ${v} in TensorBoard, ${rows[i][tag]} in losses.csv`);
    });
  }
  assert.ok(tb.scalars.images_per_s?.length > 0 && tb.scalars.images_per_s.every(([, v]) => v > 0), 'images_per_s is written and positive');
}

async function sampleSet(n: number) {
  return loadFer2013({ path: path.join(SAMPLE_DIR, 'fer2013'), split: 'train', emotions: ['happy'], limit: n, seed: 3 });
}

test('CRC32C and its TFRecord mask match the published check values', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
  const c = 0xe3069283;
  assert.equal(maskedCrc32c(Buffer.from('123456789')), ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0);
});

test('a smoke run leaves tb/ whose scalars equal losses.csv and whose images are the epoch grids', { skip }, async () => {
  await setupBackend();
  const runDir = tempDir();
  const data = await sampleSet(24);
  const s = await train({ runDir, data, model: small, epochs: 3, batchSize: 8, seed: 5, logEvery: 2, progress: false });
  assert.equal(s.status, 'completed');
  assert.ok(fs.readdirSync(path.join(runDir, 'tb')).some((f) => f.startsWith('events.out.tfevents.')), 'an event file in tb/');
  const tb = readTb(path.join(runDir, 'tb'));
  assertScalarsMatchCsv(tb, runDir);
  const grids = tb.images.fixed_noise;
  assert.equal(grids?.length, 3, 'one fixed-noise grid per epoch');
  assert.deepEqual(grids.map((g) => g.step), [2, 5, 8], 'each grid at the last iteration of its epoch');
  grids.forEach((g, i) => {
    const png = PNG.sync.read(Buffer.from(g.png, 'base64'));
    const file = PNG.sync.read(fs.readFileSync(path.join(runDir, 'samples', `epoch-00${i + 1}.png`)));
    assert.deepEqual([png.width, png.height, g.width, g.height], [file.width, file.height, file.width, file.height], 'the grid PNG decodes to the grid size');
    assert.ok(Buffer.from(png.data).equals(Buffer.from(file.data)), `epoch ${i + 1}: the image is the epoch's grid`);
  });

  // the final metrics, when metrics.json is written, at the run's last iteration
  tensorboardMetrics(runDir, { fd_fer: 12.5, hit_rate: 0.25, note: 'not a number' });
  const after = readTb(path.join(runDir, 'tb'));
  assert.deepEqual(after.scalars['metrics/fd_fer'], [[8, 12.5]]);
  assert.deepEqual(after.scalars['metrics/hit_rate'], [[8, 0.25]]);
  assert.equal(after.scalars['metrics/note'], undefined);
});

test('a stopped and resumed run has exactly one TensorBoard value per iteration, equal to losses.csv', { skip }, async () => {
  await setupBackend();
  const runDir = tempDir();
  const data = await sampleSet(24);
  const base = { runDir, data, model: small, epochs: 2, batchSize: 8, seed: 5, logEvery: 1, checkpointEvery: 2, progress: false };
  assert.equal((await train({ ...base, maxSteps: 3 })).status, 'stopped');
  assert.equal((await train({ ...base, resume: true })).status, 'completed');
  assert.equal(fs.readdirSync(path.join(runDir, 'tb')).length, 2, 'one event file per session');
  const tb = readTb(path.join(runDir, 'tb'));
  assertScalarsMatchCsv(tb, runDir);
  assert.deepEqual(tb.images.fixed_noise.map((g) => g.step), [2, 5]);
});

test('a TensorBoard write failure warns once and never stops training', async () => {
  await setupBackend();
  const runDir = tempDir();
  fs.writeFileSync(path.join(runDir, 'tb'), 'a file where the log folder should be');
  const warnings: string[] = [];
  const orig = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => (warnings.push(String(chunk)), true)) as typeof process.stderr.write;
  let status: string;
  try {
    status = (await train({ runDir, data: await sampleSet(16), model: small, epochs: 2, batchSize: 8, seed: 5, logEvery: 1, progress: false })).status;
  } finally {
    process.stderr.write = orig;
  }
  assert.equal(status, 'completed');
  const tbWarnings = warnings.filter((w) => w.includes('TensorBoard'));
  assert.equal(tbWarnings.length, 1, `one warning, got: ${tbWarnings.join(' | ')}`);
  assert.match(tbWarnings[0], /TensorBoard logging off: .*tb/);
  assert.ok(fs.existsSync(path.join(runDir, 'losses.csv')) && fs.existsSync(path.join(runDir, 'samples', 'epoch-002.png')), 'the run records are all there');
});

test('a resumed session replaces the steps logged after the checkpoint it resumes from (TensorBoard restart marker)', { skip }, () => {
  const dir = path.join(tempDir(), 'tb');
  const first = openTensorBoard(dir);
  for (let step = 0; step < 5; step++) first.scalar('loss_d', step, step);
  first.close(); // the process died after step 4; its last checkpoint was at step 3
  const second = openTensorBoard(dir, { resumeStep: 3 });
  for (let step = 3; step < 6; step++) second.scalar('loss_d', 10 + step, step);
  second.close();
  assert.deepEqual(readTb(dir).scalars.loss_d, [[0, 0], [1, 1], [2, 2], [3, 13], [4, 14], [5, 15]]);
});

test('the writer module: scalars and images for other programs (the translator, the classifier)', { skip }, () => {
  const dir = path.join(tempDir(), 'tb');
  const w = openTensorBoard(dir);
  const png = new PNG({ width: 5, height: 3 });
  png.data.fill(200);
  for (let step = 0; step < 4; step++) w.scalar('loss/l1', 1 / (step + 1), step);
  w.image('translations', PNG.sync.write(png), 3);
  w.close();
  w.scalar('ignored', 1, 9); // after close: ignored, no throw
  const tb = readTb(dir);
  assert.deepEqual(tb.scalars['loss/l1'].map(([s, v]) => [s, v]), [0, 1, 2, 3].map((s) => [s, f32(1 / (s + 1))]));
  assert.deepEqual(tb.images.translations.map((g) => [g.step, g.width, g.height]), [[3, 5, 3]]);
  assert.equal(tb.scalars.ignored, undefined);
});

test('the classifier writes its progress.csv numbers to tb/ at every epoch end', { skip }, async () => {
  await setupBackend();
  const runDir = tempDir();
  const trainSet = await loadFer2013({ path: path.join(SAMPLE_DIR, 'fer2013'), split: 'train', limit: 64, seed: 2 });
  const settings: ClassifierSettings = { ...CLASSIFIER_PRESETS.smoke, trainLimit: null, epochs: 2, batchSize: 16, checkpointEvery: 0 };
  const r = await trainClassifier({ runDir, train: trainSet, valid: trainSet, settings, seed: 3, log: () => {} });
  r.net.model.dispose();
  const tb = readTb(path.join(runDir, 'tb'));
  const [head, ...rows] = fs.readFileSync(path.join(runDir, 'progress.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
  const col = (name: string) => rows.map((row) => Number(row[head.indexOf(name)]));
  for (const name of ['train_loss', 'train_acc', 'valid_acc']) {
    const ev = tb.scalars[`classifier/${name}`];
    assert.deepEqual(ev.map((e) => e[0]), col('step'), `classifier/${name} at each epoch's last step`);
    ev.forEach(([, v], i) => assert.ok(Math.abs(v - col(name)[i]) < 1e-4, `classifier/${name}: ${v} vs progress.csv ${col(name)[i]}`));
  }
});
