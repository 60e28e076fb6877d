/**
 * The expression classifier experiment (command line: `npm run experiment -- fer-classifier`,
 * scripts/cli/fer-classifier.ts; presets: experiments/classifier.ts, passed in).
 *
 * Trains the expression classifier into results/fer-classifier/<time>-<preset>/ (classifier.json,
 * progress.csv, checkpoints/latest/, model/ with metrics.json), then measures it on the FER2013
 * test split (accuracy with and without mirror averaging, per-class confusion matrix).
 * `--install` copies model/ to models/fer-classifier/, the classifier every metric uses.
 * The run folder holds classifier.json, not config.json, so `compare --all` does not take it for a GAN run.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadFer2013 } from '../data';
import { ImageSet } from '../data/types';
import { initBackend, describeBackend, BackendInfo } from '../backend';
import { resolveDataPath } from '../runs/dataset';
import { newRunDir, RESULTS_DIR } from '../runs/run-dir';
import { writeFileAtomic, writeJsonAtomic, readJson, removeStaleTemps } from '../io/files';
import { acquireRunLock } from '../io/lock';
import { gitCommit, packageVersions, REPO_ROOT } from '../runs/versions';
import { saveModelDir } from '../train/model-io';
import { trainClassifier, evaluateClassifier } from './classifier-train';
import type { ClassifierExperiment, ClassifierSettings } from '../runs/spec-types';
import type { StopSignal } from '../train/event-loop';
import { Confusion, confusion, confusionMarkdown } from '../eval/confusion';
import { DEFAULT_CLASSIFIER_DIR, classifierFromModel } from '../eval/classifier';
import { classifierCheck } from '../eval/classifier-check';

export interface ClassifierExperimentOptions {
  /** The experiment (experiments/classifier.ts CLASSIFIER_EXPERIMENT): presets by name and the default seed. */
  experiment: ClassifierExperiment;
  /** Preset name (default quick). */
  preset?: string;
  /** FER2013 folder or csv (default $FACEGAN_FER2013, else the bundled sample). */
  dataPath?: string;
  /** Run directory (default results/fer-classifier/<time>-<preset>). */
  outDir?: string;
  /** Continue this run directory from its checkpoint. */
  resume?: string;
  /** Start from this trained classifier (model.json + weights.bin [+ metrics.json]): a second stage. */
  init?: string;
  /** Seed of a new run (default: the experiment's). */
  seed?: number;
  epochs?: number;
  maxSteps?: number;
  /** Copy the trained model to this folder (e.g. models/fer-classifier). */
  installDir?: string;
  backend?: BackendInfo;
  /** The command-line arguments, recorded in classifier.json. */
  argv?: string[];
  /** Take over the run folder's lock although it comes from another host (the CLI's --force-unlock). */
  forceUnlock?: boolean;
  /** Stops training after the step in progress, with a checkpoint (continue with `resume`). */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export type { ClassifierExperiment };

export interface ClassifierExperimentResult {
  runDir: string;
  modelDir: string | null;
  completed: boolean;
  /** The signal (the abort's reason) that stopped training early, or null. */
  signal: StopSignal | null;
  metrics: ClassifierMetrics | null;
}

/** What models/fer-classifier/metrics.json holds. */
export interface ClassifierMetrics {
  accuracy: number;
  accuracy_tta: number;
  accuracy_by_usage: Record<string, number>;
  test_images: number;
  test_selection: string;
  classes: string[];
  confusion: number[][];
  recall: number[];
  /** Accuracy on the bundled sample's test faces (classifier-check.ts), for checking shipped weights. */
  check: { selection: string; images: number; accuracy: number };
  train_images: number;
  epochs: number;
  train_seconds: number;
  images_per_s: number;
  seed: number;
  preset: string;
  settings: ClassifierSettings;
  backend: string;
  git_commit: string | null;
  command: string;
  /** Earlier training stages this model continued from (--init), oldest first. */
  stages?: ClassifierStage[];
  created_at: string;
}

/** One earlier training stage of a classifier (from the metrics.json of the --init model). */
export interface ClassifierStage {
  preset: string;
  epochs: number;
  accuracy: number;
  train_seconds: number;
  command: string;
  settings: ClassifierSettings;
}

interface ClassifierRunConfig {
  kind: 'fer-classifier';
  preset: string;
  settings: ClassifierSettings;
  seed: number;
  data: { path: string; train: string; test: string; valid: string };
  backend: string;
  versions: Record<string, string | null>;
  gitCommit: string | null;
  command: string[];
  createdAt: string;
  /** --init: the model folder this run started from, and that model's own stages. */
  init?: { dir: string; stages: ClassifierStage[] };
}

/** The stages behind a trained classifier folder: its metrics.json's stages plus itself. */
function stagesOf(dir: string): ClassifierStage[] {
  for (const f of ['model.json', 'weights.bin']) {
    if (!fs.existsSync(path.join(dir, f))) throw new Error(`--init ${dir}: no ${f} there (expected a trained classifier folder, e.g. models/fer-classifier)`);
  }
  const mf = path.join(dir, 'metrics.json');
  if (!fs.existsSync(mf)) return [];
  const m = readJson<ClassifierMetrics>(mf, 'classifier metrics');
  return [...(m.stages ?? []), { preset: m.preset, epochs: m.epochs, accuracy: m.accuracy, train_seconds: m.train_seconds, command: m.command, settings: m.settings }];
}

/** Accuracy per FER2013 usage (PublicTest / PrivateTest) from the image sources' file names. */
function accuracyByUsage(test: ImageSet, probsConf: (idx: number[]) => Confusion): Record<string, number> {
  const out: Record<string, number> = {};
  if (!test.sources) return out;
  for (const usage of ['PublicTest', 'PrivateTest']) {
    const idx = test.sources.map((s, i) => (s.includes(usage) ? i : -1)).filter((i) => i >= 0);
    if (idx.length) out[usage] = probsConf(idx).accuracy;
  }
  return out;
}

/**
 * Trains and measures the classifier; see the file comment. The run folder is held with an
 * exclusive lock (lib/io/lock.ts) from before its first write to the end: a second writer (a new
 * run with the same outDir, a second resume) gets a LockedError (exit 75) and changes nothing.
 */
export async function runClassifierExperiment(o: ClassifierExperimentOptions): Promise<ClassifierExperimentResult> {
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const backend = o.backend ?? (await initBackend());
  let runDir: string;
  let newConfig: ClassifierRunConfig | null = null;
  if (o.resume) {
    runDir = path.resolve(o.resume);
    if (!fs.existsSync(path.join(runDir, 'classifier.json'))) throw new Error(`--resume ${runDir}: no classifier.json there (not a classifier run folder)`);
  } else {
    const preset = o.preset ?? 'quick';
    const base = o.experiment.presets[preset];
    if (!base) throw new Error(`fer-classifier: unknown preset "${preset}", expected one of ${Object.keys(o.experiment.presets).join(', ')}`);
    const settings: ClassifierSettings = { ...base, epochs: o.epochs ?? base.epochs };
    const data = resolveDataPath({ kind: 'fer2013', split: 'train', emotions: 'all' }, o.dataPath);
    runDir = o.outDir ? path.resolve(o.outDir) : newRunDir('fer-classifier', preset);
    newConfig = {
      kind: 'fer-classifier', preset, settings, seed: o.seed ?? o.experiment.seed,
      data: { path: data.path, train: '', test: '', valid: '' },
      backend: backend.name, versions: packageVersions(), gitCommit: gitCommit(),
      command: ['npm', 'run', 'experiment', '--', o.experiment.command ?? 'fer-classifier', ...(o.argv ?? [])], createdAt: new Date().toISOString(),
      ...(o.init ? { init: { dir: path.resolve(o.init), stages: stagesOf(o.init) } } : {}),
    };
  }
  const dir = runDir;
  const holdsRun = () => {
    if (fs.existsSync(path.join(dir, 'classifier.json'))) throw new Error(`${dir} already holds a classifier run; use --resume ${dir}`);
  };
  // a folder another process is writing gets the lock's error (exit 75) first; any other folder is
  // checked before a lock file is created in it, and again under the lock
  if (newConfig && !fs.existsSync(path.join(runDir, '.lock'))) holdsRun();
  const lock = acquireRunLock(runDir, {
    force: o.forceUnlock,
    say: log,
    command: ['experiment fer-classifier', ...(o.argv ?? [])].join(' '),
  });
  try {
    removeStaleTemps(runDir);
    removeStaleTemps(path.join(runDir, 'checkpoints'));
    if (newConfig) holdsRun();
    const cfg = newConfig ?? readJson<ClassifierRunConfig>(path.join(runDir, 'classifier.json'), 'classifier run config');
    return await runLocked(o, runDir, cfg, backend, log);
  } finally {
    lock.release();
  }
}

/** The classifier run in `runDir`, whose lock this process holds. */
async function runLocked(
  o: ClassifierExperimentOptions,
  runDir: string,
  cfg: ClassifierRunConfig,
  backend: BackendInfo,
  log: (line: string) => void,
): Promise<ClassifierExperimentResult> {
  const s = cfg.settings;
  const t0 = Date.now();
  const train = await loadFer2013({ path: cfg.data.path, split: 'train', limit: s.trainLimit ?? undefined, seed: cfg.seed });
  const test = await loadFer2013({ path: cfg.data.path, split: 'test', limit: s.testLimit ?? undefined, seed: cfg.seed });
  const valid = await loadFer2013({ path: cfg.data.path, split: 'test', limit: Math.min(1000, test.n), seed: cfg.seed + 1 });
  log(`fer-classifier: ${train.name} (${train.n}), test ${test.name} (${test.n}), loaded in ${((Date.now() - t0) / 1000).toFixed(0)} s; backend ${describeBackend(backend)}`);
  cfg.data = { path: cfg.data.path, train: train.name, test: test.name, valid: valid.name };
  fs.mkdirSync(runDir, { recursive: true });
  if (!o.resume) writeJsonAtomic(path.join(runDir, 'classifier.json'), cfg);
  log(`run: ${runDir}`);

  const r = await trainClassifier({ runDir, train, valid, settings: s, seed: cfg.seed, resume: !!o.resume, initFrom: cfg.init?.dir, maxSteps: o.maxSteps, signal: o.signal, log });
  if (!r.completed) {
    log(`stopped at step ${r.steps}; continue with: npm run experiment -- ${o.experiment.command ?? 'fer-classifier'} --resume ${runDir}`);
    r.net.model.dispose();
    return { runDir, modelDir: null, completed: false, signal: r.signal, metrics: null };
  }
  const { plain, tta, probs } = await evaluateClassifier(r.net, test);
  const usage = accuracyByUsage(test, (idx) => {
    const k = plain.classes.length;
    const p = new Float32Array(idx.length * k);
    idx.forEach((i, j) => p.set(probs.subarray(i * k, i * k + k), j * k));
    return confusion(idx.map((i) => test.labels![i]), p);
  });
  const metrics: ClassifierMetrics = {
    accuracy: plain.accuracy,
    accuracy_tta: tta.accuracy,
    accuracy_by_usage: usage,
    test_images: test.n,
    test_selection: test.name,
    classes: plain.classes,
    confusion: plain.matrix,
    recall: plain.recall,
    check: await classifierCheck(classifierFromModel(r.net.model)),
    train_images: train.n,
    epochs: s.epochs,
    train_seconds: Math.round(r.seconds),
    images_per_s: Math.round(r.imagesPerSecond * 10) / 10,
    seed: cfg.seed,
    preset: cfg.preset,
    settings: s,
    backend: backend.name,
    git_commit: cfg.gitCommit,
    command: `npm run experiment -- ${o.experiment.command ?? 'fer-classifier'} --preset ${cfg.preset} --data <FER2013 folder>${cfg.seed !== o.experiment.seed ? ` --seed ${cfg.seed}` : ''}${s.epochs !== o.experiment.presets[cfg.preset]?.epochs ? ` --epochs ${s.epochs}` : ''}${cfg.init ? ' --init <the previous stage\'s model>' : ''}${(o.experiment.command ?? 'fer-classifier') === 'fer-classifier' ? ' --install' : ''}`,
    ...(cfg.init ? { stages: cfg.init.stages } : {}),
    created_at: new Date().toISOString(),
  };
  const modelDir = path.join(runDir, 'model');
  await saveModelDir(r.net.model, modelDir);
  writeJsonAtomic(path.join(modelDir, 'metrics.json'), metrics);
  const confusionText = `# FER2013 test confusion (accuracy ${(100 * plain.accuracy).toFixed(2)}%)\n\n${confusionMarkdown(plain)}\n`;
  writeFileAtomic(path.join(runDir, 'confusion.md'), confusionText);
  log(`test accuracy ${(100 * plain.accuracy).toFixed(2)}% (with mirror averaging ${(100 * tta.accuracy).toFixed(2)}%) on ${test.n} images`);
  log(confusionMarkdown(plain));
  if (o.installDir) {
    // each file replaced atomically: a reader (every metric loads this classifier) never sees half a file
    for (const f of ['model.json', 'weights.bin', 'metrics.json']) writeFileAtomic(path.join(o.installDir, f), fs.readFileSync(path.join(modelDir, f)));
    writeFileAtomic(path.join(o.installDir, 'confusion.md'), confusionText);
    log(`installed into ${o.installDir}`);
  }
  r.net.model.dispose();
  return { runDir, modelDir, completed: true, signal: null, metrics };
}
