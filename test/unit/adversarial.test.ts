/**
 * Adversarial training of the loss classifier (lib/classify/adversarial.ts): the PGD perturbation
 * stays in its L2 ball and in [-1, 1], raises the loss, leaves BatchNorm's moving statistics alone,
 * and a robust training step runs on real faces. The class-balanced loss (settings.classBalance) is a weighted mean.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { pgdL2, keepingMovingStats } from '../../lib/classify/adversarial';
import { buildClassifier, forwardTrain } from '../../lib/eval/classifier-model';
import { trainClassifier, weightedCrossEntropy } from '../../lib/classify/classifier-train';
import { loadFer2013 } from '../../lib/data';
import { SAMPLE_DIR } from '../../lib/runs/dataset';
import { LOSS_CLASSIFIER_EXPERIMENT } from '../../experiments/translate-classifier';
import { setupBackend, tempDir } from '../helpers';

test.before(setupBackend);

const FER = path.join(SAMPLE_DIR, 'fer2013');

async function faces(n: number) {
  const s = await loadFer2013({ path: FER, split: 'train', limit: n, seed: 2 });
  const x = tf.tensor4d(Float32Array.from(s.data, (v) => v / 127.5 - 1), [n, 48, 48, 1]);
  return { x, y: tf.oneHot(tf.tensor1d(s.labels!, 'int32'), 7) as tf.Tensor2D, labels: s.labels! };
}

test('PGD L2: every face moves at most epsilon, stays in [-1, 1], the loss rises; the moving statistics are kept', async () => {
  const net = buildClassifier({ blocks: [[8], [8]], dense: 8, spaceToDepth: true }, 3);
  const { x, y } = await faces(6);
  const loss = (xi: tf.Tensor4D) => tf.losses.softmaxCrossEntropy(y, forwardTrain(net, xi, 0, 1)) as tf.Scalar;
  const stats = () => net.model.nonTrainableWeights.map((w) => Array.from(w.read().dataSync()));
  const before = stats();
  const clean = keepingMovingStats(net.model, () => loss(x).dataSync()[0]);
  const adv = keepingMovingStats(net.model, () => pgdL2(x, loss, { epsilon: 1, steps: 3, stepSize: 0.4 }));
  assert.deepEqual(stats(), before, 'the attack moved the moving averages');
  const norms = Array.from(adv.sub(x).square().sum([1, 2, 3]).sqrt().dataSync());
  for (const v of norms) assert.ok(v <= 1 + 1e-4 && v > 0.5, `perturbation norm ${v}`);
  assert.ok(adv.min().dataSync()[0] >= -1 && adv.max().dataSync()[0] <= 1);
  const attacked = keepingMovingStats(net.model, () => loss(adv).dataSync()[0]);
  assert.ok(attacked > clean + 0.01, `loss ${clean} -> ${attacked}`);
  // without keepingMovingStats a training-mode pass does move them (so the check above can fail)
  loss(x).dispose();
  assert.notDeepEqual(stats(), before);
  assert.throws(() => pgdL2(x, loss, { epsilon: 0, steps: 3, stepSize: 0.4 }), /epsilon and stepSize must be > 0/);
  tf.dispose([x, y, adv]);
  net.model.dispose();
});

test('robust training (smoke net, adversarial on): trains on real faces, checkpoints and records the setting; clean and robust runs differ', async () => {
  const train = await loadFer2013({ path: FER, split: 'train', limit: 64, seed: 1 });
  const smoke = LOSS_CLASSIFIER_EXPERIMENT.presets.smoke;
  const robust = { ...smoke, adversarial: LOSS_CLASSIFIER_EXPERIMENT.presets.robust.adversarial, trainLimit: null };
  assert.ok(robust.adversarial && robust.adversarial.epsilon > 0, 'the robust preset trains adversarially');
  const run = async (settings: typeof smoke) => {
    const dir = tempDir();
    const r = await trainClassifier({ runDir: dir, train, settings: { ...settings, trainLimit: null }, seed: 5, log: () => {}, tensorboard: false });
    const w = r.net.model.getWeights().map((t) => Array.from(t.dataSync()));
    r.net.model.dispose();
    return { r, w, dir };
  };
  const a = await run(robust);
  assert.ok(a.r.completed && a.r.steps === 4);
  assert.ok(a.w.flat().every(Number.isFinite));
  assert.ok(fs.existsSync(path.join(a.dir, 'checkpoints', 'latest', 'state.json')));
  const b = await run(smoke);
  assert.ok(a.w.some((t, i) => t.some((v, j) => v !== b.w[i][j])), 'adversarial training changed nothing');
});

test('class balance: the loss is the weighted mean of the faces\' cross-entropies (all weights 1: the plain mean)', () => {
  const y = tf.oneHot(tf.tensor1d([0, 1, 1, 6], 'int32'), 7) as tf.Tensor2D;
  const logits = tf.tensor2d(Array.from({ length: 28 }, (_, i) => Math.sin(i)), [4, 7]);
  const each = tf.losses.softmaxCrossEntropy(y, logits, undefined, 0, tf.Reduction.NONE).dataSync();
  const plain = weightedCrossEntropy(y, logits, null).dataSync()[0];
  assert.ok(Math.abs(plain - (each[0] + each[1] + each[2] + each[3]) / 4) < 1e-6);
  assert.ok(Math.abs(weightedCrossEntropy(y, logits, tf.ones([4]) as tf.Tensor1D).dataSync()[0] - plain) < 1e-6);
  const w = [5, 1, 1, 2];
  const want = (5 * each[0] + each[1] + each[2] + 2 * each[3]) / 9;
  assert.ok(Math.abs(weightedCrossEntropy(y, logits, tf.tensor1d(w)).dataSync()[0] - want) < 1e-6);
  assert.equal(LOSS_CLASSIFIER_EXPERIMENT.presets.robust.classBalance, 5, 'the robust preset balances the expressions');
});
