/**
 * Runs one experiment (or a sequence such as fer-all) into run directories: the library entry
 * point behind `npm run experiment`, `npm start` and the notebooks.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ExperimentSpec, Overrides, PresetName, resolveSettings, checkSettings } from '../runs/experiment';
import { RunConfig, ConfigChange, newRunDir } from '../runs/run-dir';
import { trainedUnder, checkTrainedUnder } from '../runs/trained-under';
import { manifestsSinceFor } from '../train/manifest-policy';
import { readCheckedRunConfig } from '../runs/config-check';
import { resolveDataPath, loadDataset, datasetFingerprint } from '../runs/dataset';
import { runProvenance } from '../runs/provenance';
import { finishRun, FinishOptions } from './finish-run';
import { writeJsonAtomic, readJson, removeStaleTemps, WriteError } from '../io/files';
import { acquireRunLock } from '../io/lock';
import { train, TrainSummary, TrainOptions, DivergedError } from '../train/trainer';
import { readRunSummary, writeRunSummary } from '../train/run-summary';
import { BackendInfo } from '../backend';
import { Kernels, DEFAULT_KERNELS } from '../kernels/kernels';
import { formatSkips } from '../data';
import { Shard, shardItems } from '../runs/shard';

export interface RunRequest {
  spec: ExperimentSpec;
  preset: PresetName;
  overrides?: Overrides;
  seed?: number;
  dataPath?: string;
  outDir?: string;
  backend: BackendInfo;
  /** Stop after this many iterations in total (the run can be resumed later). */
  maxSteps?: number;
  /** Layer kernels (default 'fused'), recorded in config.json. */
  kernels?: Kernels;
  /** The command line that started the run, recorded in config.json (default: none recorded). */
  command?: string[];
  progress?: TrainOptions['progress'];
  onLog?: TrainOptions['onLog'];
  onEpoch?: TrainOptions['onEpoch'];
  /** Stops training after the step in progress, with a checkpoint (summary.json: interrupted). */
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Metrics after a completed run (finishRun): { n } for FD/KID/SWD too; default the conditional hit-rates only. */
  evaluate?: FinishOptions['evaluate'];
  /** Take over the run folder's lock even when it comes from another host (--force-unlock). */
  forceUnlock?: boolean;
}

export interface RunResult {
  runDir: string;
  summary: TrainSummary;
}

/** What the run lock records as its holder's command: the CLI's command line, else what the library does. */
const lockCommand = (req: { command?: string[] }, what: string) => (req.command?.length ? req.command.join(' ') : what);

export const DEFAULT_SEED = 999; // the PyTorch DCGAN tutorial's manualSeed

/** Names in a folder that do not make it "hold files": the lock, and temporary files a killed writer left. */
const isLockFile = (name: string) => name === '.lock' || name.startsWith('.lock.') || /\.\d+\.\d+\.tmp$/.test(name);

/**
 * Trains one experiment into a new run directory (or `outDir`, which must be missing, empty or
 * a run directory's parent-to-be: a folder that already holds files is refused, one that holds a
 * run says to --resume it). The folder is locked (lib/io/lock.ts) for the whole run.
 */
export async function runExperiment(req: RunRequest): Promise<RunResult> {
  const log = req.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const { spec, preset } = req;
  if (spec.sequence) throw new Error(`${spec.name} is a sequence of experiments: use runSequence`);
  const settings = resolveSettings(spec, preset, req.overrides);
  const seed = req.seed ?? DEFAULT_SEED;
  const data = resolveDataPath(spec.dataset, req.dataPath);
  const runDir = req.outDir ? path.resolve(req.outDir) : newRunDir(spec.name, preset);
  const existed = fs.existsSync(runDir);
  if (existed && !fs.statSync(runDir).isDirectory()) throw new Error(`--out ${runDir} is a file, not a folder`);
  const refuseNonEmpty = () => {
    if (fs.existsSync(path.join(runDir, 'config.json'))) {
      throw new Error(`${runDir} already holds a run (config.json); use --resume ${runDir} to continue it, or another --out`);
    }
    const other = existed ? fs.readdirSync(runDir).filter((n) => !isLockFile(n)) : [];
    if (other.length) {
      throw new Error(`--out ${runDir} is not empty and is not a run directory (it holds ${other.slice(0, 3).join(', ')}${other.length > 3 ? ', ...' : ''}); nothing was changed: give an empty or new folder`);
    }
  };
  // A folder another process is writing gets the lock's error (exit 75) first; any other folder
  // is checked before a lock file is created in it, and again under the lock (a rival may have
  // started a run meanwhile).
  if (!fs.existsSync(path.join(runDir, '.lock'))) refuseNonEmpty();
  const lock = acquireRunLock(runDir, { force: req.forceUnlock, say: log, command: lockCommand(req, `train ${spec.name}`) });
  let started = false;
  try {
    refuseNonEmpty();
    removeStaleTemps(runDir);
    if (data.source === 'sample' && preset === 'paper') {
      log(`note: no --data given, so the paper preset runs on the small bundled sample (${data.path}), not the full dataset`);
    }
    const images = await loadDataset(spec.dataset, data.path, { limit: settings.limit, seed, size: spec.model.size });
    log(`data: ${images.name}: ${images.n} images ${images.height}x${images.width}x${images.channels} from ${data.path}`);
    if (images.skipped.length) log(formatSkips(images));
    const config: RunConfig = {
      experiment: spec.name,
      preset,
      overrides: req.overrides ?? {},
      settings,
      spec,
      seed,
      ...runProvenance(data.path, images, req.backend, req.command),
      kernels: req.kernels ?? DEFAULT_KERNELS,
      manifestsSince: 0,
    };
    writeJsonAtomic(path.join(runDir, 'config.json'), config);
    started = true;
    log(`run: ${runDir}`);
    const summary = await trainFromConfig(runDir, config, images, false, req);
    await finishRun(runDir, config, summary, { evaluate: req.evaluate, backend: req.backend.name, log });
    return { runDir, summary };
  } finally {
    lock.release();
    // a run that failed before its config.json leaves no folder of its own behind
    if (!started && !existed && fs.existsSync(runDir) && fs.readdirSync(runDir).length === 0) fs.rmSync(runDir, { recursive: true, force: true });
  }
}

/**
 * Options of resumeExperiment: --epochs and --max-steps may change; --data relocates the same
 * images. `seed` and `overrides` (limit, batchSize) are accepted only when they equal the recorded
 * ones (a caller that passes its start request again); anything else is refused with the reason.
 */
export type ResumeRequest = Omit<RunRequest, 'spec' | 'preset' | 'outDir'> & {
  epochs?: number;
  /** --extend: `epochs` makes the run longer (without it, an --epochs other than the recorded one is refused). */
  extend?: boolean;
  /** --override FIELD: accept these config.json fields that differ from what the checkpoint was trained under. */
  override?: string[];
};

/** Refuses a resume request that would change the recorded run (seed, image subset, batch size). */
function refuseChanges(runDir: string, config: RunConfig, req: ResumeRequest): void {
  const o = req.overrides ?? {};
  const changes: string[] = [];
  if (req.seed !== undefined && req.seed !== config.seed) changes.push(`seed ${req.seed} (recorded: ${config.seed}; it fixed the initial weights, noise and data order)`);
  if (o.batchSize !== undefined && o.batchSize !== config.settings.batchSize) changes.push(`batch size ${o.batchSize} (recorded: ${config.settings.batchSize}; the checkpoint's data order and optimizer state belong to it)`);
  if (o.limit !== undefined && o.limit !== config.settings.limit) changes.push(`limit ${o.limit} (recorded: ${config.settings.limit}; the image subset is part of the run)`);
  if (changes.length) throw new Error(`cannot resume ${runDir} with ${changes.join(', ')}: start a new run to change them`);
}

/**
 * Continues a run from its newest intact checkpoint, with the settings recorded in its config.json
 * (validated again: a damaged field is an error naming config.json and the field). `dataPath`
 * relocates the dataset: it must give the same images (count, and the fingerprint recorded at the
 * start). A run stopped before its first checkpoint starts again from scratch with its recorded
 * config. The folder is locked for the whole resume.
 */
export async function resumeExperiment(runDir: string, req: ResumeRequest): Promise<RunResult> {
  const log = req.log ?? ((l: string) => process.stderr.write(l + '\n'));
  runDir = path.resolve(runDir);
  if (!fs.existsSync(path.join(runDir, 'config.json'))) throw new Error(`cannot resume ${runDir}: it is not a run directory (config.json is missing)`);
  const lock = acquireRunLock(runDir, { force: req.forceUnlock, say: log, command: lockCommand(req, 'resume') });
  try {
    const stale = ['', 'samples', 'checkpoints'].flatMap((d) => removeStaleTemps(path.join(runDir, d)));
    if (stale.length) log(`note: removed ${stale.length} temporary file(s) left by a killed process (${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', ...' : ''})`);
    const config = readCheckedRunConfig(runDir);
    const file = path.join(runDir, 'config.json');
    refuseChanges(runDir, config, req);
    const history = [...(config.history ?? []), ...epochsChange(runDir, config, req)];
    checkSettings(config.settings, `resume ${runDir}`);
    const hasCheckpoint = fs.existsSync(path.join(runDir, 'checkpoints'))
      && fs.readdirSync(path.join(runDir, 'checkpoints')).some((e) => /^step-\d+$/.test(e) || e === 'latest.json');
    if (!hasCheckpoint) refuseLostCheckpoints(runDir);
    else history.push(...checkTrainedUnder(runDir, config, req.override ?? [], log));
    if (history.length) config.history = history;
    // an older run without the marker whose checkpoints have no manifest: those stay loadable, the new ones have one
    if (config.manifestsSince === undefined && !hasManifests(runDir)) config.manifestsSince = manifestsSinceFor(runDir);
    const dataPath = req.dataPath ? path.resolve(req.dataPath) : config.data.path;
    if (!fs.existsSync(dataPath)) {
      throw new Error(`cannot resume ${runDir}: its dataset ${dataPath} (config.json data.path) does not exist here; pass --data DIR pointing at the same images`);
    }
    const images = await loadDataset(config.spec.dataset, dataPath, {
      limit: config.settings.limit,
      seed: config.seed,
      size: config.spec.model.size,
    });
    const moved = dataPath !== config.data.path;
    if (images.n !== config.data.images) {
      throw new Error(`cannot resume ${runDir}: its data (${dataPath}) now gives ${images.n} images, the run was started with ${config.data.images} (${config.data.path})`);
    }
    const fingerprint = datasetFingerprint(images);
    if (config.data.fingerprint && config.data.fingerprint !== fingerprint) {
      throw new Error(`cannot resume ${runDir}: ${dataPath} gives ${images.n} images as before, but not the same ones (their fingerprint differs from the one in ${file}); point --data at the dataset the run was started with`);
    }
    if (!config.data.fingerprint) {
      log(`note: ${file} has no dataset fingerprint (an older run): the data was checked by its image count only (${images.n})`);
    }
    if (moved) {
      log(`note: dataset relocated: ${config.data.path} -> ${dataPath} (${images.n} images${config.data.fingerprint ? ', same fingerprint' : ''})`);
      config.data = { ...config.data, path: dataPath, relocated: [...(config.data.relocated ?? []), { from: config.data.path, at: new Date().toISOString() }] };
    }
    if (config.backend.name !== req.backend.name) {
      log(`note: run started on backend ${config.backend.name}, resuming on ${req.backend.name}`);
    }
    writeJsonAtomic(file, { ...config, resumedAt: [...((config as { resumedAt?: string[] }).resumedAt ?? []), new Date().toISOString()] });
    if (hasCheckpoint) log(`resuming ${runDir}`);
    else log(`${runDir} stopped before its first checkpoint: starting it again from scratch with its recorded config`);
    const summary = await trainFromConfig(runDir, config, images, hasCheckpoint, req);
    await finishRun(runDir, config, summary, { evaluate: req.evaluate, backend: req.backend.name, log });
    return { runDir, summary };
  } finally {
    lock.release();
  }
}

/**
 * --epochs on resume: the recorded number is accepted as is; another one only with --extend, and
 * then only more epochs than recorded (returned as a change for config.json's history).
 */
function epochsChange(runDir: string, config: RunConfig, req: ResumeRequest): ConfigChange[] {
  const epochs = req.epochs ?? req.overrides?.epochs;
  const recorded = config.settings.epochs;
  if (epochs === undefined || epochs === recorded) {
    if (req.extend) throw new Error(`cannot resume ${runDir} with --extend alone: it is set up for ${recorded} epochs; give --extend --epochs N with N > ${recorded}`);
    return [];
  }
  if (!req.extend) {
    throw new Error(`cannot resume ${runDir} with --epochs ${epochs}: it is set up for ${recorded} epochs (config.json settings.epochs); ` +
      `to train it longer pass --extend --epochs N (N > ${recorded}), or leave --epochs out to continue it as recorded`);
  }
  if (epochs < recorded) {
    throw new Error(`cannot resume ${runDir} with --extend --epochs ${epochs}: --extend makes a run longer, and it is set up for ${recorded} epochs already; ` +
      `use --max-steps to stop it earlier, or start a new run`);
  }
  config.settings.epochs = epochs;
  return [{ at: new Date().toISOString(), change: 'extend', field: 'settings.epochs', from: recorded, to: epochs }];
}

/** Whether any checkpoint folder of the run has a manifest.json. */
function hasManifests(runDir: string): boolean {
  const root = path.join(runDir, 'checkpoints');
  return fs.existsSync(root) && fs.readdirSync(root).some((e) => /^step-\d+$/.test(e) && fs.existsSync(path.join(root, e, 'manifest.json')));
}

/** A run whose checkpoints/ is gone although summary.json names a checkpoint is not restarted from scratch. */
function refuseLostCheckpoints(runDir: string): void {
  const s = readRunSummary(runDir);
  if (typeof s.lastCheckpoint !== 'string' || !s.lastCheckpoint) return;
  throw new Error(`cannot resume ${runDir}: its checkpoints are missing (${path.join(runDir, 'checkpoints')} holds no step-NNNNNNN folder or latest.json), ` +
    `but summary.json says it reached step ${s.steps} with checkpoint ${s.lastCheckpoint}; restore checkpoints/ from a backup, or start a new run (--out): nothing was changed`);
}

async function trainFromConfig(
  runDir: string,
  config: RunConfig,
  images: Awaited<ReturnType<typeof loadDataset>>,
  resume: boolean,
  req: Pick<RunRequest, 'maxSteps' | 'progress' | 'onLog' | 'onEpoch' | 'signal' | 'backend' | 'log'>,
): Promise<TrainSummary> {
  const s = config.settings;
  try {
    return await train({
      runDir,
      data: images,
      model: config.spec.model,
      epochs: s.epochs,
      batchSize: s.batchSize,
      seed: config.seed,
      adam: { lr: s.lr, beta1: s.beta1, beta2: s.beta2, eps: 1e-8 },
      checkpointEvery: s.checkpointEvery,
      logEvery: s.logEvery,
      resume,
      maxSteps: req.maxSteps,
      progress: req.progress,
      onLog: req.onLog,
      onEpoch: req.onEpoch,
      signal: req.signal,
      augment: config.spec.remedies?.diffAugment ?? null,
      realLabel: config.spec.remedies?.realLabel,
      kernels: config.kernels ?? DEFAULT_KERNELS,
      trainedUnder: trainedUnder(config),
    });
  } catch (e) {
    // A diverged run is a result (status diverged in summary.json, exit 1 from the CLI), not a crash.
    if (!(e instanceof DivergedError)) {
      // an error before the trainer's loop (e.g. writing noise.json on a full disk): the run is
      // marked failed too, unless the trainer already wrote a final status or the error touched no
      // file and the run's earlier status (e.g. interrupted) still holds
      const status = readRunSummary(runDir).status;
      if (e instanceof WriteError ? status !== 'failed' : status === undefined || status === 'running') {
        writeRunSummary(runDir, { status: 'failed', message: (e as Error).message }, { bestEffort: true });
      }
      throw e;
    }
    (req.log ?? ((l: string) => process.stderr.write(l + '\n')))(e.message);
    return readRunSummary(runDir) as unknown as TrainSummary;
  }
}

/**
 * A sequence experiment (fer-all): one run directory per member, inside one parent folder. With a
 * shard (lib/runs/shard.ts), only members i, i+n, ... of the sequence (n machines, same parent folder).
 */
export async function runSequence(
  spec: ExperimentSpec,
  getSpec: (name: string) => ExperimentSpec,
  req: Omit<RunRequest, 'spec' | 'outDir'> & { parentDir?: string; shard?: Shard | null },
): Promise<{ parentDir: string; runs: RunResult[] }> {
  const log = req.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const parentDir = req.parentDir ? path.resolve(req.parentDir) : newRunDir(spec.name, req.preset);
  // Unsharded, the parent folder is locked too (sequence.json and the choice of the next member have
  // one writer). Shards on several machines share the parent by design: each member is locked.
  const lock = req.shard ? null : acquireRunLock(parentDir, { force: req.forceUnlock, say: log, command: lockCommand(req, `sequence ${spec.name}`) });
  try {
    return await runMembers(spec, getSpec, req, parentDir, log);
  } finally {
    lock?.release();
  }
}

async function runMembers(
  spec: ExperimentSpec,
  getSpec: (name: string) => ExperimentSpec,
  req: Omit<RunRequest, 'spec' | 'outDir'> & { shard?: Shard | null },
  parentDir: string,
  log: (line: string) => void,
): Promise<{ parentDir: string; runs: RunResult[] }> {
  const indexFile = path.join(parentDir, 'sequence.json');
  const index = fs.existsSync(indexFile)
    ? readJson<{ experiment: string; preset: string; members: Record<string, string> }>(indexFile, 'sequence index')
    : { experiment: spec.name, preset: req.preset, members: {} as Record<string, string> };
  writeJsonAtomic(indexFile, index);
  const runs: RunResult[] = [];
  const members = shardItems(spec.sequence ?? [], req.shard ?? null);
  if (req.shard) log(`${spec.name}: shard ${req.shard.index}/${req.shard.count} (${req.shard.source}): ${members.join(', ') || 'no members'}`);
  for (const name of members) {
    const member = path.join(parentDir, name);
    const done = readRunSummary(member);
    if (done.status === 'completed') {
      log(`${name}: already completed in ${member}, skipping`);
      runs.push({ runDir: member, summary: done as unknown as TrainSummary });
      continue;
    }
    log(`\n== ${spec.name}: ${name} (${runs.length + 1}/${members.length}) ==`);
    // a member with config.json resumes (from scratch when it stopped before its first checkpoint)
    const result = fs.existsSync(path.join(member, 'config.json'))
      ? await resumeExperiment(member, req)
      : await runExperiment({ ...req, spec: getSpec(name), outDir: member });
    index.members[name] = member;
    writeJsonAtomic(indexFile, index);
    runs.push(result);
    // Ctrl-C (or --max-steps, or a diverged run) stops the whole sequence: the next member must not
    // start behind the user's back. --resume on the parent folder continues with this member.
    const status = result.summary.status;
    if (status !== 'completed') {
      log(`${spec.name}: ${name} ${status}; the sequence stops here (continue with --resume ${parentDir})`);
      break;
    }
  }
  return { parentDir, runs };
}
