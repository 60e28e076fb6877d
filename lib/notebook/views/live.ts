/**
 * Training from a notebook with live feedback: a status line, the loss plot redrawn during
 * training and the latest fixed-noise grid, each an updatable display (in JupyterLab they change
 * while the cell runs; the saved notebook keeps the final state). The run itself is
 * lib/orchestrate/run-experiment's: the notebook holds no training logic.
 */
import * as fs from 'fs';
import * as path from 'path';
import { PRESETS, PresetName, resolveSettings, type Overrides, type ExperimentSpec } from '../../runs/experiment';
import { runExperiment, runSequence, DEFAULT_SEED, type RunResult } from '../../orchestrate/run-experiment';
import { newRunDir } from '../../runs/run-dir';
import { initBackend } from '../../backend';
import { lossChartSpec } from '../../viz/charts';
import type { LossRow } from '../../viz/losses-csv';
import type { TrainSummary } from '../../train/trainer';
import { LiveDisplay } from './show';
import { glue, RUN_DIR_SCRAP } from '../runner/scrap';

/** What a training notebook passes (its parameters cell, mostly). */
export interface NotebookTrainParams {
  /** An experiment of experiments/: celeba, celeba-gray, fer-<emotion>, fer-all, fer-pooled. */
  experiment: string;
  /** paper | quick | smoke | sample. */
  preset: string;
  /** Dataset folder; null: $FACEGAN_FER2013 / $FACEGAN_CELEBA, else the bundled sample. */
  dataDir?: string | null;
  /** Override the preset's epochs / image limit / batch size (null: the preset's). */
  epochs?: number | null;
  limit?: number | null;
  batchSize?: number | null;
  seed?: number | null;
  /** node-gpu | node | wasm | cpu; null: the fastest that loads. */
  backend?: string | null;
  /** Run directory (a sequence: its parent folder); null: results/<experiment>/<time>-<preset>. */
  outDir?: string | null;
  /** Redraw the live loss plot at most this often, in ms (default 3000; it is also drawn every epoch and at the end). */
  liveEveryMs?: number;
  /** Record run_dir and the summary as notebook scraps (default true). */
  record?: boolean;
}

export interface NotebookTrainResult {
  /** The run directory (for a sequence such as fer-all: the folder holding one run per member). */
  runDir: string;
  /** One per trained model. */
  runs: RunResult[];
}

function checkParams(p: NotebookTrainParams): { preset: PresetName; overrides: Overrides } {
  if (!PRESETS.includes(p.preset as PresetName)) {
    throw new Error(`parameter preset: expected one of ${PRESETS.join(', ')}, got ${JSON.stringify(p.preset)}`);
  }
  const overrides: Overrides = {};
  for (const k of ['epochs', 'limit', 'batchSize'] as const) {
    const v = p[k];
    if (v === null || v === undefined) continue;
    if (!Number.isInteger(v) || v < 1) throw new Error(`parameter ${k}: expected a positive integer or null, got ${JSON.stringify(v)}`);
    overrides[k] = v;
  }
  if (p.seed !== null && p.seed !== undefined && (!Number.isInteger(p.seed) || p.seed < 0)) {
    throw new Error(`parameter seed: expected an integer >= 0, got ${JSON.stringify(p.seed)}`);
  }
  return { preset: p.preset as PresetName, overrides };
}

/** The live displays of one training run. */
export class LiveTraining {
  readonly status = new LiveDisplay();
  readonly chart = new LiveDisplay();
  readonly grid = new LiveDisplay();
  private rows: LossRow[] = [];
  private lastDraw = 0;
  private drawCost = 0;
  private started = Date.now();

  constructor(private readonly name: string, private readonly epochs: number, private readonly everyMs = 3000) {
    this.status.markdown(`**${name}**: loading data ...`);
  }

  private async draw(): Promise<void> {
    if (this.rows.length === 0) return;
    const t0 = Date.now();
    const spec = lossChartSpec(this.rows, {
      title: `Loss during training (${this.name})`,
      smooth: this.rows.length >= 200 ? 0.9 : 0,
      width: 560,
      height: 260,
    });
    await this.chart.chart(spec, { alt: `loss plot of ${this.name} after ${this.rows.length} iterations` });
    this.lastDraw = Date.now();
    this.drawCost = this.lastDraw - t0;
  }

  private statusLine(final?: TrainSummary): string {
    const last = this.rows[this.rows.length - 1];
    const secs = (Date.now() - this.started) / 1000;
    const parts = [`**${this.name}**`];
    if (final) parts.push(`${final.status}: ${final.steps.toLocaleString('en-US')} iterations, ${final.epochsCompleted}/${this.epochs} epochs, ${final.imagesPerSecond.toFixed(1)} images/s`);
    else if (last) parts.push(`epoch ${last.epoch + 1}/${this.epochs}, iteration ${(last.iter + 1).toLocaleString('en-US')}`);
    if (last) parts.push(`loss_D ${last.loss_d.toFixed(3)}, loss_G ${last.loss_g.toFixed(3)}, D(x) ${last.d_x.toFixed(2)}`);
    parts.push(`${secs.toFixed(0)} s`);
    return parts.join(' · ');
  }

  /** New loss rows (the trainer's onLog): the status always, the plot when due. */
  async onLog(rows: LossRow[]): Promise<void> {
    this.rows.push(...rows);
    this.status.markdown(this.statusLine());
    // redraw at most every `everyMs`, and never spend more than ~10% of the time drawing
    if (this.lastDraw === 0 || Date.now() - this.lastDraw >= Math.max(this.everyMs, 10 * this.drawCost)) await this.draw();
  }

  /** An epoch ended (the trainer's onEpoch): show its grid and redraw the plot. */
  async onEpoch(info: { epoch: number; gridFile: string }): Promise<void> {
    this.grid.png(fs.readFileSync(info.gridFile), { alt: `fixed-noise samples after epoch ${info.epoch} of ${this.name}` });
    await this.draw();
  }

  /** Training ended: final plot, final status. */
  async finish(summary: TrainSummary): Promise<void> {
    await this.draw();
    this.status.markdown(this.statusLine(summary));
  }
}

/**
 * Trains `experiment` at `preset` with live displays and records the run (scraps run_dir,
 * experiment, preset, status, steps, images_per_s, loss_d, loss_g). A sequence experiment
 * (fer-all) trains its members one after another into one folder, each with its own displays.
 * `getExperiment` looks an experiment up by name (the application passes experiments/' lookup:
 * notebooks/api/api.ts binds it, so notebooks call `train(params)`). `signal` stops the run in
 * training after its step, with a checkpoint (and the members of a sequence after it at their start).
 */
export async function train(p: NotebookTrainParams, getExperiment: (name: string) => ExperimentSpec, signal?: AbortSignal): Promise<NotebookTrainResult> {
  const spec = getExperiment(p.experiment);
  const { preset, overrides } = checkParams(p);
  const backend = await initBackend({ backend: p.backend ?? undefined, quiet: true });
  const common = {
    preset,
    overrides,
    seed: p.seed ?? DEFAULT_SEED,
    dataPath: p.dataDir ?? undefined,
    backend,
    // the same finishRun as the CLI: FD/KID/SWD after a completed run (smoke runs: hit-rates only, to stay quick)
    evaluate: preset === 'smoke' ? ('hit-rate' as const) : { n: 1000 },
    progress: false,
    // the notebook API maps the kernel's interrupt (SIGINT) to this: the run checkpoints and stops
    signal,
    log: (line: string) => console.log(line.trim()),
  };
  const live = (name: string, epochs: number) => {
    const l = new LiveTraining(name, epochs, p.liveEveryMs);
    return { l, hooks: { onLog: (rows: LossRow[]) => l.onLog(rows), onEpoch: (i: { epoch: number; gridFile: string }) => l.onEpoch(i) } };
  };
  let result: NotebookTrainResult;
  if (spec.sequence) {
    const parentDir = p.outDir ? path.resolve(p.outDir) : newRunDir(spec.name, preset);
    if (p.record !== false) glue(RUN_DIR_SCRAP, parentDir);
    const runs: RunResult[] = [];
    for (const member of spec.sequence) {
      const memberSpec = getExperiment(member);
      const { l, hooks } = live(member, resolveSettings(memberSpec, preset, overrides).epochs);
      // a one-member sequence keeps runSequence's index (sequence.json) and resume rules
      const r = await runSequence({ ...spec, sequence: [member] }, getExperiment, { ...common, ...hooks, parentDir });
      await l.finish(r.runs[0].summary);
      runs.push(r.runs[0]);
    }
    result = { runDir: parentDir, runs };
  } else {
    const outDir = p.outDir ? path.resolve(p.outDir) : newRunDir(spec.name, preset);
    if (p.record !== false) glue(RUN_DIR_SCRAP, outDir);
    const { l, hooks } = live(spec.name, resolveSettings(spec, preset, overrides).epochs);
    const r = await runExperiment({ ...common, ...hooks, spec, outDir });
    await l.finish(r.summary);
    result = { runDir: r.runDir, runs: [r] };
  }
  if (p.record !== false) recordRuns(spec.name, preset, result);
  return result;
}

/** Records a training result as scraps (for the runner and 04-compare-results). */
export function recordRuns(experiment: string, preset: string, r: NotebookTrainResult): void {
  glue('experiment', experiment);
  glue('preset', preset);
  glue(
    'runs',
    r.runs.map((x) => ({
      run_dir: x.runDir,
      status: x.summary.status,
      steps: x.summary.steps,
      epochs: x.summary.epochsCompleted,
      images_per_s: x.summary.imagesPerSecond,
      loss_d: x.summary.final?.loss_d ?? null,
      loss_g: x.summary.final?.loss_g ?? null,
    })),
  );
}
