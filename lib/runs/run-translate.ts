/**
 * Runs the expression translator (`fer-translate`, experiments/translate.ts) into a run directory
 * with the records every run has: config.json (everything to rerun, with `kind: 'translator'`),
 * grid-faces.json (the fixed real test faces of the progress grids), losses.csv, samples/,
 * checkpoints/, summary.json. `resumeTranslate` continues one from its latest checkpoint with the
 * settings recorded in its config.json; `installTranslator` copies a trained run's G to
 * models/fer-translate/.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ImageSet } from '../data/types';
import { loadFer2013, formatSkips } from '../data';
import { BackendInfo } from '../backend';
import { newRunDir, readRunConfig } from './run-dir';
import { resolveDataPath } from './dataset';
import { packageVersions, gitCommit, REPO_ROOT } from './versions';
import { writeJsonAtomic, readJson, writeFileAtomic } from '../io/files';
import { latestCheckpoint } from '../train/checkpoint';
import { trainTranslator, TranslateSummary } from '../train/translate-trainer';
import { TranslateExperiment, TranslatePresetName, TranslateSettings, translateSettings } from '../train/translate-spec';
import { U8Images } from '../models/translator-apply';

export const DEFAULT_SEED = 999;

/** Where the shipped translator lives; $FACEGAN_TRANSLATOR overrides it. */
export const DEFAULT_TRANSLATOR_DIR = process.env.FACEGAN_TRANSLATOR ?? path.join(REPO_ROOT, 'models', 'fer-translate');

/** config.json of a translator run. */
export interface TranslateRunConfig {
  experiment: 'fer-translate';
  kind: 'translator';
  preset: TranslatePresetName;
  overrides: { steps?: number; limit?: number | null; batchSize?: number };
  settings: TranslateSettings;
  spec: TranslateExperiment;
  seed: number;
  data: { path: string; name: string; images: number; skipped: number };
  backend: BackendInfo;
  versions: Record<string, string | null>;
  gitCommit: string | null;
  command: string[];
  createdAt: string;
  resumedAt?: string[];
}

export function isTranslateConfig(c: unknown): c is TranslateRunConfig {
  return !!c && typeof c === 'object' && (c as { kind?: unknown }).kind === 'translator';
}

/** The config of a translator run, or an error that says what the folder is instead. */
export function readTranslateConfig(runDir: string): TranslateRunConfig {
  const c = readRunConfig(runDir) as unknown;
  if (!isTranslateConfig(c)) {
    throw new Error(`${runDir} is not a translator run (config.json has experiment "${(c as { experiment?: string }).experiment}"); train one with \`npm run experiment -- fer-translate\``);
  }
  return c;
}

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
  log?: (line: string) => void;
  /** The command line that started the run, recorded in config.json (lib/ reads no argv). */
  command?: string[];
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

function readGridFaces(runDir: string): U8Images & { labels: Int32Array } {
  const j = readJson<{ n: number; height: number; width: number; channels: 1 | 3; labels: number[]; data: string }>(path.join(runDir, 'grid-faces.json'), 'grid faces');
  const data = new Uint8Array(Buffer.from(j.data, 'base64'));
  if (data.length !== j.n * j.height * j.width * j.channels) throw new Error(`${path.join(runDir, 'grid-faces.json')} is corrupt: ${data.length} bytes for ${j.n} faces`);
  return { data, n: j.n, height: j.height, width: j.width, channels: j.channels, labels: Int32Array.from(j.labels) };
}

async function loadTrainingFaces(dataPath: string, settings: TranslateSettings, seed: number): Promise<ImageSet> {
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
  const images = await loadTrainingFaces(data.path, settings, seed);
  log(`data: ${images.name}: ${images.n} faces ${images.height}x${images.width}x${images.channels} from ${data.path}`);
  if (images.skipped.length) log(formatSkips(images));
  const runDir = req.outDir ? path.resolve(req.outDir) : newRunDir(spec.name, req.preset);
  if (fs.existsSync(path.join(runDir, 'config.json'))) {
    throw new Error(`${runDir} already holds a run (config.json); use --resume ${runDir} to continue it, or another --out`);
  }
  fs.mkdirSync(runDir, { recursive: true });
  const config: TranslateRunConfig = {
    experiment: 'fer-translate',
    kind: 'translator',
    preset: req.preset,
    overrides: req.overrides ?? {},
    settings,
    spec,
    seed,
    data: { path: data.path, name: images.name, images: images.n, skipped: images.skipped.length },
    backend: { ...req.backend },
    versions: packageVersions(),
    gitCommit: gitCommit(),
    command: req.command ?? [],
    createdAt: new Date().toISOString(),
  };
  writeGridFaces(runDir, await pickGridFaces(data.path, spec.gridFaces, spec.model.labels.length, seed));
  writeJsonAtomic(path.join(runDir, 'config.json'), config);
  log(`run: ${runDir}`);
  const summary = await trainTranslator({ runDir, data: images, model: spec.model, losses: spec.losses, settings, seed, gridFaces: readGridFaces(runDir), maxSteps: req.maxSteps, progress: req.progress });
  return { runDir, summary };
}

/** Continues a translator run from its latest checkpoint (optionally to a new total of `steps`). */
export async function resumeTranslate(runDir: string, req: Omit<TranslateRequest, 'spec' | 'preset' | 'overrides' | 'seed' | 'dataPath' | 'outDir' | 'command'> & { steps?: number }): Promise<{ runDir: string; summary: TranslateSummary }> {
  const log = req.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const config = readTranslateConfig(runDir);
  if (req.steps !== undefined) config.settings.steps = req.steps;
  const images = await loadTrainingFaces(config.data.path, config.settings, config.seed);
  if (images.n !== config.data.images) {
    throw new Error(`cannot resume ${runDir}: its data (${config.data.path}) now gives ${images.n} faces, the run was started with ${config.data.images}`);
  }
  writeJsonAtomic(path.join(runDir, 'config.json'), { ...config, resumedAt: [...(config.resumedAt ?? []), new Date().toISOString()] });
  log(`resuming ${runDir}`);
  const summary = await trainTranslator({
    runDir, data: images, model: config.spec.model, losses: config.spec.losses, settings: config.settings, seed: config.seed,
    gridFaces: readGridFaces(runDir), resume: true, maxSteps: req.maxSteps, progress: req.progress,
  });
  return { runDir, summary };
}

/**
 * Copies a translator run's latest G into `dest` (model.json, weights.bin), with translator.json
 * (the spec: labels, size) and metrics.json (the run's metrics.json when evaluated, its training
 * summary, and the command that reproduces it). Writes into a temporary folder first, so a failed
 * install leaves the previous model in place.
 */
export function installTranslator(runDir: string, dest = DEFAULT_TRANSLATOR_DIR): string {
  const config = readTranslateConfig(runDir);
  const ckpt = latestCheckpoint(runDir);
  if (!ckpt) throw new Error(`${runDir} has no checkpoint yet (checkpoints/latest.json): train it first`);
  const summary = fs.existsSync(path.join(runDir, 'summary.json')) ? readJson<Record<string, unknown>>(path.join(runDir, 'summary.json'), 'run summary') : {};
  const metricsFile = path.join(runDir, 'metrics.json');
  const metrics = fs.existsSync(metricsFile) ? readJson<Record<string, unknown>>(metricsFile, 'translator metrics') : null;
  const o = config.overrides;
  const command =
    `npm run experiment -- fer-translate --preset ${config.preset} --data <FER2013 folder>` +
    (config.seed !== DEFAULT_SEED ? ` --seed ${config.seed}` : '') +
    (o.steps !== undefined ? ` --steps ${o.steps}` : '') + (o.batchSize !== undefined ? ` --batch ${o.batchSize}` : '') +
    (o.limit !== undefined ? ` --limit ${o.limit ?? 'all'}` : '') + ' --install';
  const tmp = `${dest}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  for (const f of ['model.json', 'weights.bin']) writeFileAtomic(path.join(tmp, f), fs.readFileSync(path.join(ckpt, 'G', f)));
  writeJsonAtomic(path.join(tmp, 'translator.json'), { spec: config.spec.model, losses: config.spec.losses, settings: config.settings });
  writeJsonAtomic(path.join(tmp, 'metrics.json'), {
    evaluation: metrics,
    training: { steps: summary.steps, trainSeconds: summary.trainSeconds, imagesPerSecond: summary.imagesPerSecond, status: summary.status, final: summary.final },
    data: config.data,
    seed: config.seed,
    preset: config.preset,
    run: path.relative(REPO_ROOT, path.resolve(runDir)),
    checkpoint: path.basename(ckpt),
    git_commit: config.gitCommit,
    command,
    evaluate: `npm run evaluate -- ${path.relative(REPO_ROOT, path.resolve(runDir))}`,
    installed_at: new Date().toISOString(),
  });
  fs.rmSync(dest, { recursive: true, force: true });
  fs.renameSync(tmp, dest);
  return dest;
}
