/**
 * The translator's training loop, with the records every run has: losses.csv (one row per
 * iteration), progress grids (samples/step-NNNNNNN.png: rows = fixed real test faces, columns =
 * input + each expression), a loss plot, summary.json (lib/train/run-summary.ts, always ending in
 * a final status: completed, stopped, interrupted with the signal, diverged, failed with the
 * reason), TensorBoard scalars and grids (<run>/tb/), and checkpoints with a manifest through
 * lib/train/checkpoint.ts (G, D, both Adam states, RNG and data-order position) for exact resume
 * from the newest intact one. Ctrl-C, SIGTERM and SIGHUP finish the step and checkpoint
 * (lib/train/event-loop.ts). Device reads happen every `logEvery` iterations; a non-finite loss
 * stops the run before any checkpoint of the bad weights.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { Rng, RngState } from '../rng';
import { ImageSet } from '../data/types';
import { BatchStream } from '../data/batches';
import { buildTranslatorG, buildTranslatorD, oneHot, TranslatorSpec, checkTranslatorSpec } from '../models/translator';
import { translateImages, U8Images } from '../models/translator-apply';
import { yieldToEventLoop, catchInterrupt, drainSignals } from './event-loop';
import { saveCheckpoint, loadNewestCheckpoint, TrainState } from './checkpoint';
import { makeTranslatorPair, discriminatorStep, generatorStep, drawClassifierView, readTranslateSteps, TranslateStepTensors, TranslatorPair } from './translate-step';
import { TranslateLossLog, TranslateLossRow } from './translate-log';
import { ProgressBar } from '../cli/progress';
import { DivergedError } from './trainer';
import { labelledGridPng } from '../viz/labelled';
import { updateLossPlot } from '../viz/losses-csv';
import { writeFileAtomic } from '../io/files';
import { writeRunningSummary, writeFinalSummary, RunStatus, RunSummaryCore, SessionCounts } from './run-summary';
import { openTensorBoard } from './tensorboard';
import { tensorboardDir } from './tb-run';
import { Kernels, DEFAULT_KERNELS } from '../kernels/kernels';
import type { TranslateLosses, TranslateSettings } from './translate-spec';
import { selectionScore, SelectionScore } from './translate-select';
import { saveModelDir } from './model-io';
import { readJson } from '../io/files';

export interface TranslateTrainOptions {
  runDir: string;
  data: ImageSet;
  model: TranslatorSpec;
  losses: TranslateLosses;
  settings: TranslateSettings;
  seed: number;
  /** The grid's rows: real faces (uint8) and their labels. */
  gridFaces: U8Images & { labels: Int32Array };
  resume?: boolean;
  /** Stop (with a checkpoint) after this many iterations in total. */
  maxSteps?: number;
  progress?: boolean;
  /** Layer kernels of G (lib/kernels/kernels.ts; default fused, as recorded in config.json). */
  kernels?: Kernels;
  /** Write TensorBoard scalars and grids into <run>/tb/ (default true). */
  tensorboard?: boolean;
  /** Called after each progress grid. */
  onGrid?: (file: string, step: number) => void | Promise<void>;
  /** The frozen loss classifier (losses.clsSource 'frozen'; translator v2). Not disposed here. */
  lossClassifier?: tf.LayersModel;
  /** PublicTest faces for the checkpoint choice (settings.selectEvery; never PrivateTest). */
  selectFaces?: U8Images & { labels: Int32Array };
}

/**
 * summary.json of a translator run (lib/train/run-summary.ts): the common fields plus iterations per
 * second (D updates; G every nCritic), final = mean of the last loss rows.
 */
export type TranslateSummary = RunSummaryCore<{ loss_d: number; loss_g: number; d_x: number; d_g_z1: number; d_g_z2: number; g_rec: number; g_cls: number; d_cls: number }> & {
  stepsPerSecond: number;
};

/** Learning rate at iteration `step`: constant, then linear decay to 0 from `decayFrom` to the last iteration. */
export function lrAt(base: number, step: number, s: Pick<TranslateSettings, 'steps' | 'decayFrom'>): number {
  if (s.decayFrom === null || step < s.decayFrom || s.steps <= s.decayFrom) return base;
  return base * Math.max(0, (s.steps - step) / (s.steps - s.decayFrom));
}

function flipInPlace(data: Float32Array, shape: number[], flips: boolean[]): void {
  const [, h, w, c] = shape;
  for (let i = 0; i < flips.length; i++) {
    if (!flips[i]) continue;
    for (let y = 0; y < h; y++) {
      const row = ((i * h + y) * w) * c;
      for (let x = 0; x < w / 2; x++) {
        for (let k = 0; k < c; k++) {
          const a = row + x * c + k, b = row + (w - 1 - x) * c + k;
          const t = data[a];
          data[a] = data[b];
          data[b] = t;
        }
      }
    }
  }
}

/** The progress grid: one row per face, columns input + every expression. */
export async function translatorGridPng(G: tf.LayersModel, spec: TranslatorSpec, faces: U8Images & { labels?: Int32Array }, title?: string): Promise<Buffer> {
  const k = spec.labels.length;
  const pairs = Array.from({ length: faces.n * k }, (_, i) => ({ face: Math.floor(i / k), target: i % k }));
  const { images } = await translateImages(G, faces, pairs, k);
  const px = faces.height * faces.width * faces.channels;
  const data = new Uint8Array(faces.n * (k + 1) * px);
  for (let f = 0; f < faces.n; f++) {
    data.set(faces.data.subarray(f * px, (f + 1) * px), f * (k + 1) * px);
    data.set(images.data.subarray(f * k * px, (f + 1) * k * px), (f * (k + 1) + 1) * px);
  }
  return labelledGridPng(
    { data, n: faces.n * (k + 1), height: faces.height, width: faces.width, channels: faces.channels },
    {
      colLabels: ['input', ...spec.labels],
      rowLabels: faces.labels ? Array.from(faces.labels, (l) => spec.labels[l] ?? '?') : undefined,
      ...(title ? { title } : {}),
    },
  );
}

export async function trainTranslator(opts: TranslateTrainOptions): Promise<TranslateSummary> {
  const { runDir, data, settings: s, seed, losses: w } = opts;
  const spec = checkTranslatorSpec(opts.model);
  const k = spec.labels.length;
  if (data.height !== spec.size || data.width !== spec.size || data.channels !== spec.channels) {
    throw new Error(`data "${data.name}" is ${data.height}x${data.width}x${data.channels}, the translator expects ${spec.size}x${spec.size}x${spec.channels}`);
  }
  if (!data.labels || data.labels.length !== data.n) throw new Error(`data "${data.name}" has no labels: the translator needs each face's expression`);
  const bad = data.labels.findIndex((l) => !(l >= 0 && l < k));
  if (bad >= 0) throw new Error(`data "${data.name}": image ${bad} (${data.sources?.[bad] ?? '?'}) has label ${data.labels[bad]}, expected 0..${k - 1}`);
  if (data.n < s.batchSize) throw new Error(`data "${data.name}" has ${data.n} faces, fewer than one batch (${s.batchSize}); lower --batch`);
  fs.mkdirSync(path.join(runDir, 'samples'), { recursive: true });

  const G = buildTranslatorG(spec, seed * 2 + 1);
  const D = buildTranslatorD(spec, seed * 2 + 2);
  const pair: TranslatorPair = makeTranslatorPair(G, D, { lr: s.lrG, beta1: s.beta1, beta2: s.beta2, eps: 1e-8 }, { lr: s.lrD, beta1: s.beta1, beta2: s.beta2, eps: 1e-8 }, opts.kernels ?? DEFAULT_KERNELS);
  if (w.clsSource === 'frozen') {
    if (!opts.lossClassifier) throw new Error("the losses ask for G's classification from a frozen classifier (clsSource 'frozen') but none was given: pass --loss-classifier DIR (npm run experiment -- fer-loss-classifier)");
    pair.C = opts.lossClassifier;
  }
  const selectEvery = s.selectEvery ?? 0;
  if (selectEvery > 0 && !(opts.lossClassifier && opts.selectFaces)) throw new Error('settings.selectEvery needs the loss classifier and the PublicTest selection faces');
  const bestFile = path.join(runDir, 'best', 'best.json');
  let best: SelectionScore | null = fs.existsSync(bestFile) ? readJson<SelectionScore>(bestFile, 'best snapshot') : null;
  const select = async () => {
    const sc = await selectionScore(G, opts.lossClassifier!, opts.selectFaces!, k, state.step);
    const ok = sc.psnr >= (s.selectMinPsnr ?? 0);
    const better = ok && (!best || sc.ratio > best.ratio);
    const file = path.join(runDir, 'select.csv');
    if (!fs.existsSync(file)) fs.writeFileSync(file, `step,ratio,psnr,kept,${spec.labels.map((l) => `ratio_${l}`).join(',')}\n`);
    fs.appendFileSync(file, `${sc.step},${sc.ratio.toFixed(4)},${sc.psnr.toFixed(2)},${better ? 1 : 0},${sc.perTarget.map((r) => r.toFixed(4)).join(',')}\n`);
    if (better) {
      await saveModelDir(G, path.join(runDir, 'best'));
      // translator.json makes best/ a translator folder: `npm run evaluate -- RUN/best`, `npm run edit -- --run RUN/best`
      writeFileAtomic(path.join(runDir, 'best', 'translator.json'), JSON.stringify({ spec, losses: w, settings: s, chosen: sc }, null, 2));
      writeFileAtomic(bestFile, JSON.stringify(sc, null, 2));
      best = sc;
    }
  };
  const batches = new BatchStream(data, { batchSize: s.batchSize, seed, dropLast: true });
  let rng = new Rng(seed);
  let state: TrainState = { step: 0, epoch: 0, iterInEpoch: 0, seconds: 0, rng: rng.getState(), batches: batches.getState() };
  // the newest intact checkpoint (a damaged one is skipped with a note)
  const loaded = opts.resume ? loadNewestCheckpoint(runDir, pair, (l) => process.stderr.write(`note: ${l}\n`)) : null;
  if (opts.resume && !loaded) throw new Error(`cannot resume ${runDir}: it has no checkpoint (checkpoints/latest.json)`);
  const ckpt = loaded?.dir ?? null;
  if (loaded) {
    state = loaded.state;
    rng = Rng.fromState(state.rng as RngState);
    batches.setState(state.batches as ReturnType<BatchStream['getState']>);
  }
  const log = new TranslateLossLog(path.join(runDir, 'losses.csv'));
  const warnings: string[] = [];
  const lossNote = log.open(ckpt ? state.step : null);
  if (lossNote) (warnings.push(lossNote), process.stderr.write(`warning: ${lossNote}\n`));
  // TensorBoard: every losses.csv column at every iteration, the progress grid as an image
  const tb = opts.tensorboard === false ? null : openTensorBoard(tensorboardDir(runDir), { resumeStep: ckpt ? state.step : undefined });
  const perEpoch = batches.batchesPerEpoch;
  const totalSteps = Math.min(s.steps, opts.maxSteps ?? Infinity);
  const bar = opts.progress === false ? null : new ProgressBar(totalSteps, path.basename(runDir), process.stderr, state.step);
  let pending: { t: TranslateStepTensors; epoch: number; iter: number; seconds: number }[] = [];
  let lastG: Record<string, number> | null = (state.lastG as Record<string, number> | undefined) ?? null;
  let lastRows: TranslateLossRow[] = [];
  let lastCheckpoint = ckpt;
  let lastCheckpointStep = ckpt ? state.step : -1;
  const ctrlC = catchInterrupt((line) => process.stderr.write(`\n${line}\n`));
  const sessionStart = Date.now();
  const secondsAtStart = state.seconds;
  const stepAtStart = state.step;
  const elapsed = () => secondsAtStart + (Date.now() - sessionStart) / 1000;

  const flush = async () => {
    const values = await readTranslateSteps(pending.map((p) => p.t));
    const rows: TranslateLossRow[] = values.map((v, i) => {
      if (v.g) lastG = v.g;
      const g = lastG ?? { loss: NaN, adv: NaN, cls: NaN, rec: NaN, idt: NaN, mask: NaN, fake: NaN };
      return {
        epoch: pending[i].epoch, iter: pending[i].iter, loss_d: v.d.loss, loss_g: g.loss, d_x: v.d.real, d_g_z1: v.d.fake, d_g_z2: g.fake,
        seconds: pending[i].seconds, d_adv: v.d.adv, d_cls: v.d.cls, d_gp: v.d.gp, g_adv: g.adv, g_cls: g.cls, g_rec: g.rec, g_mask: g.mask, g_step: v.g ? 1 : 0, g_idt: g.idt ?? 0,
      };
    });
    pending = [];
    log.append(rows);
    if (tb && rows.length) {
      for (const r of rows) for (const [tag, v] of Object.entries(r)) if (tag !== 'epoch' && tag !== 'iter' && Number.isFinite(v)) tb.scalar(tag, v, r.iter);
      tb.flush();
    }
    if (rows.length) lastRows = rows;
    const badRow = rows.find((r) => ![r.loss_d, ...(r.g_step ? [r.loss_g] : [])].every(Number.isFinite));
    if (badRow) {
      throw new DivergedError(
        `training diverged: a loss became ${badRow.loss_d} / ${badRow.loss_g} (loss_D / loss_G) at iteration ${badRow.iter}; losses.csv has the rows up to it ` +
          `and the last good checkpoint is ${lastCheckpoint ?? '(none yet)'}. Try a lower learning rate or another --seed.`,
      );
    }
    const last = rows[rows.length - 1];
    if (bar && last) bar.update(state.step, `loss_D ${last.loss_d.toFixed(3)} loss_G ${last.loss_g.toFixed(3)} rec ${last.g_rec.toFixed(3)} cls_G ${last.g_cls.toFixed(2)}`);
  };
  const checkpoint = async () => {
    state.rng = rng.getState();
    state.batches = batches.getState();
    state.seconds = elapsed();
    state.lastG = lastG;
    lastCheckpoint = await saveCheckpoint(runDir, pair, state);
    lastCheckpointStep = state.step;
  };
  const grid = async (name: string) => {
    const file = path.join(runDir, 'samples', `${name}.png`);
    const png = await translatorGridPng(G, spec, opts.gridFaces, `${name === 'final' ? 'final' : `iteration ${state.step}`}: input, then each expression`);
    writeFileAtomic(file, png);
    if (tb) (tb.image('grid', png, Math.max(0, state.step - 1)), tb.flush());
    if (opts.onGrid) await opts.onGrid(file, state.step);
  };

  let status: RunStatus = 'completed';
  let message: string | undefined;
  let summary: TranslateSummary | undefined;
  const counts = (): SessionCounts => ({ steps: state.step, epochsCompleted: state.epoch, batchSize: s.batchSize, trainSeconds: elapsed(), lastCheckpoint, warnings });
  writeRunningSummary(runDir, counts(), { stepsPerSecond: 0 });
  try {
    while (state.step < totalSteps && !ctrlC.interrupted) {
      const t0 = performance.now();
      const b = batches.next();
      const n = b.shape[0];
      // Random numbers of this iteration, in a fixed order: flips, targets, interpolation weights.
      const flips = Array.from({ length: n }, () => s.flip && rng.uniform() < 0.5);
      const targets = Int32Array.from({ length: n }, () => rng.int(k));
      const alpha = Float32Array.from({ length: n }, () => rng.uniform());
      const gStep = (state.step + 1) % s.nCritic === 0;
      // v2: the frozen classifier's input augmentation, drawn only on G steps and only when used (v1 runs draw exactly as before)
      const aug = gStep && w.clsSource === 'frozen' && w.clsAugment ? drawClassifierView(rng, w.clsAugment, b.shape as [number, number, number, number]) : undefined;
      flipInPlace(b.data, b.shape, flips);
      const lrFactor = lrAt(1, state.step, s);
      pair.optG.config.lr = s.lrG * lrFactor;
      pair.optD.config.lr = s.lrD * lrFactor;
      const batch = { x: tf.tensor4d(b.data, b.shape), src: oneHot(b.labels!, k), trg: oneHot(targets, k), alpha: tf.tensor4d(alpha, [n, 1, 1, 1]) };
      const d = discriminatorStep(pair, batch, w);
      const g = gStep ? generatorStep(pair, { ...batch, aug }, w) : null;
      tf.dispose(Object.values(batch));
      if (aug) tf.dispose([aug.flip, aug.noise, aug.blur, aug.keep].filter((t): t is tf.Tensor4D => !!t));
      pending.push({ t: { d, g }, epoch: state.epoch, iter: state.step, seconds: (performance.now() - t0) / 1000 });
      state.step += 1;
      state.iterInEpoch += 1;
      const epochDone = state.iterInEpoch >= perEpoch;
      if (epochDone) {
        state.epoch += 1;
        state.iterInEpoch = 0;
      }
      if (pending.length >= s.logEvery || state.step >= totalSteps || ctrlC.interrupted) await flush();
      await yieldToEventLoop();
      // a progress grid every sampleEvery iterations and at the end of every epoch
      if ((state.step % s.sampleEvery === 0 || epochDone) && state.step < s.steps) {
        if (pending.length) await flush();
        await grid(epochDone && state.step % s.sampleEvery !== 0 ? `epoch-${String(state.epoch).padStart(3, '0')}` : `step-${String(state.step).padStart(7, '0')}`);
        await updateLossPlot(runDir);
      }
      if (selectEvery > 0 && state.step % selectEvery === 0) {
        if (pending.length) await flush();
        await select();
      }
      if (s.checkpointEvery > 0 && state.step % s.checkpointEvery === 0 && state.step < totalSteps) {
        if (pending.length) await flush();
        await checkpoint();
      }
    }
    if (pending.length) await flush();
    await drainSignals(); // a signal still pending counts (lib/train/event-loop.ts)
    if (ctrlC.interrupted) status = 'interrupted';
    else if (state.step < s.steps) status = 'stopped';
    if (lastCheckpointStep !== state.step) await checkpoint();
    if (selectEvery > 0 && state.step >= s.steps && state.step % selectEvery !== 0) await select();
    await grid('final');
    await updateLossPlot(runDir);
  } catch (e) {
    tf.dispose(pending.flatMap((p) => [...Object.values(p.t.d), ...(p.t.g ? Object.values(p.t.g) : [])]));
    status = e instanceof DivergedError ? 'diverged' : 'failed';
    message = (e as Error).message;
    throw e;
  } finally {
    ctrlC.release();
    bar?.done();
    tb?.close();
    const sessionSecs = Math.max((Date.now() - sessionStart) / 1000, 1e-9);
    const mean = (key: keyof TranslateLossRow, rows = lastRows) => rows.reduce((a, r) => a + r[key], 0) / rows.length;
    summary = writeFinalSummary(runDir, {
      ...counts(), status, message, signal: ctrlC.signal ?? undefined,
      final: lastRows.length
        ? { loss_d: mean('loss_d'), loss_g: mean('loss_g'), d_x: mean('d_x'), d_g_z1: mean('d_g_z1'), d_g_z2: mean('d_g_z2'), g_rec: mean('g_rec'), g_cls: mean('g_cls'), d_cls: mean('d_cls') }
        : null,
      sessionImages: (state.step - stepAtStart) * s.batchSize, sessionSeconds: sessionSecs,
    }, { stepsPerSecond: (state.step - stepAtStart) / sessionSecs });
    G.dispose();
    D.dispose();
    pair.optG.dispose();
    pair.optD.dispose();
  }
  return summary!;
}
