/**
 * Runs one experiment (or a sequence such as fer-all) into run directories: the library entry
 * point behind `npm run experiment`, `npm start` and the notebooks.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ExperimentSpec, Overrides, PresetName, resolveSettings } from './experiment';
import { RunConfig, newRunDir, readRunConfig } from './run-dir';
import { resolveDataPath, loadDataset } from './dataset';
import { packageVersions, gitCommit } from './versions';
import { writeJsonAtomic, readJson } from '../io/files';
import { train, TrainSummary, TrainOptions } from '../train/trainer';
import { BackendInfo } from '../backend';
import { Kernels, DEFAULT_KERNELS } from '../kernels/kernels';
import { formatSkips } from '../data';
import { isConditional } from '../models/conditional-spec';
import { evaluateConditionalRun } from '../eval/hit-rate';
import { Shard, shardItems } from './shard';
import { tensorboardMetrics } from '../train/tb-run';

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
  progress?: boolean;
  onLog?: TrainOptions['onLog'];
  onEpoch?: TrainOptions['onEpoch'];
  log?: (line: string) => void;
}

export interface RunResult {
  runDir: string;
  summary: TrainSummary;
}

export const DEFAULT_SEED = 999; // the PyTorch DCGAN tutorial's manualSeed

/** Trains one experiment into a new run directory (or `outDir`). */
export async function runExperiment(req: RunRequest): Promise<RunResult> {
  const log = req.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const { spec, preset } = req;
  if (spec.sequence) throw new Error(`${spec.name} is a sequence of experiments: use runSequence`);
  const settings = resolveSettings(spec, preset, req.overrides);
  const seed = req.seed ?? DEFAULT_SEED;
  const data = resolveDataPath(spec.dataset, req.dataPath);
  if (data.source === 'sample' && preset === 'paper') {
    log(`note: no --data given, so the paper preset runs on the small bundled sample (${data.path}), not the full dataset`);
  }
  const images = await loadDataset(spec.dataset, data.path, { limit: settings.limit, seed, size: spec.model.size });
  log(`data: ${images.name}: ${images.n} images ${images.height}x${images.width}x${images.channels} from ${data.path}`);
  if (images.skipped.length) log(formatSkips(images));

  let runDir = req.outDir ? path.resolve(req.outDir) : newRunDir(spec.name, preset);
  if (fs.existsSync(path.join(runDir, 'config.json'))) {
    throw new Error(`${runDir} already holds a run (config.json); use --resume ${runDir} to continue it, or another --out`);
  }
  fs.mkdirSync(runDir, { recursive: true });
  const config: RunConfig = {
    experiment: spec.name,
    preset,
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
    kernels: req.kernels ?? DEFAULT_KERNELS,
  };
  writeJsonAtomic(path.join(runDir, 'config.json'), config);
  log(`run: ${runDir}`);
  const summary = await trainFromConfig(runDir, config, images, false, req);
  return { runDir, summary };
}

/** Continues a run from its latest checkpoint, with the settings recorded in its config.json. */
export async function resumeExperiment(runDir: string, req: Omit<RunRequest, 'spec' | 'preset'> & { epochs?: number }): Promise<RunResult> {
  const log = req.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const config = readRunConfig(runDir);
  if (req.epochs !== undefined) config.settings.epochs = req.epochs;
  const images = await loadDataset(config.spec.dataset, config.data.path, {
    limit: config.settings.limit,
    seed: config.seed,
    size: config.spec.model.size,
  });
  if (images.n !== config.data.images) {
    throw new Error(`cannot resume ${runDir}: its data (${config.data.path}) now gives ${images.n} images, the run was started with ${config.data.images}`);
  }
  if (config.backend.name !== req.backend.name) {
    log(`note: run started on backend ${config.backend.name}, resuming on ${req.backend.name}`);
  }
  writeJsonAtomic(path.join(runDir, 'config.json'), { ...config, resumedAt: [...((config as { resumedAt?: string[] }).resumedAt ?? []), new Date().toISOString()] });
  log(`resuming ${runDir}`);
  const summary = await trainFromConfig(runDir, config, images, true, req);
  return { runDir, summary };
}

async function trainFromConfig(
  runDir: string,
  config: RunConfig,
  images: Awaited<ReturnType<typeof loadDataset>>,
  resume: boolean,
  req: Pick<RunRequest, 'maxSteps' | 'progress' | 'onLog' | 'onEpoch' | 'backend' | 'log'>,
): Promise<TrainSummary> {
  const s = config.settings;
  const summary = await train({
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
    augment: config.spec.remedies?.diffAugment ?? null,
    realLabel: config.spec.remedies?.realLabel,
    kernels: config.kernels ?? DEFAULT_KERNELS,
  });
  const file = path.join(runDir, 'summary.json');
  writeJsonAtomic(file, { ...readJson<object>(file, 'run summary'), experiment: config.experiment, preset: config.preset, backend: req.backend.name });
  if (isConditional(config.spec.model) && summary.status === 'completed') {
    // Expression hit-rate per target emotion (needs the FER classifier; skipped with a note without it).
    const log = req.log ?? ((l: string) => process.stderr.write(l + '\n'));
    try {
      const r = await evaluateConditionalRun(runDir, { nPerClass: config.preset === 'smoke' ? 8 : 200, seed: config.seed, log });
      if (!r.values) log(`note: conditional hit-rate skipped: ${r.note}`);
      else tensorboardMetrics(runDir, r.values, log);
    } catch (e) {
      log(`note: conditional hit-rate failed: ${(e as Error).message}`);
    }
  }
  return summary;
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
    const summaryFile = path.join(member, 'summary.json');
    if (fs.existsSync(summaryFile) && readJson<{ status: string }>(summaryFile, 'run summary').status === 'completed') {
      log(`${name}: already completed in ${member}, skipping`);
      runs.push({ runDir: member, summary: readJson<TrainSummary>(summaryFile, 'run summary') });
      continue;
    }
    log(`\n== ${spec.name}: ${name} (${runs.length + 1}/${members.length}) ==`);
    if (fs.existsSync(path.join(member, 'config.json')) && !fs.existsSync(path.join(member, 'checkpoints', 'latest.json'))) {
      log(`${name}: ${member} stopped before its first checkpoint; starting it again`);
      fs.rmSync(member, { recursive: true, force: true });
    }
    const result = fs.existsSync(path.join(member, 'checkpoints', 'latest.json'))
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
