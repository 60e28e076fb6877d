/**
 * The translator v2's frozen loss classifier (issue #23): loading it, fingerprinting it, and refusing
 * it when it is the evaluation classifier. Evaluation honesty: the classifier that evaluates edits
 * (models/fer-classifier, lib/eval) must never be the one a loss or a checkpoint choice uses, so a
 * loss classifier is refused when it is the same folder, has the same weights (sha256 of
 * weights.bin), or was trained with the same seed and architecture as the evaluation classifier.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as crypto from 'crypto';
import * as tf from '@tensorflow/tfjs';
import { loadModelDir } from './model-io';
import { readJson } from '../io/files';

/** What config.json records of the loss classifier. */
export interface LossClassifierRecord {
  dir: string;
  sha256: string;
  seed: number | null;
  arch: unknown;
  accuracy: number | null;
}

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function info(dir: string): { seed: number | null; arch: unknown; accuracy: number | null } {
  const f = path.join(dir, 'metrics.json');
  if (!fs.existsSync(f)) return { seed: null, arch: null, accuracy: null };
  const m = readJson<{ seed?: number; settings?: { arch?: unknown }; accuracy?: number }>(f, 'classifier metrics');
  return { seed: m.seed ?? null, arch: m.settings?.arch ?? null, accuracy: m.accuracy ?? null };
}

/** Describes the loss classifier in `dir`; throws when it is (or is a copy or a retraining of) the evaluation classifier in `evalDir`. */
export function checkLossClassifier(dir: string, evalDir: string): LossClassifierRecord {
  for (const f of ['model.json', 'weights.bin']) {
    if (!fs.existsSync(path.join(dir, f))) throw new Error(`--loss-classifier ${dir}: no ${f} there (train one with \`npm run experiment -- fer-loss-classifier --data /path/to/fer2013\` and pass <run>/model)`);
  }
  const own = { dir: path.resolve(dir), sha256: sha256(path.join(dir, 'weights.bin')), ...info(dir) };
  const refuse = (why: string) => new Error(`--loss-classifier ${dir} refused: ${why}. The classifier that evaluates the translator (${evalDir}) must never be the one G's loss or the checkpoint choice uses; train a separate one with \`npm run experiment -- fer-loss-classifier\``);
  if (fs.existsSync(evalDir) && fs.realpathSync(dir) === fs.realpathSync(evalDir)) throw refuse('it is the evaluation classifier\'s folder');
  if (fs.existsSync(path.join(evalDir, 'weights.bin'))) {
    if (sha256(path.join(evalDir, 'weights.bin')) === own.sha256) throw refuse('its weights are the evaluation classifier\'s (same sha256)');
    const ev = info(evalDir);
    if (ev.seed !== null && ev.seed === own.seed && JSON.stringify(ev.arch) === JSON.stringify(own.arch)) throw refuse(`it was trained with the evaluation classifier's seed (${ev.seed}) and architecture`);
  }
  return own;
}

/** Loads the loss classifier recorded in a run (checking its weights are still those recorded), frozen. */
export async function loadLossClassifier(rec: LossClassifierRecord, evalDir: string, dir = rec.dir): Promise<tf.LayersModel> {
  const now = checkLossClassifier(dir, evalDir);
  if (now.sha256 !== rec.sha256) throw new Error(`loss classifier ${dir}: its weights.bin (sha256 ${now.sha256.slice(0, 12)}) are not those the run started with (${rec.sha256.slice(0, 12)}); give the same model with --loss-classifier`);
  const m = await loadModelDir(dir);
  m.trainable = false;
  return m;
}
