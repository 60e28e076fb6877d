/**
 * Using the trained expression classifier: load it (the weights shipped in models/fer-classifier/,
 * or any directory written by `npm run experiment -- fer-classifier`), and run it on uint8 images
 * to get class probabilities and penultimate-layer features (which feed fd_fer, kid_fer and
 * diversity). Inputs must be 48x48x1; see classifier-input.ts to convert other images.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { loadModelDir } from '../train/model-io';
import { REPO_ROOT } from '../runs/versions';
import { readJson } from '../io/files';
import { EMOTIONS } from '../data/types';
import { Features } from './features-matrix';
import { CLASSIFIER_CLASSES, CLASSIFIER_SIZE, featureAndLogitModel } from './classifier-model';
import { mirrorInto } from './augment';

/** Where the shipped classifier lives; $FACEGAN_CLASSIFIER overrides it. */
export const DEFAULT_CLASSIFIER_DIR = process.env.FACEGAN_CLASSIFIER ?? path.join(REPO_ROOT, 'models', 'fer-classifier');

/** uint8 NHWC images (an ImageSet or generated images). */
export interface UImages {
  data: Uint8Array;
  n: number;
  height: number;
  width: number;
  channels: number;
}

/** A loaded classifier. */
export interface FerClassifier {
  model: tf.LayersModel;
  /** Same weights, outputs [features, logits]. */
  heads: tf.LayersModel;
  dir: string;
  /** Width of the feature vector. */
  featureDim: number;
  /** metrics.json of the model directory, when present (test accuracy etc.). */
  info: Record<string, unknown> | null;
}

/** Loads a classifier directory (model.json + weights.bin [+ metrics.json]). */
export async function loadClassifier(dir = DEFAULT_CLASSIFIER_DIR): Promise<FerClassifier> {
  if (!fs.existsSync(path.join(dir, 'model.json'))) {
    throw new Error(
      `no expression classifier in ${dir} (model.json missing): train one with ` +
        '`npm run experiment -- fer-classifier --preset paper --data /path/to/fer2013 --install`, or set $FACEGAN_CLASSIFIER',
    );
  }
  const clf = classifierFromModel(await loadModelDir(dir), dir);
  const metricsFile = path.join(dir, 'metrics.json');
  clf.info = fs.existsSync(metricsFile) ? readJson<Record<string, unknown>>(metricsFile, 'classifier metrics') : null;
  return clf;
}

/**
 * The shipped classifier, or null when it cannot be loaded: `skipped` is told why (the metrics that
 * need it are then left out, not the whole evaluation).
 */
export async function loadClassifierIfAny(skipped: (reason: string) => void, dir = DEFAULT_CLASSIFIER_DIR): Promise<FerClassifier | null> {
  try {
    return await loadClassifier(dir);
  } catch (e) {
    skipped((e as Error).message);
    return null;
  }
}

/** A FerClassifier view of an in-memory model (e.g. one just trained). */
export function classifierFromModel(model: tf.LayersModel, dir = ''): FerClassifier {
  const heads = featureAndLogitModel(model);
  return { model, heads, dir, featureDim: (heads.outputs[0].shape as number[])[1], info: null };
}

/** Throws unless `im` is a uint8 48x48x1 set the classifier accepts, naming `what`. */
export function checkClassifierInput(im: UImages, what: string): void {
  if (!(im.data instanceof Uint8Array)) throw new Error(`${what}: the classifier needs uint8 pixels`);
  if (im.height !== CLASSIFIER_SIZE || im.width !== CLASSIFIER_SIZE || im.channels !== 1) {
    throw new Error(
      `${what} is ${im.height}x${im.width}x${im.channels}; the expression classifier takes ${CLASSIFIER_SIZE}x${CLASSIFIER_SIZE}x1 ` +
        '(convert with toClassifierInput, lib/eval/classifier-input.ts)',
    );
  }
  if (im.data.length !== im.n * CLASSIFIER_SIZE * CLASSIFIER_SIZE) {
    throw new Error(`${what}: data has ${im.data.length} bytes, expected n*48*48 = ${im.n * CLASSIFIER_SIZE * CLASSIFIER_SIZE}`);
  }
}

/** Output of {@link classify}. */
export interface Classified {
  /** n x 7 softmax probabilities, row-major (EMOTIONS order). */
  probs: Float32Array;
  /** n x featureDim penultimate features. */
  features: Features;
}

/**
 * Runs the classifier (inference mode) on uint8 48x48x1 images in batches. With `tta` the
 * probabilities are averaged over each image and its mirror image (features stay un-mirrored).
 */
export async function classify(clf: FerClassifier, im: UImages, opts: { batchSize?: number; tta?: boolean } = {}): Promise<Classified> {
  checkClassifierInput(im, 'classify: images');
  const bs = opts.batchSize ?? 256;
  const px = CLASSIFIER_SIZE * CLASSIFIER_SIZE;
  const k = CLASSIFIER_CLASSES;
  const d = clf.featureDim;
  const probs = new Float32Array(im.n * k);
  const feats = new Float32Array(im.n * d);
  for (let i = 0; i < im.n; i += bs) {
    const b = Math.min(bs, im.n - i);
    const x = new Float32Array(b * px);
    for (let p = 0; p < b * px; p++) x[p] = im.data[i * px + p] / 127.5 - 1;
    const [f, pr] = tf.tidy(() => {
      const xt = tf.tensor4d(x, [b, CLASSIFIER_SIZE, CLASSIFIER_SIZE, 1]);
      const [ft, lt] = clf.heads.predict(xt) as tf.Tensor[];
      let p = tf.softmax(lt);
      if (opts.tta) {
        const m = new Float32Array(b * px);
        for (let j = 0; j < b; j++) mirrorInto(x, j * px, CLASSIFIER_SIZE, m, j * px);
        const [, lm] = clf.heads.predict(tf.tensor4d(m, [b, CLASSIFIER_SIZE, CLASSIFIER_SIZE, 1])) as tf.Tensor[];
        p = p.add(tf.softmax(lm)).div(2);
      }
      return [ft, p];
    });
    feats.set(await f.data(), i * d);
    probs.set(await pr.data(), i * k);
    tf.dispose([f, pr]);
  }
  return { probs, features: { data: feats, n: im.n, d } };
}

/** Hit-rate of a set of images for one emotion: share classified as it, and mean probability of it. */
export function expressionHits(probs: Float32Array, emotion: number): { hitRate: number; meanProb: number } {
  const k = CLASSIFIER_CLASSES;
  if (!Number.isInteger(emotion) || emotion < 0 || emotion >= k) {
    throw new Error(`expressionHits: emotion must be an index 0..${k - 1} (${EMOTIONS.join(', ')}), got ${emotion}`);
  }
  const n = probs.length / k;
  if (!Number.isInteger(n) || n < 1) throw new Error(`expressionHits: probs must hold n x ${k} values, n >= 1; got ${probs.length}`);
  let hits = 0, sum = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (probs[i * k + c] > probs[i * k + best]) best = c;
    if (best === emotion) hits++;
    sum += probs[i * k + emotion];
  }
  return { hitRate: hits / n, meanProb: sum / n };
}
