/**
 * The residual gain of a v2 translator (lib/models/translator-residual.ts, lib/train/translate-gain.ts,
 * lib/orchestrate/calibrate-translator.ts): out = clip(x + gain * d); it survives save/load in model.json; the
 * checkpoint choice scans GAIN_GRID on the PublicTest selection faces with the loss classifier and keeps the best
 * ratio that meets the reconstruction floor; `--calibrate-run` applies the same rule to a run's best/.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { buildTranslatorG, translate, oneHot, TranslatorSpec } from '../../lib/models/translator';
import { ResidualAdd, residualLayer } from '../../lib/models/translator-residual';
import { saveModelDir, loadModelDir } from '../../lib/train/model-io';
import { scoreWithGain, GAIN_GRID, gainTable, scoreAt, withGain, labelShares } from '../../lib/train/translate-gain';
import { selectionScore } from '../../lib/train/translate-select';
import { checkLossClassifier } from '../../lib/train/translate-classifier';
import { pickSelectionFaces } from '../../lib/orchestrate/run-translate';
import { calibrateChosenGain } from '../../lib/orchestrate/calibrate-translator';
import { DEFAULT_CLASSIFIER_DIR } from '../../lib/eval/classifier';
import { loadFer2013, EMOTIONS } from '../../lib/data';
import { SAMPLE_DIR } from '../../lib/runs/dataset';
import { ferTranslateV2 } from '../../experiments/translate';
import { setupBackend, tempDir, tinyLossClassifier } from '../helpers';

test.before(setupBackend);

const FER = path.join(SAMPLE_DIR, 'fer2013');
const tiny: TranslatorSpec = {
  kind: 'translator', size: 48, channels: 1, labels: EMOTIONS, gDim: 4, downsamples: 2, resBlocks: 1, mask: false, dDim: 4, dLayers: 4, leak: 0.01,
  residual: true, upsample: 'resize', dPerDomain: true,
};

/** A residual G whose edit is not zero (its last conv is zero-initialised). */
function editingG(seed: number): tf.LayersModel {
  const G = buildTranslatorG(tiny, seed);
  const colour = G.getLayer('g_colour');
  colour.setWeights(colour.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.05, 'float32', seed + i)));
  return G;
}

test('residual gain: out = clip(x + gain * d); kept in model.json when not 1 (absent at 1), and loaded back', async () => {
  const G = editingG(5);
  const s = await loadFer2013({ path: FER, split: 'test', limit: 4, seed: 2 });
  const x = tf.tidy(() => tf.tensor4d(s.data, [s.n, 48, 48, 1], 'int32').toFloat().div(127.5).sub(1) as tf.Tensor4D);
  const y = oneHot([0, 3, 5, 6], 7);
  const layer = residualLayer(G)!;
  assert.equal(layer.gain, 1);
  const one = translate(G, x, y).image;
  layer.gain = 2.5;
  const more = translate(G, x, y).image;
  const [xv, ov, mv] = [x.dataSync(), one.dataSync(), more.dataSync()];
  let checked = 0;
  for (let i = 0; i < xv.length; i++) {
    const d = ov[i] - xv[i];
    if (Math.abs(ov[i]) >= 1 || Math.abs(d) < 1e-4) continue; // clipped at gain 1, or no edit here
    assert.ok(Math.abs(mv[i] - Math.max(-1, Math.min(1, xv[i] + 2.5 * d))) < 1e-4, `pixel ${i}`);
    checked++;
  }
  assert.ok(checked > 1000, `${checked} edited pixels compared`);
  const dir = tempDir();
  await saveModelDir(G, dir);
  assert.match(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'), /"gain":2\.5/);
  const back = await loadModelDir(dir);
  assert.equal(residualLayer(back)!.gain, 2.5);
  assert.deepEqual(Array.from(translate(back, x, y).image.dataSync()), Array.from(mv));
  layer.gain = 1;
  const plain = tempDir();
  await saveModelDir(G, plain);
  assert.doesNotMatch(fs.readFileSync(path.join(plain, 'model.json'), 'utf8'), /"gain"/);
  assert.throws(() => new ResidualAdd({ gain: 0 }), /gain must be a positive number/);
  tf.dispose([x, y, one, more]);
  G.dispose();
  back.dispose();
});

test('gain scan: reconstruction falls as the gain grows; the scan stops below the floor and keeps the best ratio above it', async () => {
  const G = editingG(7);
  const C = await loadModelDir(await tinyLossClassifier(83));
  const faces = await pickSelectionFaces(FER, 14, 7, 1);
  const all = await scoreWithGain(G, C, faces, 7, 10, 0);
  assert.deepEqual(all.gains!.map((t) => t.gain), [...GAIN_GRID], 'floor 0: every gain is tried');
  for (let i = 1; i < all.gains!.length; i++) assert.ok(all.gains![i].psnrFace <= all.gains![i - 1].psnrFace + 1e-9, 'PSNR never rises with the gain');
  const top = Math.max(...all.gains!.map((t) => t.ratio));
  assert.equal(all.gain, all.gains!.find((t) => t.ratio === top)!.gain, 'the best ratio, the smaller gain on ties');
  assert.equal(all.ratio, top);
  assert.equal(residualLayer(G)!.gain, 1, "G's gain is restored");
  // a floor between the third and fourth gains' PSNR: the scan ends at the fourth, the choice is among the first three
  const floor = (all.gains![2].psnrFace + all.gains![3].psnrFace) / 2;
  assert.ok(all.gains![3].psnrFace < floor);
  const some = await scoreWithGain(G, C, faces, 7, 10, floor);
  assert.deepEqual(some.gains!.map((t) => t.gain), GAIN_GRID.slice(0, 4));
  assert.ok(GAIN_GRID.slice(0, 3).includes(some.gain as (typeof GAIN_GRID)[number]));
  assert.equal(some.ratio, Math.max(...some.gains!.slice(0, 3).map((t) => t.ratio)));
  // nothing meets the floor: gain 1, as trained
  // with expression shares the floor reads psnrWeighted (here: all weight on happy faces)
  const weighted = await scoreWithGain(G, C, faces, 7, 10, floor, [0, 0, 0, 1, 0, 0, 0]);
  assert.ok(weighted.gains!.every((t) => t.psnrWeighted !== undefined));
  const firstBelow = weighted.gains!.findIndex((t) => t.psnrWeighted! < floor);
  assert.equal(weighted.gains!.length, firstBelow === -1 ? GAIN_GRID.length : firstBelow + 1, 'the scan stops at the first gain below the floor by psnrWeighted');
  assert.ok(weighted.psnrWeighted! >= floor || weighted.gain === 1);
  const none = await scoreWithGain(G, C, faces, 7, 10, Infinity);
  assert.deepEqual(none.gains!.map((t) => t.gain), [1]);
  assert.equal(none.gain, 1);
  G.dispose();
  C.dispose();
});

test("gain table: every gain scores exactly as G's own output at that gain does (selectionScore)", async () => {
  const G = editingG(11);
  const C = await loadModelDir(await tinyLossClassifier(87));
  const faces = await pickSelectionFaces(FER, 14, 7, 2);
  const table = await gainTable(G, C, faces, 7, [1, 1.5, 2.5]);
  for (const [gi, gain] of [1, 1.5, 2.5].entries()) {
    const ref = await withGain(G, gain, () => selectionScore(G, C, faces, 7, 4));
    const got = scoreAt(table, new Array(7).fill(gi), 4);
    // the same images and verdicts; the per-face PSNR is summed in another order
    assert.ok(Math.abs(got.psnrFace! - ref.psnrFace!) < 1e-9 && Math.abs(got.psnr - ref.psnr) < 1e-9, `gain ${gain}: PSNR`);
    assert.deepEqual({ ...got, psnr: 0, psnrFace: 0 }, { ...ref, psnr: 0, psnrFace: 0 }, `gain ${gain}`);
  }
  // one gain per target: target 3 at 2.5, the rest at 1, changes only target 3's ratio and its own faces' PSNR
  const mixed = scoreAt(table, [0, 0, 0, 2, 0, 0, 0], 4);
  const one = scoreAt(table, new Array(7).fill(0), 4);
  mixed.perTarget.forEach((r, t) => t !== 3 && assert.equal(r, one.perTarget[t]));
  assert.equal(mixed.perTarget[3], scoreAt(table, new Array(7).fill(2), 4).perTarget[3]);
  assert.ok(mixed.psnrFace! < one.psnrFace!);
  // the floor's estimate at other expression frequencies: each expression's mean PSNR weighted by its share
  assert.ok(Math.abs(scoreAt(table, new Array(7).fill(1), 4, new Array(7).fill(1 / 7)).psnrWeighted! - scoreAt(table, new Array(7).fill(1), 4).psnrFace!) < 1e-9, 'equal shares of a balanced set: the plain mean');
  const happyOnly = scoreAt(table, new Array(7).fill(1), 4, [0, 0, 0, 1, 0, 0, 0]);
  assert.ok(Math.abs(happyOnly.psnrWeighted! - table.psnrSum[3][1] / table.faces[3]) < 1e-9);
  assert.deepEqual(labelShares([0, 3, 3, 6], 7), [0.25, 0, 0, 0.5, 0, 0, 0.25]);
  G.dispose();
  C.dispose();
});

test('--calibrate-run: the choice runs again over the kept snapshots at every gain (with the run\'s choice judge when it has one); best/ is rewritten, its stale reports dropped', async () => {
  const run = tempDir();
  const best = path.join(run, 'best');
  const G = editingG(9);
  await saveModelDir(G, best);
  // two kept snapshots: an edit (G) and the identity (a fresh residual G: zero edit, ratio of the unedited faces)
  const idle = buildTranslatorG(tiny, 10);
  await saveModelDir(G, path.join(run, 'snapshots', 'step-0000002'));
  await saveModelDir(idle, path.join(run, 'snapshots', 'step-0000003'));
  const lc = await tinyLossClassifier(85);
  const settings = { steps: 3, batchSize: 8, limit: null, lrG: 1e-3, lrD: 1e-3, beta1: 0.5, beta2: 0.999, nCritic: 1, decayFrom: null, flip: true, sampleEvery: 1000, checkpointEvery: 0, logEvery: 1, selectEvery: 1, selectFaces: 14, selectMinPsnr: 0 };
  fs.writeFileSync(path.join(run, 'config.json'), JSON.stringify({
    experiment: 'fer-translate', kind: 'translator', preset: 'smoke', overrides: {}, settings, spec: { ...ferTranslateV2, model: tiny }, seed: 1,
    data: { path: FER, name: 'fer2013 train', images: 24, skipped: 0 }, lossClassifier: checkLossClassifier(lc, DEFAULT_CLASSIFIER_DIR),
  }));
  const old = { step: 2, ratio: 0.1, perTarget: [], psnr: 40, psnrFace: 41, floorMet: true };
  fs.writeFileSync(path.join(best, 'best.json'), JSON.stringify(old));
  fs.writeFileSync(path.join(best, 'translator.json'), JSON.stringify({ spec: tiny, chosen: old }));
  fs.writeFileSync(path.join(best, 'metrics.json'), JSON.stringify({ edits: { gain: 1 } }));
  fs.writeFileSync(path.join(best, 'edit-metrics.md'), '## gain 1\n');
  const { before, after, scores } = await calibrateChosenGain(run, { log: () => {} });
  assert.deepEqual(before, old);
  assert.deepEqual(scores.map((s) => s.score.step), [2, 3]);
  // the winner is the one betterSnapshot keeps (both meet floor 0: the higher ratio; the first on a tie)
  const win = scores[1].score.ratio > scores[0].score.ratio ? scores[1] : scores[0];
  assert.deepEqual(after, win.score);
  assert.equal(after.step, win.score.step);
  assert.deepEqual(after.gains!.map((t) => t.gain), [...GAIN_GRID], 'floor 0');
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(best, 'best.json'), 'utf8')), after);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(best, 'translator.json'), 'utf8')).chosen, after);
  assert.ok(!fs.existsSync(path.join(best, 'metrics.json')) && !fs.existsSync(path.join(best, 'edit-metrics.md')), 'reports of the uncalibrated G are gone');
  const back = await loadModelDir(best);
  assert.equal(residualLayer(back)!.gain, after.gain);
  const source = after.step === 2 ? G : idle;
  assert.deepEqual(back.getWeights().map((w) => Array.from(w.dataSync())), source.getWeights().map((w) => Array.from(w.dataSync())), "best/ holds the winner's weights");
  // a run with its own choice judge (--choice-classifier) is calibrated by that judge, not by its loss classifier
  const cfg = JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8'));
  fs.writeFileSync(path.join(run, 'config.json'), JSON.stringify({ ...cfg, choiceClassifier: checkLossClassifier(await tinyLossClassifier(86), DEFAULT_CLASSIFIER_DIR) }));
  const judged = await calibrateChosenGain(run, { log: () => {} });
  assert.notDeepEqual(judged.scores.map((x) => x.score.perTarget), scores.map((x) => x.score.perTarget), 'the same snapshots read by another judge');
  G.dispose();
  idle.dispose();
  back.dispose();
});
