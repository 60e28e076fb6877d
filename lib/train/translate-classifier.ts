/**
 * The translator v2's frozen loss classifier (issue #23): loading it, fingerprinting it, and refusing
 * it when it is the evaluation classifier. Evaluation honesty: the classifier that evaluates edits
 * (models/fer-classifier, lib/eval) must never be the one a loss or a checkpoint choice uses, so a
 * loss classifier is refused when it is the same folder, has the same weights (sha256 of
 * weights.bin), or was trained with the same seed and architecture as the evaluation classifier.
 *
 * A loss classifier may be an ensemble (a folder with ensemble.json and member-1/, member-2/, ...: several
 * classifiers trained here with their own seeds, `npm run experiment -- fer-loss-classifier --ensemble`); G is
 * then judged by the mean of their logits, so an edit has to read as its target to all of them, not to the
 * quirks of one. Each member passes the checks above. An ensemble may weigh its members per target
 * (ensemble.json targetWeights, `--target-weights`): G's loss for an edit to target t then reads the members' logits
 * mixed in that target's shares (targetMixOf), e.g. disgust judged by the robust member alone; everything else (the
 * checkpoint choice, predictions) reads the plain mean.
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
  /** sha256 of weights.bin; of an ensemble, of its members' sha256s joined by commas. */
  sha256: string;
  seed: number | null;
  arch: unknown;
  accuracy: number | null;
  /** An ensemble's members (absent for one classifier). */
  members?: LossClassifierRecord[];
  /** An ensemble's per-target member weights (ensemble.json targetWeights; absent: equal). Part of sha256. */
  targetWeights?: number[][];
}

const ENSEMBLE = 'ensemble.json';

interface EnsembleFile {
  kind: 'loss-classifier-ensemble';
  /** Member folders, relative to the ensemble's folder. */
  members: string[];
  /** How the members' outputs are combined. */
  combine: 'mean-logits';
  /**
   * G's loss only: one row per member, one weight (>= 0) per target; for an edit to target t the members' logits are
   * mixed in the shares targetWeights[m][t] / sum over members. Absent: every member weighs the same (the mean).
   */
  targetWeights?: number[][];
}

function readEnsemble(dir: string): EnsembleFile | null {
  const f = path.join(dir, ENSEMBLE);
  if (!fs.existsSync(f)) return null;
  const e = readJson<EnsembleFile>(f, 'loss classifier ensemble');
  if (e.kind !== 'loss-classifier-ensemble' || !Array.isArray(e.members) || e.members.length < 2 || e.combine !== 'mean-logits') {
    throw new Error(`${f}: not a loss classifier ensemble (expected kind "loss-classifier-ensemble", two or more members, combine "mean-logits")`);
  }
  if (e.targetWeights !== undefined) checkTargetWeights(e.targetWeights, e.members.length, f);
  return e;
}

function checkTargetWeights(w: unknown, members: number, where: string): void {
  const ok = Array.isArray(w) && w.length === members && w.every((r) => Array.isArray(r) && r.length === (w as unknown[][])[0].length && r.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0));
  if (!ok) throw new Error(`${where}: targetWeights must be ${members} rows (one per member) of the same number of weights >= 0 (one per target)`);
  const rows = w as number[][];
  const dead = rows[0].findIndex((_, t) => rows.every((r) => r[t] === 0));
  if (dead >= 0) throw new Error(`${where}: targetWeights gives target ${dead} no member (every weight 0)`);
}

/** Every weights fingerprint a record stands for: its own and, for an ensemble, each member's. */
export const fingerprints = (rec: Pick<LossClassifierRecord, 'sha256'> & { members?: Pick<LossClassifierRecord, 'sha256'>[] }): string[] =>
  [rec.sha256, ...(rec.members ?? []).map((m) => m.sha256)];

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
  const ens = readEnsemble(dir);
  if (ens) {
    const members = ens.members.map((m) => checkLossClassifier(path.join(dir, m), evalDir));
    const tw = ens.targetWeights;
    return {
      dir: path.resolve(dir), sha256: members.map((m) => m.sha256).join(',') + (tw ? `;targetWeights=${JSON.stringify(tw)}` : ''),
      seed: null, arch: { ensemble: members.map((m) => m.arch) }, accuracy: null, members, ...(tw ? { targetWeights: tw } : {}),
    };
  }
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
  const ens = readEnsemble(dir);
  if (!ens) {
    const m = await loadModelDir(dir);
    m.trainable = false;
    return m;
  }
  const members: tf.LayersModel[] = [];
  for (const [i, m] of ens.members.entries()) {
    const model = await loadModelDir(path.join(dir, m));
    model.trainable = false;
    // the members become layers of one model, whose layer names must differ (each member's saved name is the same)
    (model as unknown as { name: string }).name = `member_${i + 1}`;
    members.push(model);
  }
  const input = tf.input({ shape: members[0].inputs[0].shape.slice(1) as number[], name: 'image' });
  const logits = tf.layers.average({ name: 'mean_logits' }).apply(members.map((m) => m.apply(input) as tf.SymbolicTensor)) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: logits, name: 'loss_classifier_ensemble' });
  model.trainable = false;
  if (ens.targetWeights) {
    const classes = (members[0].outputs[0].shape as number[]).at(-1)!;
    if (ens.targetWeights[0].length !== classes) throw new Error(`${path.join(dir, ENSEMBLE)}: targetWeights has ${ens.targetWeights[0].length} weights per member, its classifiers have ${classes} classes`);
    const side = tf.layers.concatenate({ name: 'member_logits' }).apply(members.map((m) => m.apply(input) as tf.SymbolicTensor)) as tf.SymbolicTensor;
    const all = tf.model({ inputs: input, outputs: side, name: 'loss_classifier_members' });
    all.trainable = false;
    mixes.set(model, { members: all, count: members.length, shares: targetShares(ens.targetWeights) });
  }
  return model;
}

/** Per-target member shares of an ensemble's logits in G's loss (ensemble.json targetWeights). */
export interface TargetMix {
  /** The members' logits side by side, [b, count * classes] (member-major). */
  members: tf.LayersModel;
  count: number;
  /** [classes, count]: row t = each member's share of the logits for an edit to target t (sums to 1). */
  shares: tf.Tensor2D;
}

const mixes = new WeakMap<tf.LayersModel, TargetMix>();

/** The per-target mix of a loss classifier loaded by loadLossClassifier, or undefined (equal weights: its mean). */
export const targetMixOf = (C: tf.LayersModel): TargetMix | undefined => mixes.get(C);

/** targetWeights [member][target] -> shares [target][member], each target's row summing to 1. */
export function targetShares(w: number[][]): tf.Tensor2D {
  const classes = w[0].length;
  const rows = Array.from({ length: classes }, (_, t) => {
    const sum = w.reduce((s, r) => s + r[t], 0);
    return w.map((r) => r[t] / sum);
  });
  return tf.tensor2d(rows);
}

/** The logits G's loss reads for faces x edited to one-hot targets trg [b, classes]: each row mixed in its target's shares. */
export function mixedLogits(mix: TargetMix, x: tf.Tensor4D, trg: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const b = x.shape[0];
    const classes = trg.shape[1];
    const all = (mix.members.apply(x) as tf.Tensor2D).reshape([b, mix.count, classes]);
    const a = trg.matMul(mix.shares).reshape([b, mix.count, 1]);
    return all.mul(a).sum(1) as tf.Tensor2D;
  });
}

/**
 * Parses --target-weights: comma-separated `MEMBER:TARGET=WEIGHT` (member from 1, target by name), every other weight 1;
 * e.g. `1:disgust=0,2:disgust=0,3:disgust=0` has member 4 alone judge edits to disgust. Returns [member][target].
 */
export function parseTargetWeights(spec: string, members: number, labels: readonly string[]): number[][] {
  const w = Array.from({ length: members }, () => labels.map(() => 1));
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\d+):([a-z]+)=([0-9.]+)$/.exec(part);
    const bad = (why: string) => new Error(`--target-weights: "${part}" ${why} (expected MEMBER:TARGET=WEIGHT, e.g. 4:disgust=3)`);
    if (!m) throw bad('is not MEMBER:TARGET=WEIGHT');
    const member = Number(m[1]);
    const target = labels.indexOf(m[2]);
    if (!(member >= 1 && member <= members)) throw bad(`names member ${member}; the ensemble has ${members}`);
    if (target < 0) throw bad(`names target "${m[2]}"; the targets are ${labels.join(', ')}`);
    const v = Number(m[3]);
    if (!Number.isFinite(v)) throw bad('has no number as its weight');
    w[member - 1][target] = v;
  }
  checkTargetWeights(w, members, '--target-weights');
  return w;
}

/**
 * Writes an ensemble loss classifier in `out` from classifier folders (each <fer-loss-classifier run>/model):
 * ensemble.json and a copy of each member (model.json, weights.bin, metrics.json) in member-1/, member-2/, ...
 * Refuses the evaluation classifier (or a copy or retraining of it) as a member, and members with the same weights.
 */
export function writeLossClassifierEnsemble(memberDirs: string[], out: string, evalDir: string, targetWeights?: number[][]): LossClassifierRecord {
  if (memberDirs.length < 2) throw new Error(`an ensemble needs two or more classifiers, got ${memberDirs.length}`);
  if (targetWeights) checkTargetWeights(targetWeights, memberDirs.length, '--target-weights');
  const recs = memberDirs.map((d) => checkLossClassifier(d, evalDir));
  const dup = recs.findIndex((r, i) => recs.findIndex((q) => q.sha256 === r.sha256) !== i);
  if (dup >= 0) throw new Error(`${memberDirs[dup]}: the same weights as another member (sha256 ${recs[dup].sha256.slice(0, 12)}); an ensemble needs different classifiers`);
  if (fs.existsSync(out) && fs.readdirSync(out).length) throw new Error(`${out}: not empty; the ensemble is written into a new folder`);
  const names = memberDirs.map((_, i) => `member-${i + 1}`);
  memberDirs.forEach((d, i) => {
    fs.mkdirSync(path.join(out, names[i]), { recursive: true });
    for (const f of ['model.json', 'weights.bin', 'metrics.json']) if (fs.existsSync(path.join(d, f))) fs.copyFileSync(path.join(d, f), path.join(out, names[i], f));
  });
  const file: EnsembleFile = { kind: 'loss-classifier-ensemble', members: names, combine: 'mean-logits', ...(targetWeights ? { targetWeights } : {}) };
  // one line per member's weights (JSON.stringify would give every number its own line)
  const text = JSON.stringify(file, null, 2).replace(/\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]/g, (_, nums: string) => `[${nums.split(/,\s*/).join(', ')}]`);
  fs.writeFileSync(path.join(out, ENSEMBLE), text + '\n');
  return checkLossClassifier(out, evalDir);
}
