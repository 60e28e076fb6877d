/**
 * Runs the expression translator (`fer-translate`, experiments/translate.ts) into a run directory
 * with the records every run has: config.json (everything to rerun, with `kind: 'translator'`),
 * grid-faces.json (the fixed real test faces of the progress grids), losses.csv, samples/,
 * checkpoints/, summary.json, tb/. `resumeTranslate` continues one from its newest intact
 * checkpoint with the settings recorded in its config.json (checked again); `installTranslator`
 * copies a trained run's G to models/fer-translate/. Like every run folder (docs/reliability.md),
 * it is locked while a process writes it (lib/io/lock.ts), and summary.json ends in a final
 * status: an error before or during training marks it failed with the reason.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ImageSet } from '../data/types';
import { loadFer2013, formatSkips } from '../data';
import { BackendInfo } from '../backend';
import { newRunDir } from '../runs/run-dir';
import { resolveDataPath, datasetFingerprint } from '../runs/dataset';
import { REPO_ROOT } from '../runs/versions';
import { portableJson, runPathRoots } from '../runs/portable-paths';
import { runProvenance } from '../runs/provenance';
import { DEFAULT_TRANSLATOR_DIR, TranslateRunConfig, readTranslateConfig } from '../runs/translate-config';
import { writeJsonAtomic, readJson, writeFileAtomic, removeStaleTemps, WriteError } from '../io/files';
import { acquireRunLock } from '../io/lock';
import { readRunSummary, writeRunSummary } from '../train/run-summary';
import { Kernels, DEFAULT_KERNELS } from '../kernels/kernels';
import { findCheckpoint } from '../train/checkpoint';
import { trainTranslator, TranslateSummary } from '../train/translate-trainer';
import { TranslatePresetName, TranslateExperiment, translateSettings, checkTranslateSettings, TranslateSettings } from '../train/translate-spec';
import { U8Images } from '../models/translator-apply';
import { checkLossClassifier, loadLossClassifier, fingerprints, targetMixOf, type LossClassifierRecord } from '../train/translate-classifier';
import { DEFAULT_CLASSIFIER_DIR } from '../eval/classifier';
import { Rng } from '../rng';
import type * as tfjs from '@tensorflow/tfjs';

export const DEFAULT_SEED = 999;

export interface TranslateRequest {
  /** The experiment (experiments/translate.ts ferTranslate), passed in. */
  spec: TranslateExperiment;
  preset: TranslatePresetName;
  overrides?: TranslateRunConfig['overrides'];
  seed?: number;
  dataPath?: string;
  outDir?: string;
  backend: BackendInfo;
  maxSteps?: number;
  progress?: boolean;
  /** Stops training after the step in progress, with a checkpoint (summary.json: interrupted). */
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** The command line that started the run, recorded in config.json (lib/ reads no argv). */
  command?: string[];
  /** Take over a lock held by a process of another host (docs/reliability.md). */
  forceUnlock?: boolean;
  kernels?: Kernels;
  /** Translator v2: the frozen loss classifier's folder (losses.clsSource 'frozen'); never the evaluation classifier. */
  lossClassifier?: string;
  /** The checkpoint choice's own judge (a classifier trained here, in no loss); default: the loss classifier. */
  choiceClassifier?: string;
  /** The spec variant's name (experiments/translate.ts), recorded in config.json. */
  variant?: string;
  /** Start from another run's G and D: its run folder (newest intact checkpoint) or one checkpoints/step-N folder. */
  initFrom?: string;
}

/**
 * The checkpoint a new run starts from (--init-from): a translator run folder (its newest intact
 * checkpoint) or one of its checkpoints/step-N folders. Its model must be the new run's (same spec.model),
 * else the weights cannot carry over; the error names the folder and the difference.
 */
export function resolveInitCheckpoint(from: string, model: TranslateExperiment['model']): { checkpoint: string; step: number | null } {
  const dir = path.resolve(from);
  if (!fs.existsSync(dir)) throw new Error(`--init-from ${dir}: no such folder`);
  let ckpt = dir;
  if (fs.existsSync(path.join(dir, 'config.json'))) {
    const found = findCheckpoint(dir);
    if (!found) throw new Error(`--init-from ${dir}: the run has no intact checkpoint (checkpoints/step-N with G/ and D/)`);
    ckpt = found.dir;
  }
  for (const net of ['G', 'D']) {
    if (!fs.existsSync(path.join(ckpt, net, 'model.json'))) {
      throw new Error(`--init-from ${ckpt}: no ${net}/model.json there (expected a translator run folder or its checkpoints/step-N folder)`);
    }
  }
  const runDir = path.dirname(path.dirname(ckpt));
  if (fs.existsSync(path.join(runDir, 'config.json'))) {
    const src = readTranslateConfig(runDir).spec.model;
    const diff = Object.keys({ ...src, ...model }).filter((k) => JSON.stringify((src as unknown as Record<string, unknown>)[k]) !== JSON.stringify((model as unknown as Record<string, unknown>)[k]));
    if (diff.length) throw new Error(`--init-from ${ckpt}: its run's model differs from this one in ${diff.join(', ')} (the weights cannot carry over)`);
  }
  const m = /step-(\d+)$/.exec(ckpt);
  return { checkpoint: ckpt, step: m ? Number(m[1]) : null };
}

/** Whether a run with a checkpoint choice (v2: settings.selectEvery) has its chosen G in best/: what install and export take. */
export function hasChosenSnapshot(runDir: string, config: TranslateRunConfig): boolean {
  return (config.settings.selectEvery ?? 0) > 0 && fs.existsSync(path.join(runDir, 'best', 'model.json'));
}

/**
 * Why best/'s evaluation reports (metrics.json, edit-metrics.md from `npm run evaluate -- RUN/best`) cannot stand for
 * the snapshot best/ holds now, or null: they were written for an earlier one (evaluate records the step it judged;
 * reports from before that are stale when older than best.json). Install and export refuse stale reports.
 */
export function staleChosenReports(runDir: string): string | null {
  const best = path.join(runDir, 'best');
  const file = path.join(best, 'metrics.json');
  if (!fs.existsSync(file) || !fs.existsSync(path.join(best, 'best.json'))) return null;
  const step = readJson<{ step: number }>(path.join(best, 'best.json'), 'best snapshot').step;
  const judged = readJson<{ edits?: { snapshot_step?: number } }>(file, 'translator metrics').edits?.snapshot_step;
  const stale = judged !== undefined ? judged !== step : fs.statSync(file).mtimeMs < fs.statSync(path.join(best, 'best.json')).mtimeMs;
  return stale
    ? `${file} describes ${judged !== undefined ? `the snapshot of step ${judged}` : 'an earlier snapshot'}, but best/ now holds step ${step}: run \`npm run evaluate -- ${best}\` again`
    : null;
}

/**
 * The reproducing command's classifier and start options: --loss-classifier (one fer-loss-classifier run's model, or an
 * ensemble of them, with its per-target weights), --choice-classifier, and --init-from (the run it was fine-tuned from).
 */
export function classifierArgs(config: TranslateRunConfig): string {
  const lc = config.lossClassifier;
  const labels = config.spec.model.labels;
  let out = '';
  if (lc?.members) {
    const tw = lc.targetWeights;
    const weights = tw ? tw.flatMap((row, m) => row.flatMap((v, t) => (v !== 1 ? [`${m + 1}:${labels[t]}=${v}`] : []))).join(',') : '';
    out += ` --loss-classifier <fer-loss-classifier --ensemble of the runs with seeds ${lc.members.map((m) => m.seed).join(', ')}${weights ? ` --target-weights ${weights}` : ''}>`;
  } else if (lc) out += ' --loss-classifier <fer-loss-classifier run>/model';
  const cc = config.choiceClassifier;
  if (cc) out += ` --choice-classifier <fer-loss-classifier run${cc.seed !== null ? ` with seed ${cc.seed}` : ''}>/model`;
  const init = config.init;
  if (init) out += ` --init-from <run folder ${path.basename(path.dirname(path.dirname(init.checkpoint)))}>/checkpoints/${path.basename(init.checkpoint)}`;
  return out;
}

/**
 * `count` seeded FER2013 PublicTest faces, as balanced over the expressions as the data allow, for the
 * checkpoint choice (never PrivateTest: that split is the evaluation's).
 */
export async function pickSelectionFaces(dataPath: string, count: number, classes: number, seed: number): Promise<U8Images & { labels: Int32Array }> {
  const set = await loadFer2013({ path: dataPath, split: 'test' });
  const pub = Array.from({ length: set.n }, (_, i) => i).filter((i) => (set.sources?.[i] ?? '').includes('PublicTest'));
  if (!pub.length) throw new Error(`${dataPath}: no PublicTest faces in the test split (the checkpoint choice needs them; it never uses PrivateTest)`);
  const order = new Rng(seed).shuffle(pub.slice());
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (const i of order) byClass[set.labels![i]].push(i);
  const pick: number[] = [];
  for (let r = 0; pick.length < Math.min(count, pub.length); r++) for (const c of byClass) if (r < c.length && pick.length < count) pick.push(c[r]);
  const px = set.height * set.width * set.channels;
  const data = new Uint8Array(pick.length * px);
  pick.forEach((j, i) => data.set(set.data.subarray(j * px, (j + 1) * px), i * px));
  return { data, n: pick.length, height: set.height, width: set.width, channels: set.channels, labels: Int32Array.from(pick, (j) => set.labels![j]) };
}

/**
 * The checkpoint choice's own judge (--choice-classifier), checked: never the evaluation classifier (nor a copy or
 * retraining of it), and none of the loss classifier's members (G is fitted to those, so their verdicts saturate).
 */
export function checkChoiceClassifier(dir: string, loss: LossClassifierRecord | undefined): LossClassifierRecord {
  const rec = checkLossClassifier(dir, DEFAULT_CLASSIFIER_DIR);
  if (rec.members) throw new Error(`--choice-classifier ${dir}: an ensemble; the choice takes one classifier's <run>/model`);
  if (loss && fingerprints(loss).includes(rec.sha256)) throw new Error(`--choice-classifier ${dir}: it is (a member of) the loss classifier ${loss!.dir}; the choice needs a judge that G's loss never reads`);
  return rec;
}

/** A run's extra classifiers and faces (v2): the frozen loss classifier, the choice's own judge, the PublicTest selection faces. */
export interface V2Extras {
  lossClassifier?: tfjs.LayersModel;
  choiceClassifier?: tfjs.LayersModel;
  selectFaces?: U8Images & { labels: Int32Array };
}

/** Frees a run's extra classifiers. */
export function disposeExtras(x: V2Extras): void {
  if (x.lossClassifier) targetMixOf(x.lossClassifier)?.shares.dispose();
  x.lossClassifier?.dispose();
  x.choiceClassifier?.dispose();
}

/** The v2 extras of a run: its frozen loss classifier, its choice judge and the PublicTest selection faces (when its config asks for them). */
export async function v2Extras(config: TranslateRunConfig, dataPath: string, lossDir?: string): Promise<V2Extras> {
  const out: V2Extras = {};
  const needC = config.spec.losses.clsSource === 'frozen' || (config.settings.selectEvery ?? 0) > 0;
  if (needC) {
    if (!config.lossClassifier) throw new Error('this run needs a frozen loss classifier (clsSource frozen or selectEvery), but config.json records none: pass --loss-classifier DIR');
    out.lossClassifier = await loadLossClassifier(config.lossClassifier, DEFAULT_CLASSIFIER_DIR, lossDir ?? config.lossClassifier.dir);
  }
  if (config.choiceClassifier) out.choiceClassifier = await loadLossClassifier(config.choiceClassifier, DEFAULT_CLASSIFIER_DIR);
  if ((config.settings.selectEvery ?? 0) > 0) out.selectFaces = await pickSelectionFaces(dataPath, config.settings.selectFaces ?? 280, config.spec.model.labels.length, config.seed);
  return out;
}

const isLockFile = (name: string) => name === '.lock' || name.startsWith('.lock.') || /\.\d+\.\d+\.tmp$/.test(name);

/** The training call of a start or a resume: an error that is no divergence marks the run failed (unless already final). */
async function trainMarked(runDir: string, o: Parameters<typeof trainTranslator>[0]): Promise<TranslateSummary> {
  try {
    return await trainTranslator(o);
  } catch (e) {
    const status = readRunSummary(runDir).status;
    if (e instanceof WriteError ? status !== 'failed' : status === undefined || status === 'running') {
      writeRunSummary(runDir, { status: 'failed', message: (e as Error).message }, { bestEffort: true });
    }
    throw e;
  }
}

/** `count` fixed real test faces, one of each expression in turn (seeded), for the progress grids. */
export async function pickGridFaces(dataPath: string, count: number, classes: number, seed: number): Promise<U8Images & { labels: Int32Array; sources: string[] }> {
  let set: ImageSet;
  try {
    set = await loadFer2013({ path: dataPath, split: 'test', limit: 400, seed });
  } catch {
    // some FER2013 copies have only a train folder: take the grid faces from training faces then
    set = await loadFer2013({ path: dataPath, split: 'train', limit: 400, seed });
  }
  const px = set.height * set.width * set.channels;
  const used = new Set<number>();
  const pick: number[] = [];
  for (let i = 0; pick.length < Math.min(count, set.n) && i < count * classes; i++) {
    const want = i % classes;
    const j = Array.from(set.labels!).findIndex((l, idx) => l === want && !used.has(idx));
    if (j >= 0) (used.add(j), pick.push(j));
  }
  for (let j = 0; pick.length < Math.min(count, set.n); j++) if (!used.has(j)) (used.add(j), pick.push(j));
  const data = new Uint8Array(pick.length * px);
  pick.forEach((j, i) => data.set(set.data.subarray(j * px, (j + 1) * px), i * px));
  return { data, n: pick.length, height: set.height, width: set.width, channels: set.channels, labels: Int32Array.from(pick, (j) => set.labels![j]), sources: pick.map((j) => set.sources?.[j] ?? `#${j}`) };
}

function writeGridFaces(runDir: string, g: Awaited<ReturnType<typeof pickGridFaces>>): void {
  writeJsonAtomic(path.join(runDir, 'grid-faces.json'), { n: g.n, height: g.height, width: g.width, channels: g.channels, labels: Array.from(g.labels), sources: g.sources, data: Buffer.from(g.data).toString('base64') });
}

export function readGridFaces(runDir: string): U8Images & { labels: Int32Array; sources: string[] } {
  const j = readJson<{ n: number; height: number; width: number; channels: 1 | 3; labels: number[]; sources?: string[]; data: string }>(path.join(runDir, 'grid-faces.json'), 'grid faces');
  const data = new Uint8Array(Buffer.from(j.data, 'base64'));
  if (data.length !== j.n * j.height * j.width * j.channels) throw new Error(`${path.join(runDir, 'grid-faces.json')} is corrupt: ${data.length} bytes for ${j.n} faces`);
  return { data, n: j.n, height: j.height, width: j.width, channels: j.channels, labels: Int32Array.from(j.labels), sources: j.sources ?? [] };
}

export async function loadTrainingFaces(dataPath: string, settings: TranslateSettings, seed: number): Promise<ImageSet> {
  return loadFer2013({ path: dataPath, split: 'train', limit: settings.limit ?? undefined, seed });
}

/** Trains the translator into a new run directory (or `outDir`). */
export async function runTranslate(req: TranslateRequest): Promise<{ runDir: string; summary: TranslateSummary }> {
  const log = req.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const spec = req.spec;
  const settings = translateSettings(spec, req.preset, req.overrides);
  const seed = req.seed ?? DEFAULT_SEED;
  const data = resolveDataPath(spec.dataset, req.dataPath);
  if (data.source === 'sample' && req.preset !== 'smoke') log(`note: no --data given, so the ${req.preset} preset runs on the small bundled sample (${data.path}), not FER2013`);
  const runDir = req.outDir ? path.resolve(req.outDir) : newRunDir(spec.name, req.preset);
  const existed = fs.existsSync(runDir);
  if (existed && !fs.statSync(runDir).isDirectory()) throw new Error(`--out ${runDir} is a file, not a folder`);
  const refuseNonEmpty = () => {
    if (fs.existsSync(path.join(runDir, 'config.json'))) {
      throw new Error(`${runDir} already holds a run (config.json); use --resume ${runDir} to continue it, or another --out`);
    }
    const other = fs.existsSync(runDir) ? fs.readdirSync(runDir).filter((n) => !isLockFile(n)) : [];
    if (other.length) throw new Error(`--out ${runDir} is not empty and is not a run directory (it holds ${other.slice(0, 3).join(', ')}${other.length > 3 ? ', ...' : ''}); nothing was changed: give an empty or new folder`);
  };
  if (!fs.existsSync(path.join(runDir, '.lock'))) refuseNonEmpty();
  const lock = acquireRunLock(runDir, { force: req.forceUnlock, say: log, command: (req.command ?? ['train fer-translate']).join(' ') });
  let started = false;
  let wroteGrid = false;
  try {
    refuseNonEmpty();
    removeStaleTemps(runDir);
    const images = await loadTrainingFaces(data.path, settings, seed);
    log(`data: ${images.name}: ${images.n} faces ${images.height}x${images.width}x${images.channels} from ${data.path}`);
    if (images.skipped.length) log(formatSkips(images));
    const kernels = req.kernels ?? DEFAULT_KERNELS;
    const config: TranslateRunConfig = {
      experiment: 'fer-translate',
      kind: 'translator',
      preset: req.preset,
      overrides: req.overrides ?? {},
      settings,
      spec,
      seed,
      ...runProvenance(data.path, images, req.backend, req.command),
      kernels,
      ...(req.variant ? { variant: req.variant } : {}),
      ...(req.lossClassifier ? { lossClassifier: checkLossClassifier(req.lossClassifier, DEFAULT_CLASSIFIER_DIR) } : {}),
      ...(req.initFrom ? { init: resolveInitCheckpoint(req.initFrom, spec.model) } : {}),
    };
    if (req.choiceClassifier) {
      if (!((settings.selectEvery ?? 0) > 0)) throw new Error(`--choice-classifier ${req.choiceClassifier}: this run makes no checkpoint choice (settings.selectEvery 0)`);
      config.choiceClassifier = checkChoiceClassifier(req.choiceClassifier, config.lossClassifier);
    }
    const extras = await v2Extras(config, data.path);
    writeGridFaces(runDir, await pickGridFaces(data.path, spec.gridFaces, spec.model.labels.length, seed));
    wroteGrid = true;
    writeJsonAtomic(path.join(runDir, 'config.json'), config);
    started = true;
    log(`run: ${runDir}`);
    try {
      const summary = await trainMarked(runDir, { runDir, data: images, model: spec.model, losses: spec.losses, settings, seed, gridFaces: readGridFaces(runDir), maxSteps: req.maxSteps, progress: req.progress, signal: req.signal, kernels, initFrom: config.init?.checkpoint, ...extras });
      return { runDir, summary };
    } finally {
      disposeExtras(extras);
    }
  } finally {
    lock.release();
    // a run that failed before its config.json leaves nothing behind (the folder stays usable)
    if (!started && wroteGrid) fs.rmSync(path.join(runDir, 'grid-faces.json'), { force: true });
    if (!started && !existed && fs.existsSync(runDir) && fs.readdirSync(runDir).filter((n) => !isLockFile(n)).length === 0) fs.rmSync(runDir, { recursive: true, force: true });
  }
}

/**
 * Continues a translator run from its newest intact checkpoint (optionally to a new total of
 * `steps`), with the settings of its config.json, checked again. `dataPath` relocates the dataset:
 * it must give the same faces (count, and the fingerprint when the run recorded one). A run stopped
 * before its first checkpoint starts again from scratch with its recorded config. Locked throughout.
 */
export async function resumeTranslate(
  runDir: string,
  req: Omit<TranslateRequest, 'spec' | 'preset' | 'overrides' | 'seed' | 'outDir' | 'command' | 'kernels' | 'variant'> & { steps?: number; command?: string[] },
): Promise<{ runDir: string; summary: TranslateSummary }> {
  const log = req.log ?? ((l: string) => process.stderr.write(l + '\n'));
  runDir = path.resolve(runDir);
  const file = path.join(runDir, 'config.json');
  if (!fs.existsSync(file)) throw new Error(`cannot resume ${runDir}: it is not a run directory (config.json is missing)`);
  const lock = acquireRunLock(runDir, { force: req.forceUnlock, say: log, command: (req.command ?? ['resume fer-translate']).join(' ') });
  try {
    const stale = ['', 'samples', 'checkpoints'].flatMap((d) => removeStaleTemps(path.join(runDir, d)));
    if (stale.length) log(`note: removed ${stale.length} temporary file(s) left by a killed process`);
    const config = readTranslateConfig(runDir);
    if (req.steps !== undefined) config.settings.steps = req.steps;
    checkTranslateSettings(config.settings, `${file} settings`);
    if (!config.spec?.model || !config.spec.losses) throw new Error(`${file}: spec.model and spec.losses are missing (expected the experiment as recorded at the start)`);
    if (!config.data || typeof config.data.path !== 'string') throw new Error(`${file}: data.path is missing (expected the dataset folder)`);
    const dataPath = req.dataPath ? path.resolve(req.dataPath) : config.data.path;
    if (!fs.existsSync(dataPath)) {
      throw new Error(`cannot resume ${runDir}: its dataset ${dataPath} (config.json data.path) does not exist here; pass --data DIR pointing at the same images`);
    }
    const images = await loadTrainingFaces(dataPath, config.settings, config.seed);
    if (images.n !== config.data.images) {
      throw new Error(`cannot resume ${runDir}: its data (${dataPath}) now gives ${images.n} faces, the run was started with ${config.data.images}`);
    }
    if (config.data.fingerprint && config.data.fingerprint !== datasetFingerprint(images)) {
      throw new Error(`cannot resume ${runDir}: ${dataPath} gives ${images.n} faces as before, but not the same ones (their fingerprint differs from the one in ${file})`);
    }
    if (dataPath !== config.data.path) {
      log(`note: dataset relocated: ${config.data.path} -> ${dataPath} (${images.n} faces)`);
      config.data = { ...config.data, path: dataPath, relocated: [...(config.data.relocated ?? []), { from: config.data.path, at: new Date().toISOString() }] };
    }
    const hasCheckpoint = fs.existsSync(path.join(runDir, 'checkpoints'))
      && fs.readdirSync(path.join(runDir, 'checkpoints')).some((e) => /^step-\d+$/.test(e) || e === 'latest.json');
    writeJsonAtomic(file, { ...config, resumedAt: [...(config.resumedAt ?? []), new Date().toISOString()] });
    log(hasCheckpoint ? `resuming ${runDir}` : `${runDir} stopped before its first checkpoint: starting it again from scratch with its recorded config`);
    const extras = await v2Extras(config, dataPath, req.lossClassifier);
    try {
      const summary = await trainMarked(runDir, {
        runDir, data: images, model: config.spec.model, losses: config.spec.losses, settings: config.settings, seed: config.seed,
        gridFaces: readGridFaces(runDir), resume: hasCheckpoint, initFrom: config.init?.checkpoint, maxSteps: req.maxSteps, progress: req.progress, signal: req.signal, kernels: config.kernels ?? DEFAULT_KERNELS, ...extras,
      });
      return { runDir, summary };
    } finally {
      disposeExtras(extras);
    }
  } finally {
    lock.release();
  }
}

/**
 * Copies a translator run's latest G into `dest` (model.json, weights.bin), with translator.json
 * (the spec: labels, size) and metrics.json (the run's metrics.json when evaluated, its training
 * summary, and the command that reproduces it). Writes into a temporary folder first, so a failed
 * install leaves the previous model in place.
 */
export function installTranslator(runDir: string, dest = DEFAULT_TRANSLATOR_DIR): string {
  const config = readTranslateConfig(runDir);
  const found = findCheckpoint(runDir);
  if (!found) throw new Error(`${runDir} has no checkpoint yet (checkpoints/latest.json): train it first`);
  for (const n of found.notes) process.stderr.write(`note: ${n}\n`);
  // a run with a checkpoint choice (v2: settings.selectEvery) installs its chosen G, best/, not the latest
  const chosen = hasChosenSnapshot(runDir, config);
  const stale = chosen ? staleChosenReports(runDir) : null;
  if (stale) throw new Error(`not installing ${runDir}: ${stale}`);
  const ckpt = chosen ? path.join(runDir, 'best') : found.dir;
  const gDir = chosen ? ckpt : path.join(ckpt, 'G');
  const summary = fs.existsSync(path.join(runDir, 'summary.json')) ? readJson<Record<string, unknown>>(path.join(runDir, 'summary.json'), 'run summary') : {};
  const metricsFile = chosen ? path.join(runDir, 'best', 'metrics.json') : path.join(runDir, 'metrics.json');
  const metrics = fs.existsSync(metricsFile) ? readJson<Record<string, unknown>>(metricsFile, 'translator metrics') : null;
  const o = config.overrides;
  const command =
    `npm run experiment -- fer-translate --preset ${config.preset} --data <FER2013 folder>` +
    (config.seed !== DEFAULT_SEED ? ` --seed ${config.seed}` : '') +
    (o.steps !== undefined ? ` --steps ${o.steps}` : '') + (o.batchSize !== undefined ? ` --batch ${o.batchSize}` : '') +
    (o.limit !== undefined ? ` --limit ${o.limit ?? 'all'}` : '') +
    (config.variant ? ` --variant ${config.variant}` : '') + classifierArgs(config) +
    // a chosen snapshot: the run went as far as it did (then stopped), and best/ is installed from it
    (chosen && summary.status !== 'completed' && summary.steps !== undefined ? ` --max-steps ${summary.steps} --out <run>; npm run experiment -- fer-translate --install-run <run>` : ' --install');
  const tmp = `${dest}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  for (const f of ['model.json', 'weights.bin']) writeFileAtomic(path.join(tmp, f), fs.readFileSync(path.join(gDir, f)));
  writeJsonAtomic(path.join(tmp, 'translator.json'), { spec: config.spec.model, losses: config.spec.losses, settings: config.settings });
  // paths made portable (the model folder is committed): relative to the checkout when the run is
  // inside it, else the run folder's name; the dataset as its folder's name (lib/runs/portable-paths.ts)
  const inside = path.relative(REPO_ROOT, path.resolve(runDir));
  const runName = inside.startsWith('..') || path.isAbsolute(inside) ? `<run folder ${path.basename(path.resolve(runDir))}>` : inside;
  const roots = runPathRoots(runDir, config);
  writeJsonAtomic(path.join(tmp, 'metrics.json'), {
    ...portableJson({
      evaluation: metrics,
      training: { steps: summary.steps, trainSeconds: summary.trainSeconds, imagesPerSecond: summary.imagesPerSecond, status: summary.status, final: summary.final },
      data: config.data,
    }, roots),
    seed: config.seed,
    preset: config.preset,
    run: runName,
    checkpoint: path.basename(ckpt),
    ...(chosen ? { chosen: readJson<unknown>(path.join(ckpt, 'best.json'), 'best snapshot') } : {}),
    git_commit: config.gitCommit,
    command,
    evaluate: `npm run evaluate -- ${chosen ? `${runName}/best` : runName}`,
    installed_at: new Date().toISOString(),
  });
  fs.rmSync(dest, { recursive: true, force: true });
  fs.renameSync(tmp, dest);
  return dest;
}
