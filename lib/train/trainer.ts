/**
 * The GAN training of the study (PyTorch DCGAN tutorial): its step, its log row and its fixed-noise
 * sample grids (every epoch and at the end). The rest of what a run records (losses.csv, checkpoints
 * every epoch and every `checkpointEvery` iterations, exact resume, TensorBoard, summary.json, the
 * loss plot, stopping through an AbortSignal) is the training session's (lib/train/session.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { Rng, RngState } from '../rng';
import { ImageSet } from '../data/types';
import { BatchStream } from '../data/batches';
import { DcganSpec } from '../models/spec';
import { buildGenerator, buildDiscriminator } from '../models/dcgan';
import { AdamConfig, DCGAN_ADAM } from './adam';
import { trainStep, readSteps, StepTensors } from './step';
import { GanPair, makeGanPair } from './gan-pair';
import { extendedStep, StepExtensions } from './extensions/extended-step';
import { Kernels, DEFAULT_KERNELS, useKernels } from '../kernels/kernels';
import { DiffAugmentOptions, makeAugmenter } from './augment';
import { ConditionalSpec, isConditional, checkConditionalSpec } from '../models/conditional-spec';
import { buildConditionalGenerator, buildConditionalDiscriminator, oneHotLabels } from '../models/conditional';
import { generateSameFaceFixed, sameFaceGridPng, sameFacePlainGridPng } from '../sample/conditional';
import { TrainingSession, pairCheckpoints, ProgressReporter } from './session';
import { lossLog, LossRow } from './csv-log';
import { finalLosses } from './final-losses';
import { FixedNoise, makeFixedNoise, fixedNoiseTensor, noiseTensor } from '../sample/noise';
import { generateImages } from '../sample/generate';
import { ProgressBar } from '../io/progress';
import { gridPng } from '../viz/grid';
import { updateLossPlot } from '../viz/losses-csv';
import { writeFileAtomic, writeJsonAtomic, readJson } from '../io/files';
import { RunStatus, RunSummaryCore } from './run-summary';
import { RunTensorBoard } from './tb-run';

export interface TrainOptions {
  runDir: string;
  data: ImageSet;
  /** A ConditionalSpec (with `classes`) trains the class-conditional DCGAN on the data's labels. */
  model: DcganSpec | ConditionalSpec;
  epochs: number;
  batchSize: number;
  seed: number;
  adam?: AdamConfig;
  /** Also checkpoint every N iterations (0: only at the end of each epoch). */
  checkpointEvery?: number;
  /** Read losses back from the device every N iterations (and at epoch ends). */
  logEvery?: number;
  /** Continue from the run directory's latest checkpoint. */
  resume?: boolean;
  /** Stop (with a checkpoint) after this many iterations in total, e.g. to split a run. */
  maxSteps?: number;
  /** Use the plain step (G forward twice) instead of the lean one. Same trainable weights. */
  plainStep?: boolean;
  /** Layer kernels: 'fused' (default; lib/kernels/fused-layers.ts) or 'stock' (tfjs-layers as shipped). */
  kernels?: Kernels;
  /** Small-data remedy: DiffAugment of every batch D sees (null/absent: none). */
  augment?: DiffAugmentOptions | null;
  /** Small-data remedy: one-sided label smoothing, the target of real images in D's loss (default 1). */
  realLabel?: number;
  /** Show a progress bar on stderr (default true), or report progress to this. */
  progress?: boolean | ProgressReporter;
  /** Stops the run after the step in progress, with a checkpoint (summary.json: interrupted, and the signal its reason names). */
  signal?: AbortSignal;
  /** Called after each log flush with the new rows (notebooks refresh a live plot with it). */
  onLog?: (rows: LossRow[]) => void | Promise<void>;
  /** Called after each epoch with the grid that was written (and, for conditional runs, the labelled same-face grid). */
  onEpoch?: (info: { epoch: number; gridFile: string; rows: number; sameFaceFile?: string }) => void | Promise<void>;
  /** Write TensorBoard event files into `<runDir>/tb/` (lib/train/tb-run.ts; default true). */
  tensorboard?: boolean;
  /** What the run trains under (lib/runs/trained-under.ts), stored in every checkpoint's state.json. */
  trainedUnder?: Record<string, unknown>;
}

/**
 * How a run (session) ended: completed; stopped at --max-steps as asked; interrupted by Ctrl-C,
 * SIGTERM or SIGHUP (`signal`); diverged (a non-finite loss); failed (any other error, `message`
 * says why, e.g. a write error naming the file). `running` only while a process trains it.
 */
export type { RunStatus };

/** summary.json of a GAN run (lib/train/run-summary.ts): the common fields, final from losses.csv (lib/train/final-losses.ts). */
export type TrainSummary = RunSummaryCore<{ loss_d: number; loss_g: number; d_x: number; d_g_z1: number; d_g_z2: number }>;

/** Thrown when a loss becomes NaN/Inf; the run's last good checkpoint is left intact. */
export { DivergedError } from './session';

export async function train(opts: TrainOptions): Promise<TrainSummary> {
  const { runDir, data, model, epochs, batchSize, seed } = opts;
  const logEvery = Math.max(1, opts.logEvery ?? 10);
  if (data.height !== model.size || data.width !== model.size || data.channels !== model.channels) {
    throw new Error(
      `data "${data.name}" is ${data.height}x${data.width}x${data.channels}, the model expects ` +
        `${model.size}x${model.size}x${model.channels}`,
    );
  }
  const cond = isConditional(model) ? checkConditionalSpec(model) : null;
  if (cond) checkLabels(data, cond);
  const realLabel = opts.realLabel ?? 1;
  if (!(realLabel > 0 && realLabel <= 1)) throw new Error(`realLabel (one-sided label smoothing) must be in (0, 1], got ${realLabel}`);
  fs.mkdirSync(path.join(runDir, 'samples'), { recursive: true });

  const G = cond ? buildConditionalGenerator(cond, seed * 2 + 1) : buildGenerator(model, seed * 2 + 1);
  const D = cond ? buildConditionalDiscriminator(cond, seed * 2 + 2) : buildDiscriminator(model, seed * 2 + 2);
  useKernels(opts.kernels ?? DEFAULT_KERNELS, [G, D]);
  const pair: GanPair = makeGanPair(G, D, opts.adam ?? DCGAN_ADAM);
  try {
    const batches = new BatchStream(data, { batchSize, seed });
    const perEpoch = batches.batchesPerEpoch;
    const totalSteps = Math.min(epochs * perEpoch, opts.maxSteps ?? Infinity);
    const session: TrainingSession<LossRow> = new TrainingSession<LossRow>({
      runDir, checkpoints: pairCheckpoints(runDir, pair), plannedSteps: epochs * perEpoch, totalSteps, perEpoch, batchSize, logEvery,
      checkpointEvery: opts.checkpointEvery ?? 0, log: lossLog(path.join(runDir, 'losses.csv')), tensorboard: opts.tensorboard,
      summary: { final: () => finalLosses(path.join(runDir, 'losses.csv'), session.state.step, logEvery) },
      signal: opts.signal, onLog: async (rows) => {
        epochRows += rows.length;
        if (opts.onLog) await opts.onLog(rows);
      },
      progress: progressOf(opts.progress, totalSteps, path.basename(runDir)),
    }, { rng: new Rng(seed).getState(), batches: batches.getState(), ...(opts.trainedUnder ? { trainedUnder: opts.trainedUnder } : {}) });
    const state = opts.resume ? session.resume() : null;
    if (opts.resume && !state) throw new Error(`cannot resume ${runDir}: it has no checkpoint (checkpoints/latest.json)`);
    if (state && opts.trainedUnder) state.trainedUnder = opts.trainedUnder;
    let rng = new Rng(seed);
    const noiseFile = path.join(runDir, 'noise.json');
    let fixed: FixedNoise;
    if (state) {
      rng = Rng.fromState(state.rng as RngState);
      batches.setState(state.batches as ReturnType<BatchStream['getState']>);
      fixed = readJson<FixedNoise>(noiseFile, 'fixed noise');
    } else {
      fixed = makeFixedNoise(seed, model.nz);
      writeJsonAtomic(noiseFile, fixed);
    }
    const baseStepOptions: StepExtensions = {
      ...(opts.augment ? { augment: makeAugmenter(() => rng, opts.augment) } : {}),
      ...(realLabel !== 1 ? { realLabel } : {}),
      ...(cond && cond.aux > 0 ? { auxWeight: cond.aux } : {}),
      ...(cond && cond.modeSeeking ? { modeSeeking: cond.modeSeeking } : {}),
    };
    let epochRows = 0;
    let tb: RunTensorBoard | null = null;

    const renderGrid = async (file: string): Promise<string | undefined> => {
      if (cond) {
        // Same-face grid: one row per fixed noise vector, one column per class; the plain grid keeps
        // the file layout of the other runs, the labelled one is the picture to look at.
        const imgs = await generateSameFaceFixed(G, cond, fixed);
        writeFileAtomic(file, sameFacePlainGridPng(imgs, cond));
        const labelled = path.join(path.dirname(file), `same-face-${path.basename(file)}`);
        const stem = path.basename(file, '.png');
        writeFileAtomic(labelled, sameFaceGridPng(imgs, cond, stem === 'final' ? 'final' : stem.replace('epoch-', 'epoch ').replace(/ 0+/, ' ')));
        return labelled;
      }
      const z = fixedNoiseTensor(fixed);
      const imgs = await generateImages(G, z, fixed.n);
      z.dispose();
      writeFileAtomic(file, gridPng(imgs, { nrow: 8 }));
    };
    let epochGrid: { gridFile: string; sameFaceFile?: string } | null = null;

    const end = await session.run<StepTensors, Awaited<ReturnType<typeof readSteps>>[number], TrainSummary>({
      // the study's step (lib/train/step.ts): D on real and fake, then G
      step: () => {
        const b = batches.next();
        const real = tf.tensor4d(b.data, b.shape);
        const z = noiseTensor(rng, b.shape[0], model.nz);
        const labels = cond ? conditionLabels(cond, b.labels!, rng) : undefined;
        const extensions: StepExtensions = !labels
          ? baseStepOptions
          : { ...baseStepOptions, labels, ...(labels.other ? { sameFace: { weight: cond!.sameFace!, labels: labels.other } } : {}) };
        const t = trainStep(pair, real, z, { parts: extendedStep(extensions), gForward: opts.plainStep ? 'twice' : 'once' });
        tf.dispose([real, z]);
        if (labels) tf.dispose([labels.real, labels.fake, ...(labels.other ? [labels.other] : [])]);
        return { t, images: b.shape[0] };
      },
      read: readSteps,
      dispose: (ts) => tf.dispose(ts.map((t) => Object.values(t)).flat()),
      row: (v, at) => ({ epoch: at.epoch, iter: at.iter, loss_d: v.lossD, loss_g: v.lossG, d_x: v.dX, d_g_z1: v.dGz1, d_g_z2: v.dGz2, seconds: at.seconds }),
      divergence: (r) => ([r.loss_d, r.loss_g, r.d_x, r.d_g_z1, r.d_g_z2].every(Number.isFinite) ? null
        : `${r.loss_d} / ${r.loss_g} (loss_D / loss_G) at iteration ${r.iter} (epoch ${r.epoch + 1})`),
      progressInfo: (r) => `epoch ${r.epoch + 1}/${epochs} loss_D ${r.loss_d.toFixed(3)} loss_G ${r.loss_g.toFixed(3)} D(x) ${r.d_x.toFixed(2)}`,
      tensorboard: (w, rows) => (tb ??= new RunTensorBoard(w, batchSize)).losses(rows),
      snapshot: () => ({ rng: rng.getState(), batches: batches.getState() }),
      // every epoch: the fixed-noise grid (before its checkpoint), then the loss plot and onEpoch
      afterStep: async ({ epochDone }) => {
        if (!epochDone) return;
        const gridFile = path.join(runDir, 'samples', `epoch-${String(session.state.epoch).padStart(3, '0')}.png`);
        const sameFaceFile = await renderGrid(gridFile);
        if (session.tb) (tb ??= new RunTensorBoard(session.tb, batchSize)).grid(session.state.step - 1, gridFile, sameFaceFile);
        epochGrid = { gridFile, ...(sameFaceFile ? { sameFaceFile } : {}) };
      },
      afterCheckpoint: async ({ epochDone }) => {
        if (!epochDone || !epochGrid) return;
        await updateLossPlot(runDir);
        if (opts.onEpoch) await opts.onEpoch({ epoch: session.state.epoch, ...epochGrid, rows: epochRows });
        epochRows = 0;
        epochGrid = null;
      },
      finish: async () => void (await renderGrid(path.join(runDir, 'samples', 'final.png'))),
    });
    return end.summary!;
  } finally {
    G.dispose();
    D.dispose();
    pair.optG.dispose();
    pair.optD.dispose();
  }
}

/** A progress bar on stderr from the session's first step (true, the default), none (false), or the caller's. */
export function progressOf(p: boolean | ProgressReporter | undefined, total: number, label: string): ((startStep: number) => ProgressReporter) | null {
  if (p === false) return null;
  if (p === undefined || p === true) return (startStep) => new ProgressBar(total, label, process.stderr, startStep);
  return () => p;
}

/** A conditional run needs a label in 0..classes-1 for every training image. */
function checkLabels(data: ImageSet, spec: ConditionalSpec): void {
  if (!data.labels || data.labels.length !== data.n) {
    throw new Error(`data "${data.name}" has no labels: a conditional model (${spec.classes} classes) needs one label per image`);
  }
  const bad = data.labels.findIndex((l) => !(l >= 0 && l < spec.classes));
  if (bad >= 0) {
    throw new Error(`data "${data.name}": image ${bad} (${data.sources?.[bad] ?? 'no source'}) has label ${data.labels[bad]}, expected 0..${spec.classes - 1}`);
  }
}

/**
 * One-hot labels of the real batch and of the fakes G is asked for ('data': the same labels;
 * 'uniform': drawn from rng). With mode seeking, fake i + b/2 repeats the label of fake i.
 */
function conditionLabels(spec: ConditionalSpec, real: Int32Array, rng: Rng): { real: tf.Tensor2D; fake: tf.Tensor2D; other?: tf.Tensor2D } {
  const fake = spec.fakeLabels === 'uniform' ? Int32Array.from(real, () => rng.int(spec.classes)) : Int32Array.from(real);
  if (spec.modeSeeking) {
    const h = Math.floor(fake.length / 2);
    for (let i = 0; i < h; i++) fake[i + h] = fake[i];
  }
  const out = { real: oneHotLabels(real, spec.classes), fake: oneHotLabels(fake, spec.classes) };
  if (!spec.sameFace) return out;
  // same-face term: the first quarter of the fakes again, each under a different expression
  const n = Math.max(1, Math.floor(fake.length / 4));
  const other = Int32Array.from({ length: n }, (_, i) => (fake[i] + 1 + rng.int(spec.classes - 1)) % spec.classes);
  return { ...out, other: oneHotLabels(other, spec.classes) };
}
