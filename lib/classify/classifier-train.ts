/**
 * Training the expression classifier on FER2013 (48x48x1, 7 classes): Adam (lib/train/adam.ts)
 * with a linear warm-up and a cosine decay of the learning rate, softmax cross-entropy, seeded
 * dropout, and seeded flip/affine augmentation (augment.ts).
 *
 * Everything random is derived from (seed, step): the epoch's order from (seed, epoch), each
 * batch's augmentation and dropout masks from (seed, step). So the state of a run is just its step,
 * weights and Adam moments: checkpoints (every `checkpointEvery` steps and every epoch) are
 * `<runDir>/checkpoints/latest/{model.json, weights.bin, opt.bin, state.json}`, written to a
 * temporary folder and renamed into place, and a resumed run continues exactly where it stopped.
 * Progress goes to `<runDir>/progress.csv` (one row per epoch) and to `log`.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { Rng, mixSeed } from '../rng';
import { ImageSet, EMOTIONS } from '../data/types';
import { Adam } from '../train/adam';
import { saveModelDir, loadWeightsInto } from '../train/model-io';
import { writeFileAtomic, writeJsonAtomic, appendFileChecked, readJson } from '../io/files';
import { csvRecord } from '../io/csv';
import { augmentInto } from '../eval/augment';
import { ClassifierNet, CLASSIFIER_CLASSES, CLASSIFIER_SIZE, buildClassifier, forwardTrain } from '../eval/classifier-model';
import { checkClassifierInput, classify, classifierFromModel, FerClassifier } from '../eval/classifier';
import { confusion, Confusion } from '../eval/confusion';
import { useKernels } from '../kernels/kernels';
import type { StopSignal } from '../train/event-loop';
import { TrainingSession, CheckpointStore } from '../train/session';
import type { ClassifierSettings } from '../runs/spec-types';
import { pgdL2, keepingMovingStats } from './adversarial';
import { classBalance } from '../train/class-balance';

export type { ClassifierSettings };

export interface TrainClassifierOptions {
  runDir: string;
  train: ImageSet;
  /** Held-out images checked after every epoch (monitoring only; nothing is selected on them). */
  valid?: ImageSet;
  settings: ClassifierSettings;
  seed: number;
  /** Continue from <runDir>/checkpoints/latest when it exists. */
  resume?: boolean;
  /**
   * Start from the weights (and BatchNorm statistics) of this saved classifier (a folder with
   * model.json + weights.bin of the same architecture) instead of a fresh initialisation: a second
   * training stage with its own learning-rate schedule (a warm restart). Ignored when resuming.
   */
  initFrom?: string;
  /** Stop after this many steps in total (with a checkpoint), to continue later. */
  maxSteps?: number;
  log?: (line: string) => void;
  /** Write TensorBoard event files into `<runDir>/tb/` (default true). */
  tensorboard?: boolean;
  /** Stops training after the step in progress, with a checkpoint (continue with resume). */
  signal?: AbortSignal;
}

export interface TrainClassifierResult {
  net: ClassifierNet;
  steps: number;
  completed: boolean;
  /** The signal (Ctrl-C, SIGTERM, SIGHUP: the abort's reason) that stopped this session early, or null. */
  signal: StopSignal | null;
  /** Training seconds summed over sessions. */
  seconds: number;
  imagesPerSecond: number;
}

interface CkptState {
  step: number;
  seconds: number;
  settingsHash: string;
}


/** Learning rate at `step` of `total`: linear warm-up over `warm` steps, then cosine to lr * final. */
export function learningRate(s: ClassifierSettings, step: number, total: number, warm: number): number {
  if (warm > 0 && step < warm) return (s.lr * (step + 1)) / warm;
  const t = total > warm ? (step - warm) / (total - warm) : 1;
  return s.lr * (s.finalLrFraction + (1 - s.finalLrFraction) * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, t))));
}

/** The batch's mean softmax cross-entropy, or its weighted mean sum(w_i l_i) / sum(w_i) when `w` ([b]) is given. */
export function weightedCrossEntropy(y: tf.Tensor2D, logits: tf.Tensor2D, w: tf.Tensor1D | null): tf.Scalar {
  if (!w) return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
  return tf.losses.softmaxCrossEntropy(y, logits, undefined, 0, tf.Reduction.NONE).mul(w).sum().div(w.sum()) as tf.Scalar;
}

function checkTrainSet(set: ImageSet, what: string): Int32Array {
  checkClassifierInput(set, what);
  if (!set.labels || set.labels.length !== set.n) throw new Error(`${what} (${set.name}) has no emotion labels`);
  return set.labels;
}

const settingsHash = (s: ClassifierSettings, seed: number, n: number): string => JSON.stringify({ s, seed, n });

function saveCkpt(dir: string, net: ClassifierNet, opt: Adam, state: CkptState): Promise<void> {
  return (async () => {
    const root = path.join(dir, 'checkpoints');
    const tmp = path.join(root, `.tmp-latest-${process.pid}`); // a killed writer's is removed by removeStaleTemps
    fs.rmSync(tmp, { recursive: true, force: true });
    await saveModelDir(net.model, tmp);
    const st = await opt.getState();
    const total = st.m.reduce((a, m) => a + m.length, 0) * 2;
    const buf = new Float32Array(total);
    let o = 0;
    for (const a of [...st.m, ...st.v]) (buf.set(a, o), (o += a.length));
    writeFileAtomic(path.join(tmp, 'opt.bin'), new Uint8Array(buf.buffer));
    writeJsonAtomic(path.join(tmp, 'state.json'), { ...state, adamStep: st.step });
    const latest = path.join(root, 'latest');
    const old = path.join(root, '.old');
    fs.rmSync(old, { recursive: true, force: true });
    if (fs.existsSync(latest)) fs.renameSync(latest, old);
    fs.renameSync(tmp, latest);
    fs.rmSync(old, { recursive: true, force: true });
  })();
}

function loadCkpt(dir: string, net: ClassifierNet, opt: Adam): CkptState {
  const latest = path.join(dir, 'checkpoints', 'latest');
  const state = readJson<CkptState & { adamStep: number }>(path.join(latest, 'state.json'), 'classifier checkpoint state');
  loadWeightsInto(net.model, latest);
  const bytes = fs.readFileSync(path.join(latest, 'opt.bin'));
  const sizes = opt.params.map((p) => p.size);
  const total = sizes.reduce((a, b) => a + b, 0) * 2;
  if (bytes.byteLength !== total * 4) throw new Error(`${path.join(latest, 'opt.bin')} does not match the model (${bytes.byteLength} bytes, expected ${total * 4})`);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const m: Float32Array[] = [], v: Float32Array[] = [];
  let o = 0;
  for (const s of sizes) (m.push(all.slice(o, o + s)), (o += s));
  for (const s of sizes) (v.push(all.slice(o, o + s)), (o += s));
  opt.setState({ step: state.adamStep, m, v }, path.join(latest, 'opt.bin'));
  return state;
}

/** Accuracy of the network being trained (inference mode) on a labelled set. */
export async function accuracyOf(net: ClassifierNet, set: ImageSet): Promise<Confusion> {
  const { probs } = await classify(classifierFromModel(net.model), set);
  return confusion(set.labels!, probs);
}

/** The classifier's checkpoints: `<runDir>/checkpoints/latest/` (see the file comment). */
function classifierCheckpoints(runDir: string, net: ClassifierNet, opt: Adam, hash: string): CheckpointStore {
  return {
    load: () => {
      if (!fs.existsSync(path.join(runDir, 'checkpoints', 'latest', 'state.json'))) return null;
      const st = loadCkpt(runDir, net, opt);
      if (st.settingsHash !== hash) throw new Error(`cannot resume ${runDir}: its checkpoint was made with other settings, seed or data`);
      return { dir: path.join(runDir, 'checkpoints', 'latest'), state: { step: st.step, seconds: st.seconds } };
    },
    save: async (state) => {
      await saveCkpt(runDir, net, opt, { step: state.step, seconds: state.seconds, settingsHash: hash });
      return path.join(runDir, 'checkpoints', 'latest');
    },
  };
}

/**
 * Trains (or resumes) the classifier into `runDir` and returns the network. Deterministic for a
 * seed on a given backend (see the file comment). The loop, checkpoints, TensorBoard and stopping
 * are the training session's (lib/train/session.ts); this gives the step and progress.csv.
 */
export async function trainClassifier(o: TrainClassifierOptions): Promise<TrainClassifierResult> {
  const s = o.settings;
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const labels = checkTrainSet(o.train, 'trainClassifier: train');
  if (o.valid) checkTrainSet(o.valid, 'trainClassifier: valid');
  const n = o.train.n;
  const bs = s.batchSize;
  if (!Number.isInteger(bs) || bs < 2 || bs > n) throw new Error(`trainClassifier: batchSize must be an integer in [2, ${n}] (training images), got ${bs}`);
  const spe = Math.floor(n / bs);
  const total = s.epochs * spe;
  const warm = Math.round(s.warmupEpochs * spe);
  fs.mkdirSync(o.runDir, { recursive: true });

  const net = buildClassifier(s.arch, o.seed);
  useKernels('fused', [net.model]); // TensorFlow's fused BatchNorm/ReLU kernels on native (lib/kernels/fused-layers.ts)
  const vars = net.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const adamCfg = { lr: s.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
  const opt = new Adam(vars, adamCfg);
  const progressFile = path.join(o.runDir, 'progress.csv');
  const stopAt = o.maxSteps !== undefined ? Math.min(total, o.maxSteps) : total;
  const session = new TrainingSession<{ loss: number; acc: number }>({
    runDir: o.runDir, checkpoints: classifierCheckpoints(o.runDir, net, opt, settingsHash(s, o.seed, n)), plannedSteps: total, totalSteps: stopAt,
    perEpoch: spe, batchSize: bs, logEvery: 1, checkpointEvery: s.checkpointEvery, log: null, summary: null, tensorboard: o.tensorboard,
    signal: o.signal, say: log, notify: log,
  });
  const resumed = o.resume ? session.resume() : null;
  if (resumed) log(`resumed ${o.runDir} at step ${resumed.step} of ${total}`);
  else {
    if (o.initFrom) {
      loadWeightsInto(net.model, o.initFrom);
      log(`initialised from ${o.initFrom}`);
    }
    if (!fs.existsSync(progressFile)) writeFileAtomic(progressFile, csvRecord(['epoch', 'step', 'lr', 'train_loss', 'train_acc', 'valid_acc', 'seconds', 'images_per_s']));
  }
  const st = session.state;

  const px = CLASSIFIER_SIZE * CLASSIFIER_SIZE;
  const k = CLASSIFIER_CLASSES;
  let order: Int32Array | null = null;
  let orderEpoch = -1;
  let lossSum = 0, accSum = 0, counted = 0;
  // images/s of each window between checkpoints (validation excluded)
  let windowStart = Date.now();
  let windowImages = 0;
  const x = new Float32Array(bs * px);
  const y = new Float32Array(bs * k);
  // settings.classBalance: each face's weight by its expression, (N / k) / n_c capped
  const perClass = s.classBalance ? classBalance(labels, k, s.classBalance) : null;
  const wBatch = new Float32Array(bs);
  const end = await session.run<[tf.Scalar, tf.Scalar], { loss: number; acc: number }>({
    step: () => {
      const step = st.step;
      const epoch = Math.floor(step / spe);
      const j = step % spe;
      if (orderEpoch !== epoch) {
        order = new Rng(mixSeed(o.seed, 0x0de7, epoch)).permutation(n);
        orderEpoch = epoch;
      }
      const rng = new Rng(mixSeed(o.seed, 0xa46, step));
      y.fill(0);
      for (let b = 0; b < bs; b++) {
        const idx = order![j * bs + b];
        augmentInto(o.train.data, idx, CLASSIFIER_SIZE, x, b * px, rng, s.augment);
        y[b * k + labels[idx]] = 1;
        wBatch[b] = perClass ? perClass[labels[idx]] : 1;
      }
      opt.config.lr = learningRate(s, step, total, warm);
      const t = tf.tidy(() => {
        const clean = tf.tensor4d(x, [bs, CLASSIFIER_SIZE, CLASSIFIER_SIZE, 1]);
        const yt = tf.tensor2d(y, [bs, k]);
        const wt = perClass ? tf.tensor1d(wBatch) : null;
        const lossOf = (logits: tf.Tensor2D): tf.Scalar => weightedCrossEntropy(yt, logits, wt);
        const maskSeed = mixSeed(o.seed, 0xd70, step);
        // adversarial training: the update sees the batch's PGD perturbation (same dropout masks), not the batch
        const adv = s.adversarial;
        const xt = adv
          ? keepingMovingStats(net.model, () => pgdL2(clean, (xi) => lossOf(forwardTrain(net, xi, s.dropout, maskSeed)), adv))
          : clean;
        let acc: tf.Scalar | null = null;
        const { value, grads } = tf.variableGrads(() => {
          const logits = forwardTrain(net, xt, s.dropout, maskSeed);
          acc = tf.keep(tf.equal(logits.argMax(1), yt.argMax(1)).cast('float32').mean() as tf.Scalar);
          return lossOf(logits);
        }, vars);
        opt.apply(vars.map((v) => grads[v.name]));
        return [value, acc!] as [tf.Scalar, tf.Scalar];
      });
      windowImages += bs;
      return { t, images: bs };
    },
    read: async (ts) => {
      const out: { loss: number; acc: number }[] = [];
      for (const [lossT, accT] of ts) {
        out.push({ loss: (await lossT.data())[0], acc: (await accT.data())[0] });
        tf.dispose([lossT, accT]);
      }
      return out;
    },
    dispose: (ts) => tf.dispose(ts.flat()),
    row: (v) => {
      lossSum += v.loss;
      accSum += v.acc;
      counted++;
      return v;
    },
    tensorboard: () => {}, // the epoch's numbers, at its end (below)
    afterCheckpoint: async ({ epochDone }) => {
      const seconds = st.seconds;
      const ips = windowImages / ((Date.now() - windowStart) / 1000);
      windowImages = 0;
      windowStart = Date.now();
      if (!epochDone) {
        log(`step ${st.step}/${total} (epoch ${st.epoch + (st.iterInEpoch > 0 ? 1 : 0)}), ${seconds.toFixed(0)} s, ${ips.toFixed(1)} images/s, checkpoint saved`);
        return;
      }
      const valid = o.valid ? (await accuracyOf(net, o.valid)).accuracy : NaN;
      const row = [st.epoch, st.step, opt.config.lr.toExponential(3), (lossSum / counted).toFixed(4), (accSum / counted).toFixed(4),
        Number.isNaN(valid) ? '' : valid.toFixed(4), seconds.toFixed(1), ips.toFixed(1)];
      appendFileChecked(progressFile, csvRecord(row));
      if (session.tb) {
        // TensorBoard (<runDir>/tb/): the progress.csv numbers at every epoch end, tagged classifier/*
        const scalars: Record<string, number> = { train_loss: lossSum / counted, train_acc: accSum / counted, lr: opt.config.lr, images_per_s: ips };
        if (!Number.isNaN(valid)) scalars.valid_acc = valid;
        for (const [k2, v] of Object.entries(scalars)) session.tb.scalar(`classifier/${k2}`, v, st.step);
        session.tb.flush();
      }
      log(
        `epoch ${st.epoch}/${s.epochs}: loss ${(lossSum / counted).toFixed(4)}, train acc ${(accSum / counted).toFixed(3)}` +
          (Number.isNaN(valid) ? '' : `, valid acc ${valid.toFixed(4)}`) + `, ${seconds.toFixed(0)} s, ${ips.toFixed(1)} images/s`,
      );
      lossSum = accSum = counted = 0;
      windowStart = Date.now();
    },
  });
  const seconds = end.state.seconds;
  return { net, steps: end.state.step, completed: end.state.step >= total, signal: end.signal, seconds, imagesPerSecond: seconds > 0 ? (end.state.step * bs) / seconds : 0 };
}

/** Test-split evaluation of a trained network: confusion with and without mirror averaging. */
export async function evaluateClassifier(
  net: ClassifierNet | FerClassifier, test: ImageSet,
): Promise<{ plain: Confusion; tta: Confusion; probs: Float32Array }> {
  const labels = checkTrainSet(test, 'evaluateClassifier: test');
  const clf: FerClassifier = 'heads' in net ? net : classifierFromModel(net.model);
  const probs = (await classify(clf, test)).probs;
  const plain = confusion(labels, probs, EMOTIONS);
  const tta = confusion(labels, (await classify(clf, test, { tta: true })).probs, EMOTIONS);
  return { plain, tta, probs };
}
