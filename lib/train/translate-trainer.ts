/**
 * The translator's training: its step (D every iteration, G every nCritic), its log row (every
 * losses.csv column, lib/train/csv-log.ts), progress grids (samples/step-NNNNNNN.png: rows = fixed
 * real test faces, columns = input + each expression) and the PublicTest checkpoint choice (best/,
 * select.csv). The rest (losses.csv, checkpoints with G, D, both Adam states, RNG and data-order
 * position for exact resume from the newest intact one, TensorBoard, summary.json with
 * iterations/s, stopping through an AbortSignal, divergence) is the training session's
 * (lib/train/session.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { Rng, RngState } from '../rng';
import { ImageSet } from '../data/types';
import { BatchStream } from '../data/batches';
import { buildTranslatorG, buildTranslatorD, oneHot, TranslatorSpec, checkTranslatorSpec } from '../models/translator';
import { translateImages, U8Images } from '../models/translator-apply';
import { TrainingSession, pairCheckpoints, ProgressReporter } from './session';
import { makeTranslatorPair, translatorIteration, drawClassifierView, readTranslateSteps, TranslateStepTensors, TranslatorPair } from './translate-step';
import { translateLossLog, TranslateLossRow } from './csv-log';
import { progressOf } from './trainer';
import { labelledGridPng } from '../viz/labelled';
import { updateLossPlot } from '../viz/losses-csv';
import { writeFileAtomic, readJson } from '../io/files';
import { csvRecord } from '../io/csv';
import { RunSummaryCore } from './run-summary';
import { Kernels, DEFAULT_KERNELS, useKernels } from '../kernels/kernels';
import type { TranslateLosses, TranslateSettings } from './translate-spec';
import { TRANSLATOR_TARGETS } from './translate-spec';
import { SelectionScore, betterSnapshot } from './translate-select';
import { scoreWithGain, withGain, labelShares } from './translate-gain';
import { saveModelDir, loadWeightsInto } from './model-io';
import { classBalance } from './class-balance';
import { targetMixOf } from './translate-classifier';

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
  /** Show a progress bar on stderr (default true), or report progress to this. */
  progress?: boolean | ProgressReporter;
  /** Stops the run after the step in progress, with a checkpoint (summary.json: interrupted, with the signal its reason names). */
  signal?: AbortSignal;
  /** Layer kernels of G (lib/kernels/kernels.ts; default fused, as recorded in config.json). */
  kernels?: Kernels;
  /** Write TensorBoard scalars and grids into <run>/tb/ (default true). */
  tensorboard?: boolean;
  /** Called after each progress grid. */
  onGrid?: (file: string, step: number) => void | Promise<void>;
  /** The frozen loss classifier (losses.clsSource 'frozen'; translator v2). Not disposed here. */
  lossClassifier?: tf.LayersModel;
  /**
   * The checkpoint choice's judge when it is not the loss classifier (--choice-classifier: one trained here that G's
   * loss never reads, so its verdicts do not saturate with G's fit to the loss). Never the evaluation classifier.
   */
  choiceClassifier?: tf.LayersModel;
  /** PublicTest faces for the checkpoint choice (settings.selectEvery; never PrivateTest). */
  selectFaces?: U8Images & { labels: Int32Array };
  /** A checkpoint folder (with G/ and D/) whose weights a new run starts from (ignored when resuming). */
  initFrom?: string;
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
    // an ensemble that weighs its members per target: G's loss reads their mix (translate-classifier.ts)
    pair.Cmix = targetMixOf(pair.C);
    // frozen and run in inference mode: its convolutions compute only the input gradient, its batch norms are one scale
    // and shift, its ReLUs TensorFlow's kernels (same outputs)
    useKernels(opts.kernels ?? DEFAULT_KERNELS, [pair.C, ...(pair.Cmix ? [pair.Cmix.members] : [])], { frozenBatchNorm: true });
  }
  if (w.r1Every !== undefined && !(Number.isInteger(w.r1Every) && w.r1Every >= 1)) throw new Error(`losses.r1Every must be a positive integer (lazy R1), got ${w.r1Every}`);
  if (w.idtSq && !(w.idt && w.idt > 0)) throw new Error(`losses.idtSq (${w.idtSq}) adds a squared identity term beside the L1 one: it needs idt > 0`);
  if (w.dBalance && w.adversarial !== 'nonsat-r1') throw new Error(`losses.dBalance weights D's non-saturating real term: it needs adversarial 'nonsat-r1', got '${w.adversarial}'`);
  // losses.dBalance: each real face's weight in D, (N / k) / n_c capped (fixed by the training set's label counts)
  const classWeight = w.dBalance ? classBalance(data.labels, k, w.dBalance) : null;
  const selectEvery = s.selectEvery ?? 0;
  if (selectEvery > 0 && !(opts.lossClassifier && opts.selectFaces)) throw new Error('settings.selectEvery needs the loss classifier and the PublicTest selection faces');
  const bestFile = path.join(runDir, 'best', 'best.json');
  let best: SelectionScore | null = fs.existsSync(bestFile) ? readJson<SelectionScore>(bestFile, 'best snapshot') : null;
  let step = () => 0;
  // the floor's PSNR at the training faces' expression frequencies (SelectionScore.psnrWeighted)
  const shares = labelShares(data.labels!, k);
  const select = async () => {
    const minPsnr = s.selectMinPsnr ?? 0;
    // each snapshot at its calibrated residual gain (translate-gain.ts; gain 1 for translators without a residual output)
    const sc: SelectionScore = { ...(await scoreWithGain(G, opts.choiceClassifier ?? opts.lossClassifier!, opts.selectFaces!, k, step(), minPsnr, shares)) };
    const better = betterSnapshot(sc, best, minPsnr, TRANSLATOR_TARGETS.ratioMacro);
    const file = path.join(runDir, 'select.csv');
    const row: Record<string, string | number> = {
      step: sc.step, ratio: sc.ratio.toFixed(4), psnr: sc.psnr.toFixed(2), kept: better ? 1 : 0,
      ...Object.fromEntries(spec.labels.map((l, t) => [`ratio_${l}`, sc.perTarget[t].toFixed(4)])),
      psnr_face: sc.psnrFace!.toFixed(2), gain: sc.gain ?? 1, psnr_weighted: sc.psnrWeighted?.toFixed(2) ?? '',
    };
    if (!fs.existsSync(file)) fs.writeFileSync(file, csvRecord(Object.keys(row)));
    // select.csv files begun before psnr_face or gain existed keep their columns
    const columns = fs.readFileSync(file, 'utf8').split('\n', 1)[0].split(',');
    fs.appendFileSync(file, csvRecord(columns.map((c) => row[c] ?? '')));
    // every scored snapshot stays a translator folder (snapshots/step-N/: `npm run evaluate`, `npm run edit -- --run`),
    // so a choice can be checked afterwards against the ones it passed over
    const saveTo = async (dir: string) => {
      await withGain(G, sc.gain, () => saveModelDir(G, dir));
      writeFileAtomic(path.join(dir, 'translator.json'), JSON.stringify({ spec, losses: w, settings: s, chosen: sc }, null, 2));
    };
    await saveTo(path.join(runDir, 'snapshots', `step-${String(sc.step).padStart(7, '0')}`));
    if (better) {
      // best/'s evaluation reports (npm run evaluate -- RUN/best) described the snapshot it held until now
      for (const f of ['metrics.json', 'edit-metrics.md']) fs.rmSync(path.join(runDir, 'best', f), { force: true });
      await saveTo(path.join(runDir, 'best'));
      writeFileAtomic(bestFile, JSON.stringify(sc, null, 2));
      best = sc;
    }
  };
  try {
    const batches = new BatchStream(data, { batchSize: s.batchSize, seed, dropLast: true });
    const totalSteps = Math.min(s.steps, opts.maxSteps ?? Infinity);
    let lastG: Record<string, number> | null = null;
    const mean = (rows: TranslateLossRow[], key: keyof TranslateLossRow) => rows.reduce((a, r) => a + r[key], 0) / rows.length;
    const session: TrainingSession<TranslateLossRow> = new TrainingSession<TranslateLossRow>({
      runDir, checkpoints: pairCheckpoints(runDir, pair), plannedSteps: s.steps, totalSteps, perEpoch: batches.batchesPerEpoch, batchSize: s.batchSize,
      logEvery: s.logEvery, checkpointEvery: s.checkpointEvery, epochCheckpoints: false,
      log: translateLossLog(path.join(runDir, 'losses.csv')), tensorboard: opts.tensorboard,
      // summary.json: final = the mean of the last loss rows logged; iterations per second of this session
      summary: {
        final: (rows) => rows.length
          ? { loss_d: mean(rows, 'loss_d'), loss_g: mean(rows, 'loss_g'), d_x: mean(rows, 'd_x'), d_g_z1: mean(rows, 'd_g_z1'), d_g_z2: mean(rows, 'd_g_z2'), g_rec: mean(rows, 'g_rec'), g_cls: mean(rows, 'g_cls'), d_cls: mean(rows, 'd_cls') }
          : null,
        extra: (e) => ({ stepsPerSecond: e.steps / Math.max(e.sessionSeconds, 1e-9) }),
      },
      signal: opts.signal, progress: progressOf(opts.progress, totalSteps, path.basename(runDir)),
    }, { rng: new Rng(seed).getState(), batches: batches.getState() });
    // the newest intact checkpoint (a damaged one is skipped with a note)
    const state = opts.resume ? session.resume() : null;
    if (opts.resume && !state) throw new Error(`cannot resume ${runDir}: it has no checkpoint (checkpoints/latest.json)`);
    let rng = new Rng(seed);
    if (!state && opts.initFrom) {
      // fine-tuning: another run's G and D (same architecture), fresh Adam moments, this run's schedule from step 0
      loadWeightsInto(G, path.join(opts.initFrom, 'G'));
      loadWeightsInto(D, path.join(opts.initFrom, 'D'));
    }
    if (state) {
      rng = Rng.fromState(state.rng as RngState);
      batches.setState(state.batches as ReturnType<BatchStream['getState']>);
      lastG = (state.lastG as Record<string, number> | undefined) ?? null;
    }
    const st = session.state;
    step = () => st.step;
    const grid = async (name: string) => {
      const file = path.join(runDir, 'samples', `${name}.png`);
      const png = await translatorGridPng(G, spec, opts.gridFaces, `${name === 'final' ? 'final' : `iteration ${st.step}`}: input, then each expression`);
      writeFileAtomic(file, png);
      if (session.tb) (session.tb.image('grid', png, Math.max(0, st.step - 1)), session.tb.flush());
      if (opts.onGrid) await opts.onGrid(file, st.step);
    };

    const end = await session.run<TranslateStepTensors, Awaited<ReturnType<typeof readTranslateSteps>>[number], TranslateSummary>({
      step: () => {
        const b = batches.next();
        const n = b.shape[0];
        // Random numbers of this iteration, in a fixed order: flips, targets, interpolation weights.
        const flips = Array.from({ length: n }, () => s.flip && rng.uniform() < 0.5);
        const targets = drawTargets(rng, b.labels!, k, !!w.otherTargets);
        const alpha = Float32Array.from({ length: n }, () => rng.uniform());
        const gStep = (st.step + 1) % s.nCritic === 0;
        // v2: the frozen classifier's input augmentation, drawn only on G steps and only when used (v1 runs draw exactly as before)
        const aug = gStep && w.clsSource === 'frozen' && w.clsAugment ? drawClassifierView(rng, w.clsAugment, b.shape as [number, number, number, number]) : undefined;
        flipInPlace(b.data, b.shape, flips);
        const lrFactor = lrAt(1, st.step, s);
        pair.optG.config.lr = s.lrG * lrFactor;
        pair.optD.config.lr = s.lrD * lrFactor;
        const batch = { x: tf.tensor4d(b.data, b.shape), src: oneHot(b.labels!, k), trg: oneHot(targets, k), alpha: tf.tensor4d(alpha, [n, 1, 1, 1]), ...(classWeight ? { realWeight: tf.tensor1d(Array.from(b.labels!, (l) => classWeight[l])) } : {}) };
        const { d, g } = translatorIteration(pair, { ...batch, aug }, w, gStep);
        tf.dispose(Object.values(batch));
        if (aug) tf.dispose([aug.flip, aug.noise, aug.blur, aug.keep].filter((t): t is tf.Tensor4D => !!t));
        return { t: { d, g }, images: n };
      },
      read: readTranslateSteps,
      dispose: (ts) => tf.dispose(ts.flatMap((t) => [...Object.values(t.d), ...(t.g ? Object.values(t.g) : [])])),
      // G's terms are those of the last G update (G runs every nCritic iterations)
      row: (v, at) => {
        if (v.g) lastG = v.g;
        const g = lastG ?? { loss: NaN, adv: NaN, cls: NaN, rec: NaN, idt: NaN, mask: NaN, fake: NaN };
        return {
          epoch: at.epoch, iter: at.iter, loss_d: v.d.loss, loss_g: g.loss, d_x: v.d.real, d_g_z1: v.d.fake, d_g_z2: g.fake,
          seconds: at.seconds, d_adv: v.d.adv, d_cls: v.d.cls, d_gp: v.d.gp, g_adv: g.adv, g_cls: g.cls, g_rec: g.rec, g_mask: g.mask, g_step: v.g ? 1 : 0, g_idt: g.idt ?? 0,
        };
      },
      divergence: (r) => ([r.loss_d, ...(r.g_step ? [r.loss_g] : [])].every(Number.isFinite) ? null : `${r.loss_d} / ${r.loss_g} (loss_D / loss_G) at iteration ${r.iter}`),
      progressInfo: (r) => `loss_D ${r.loss_d.toFixed(3)} loss_G ${r.loss_g.toFixed(3)} rec ${r.g_rec.toFixed(3)} cls_G ${r.g_cls.toFixed(2)}`,
      snapshot: () => ({ rng: rng.getState(), batches: batches.getState(), lastG }),
      afterStep: async ({ epochDone, flush }) => {
        // a progress grid every sampleEvery iterations and at the end of every epoch
        if ((st.step % s.sampleEvery === 0 || epochDone) && st.step < s.steps) {
          await flush();
          await grid(epochDone && st.step % s.sampleEvery !== 0 ? `epoch-${String(st.epoch).padStart(3, '0')}` : `step-${String(st.step).padStart(7, '0')}`);
          await updateLossPlot(runDir);
        }
        if (selectEvery > 0 && st.step % selectEvery === 0) {
          await flush();
          await select();
        }
      },
      finish: async () => {
        if (selectEvery > 0 && st.step >= s.steps && st.step % selectEvery !== 0) await select();
        await grid('final');
      },
    });
    return end.summary!;
  } finally {
    G.dispose();
    D.dispose();
    pair.optG.dispose();
    pair.optD.dispose();
  }
}

/** Each face's target expression, one draw per face: uniform over all k, or (`other`) over the k - 1 other than its own. */
export function drawTargets(rng: Rng, labels: ArrayLike<number>, k: number, other: boolean): Int32Array {
  return other ? Int32Array.from(labels, (l) => (l + 1 + rng.int(k - 1)) % k) : Int32Array.from({ length: labels.length }, () => rng.int(k));
}
