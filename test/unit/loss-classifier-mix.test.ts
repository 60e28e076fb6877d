/**
 * Per-target member weights of an ensemble loss classifier (ensemble.json targetWeights, `fer-loss-classifier
 * --ensemble ... --target-weights`) and the checkpoint choice's own judge (`fer-translate --choice-classifier`).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { loadModelDir } from '../../lib/train/model-io';
import { checkLossClassifier, loadLossClassifier, targetMixOf, mixedLogits, parseTargetWeights } from '../../lib/train/translate-classifier';
import { makeTranslatorPair, generatorStep, drawClassifierView } from '../../lib/train/translate-step';
import { trainTranslator } from '../../lib/train/translate-trainer';
import { buildTranslatorG, buildTranslatorD, oneHot, TranslatorSpec } from '../../lib/models/translator';
import { checkChoiceClassifier, pickSelectionFaces, classifierArgs } from '../../lib/orchestrate/run-translate';
import type { TranslateRunConfig } from '../../lib/runs/translate-config';
import { refuseLossClassifierAsJudge } from '../../lib/orchestrate/translate-eval';
import { lossClassifierCli } from '../../scripts/cli/fer-loss-classifier';
import { DEFAULT_CLASSIFIER_DIR } from '../../lib/eval/classifier';
import { loadFer2013, EMOTIONS } from '../../lib/data';
import { SAMPLE_DIR } from '../../lib/runs/dataset';
import { ferTranslateV2 } from '../../experiments/translate';
import { Rng } from '../../lib/rng';
import { setupBackend, tempDir, checkpointWeights, tinyLossClassifier } from '../helpers';

test.before(setupBackend);

const FER = path.join(SAMPLE_DIR, 'fer2013');
const tinyV2: TranslatorSpec = { ...ferTranslateV2.model, gDim: 8, resBlocks: 1, dDim: 8, dLayers: 2 };
const DISGUST = EMOTIONS.indexOf('disgust');

async function quietly<T>(f: () => Promise<T>): Promise<T> {
  const [log, err] = [console.log, console.error];
  console.log = console.error = () => {};
  try {
    return await f();
  } finally {
    [console.log, console.error] = [log, err];
  }
}

async function trainFaces(n: number) {
  const set = await loadFer2013({ path: FER, split: 'train', limit: n, seed: 5 });
  return { set, x: tf.tidy(() => tf.tensor4d(set.data, [n, 48, 48, 1], 'int32').toFloat().div(127.5).sub(1)) as tf.Tensor4D };
}

test('per-target weights: edits to disgust read member 2 alone, the other targets the mean; weights are part of the fingerprint', async () => {
  const a = await tinyLossClassifier(61);
  const b = await tinyLossClassifier(62);
  const out = path.join(tempDir(), 'ens');
  await quietly(() => lossClassifierCli(['--ensemble', `${a},${b}`, '--target-weights', '1:disgust=0', '--out', out]));
  const rec = checkLossClassifier(out, DEFAULT_CLASSIFIER_DIR);
  assert.deepEqual(rec.targetWeights, [EMOTIONS.map((e) => (e === 'disgust' ? 0 : 1)), EMOTIONS.map(() => 1)]);
  assert.match(rec.sha256, /;targetWeights=/);
  const E = await loadLossClassifier(rec, DEFAULT_CLASSIFIER_DIR);
  const mix = targetMixOf(E)!;
  assert.ok(mix, 'the loaded ensemble carries its per-target mix');
  const [A, B] = [await loadModelDir(a), await loadModelDir(b)];
  const { x } = await trainFaces(7);
  // face i edited to target i: row 1 (disgust) is B's logits, every other row the mean of A's and B's
  const trg = oneHot(Int32Array.from({ length: 7 }, (_, i) => i), 7);
  const got = mixedLogits(mix, x, trg).arraySync();
  const pa = (A.predict(x) as tf.Tensor2D).arraySync();
  const pb = (B.predict(x) as tf.Tensor2D).arraySync();
  for (let i = 0; i < 7; i++) {
    for (let c = 0; c < 7; c++) {
      const want = i === DISGUST ? pb[i][c] : (pa[i][c] + pb[i][c]) / 2;
      assert.ok(Math.abs(got[i][c] - want) < 1e-5, `face ${i} logit ${c}: ${got[i][c]} vs ${want}`);
    }
  }
  // E itself (the choice's and predictions' reading) stays the plain mean
  const mean = (E.predict(x) as tf.Tensor2D).arraySync();
  assert.ok(Math.abs(mean[DISGUST][0] - (pa[DISGUST][0] + pb[DISGUST][0]) / 2) < 1e-5);
  // a run started with these weights refuses the ensemble once its weights changed
  const file = path.join(out, 'ensemble.json');
  const j = JSON.parse(fs.readFileSync(file, 'utf8'));
  fs.writeFileSync(file, JSON.stringify({ ...j, targetWeights: [EMOTIONS.map(() => 1), EMOTIONS.map(() => 1)] }));
  await assert.rejects(loadLossClassifier(rec, DEFAULT_CLASSIFIER_DIR), /not those the run started with/);
  fs.writeFileSync(file, JSON.stringify({ ...j, targetWeights: [[1, 1]] }));
  assert.throws(() => checkLossClassifier(out, DEFAULT_CLASSIFIER_DIR), /ensemble\.json: targetWeights must be 2 rows/);
  fs.writeFileSync(file, JSON.stringify({ ...j, targetWeights: [[1, 1], [1, 1]] }));
  await assert.rejects(loadLossClassifier(checkLossClassifier(out, DEFAULT_CLASSIFIER_DIR), DEFAULT_CLASSIFIER_DIR), /2 weights per member, its classifiers have 7 classes/);
  tf.dispose([x, trg, mix.shares]);
  [E, A, B].forEach((m) => m.dispose());
});

test('--target-weights: parsed by member and target name; bad entries and a target left to no member are refused', () => {
  assert.deepEqual(parseTargetWeights('4:disgust=3, 1:happy=0.5', 4, EMOTIONS)[3], [1, 3, 1, 1, 1, 1, 1]);
  assert.equal(parseTargetWeights('1:happy=0.5', 2, EMOTIONS)[0][EMOTIONS.indexOf('happy')], 0.5);
  assert.throws(() => parseTargetWeights('5:disgust=1', 4, EMOTIONS), /member 5; the ensemble has 4/);
  assert.throws(() => parseTargetWeights('1:disgusted=1', 4, EMOTIONS), /target "disgusted"; the targets are angry, disgust/);
  assert.throws(() => parseTargetWeights('1:disgust', 4, EMOTIONS), /not MEMBER:TARGET=WEIGHT/);
  assert.throws(() => parseTargetWeights('1:fear=0,2:fear=0', 2, EMOTIONS), /gives target 2 no member/);
});

test("G's step with equal per-target weights is G's step with the plain ensemble; with a mix it reads the mix", async () => {
  const a = await tinyLossClassifier(63);
  const b = await tinyLossClassifier(64);
  const dirs = { equal: path.join(tempDir(), 'eq'), mixed: path.join(tempDir(), 'mx'), plain: path.join(tempDir(), 'pl') };
  await quietly(async () => {
    await lossClassifierCli(['--ensemble', `${a},${b}`, '--target-weights', '1:angry=1', '--out', dirs.equal]);
    await lossClassifierCli(['--ensemble', `${a},${b}`, '--target-weights', '2:angry=0,1:disgust=0,2:fear=0', '--out', dirs.mixed]);
    await lossClassifierCli(['--ensemble', `${a},${b}`, '--out', dirs.plain]);
  });
  const { set, x } = await trainFaces(6);
  const gCls: Record<string, number> = {};
  for (const [name, dir] of Object.entries(dirs)) {
    const C = await loadLossClassifier(checkLossClassifier(dir, DEFAULT_CLASSIFIER_DIR), DEFAULT_CLASSIFIER_DIR);
    assert.equal(!!targetMixOf(C), name !== 'plain');
    const pair = makeTranslatorPair(buildTranslatorG(tinyV2, 3), buildTranslatorD(tinyV2, 4), { lr: 0, beta1: 0.5, beta2: 0.999, eps: 1e-8 }, { lr: 0, beta1: 0.5, beta2: 0.999, eps: 1e-8 });
    pair.C = C;
    pair.Cmix = targetMixOf(C);
    const rng = new Rng(9);
    const b6 = {
      x, src: oneHot(set.labels!, 7), trg: oneHot(Int32Array.from([0, 1, 2, 0, 1, 2]), 7), alpha: tf.ones([6, 1, 1, 1]) as tf.Tensor4D,
      aug: drawClassifierView(rng, ferTranslateV2.losses.clsAugment!, [6, 48, 48, 1]),
    };
    const g = generatorStep(pair, b6, ferTranslateV2.losses);
    gCls[name] = (await g.cls.data())[0];
    tf.dispose([...Object.values(g), b6.src, b6.trg, b6.alpha]);
    pair.G.dispose();
    pair.D.dispose();
    C.dispose();
  }
  assert.ok(Math.abs(gCls.equal - gCls.plain) < 1e-5, `equal weights ${gCls.equal} vs plain mean ${gCls.plain}`);
  assert.ok(Math.abs(gCls.mixed - gCls.plain) > 1e-4, `the mix changes G's classification term (${gCls.mixed} vs ${gCls.plain})`);
  x.dispose();
});

test('--choice-classifier: the choice reads its own judge (training unchanged); a loss member or the evaluation classifier is refused; evaluate refuses it too', async () => {
  const lossDir = await tinyLossClassifier(71);
  const judgeDir = await tinyLossClassifier(72);
  const lossRec = checkLossClassifier(lossDir, DEFAULT_CLASSIFIER_DIR);
  assert.throws(() => checkChoiceClassifier(lossDir, lossRec), /is \(a member of\) the loss classifier/);
  assert.throws(() => checkChoiceClassifier(DEFAULT_CLASSIFIER_DIR, lossRec), /refused: it is the evaluation classifier/);
  const choiceRec = checkChoiceClassifier(judgeDir, lossRec);
  const data = await loadFer2013({ path: FER, split: 'train', limit: 24, seed: 3 });
  const C = await loadModelDir(lossDir);
  const J = await loadModelDir(judgeDir);
  const selectFaces = await pickSelectionFaces(FER, 14, 7, 1);
  const grid = await loadFer2013({ path: FER, split: 'test', limit: 2, seed: 1 });
  const base = {
    data, model: tinyV2, losses: ferTranslateV2.losses, seed: 8, progress: false, lossClassifier: C, selectFaces,
    gridFaces: { data: grid.data, n: 2, height: 48, width: 48, channels: 1 as const, labels: grid.labels! },
    settings: {
      steps: 2, batchSize: 8, limit: null, lrG: 1e-3, lrD: 1e-3, beta1: 0.5, beta2: 0.999, nCritic: 1, decayFrom: null,
      flip: true, sampleEvery: 1000, checkpointEvery: 0, logEvery: 1, selectEvery: 1, selectFaces: 14, selectMinPsnr: 0,
    },
  };
  const own = tempDir();
  const judged = tempDir();
  await trainTranslator({ ...base, runDir: own });
  await trainTranslator({ ...base, runDir: judged, choiceClassifier: J });
  const [wo, wj] = [checkpointWeights(own), checkpointWeights(judged)];
  for (const k of Object.keys(wo)) assert.deepEqual(wj[k], wo[k], `${k}: the judge changed training`);
  const ratios = (dir: string) => fs.readFileSync(path.join(dir, 'select.csv'), 'utf8').trim().split('\n').slice(1).map((r) => r.split(',').slice(4, 11).join(','));
  assert.notDeepEqual(ratios(judged), ratios(own), 'the same snapshots read by another judge');
  // the run's judge is never its evaluator
  fs.writeFileSync(path.join(judged, 'config.json'), JSON.stringify({ kind: 'translator', lossClassifier: lossRec, choiceClassifier: choiceRec }));
  assert.throws(() => refuseLossClassifierAsJudge(path.join(judged, 'best'), judgeDir), /chose the translator's checkpoint/);
  assert.throws(() => refuseLossClassifierAsJudge(judged, lossDir), /loss classifier the translator was trained against/);
  C.dispose();
  J.dispose();
});

test("the shipped model's reproducing command names the ensemble's target weights, the choice judge and the run it was fine-tuned from", async () => {
  const a = await tinyLossClassifier(73);
  const b = await tinyLossClassifier(74);
  const out = path.join(tempDir(), 'ens');
  await quietly(() => lossClassifierCli(['--ensemble', `${a},${b}`, '--target-weights', '1:disgust=0,2:fear=0.5', '--out', out]));
  const config = {
    spec: { ...ferTranslateV2, model: tinyV2 },
    lossClassifier: checkLossClassifier(out, DEFAULT_CLASSIFIER_DIR),
    choiceClassifier: checkLossClassifier(await tinyLossClassifier(75), DEFAULT_CLASSIFIER_DIR),
    init: { checkpoint: '/runs/v2d-ens/checkpoints/step-0008730', step: 8730 },
  } as unknown as TranslateRunConfig;
  assert.equal(
    classifierArgs(config),
    ' --loss-classifier <fer-loss-classifier --ensemble of the runs with seeds 73, 74 --target-weights 1:disgust=0,2:fear=0.5>' +
      ' --choice-classifier <fer-loss-classifier run with seed 75>/model --init-from <run folder v2d-ens>/checkpoints/step-0008730',
  );
  assert.equal(classifierArgs({ spec: config.spec } as TranslateRunConfig), '');
});
