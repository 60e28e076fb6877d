/**
 * Running a campaign (`npm run study`): the campaign's experiments, each trained into
 * `<out>/<experiment>/`, one after another; running it again continues it. For each run folder
 * (lib/runs/run-state.ts): completed ones are skipped (their metrics computed if missing),
 * interrupted or partial ones resume from their last checkpoint (resumeExperiment), one with no
 * checkpoint starts again (resumeExperiment too: from scratch, with its recorded config), a missing
 * one starts; nothing is trained twice. A folder whose run lock a live process holds (training,
 * resuming or evaluating it) is left to that process with a message, untouched; the result lists it
 * in `leftToOthers` (`npm run study` then exits 75: run it again once they end). A folder started by hand
 * (`npm run experiment -- fer-happy --preset paper --out <out>/fer-happy`) is adopted as is.
 *
 * Every folder is checked before anything trains (a folder of another experiment or preset stops
 * the campaign before it starts). A run that stops (Ctrl-C, --max-steps) stops the campaign; a run
 * that fails stops it with the run's name. At the end: compare's table of all the campaign's runs
 * present in `<out>` (table.md/.csv/.html, expressions.md when FER runs have hit-rates).
 *
 * Shards (`shard`): this process takes runs i, i+n, ... of the list (after `only`), so n machines
 * given the same `<out>` split the campaign disjointly (lib/runs/shard.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { CampaignSpec } from '../runs/campaign-spec';
import { ExperimentSpec, PresetName, resolveSettings } from '../runs/experiment';
import { resolveDataPath } from '../runs/dataset';
import { inspectRunFolder, RunFolderState } from '../runs/run-state';
import { runExperiment, resumeExperiment, RunResult } from './run-experiment';
import { Shard, shardItems } from '../runs/shard';
import { estimateImages, speedKey } from '../runs/estimate';
import { CampaignProgress, CampaignItem } from '../runs/campaign-progress';
import { BackendInfo } from '../backend';
import { LockedError } from '../io/lock';
import { writeFileAtomic } from '../io/files';
import type { RunStatus } from '../train/trainer';

export interface CampaignRequest {
  campaign: CampaignSpec;
  getSpec: (name: string) => ExperimentSpec;
  preset: PresetName;
  outDir: string;
  /** Dataset folders by kind (else $FACEGAN_CELEBA / $FACEGAN_FER2013, else the bundled sample). */
  data: { celeba?: string; fer2013?: string };
  /** Only these experiments of the campaign (in campaign order). */
  only?: string[];
  shard?: Shard | null;
  backend: BackendInfo;
  /** Images per set for metrics.json after each run (default: the campaign's evalN for the preset); false: no metrics. */
  evalN?: number | false;
  /** Stop each run after this many iterations in total (checkpointed); the campaign stops there. */
  maxSteps?: number;
  /** The run's own progress bar (default true). */
  progress?: boolean;
  /** Compare's charts besides the tables (default true). */
  charts?: boolean;
  log?: (line: string) => void;
  /** Where the campaign line goes (default stderr). */
  stream?: NodeJS.WriteStream;
  /** Only say what would be done with each run folder; write nothing. */
  dryRun?: boolean;
  /**
   * Stops the campaign: a run in training finishes its step, checkpoints and ends interrupted, and
   * the campaign stops after it; outside training (loading data, metrics) it stops before the next run.
   */
  signal?: AbortSignal;
}

export type CampaignStatus = 'completed' | 'stopped' | 'interrupted';

export interface CampaignRunRecord {
  experiment: string;
  runDir: string;
  /** What the campaign found: new, completed (skipped), resume, restart, busy (left to another process). */
  found: RunFolderState['kind'];
  status: RunStatus | 'skipped';
}

export interface CampaignResult {
  status: CampaignStatus;
  /** This process's runs (after --only and the shard), in order; the ones it did not reach are absent. */
  planned: string[];
  runs: CampaignRunRecord[];
  /** Runs skipped because another live process holds their folder's lock (run the campaign again once it ends). */
  leftToOthers: string[];
  /** Runs skipped because a file of theirs cannot be read (garbled config.json, no intact checkpoint), with the reason. */
  damaged: { experiment: string; runDir: string; reason: string }[];
  /** table.md etc. in outDir, when any run of the campaign exists there. */
  tables: { md: string; csv: string; html: string; expressions?: string } | null;
}

/** The experiments this process runs: the campaign's list, filtered by `only`, then its shard. */
export function campaignRuns(campaign: CampaignSpec, only?: string[], shard?: Shard | null): string[] {
  let names = [...campaign.runs];
  if (only && only.length) {
    const unknown = only.filter((n) => !campaign.runs.includes(n));
    if (unknown.length) throw new Error(`--only: ${unknown.join(', ')} not in the ${campaign.name} campaign (its runs: ${campaign.runs.join(', ')})`);
    names = names.filter((n) => only.includes(n));
  }
  return shardItems(names, shard ?? null);
}

function dataFlag(req: CampaignRequest, spec: ExperimentSpec): string | undefined {
  return spec.dataset.kind === 'celeba' ? req.data.celeba : req.data.fer2013;
}

export async function runCampaign(req: CampaignRequest): Promise<CampaignResult> {
  const log = req.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const { campaign, preset } = req;
  const outDir = path.resolve(req.outDir);
  const names = campaignRuns(campaign, req.only, req.shard);
  const shardNote = req.shard ? ` (shard ${req.shard.index}/${req.shard.count} from ${req.shard.source})` : '';
  const result: CampaignResult = { status: 'completed', planned: names, runs: [], leftToOthers: [], damaged: [], tables: null };
  if (names.length === 0) {
    log(`${campaign.name}${shardNote}: no runs for this shard (the campaign has ${campaign.runs.length}); nothing to do`);
    return result;
  }

  // Check every folder first: a folder of another experiment or preset stops the campaign before anything trains.
  const plan = names.map((name) => {
    const spec = req.getSpec(name);
    if (spec.sequence) throw new Error(`campaign ${campaign.name}: ${name} is a sequence; list its members instead`);
    const settings = resolveSettings(spec, preset);
    const runDir = path.join(outDir, name);
    const state = inspectRunFolder(runDir, name, preset, settings);
    const data = resolveDataPath(spec.dataset, dataFlag(req, spec));
    return { name, spec, settings, runDir, state, data };
  });
  const evalN = req.evalN === false ? null : (req.evalN ?? campaign.evalN[preset] ?? campaign.evalN.default);

  const items: CampaignItem[] = plan.map((p) => {
    const done = p.state.kind === 'completed';
    const n = p.state.kind === 'new' ? estimateImages(p.spec.dataset, p.data.path, p.settings.limit) : p.state.kind !== 'busy' && p.state.kind !== 'damaged' ? p.state.config.data.images : null;
    const step = p.state.kind === 'resume' ? p.state.step : 0;
    const remaining = done || p.state.kind === 'busy' || p.state.kind === 'damaged' ? 0 : n === null ? null : Math.max(0, n * p.settings.epochs - step * p.settings.batchSize);
    return { name: p.name, key: speedKey(p.spec.model), pixels: p.spec.model.size ** 2 * p.spec.model.channels, remaining, done };
  });
  if (req.dryRun) {
    log(`${campaign.name}: preset ${preset}, ${names.length} run(s) in ${outDir}${shardNote} (dry run: nothing is written)`);
    for (const p of plan) log(`  ${p.name.padEnd(14)} ${describeState(p.state, p.settings.epochs)}`);
    result.status = 'stopped';
    result.runs = plan.map((p) => ({ experiment: p.name, runDir: p.runDir, found: p.state.kind, status: 'skipped' as const }));
    return result;
  }
  const progress = new CampaignProgress(`${campaign.name} ${preset}${shardNote}`, items, req.stream ?? process.stderr, req.progress !== false);
  for (const p of plan) {
    if (p.state.kind === 'completed') progress.measured(speedKey(p.spec.model), p.state.summary.imagesPerSecond);
  }
  log(`${campaign.name}: preset ${preset}, ${names.length} run(s) into ${outDir}${shardNote}: ${names.join(', ')}`);

  // A stop (Ctrl-C): during training the trainer finishes its step, checkpoints and ends the run
  // interrupted, and the campaign stops after it; outside training (loading data, metrics) the
  // campaign stops before the next run, and a run that is loading its data stops at its first step.
  const signal = req.signal;
  const onAbort = () => log('\nInterrupted: the campaign stops at the next safe point (Ctrl-C again to abort)');
  signal?.addEventListener('abort', onAbort, { once: true });
  const leaveToOther = (name: string, runDir: string, by: string) => {
    log(`${name}: ${runDir} is in use by ${by}; leaving it to that process, untouched (run the campaign again once it ends)`);
    result.leftToOthers.push(name);
  };
  try {
    for (let i = 0; i < plan.length; i++) {
      const p = plan[i];
      if (signal?.aborted) {
        result.status = 'interrupted';
        break;
      }
      const record: CampaignRunRecord = { experiment: p.name, runDir: p.runDir, found: p.state.kind, status: 'skipped' };
      if (p.state.kind === 'completed') {
        log(`${p.name}: already completed (${p.state.summary.epochsCompleted} epochs) in ${p.runDir}, skipping`);
        result.runs.push(record);
        if (evalN !== null && !p.state.metrics) await evaluate(p.runDir, evalN, log);
        continue;
      }
      if (p.state.kind === 'busy') {
        leaveToOther(p.name, p.runDir, p.state.by);
        result.runs.push(record);
        continue;
      }
      if (p.state.kind === 'damaged') {
        log(`${p.name}: skipping damaged run ${p.runDir}: ${p.state.reason} (repair or move that folder, then run the campaign again)`);
        result.damaged.push({ experiment: p.name, runDir: p.runDir, reason: p.state.reason });
        result.runs.push(record);
        continue;
      }
      if (p.state.kind === 'diverged') {
        throw new Error(
          `run ${p.name} diverged earlier (${p.runDir}/summary.json: ${p.state.message}); the campaign stops here. ` +
            `Delete that folder to train it again from scratch, or leave it out with --only`,
        );
      }
      if (p.state.kind === 'resume' && p.state.config.data.path !== p.data.path && p.data.source !== 'sample') {
        log(`note: ${p.name} was started on ${p.state.config.data.path}; it continues on that data, not ${p.data.path}`);
      }
      progress.startRun(i, items[i].remaining);
      const onLog = (rows: unknown[]) => progress.trained(rows.length * p.settings.batchSize);
      let r: RunResult;
      try {
        if (p.state.kind === 'resume' || p.state.kind === 'restart') {
          if (p.state.kind === 'resume') {
            log(`${p.name}: resuming ${p.runDir} from step ${p.state.step} (status was ${p.state.status})${p.state.status === 'running' ? RUNNING_NOTE : ''}`);
          } else {
            log(`${p.name}: ${p.runDir} ${p.state.reason}; starting it again from scratch with its recorded config.json`);
          }
          // the recorded dataset; the campaign's only where that one is gone (resume checks it gives the same images)
          const dataPath = fs.existsSync(p.state.config.data.path) ? undefined : p.data.path;
          r = await resumeExperiment(p.runDir, { backend: req.backend, dataPath, maxSteps: req.maxSteps, progress: req.progress, log, onLog, signal });
        } else {
          r = await runExperiment({
            spec: p.spec, preset, dataPath: dataFlag(req, p.spec), outDir: p.runDir,
            backend: req.backend, maxSteps: req.maxSteps, progress: req.progress, log, onLog, signal,
          });
        }
      } catch (e) {
        progress.endRun(false);
        if (e instanceof LockedError) {
          // another process took the folder after the check above: it touched nothing here
          leaveToOther(p.name, p.runDir, e.holder ? `pid ${e.holder.pid} on ${e.holder.host} (${e.holder.command})` : 'another process');
          record.found = 'busy';
          result.runs.push(record);
          continue;
        }
        throw new Error(`run ${p.name} failed (${p.runDir}): ${(e as Error).message}`);
      }
      const s = r.summary;
      record.status = s.status;
      result.runs.push(record);
      if (s.status === 'completed') progress.measured(items[i].key, s.imagesPerSecond);
      progress.endRun(s.status === 'completed');
      log(`${p.name}: ${s.status}: ${s.steps} iterations, ${s.epochsCompleted} epochs, ${s.imagesPerSecond.toFixed(1)} images/s`);
      if (s.status === 'completed') {
        if (evalN !== null) await evaluate(p.runDir, evalN, log);
        continue;
      }
      result.status = s.status === 'interrupted' ? 'interrupted' : 'stopped';
      log(`${campaign.name}: ${p.name} ${s.status}; the campaign stops here (run the same command again to continue)`);
      break;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (signal?.aborted && result.status === 'completed' && result.runs.length < names.length) result.status = 'interrupted';
  result.tables = await campaignTables(campaign, outDir, preset, req.charts !== false, log);
  return result;
}

/** summary.json "running" with no recent write: the process that trained it was killed. */
const RUNNING_NOTE = ' (summary.json says running, but nothing was written for minutes: its process was killed)';

/** What the campaign will do with a run folder, in words (for --dry-run). */
function describeState(s: RunFolderState, epochs: number): string {
  switch (s.kind) {
    case 'new':
      return 'not started: will train from scratch';
    case 'completed':
      return `completed (${s.summary.epochsCompleted}/${epochs} epochs): skip${s.metrics ? '' : ', compute its missing metrics.json'}`;
    case 'resume':
      return `${s.status} at step ${s.step}: will resume from its latest checkpoint${s.status === 'running' ? RUNNING_NOTE : ''}`;
    case 'restart':
      return `${s.reason}: will start it again from scratch`;
    case 'diverged':
      return `diverged: the campaign will stop here (${s.message})`;
    case 'busy':
      return `in use by ${s.by}: will leave it to that process`;
    case 'damaged':
      return `damaged (${s.reason}): will be skipped`;
  }
}

/** metrics.json for a completed run; a failure is a warning (the run stays completed; `npm run evaluate` later). */
async function evaluate(runDir: string, n: number, log: (l: string) => void): Promise<void> {
  try {
    const { evaluateRun } = await import('../eval/evaluate-run');
    const r = await evaluateRun(runDir, { n, log });
    log(`metrics: ${r.file}`);
  } catch (e) {
    log(`warning: metrics not computed (${(e as Error).message}); run npm run evaluate -- ${runDir}`);
  }
}

/**
 * Compare's tables over every run of the campaign present in outDir (also those other shards
 * wrote), written into outDir. Each file is replaced atomically, so shards finishing together
 * leave one complete table (the last writer's).
 */
export async function campaignTables(
  campaign: CampaignSpec, outDir: string, preset: string, charts: boolean, log: (l: string) => void,
): Promise<CampaignResult['tables']> {
  const dirs = campaign.runs.map((n) => path.join(outDir, n)).filter((d) => fs.existsSync(path.join(d, 'config.json')));
  if (dirs.length === 0) return null;
  const { compareRuns } = await import('../eval/compare');
  const r = await compareRuns(dirs, outDir, { title: `${campaign.name} campaign, preset ${preset}`, charts });
  if (r.skipped.length) {
    // the table says which runs it lacks and why, not only the log
    const lines = r.skipped.map((k) => `| ${path.basename(k.dir)} | damaged, not in the table: ${k.reason.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
    const md = fs.readFileSync(r.tables.md, 'utf8').replace(/\n*$/, '\n');
    writeFileAtomic(r.tables.md, `${md}\n| damaged run | why |\n|---|---|\n${lines.join('\n')}\n`);
    for (const k of r.skipped) log(`table: ${path.basename(k.dir)} is damaged, left out: ${k.reason}`);
  }
  log(`table of ${dirs.length - r.skipped.length} run(s)${r.skipped.length ? ` (${r.skipped.length} damaged, left out)` : ''}: ${r.tables.md}${r.expressions ? `, ${r.expressions.md}` : ''}`);
  return { ...r.tables, ...(r.expressions ? { expressions: r.expressions.md } : {}) };
}
