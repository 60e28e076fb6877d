import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';
import { buildConditionalGenerator } from '../../lib/models/conditional';
import { ConditionalSpec } from '../../lib/models/conditional-spec';
import { EMOTIONS } from '../../lib/data';
import { SAMPLE_DIR } from '../../lib/runs/dataset';
import { loadFace } from '../../lib/edit/face-image';
import { ConditionalRenderer } from '../../lib/edit/renderer';
import { invertFaces } from '../../lib/edit/invert';
import { editFaces, editStripPng, formatEdit } from '../../lib/edit/edit-faces';
import { changeByRegion, regionMask, rmseAndPsnr } from '../../lib/eval/regions';
import { encodePng, decodePng } from '../../lib/viz/png';
import { getExperiment } from '../../experiments';
import { setupBackend, tempDir } from '../helpers';

test.before(setupBackend);

const ROOT = path.resolve(__dirname, '..', '..');
const small: ConditionalSpec = { size: 48, channels: 1, nz: 100, ngf: 8, ndf: 4, classes: 7, classNames: EMOTIONS, embed: 10, aux: 0, fakeLabels: 'uniform' };
const FER_TEST = path.join(SAMPLE_DIR, 'fer2013', 'test');
const testFace = (emotion: string) => {
  const dir = path.join(FER_TEST, emotion);
  return path.join(dir, fs.readdirSync(dir).sort()[0]);
};
const CELEBA = path.join(SAMPLE_DIR, 'celeba', 'img_align_celeba');

function cli(script: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', script), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: '1', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, last: r.stdout.trim().split('\n').pop() ?? '' };
}

test('a colour photo of any size becomes a 48x48 grayscale face in [-1, 1]', async () => {
  const file = path.join(CELEBA, fs.readdirSync(CELEBA).sort()[0]);
  const f = await loadFace(file, small);
  assert.deepEqual(f.original, { width: 178, height: 218, channels: 3 });
  assert.equal(f.pixels.length, 48 * 48);
  assert.equal(f.bytes.length, 48 * 48);
  assert.ok(f.pixels.every((v) => v >= -1 && v <= 1));
  f.bytes.forEach((b, i) => assert.ok(Math.abs(b / 127.5 - 1 - f.pixels[i]) < 1e-6));
  assert.ok(new Set(f.bytes).size > 50, 'a real face, not a flat image');
});

test('unreadable, missing and tiny images are refused with the file named', async () => {
  const dir = tempDir();
  const text = path.join(dir, 'notes.jpg');
  fs.writeFileSync(text, 'this is not an image');
  await assert.rejects(loadFace(text, small), /notes\.jpg" is not a readable JPEG\/PNG image/);
  await assert.rejects(loadFace(path.join(dir, 'missing.png'), small), /cannot read image ".*missing\.png": no such file/);
  const tiny = path.join(dir, 'tiny.png');
  fs.writeFileSync(tiny, encodePng(new Uint8Array(16 * 20).fill(128), 20, 16, 1));
  await assert.rejects(loadFace(tiny, small), /tiny\.png" is too small: 20x16 pixels; a face needs at least 24/);
  const cut = path.join(dir, 'cut.jpg');
  fs.writeFileSync(cut, fs.readFileSync(testFace('happy')).subarray(0, 200));
  await assert.rejects(loadFace(cut, small), /cut\.jpg/);
});

test('change by region: a change inside the brow/mouth boxes is not counted outside them', () => {
  const mask = regionMask(48);
  const inside = mask.reduce((a, b) => a + b, 0);
  assert.ok(inside > 0.3 * 48 * 48 && inside < 0.7 * 48 * 48, `expression regions cover ${inside} px`);
  const a = new Uint8Array(48 * 48).fill(100);
  const b = a.map((v, i) => (mask[i] ? 151 : v));
  const c = changeByRegion(a, b, 48, 1, mask);
  assert.ok(Math.abs(c.inside - 51 / 255) < 1e-9);
  assert.equal(c.outside, 0);
  const d = changeByRegion(a, a.map((v, i) => (mask[i] ? v : 0)), 48, 1, mask);
  assert.equal(d.inside, 0);
  assert.ok(Math.abs(d.outside - 100 / 255) < 1e-9);
  assert.equal(d.ratio, Infinity);
  const e = rmseAndPsnr(a, a.map((v) => v + 10));
  assert.ok(Math.abs(e.rmse - 10) < 1e-9 && Math.abs(e.psnr - 20 * Math.log10(25.5)) < 1e-9);
});

test('inversion lowers the reconstruction error of a real FER2013 test face within 40 steps; fine-tuning G lowers it further', async () => {
  const G = buildConditionalGenerator(small, 4);
  const face = await loadFace(testFace('happy'), small);
  const r = new ConditionalRenderer(G, small, { reference: 8 });
  const n0 = tf.memory().numTensors;
  const inv = await invertFaces(r, face.pixels, [3], { steps: 40, candidates: 16, fineTune: { steps: 15, lr: 2e-3 }, logEvery: 10 });
  assert.equal(tf.memory().numTensors, n0, 'no tensors leak');
  assert.equal(inv.z.length, 100);
  // An untrained generator can only get so close by z alone; the error must still fall at every record.
  assert.ok(inv.zMse[0] < inv.initialMse[0] * 0.99, `z search: ${inv.initialMse[0]} -> ${inv.zMse[0]}`);
  const zPhase = inv.history.filter((h) => h.phase === 'z').map((h) => h.mse);
  zPhase.slice(1).forEach((m, i) => assert.ok(m <= zPhase[i] + 1e-6, `z step ${(i + 1) * 10}: ${zPhase[i]} -> ${m}`));
  assert.ok(inv.finalMse[0] < inv.zMse[0] * 0.9, `fine-tuning: ${inv.zMse[0]} -> ${inv.finalMse[0]}`);
  assert.deepEqual(inv.history.map((h) => h.step), [0, 10, 20, 30, 40, 50, 55]);
  assert.ok(inv.tuned);
  r.dispose();
});

test('edits keep the size and range of the face, one per target; strip and report are written', async () => {
  const G = buildConditionalGenerator(small, 6);
  const faces = [await loadFace(testFace('sad'), small), await loadFace(testFace('surprise'), small)];
  const r = await editFaces(G, small, faces, { to: [3, 5], from: [4, undefined], invert: { steps: 6, candidates: 4 }, renderer: { reference: 8 } });
  assert.equal(r.faces.length, 2);
  assert.equal(r.faces[0].from.source, 'given');
  assert.equal(r.faces[0].from.cls, 'sad');
  assert.equal(r.faces[1].from.source, 'reconstruction', 'no classifier given: the best-fitting expression');
  assert.equal(r.judgeNote, 'classifier not available');
  for (const f of r.faces) {
    assert.equal(f.images.edits.length, 2);
    for (const im of [f.images.reconstruction, ...f.images.edits]) {
      assert.ok(im instanceof Uint8Array && im.length === 48 * 48);
    }
    assert.deepEqual(f.edits.map((e) => e.to), ['happy', 'surprise']);
    assert.ok(f.edits.every((e) => e.verdict === null && e.change.inside >= 0 && e.change.outside >= 0));
    assert.ok(f.reconstruction.rmse > 0 && Number.isFinite(f.reconstruction.psnr));
  }
  const png = decodePng(editStripPng(r.faces[0], 48, 1, 'test'));
  assert.ok(png.width > 4 * 48 && png.height > 48);
  assert.match(formatEdit(r.faces[0], r.judgeNote), /-> happy\s+classifier not available; change in brows\/mouth/);
});

test('CLI: npm run edit on a conditional smoke run writes a strip; clear errors for bad images and unconditional runs', () => {
  const dir = tempDir();
  const run = path.join(dir, 'cond');
  const t = cli('experiment.ts', ['fer-conditional', '--preset', 'smoke', '--out', run]);
  assert.equal(t.code, 0, t.stderr);
  const out = path.join(dir, 'strip.png');
  const face = testFace('happy');
  let r = cli('edit.ts', [face, '--run', run, '--to', 'surprise', '--from', 'happy', '--steps', '4', '--reference', '4', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.last, out);
  const strip = decodePng(fs.readFileSync(out));
  assert.ok(strip.width > 3 * 48);
  const report = JSON.parse(fs.readFileSync(path.join(dir, 'strip.json'), 'utf8'));
  assert.equal(report.edits.length, 1);
  assert.equal(report.edits[0].to, 'surprise');
  assert.match(r.stderr, /reconstruction: RMSE/);

  // npm run evaluate measures the conditional hit-rates again, with the classifier it was given.
  const metricsFile = path.join(run, 'metrics.json');
  const before = JSON.parse(fs.readFileSync(metricsFile, 'utf8'));
  assert.ok(before.eval_conditional, 'hit-rates measured at the end of training');
  r = cli('evaluate.ts', [run, '--n', '16', '--kid-subsets', '2']);
  assert.equal(r.code, 0, r.stderr);
  const after = JSON.parse(fs.readFileSync(metricsFile, 'utf8'));
  assert.ok(after.eval_conditional.evaluatedAt > before.eval_conditional.evaluatedAt, 'cond_hit_* measured again');
  assert.equal(after.eval_conditional.classifier, after.eval.classifier, 'one classifier for every number');
  for (const e of EMOTIONS) assert.ok(after[`cond_hit_${e}`] >= 0 && after[`cond_hit_${e}`] <= 1, `cond_hit_${e}`);
  assert.ok(after.fd_fer > 0 && after.swd > 0);

  // Bad images.
  const bad = path.join(dir, 'bad.png');
  fs.writeFileSync(bad, 'nope');
  r = cli('edit.ts', [bad, '--run', run]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /bad\.png" is not a readable JPEG\/PNG image/);
  const tiny = path.join(dir, 'tiny.png');
  fs.writeFileSync(tiny, encodePng(new Uint8Array(12 * 12), 12, 12, 1));
  r = cli('edit.ts', [tiny, '--run', run]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /too small: 12x12 pixels/);

  // A run that is not conditional (only its config is read).
  const plain = path.join(dir, 'plain');
  fs.mkdirSync(plain);
  fs.writeFileSync(path.join(plain, 'config.json'), JSON.stringify({ experiment: 'fer-happy', spec: getExperiment('fer-happy') }));
  r = cli('edit.ts', [face, '--run', plain]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /is not a conditional run: experiment "fer-happy" is an unconditional DCGAN/);
  r = cli('sample.ts', ['--run', plain, '--emotion', 'happy']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /is not a conditional run/);

  // Options.
  r = cli('edit.ts', [face, '--run', run, '--to', 'joy']);
  assert.match(r.stderr, /--to: unknown class "joy"; expected one of angry/);
  r = cli('edit.ts', [face, '--run', run, '--to', 'happy', '--all']);
  assert.match(r.stderr, /give --to EXPRESSION or --all, not both/);
  // Without --run the translator is used: with none installed, the error says how to get one.
  r = cli('edit.ts', [face, '--to', 'happy'], { FACEGAN_TRANSLATOR: path.join(dir, 'no-translator') });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no trained expression translator in .*no-translator \(model\.json is missing\): train and install one with `npm run experiment -- fer-translate/);
  r = cli('edit.ts', [face, '--method', 'invert']);
  assert.match(r.stderr, /--method invert needs --run RUN_DIR/);

  // Sampling one expression from the conditional run.
  const sdir = path.join(dir, 'happy');
  r = cli('sample.ts', ['--run', run, '--emotion', 'happy', '--n', '3', '--out', sdir]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(fs.readdirSync(sdir).filter((f) => f.startsWith('sample-')).length, 3);
});
