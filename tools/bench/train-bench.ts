/**
 * Training and sampling throughput of the study's DCGAN step on the active tfjs backend, measured
 * the way the peer (dcgan_torch.py) measures: warm-up steps, then timed steps, each ending with a
 * read of its losses (the peer's `.item()`), median seconds per step -> images/s and GFLOP/s.
 * Unlike the peer, each step also prepares its batch as the trainer does (uint8 -> [-1, 1]
 * floats -> tensor, noise from the seeded RNG); that time is included and reported separately.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../lib/rng';
import { BatchStream } from '../../lib/data/batches';
import { buildGenerator, buildDiscriminator } from '../../lib/models/dcgan';
import { trainStep, readSteps } from '../../lib/train/step';
import { makeGanPair } from '../../lib/train/gan-pair';
import { useKernels } from '../../lib/kernels/kernels';
import { noiseTensor } from '../../lib/sample/noise';
import { generateImages } from '../../lib/sample/generate';
import { netSpec, NetName } from './nets';
import { stepFlopsPerImage, executedStepFlopsPerImage, sampleFlopsPerImage } from './flops';
import { syntheticImageSet } from './synthetic';
import { cpuSnapshot, cpuShare, loadAverage1, median } from './machine';
import { nativeOneDnn } from '../../lib/backend';
import { StepVariant, STEP_VARIANTS } from './variants';


/** What to measure. */
export interface TrainBenchOptions {
  net: NetName;
  batch: number;
  /** untimed steps first (default 2) */
  warmup?: number;
  /** timed steps (default 5) */
  steps?: number;
  /** timed sampling calls of G on `batch` noise vectors (default 3; 0 = skip) */
  sampleReps?: number;
  /** 'lean' (the trainer's step, default), 'plain' (G forward twice), 'unfused' (lean with stock tfjs layers), 'eigen' (see StepVariant) */
  variant?: StepVariant;
  seed?: number;
}

/** One training measurement. Times in seconds; `*_per_s` from the median step. */
export interface TrainBenchResult {
  net: NetName;
  variant: StepVariant;
  /**
   * whether libtensorflow ran its oneDNN kernels (null: not a native backend, or TensorFlow's own
   * choice; absent in reports from before facegan switched oneDNN on)
   */
  onednn?: boolean | null;
  batch: number;
  warmup: number;
  steps: number;
  s_per_step_median: number;
  s_per_step_min: number;
  s_per_step_max: number;
  train_images_per_s: number;
  /** tutorial FLOP count (same as the peer) / median step time, in GFLOP/s */
  gflops: number;
  flops_per_step: number;
  /** FLOPs our step actually executes (tools/bench/flops.ts executedStepFlopsPerImage) */
  executed_flops_per_step: number;
  /** median time of preparing a batch (uint8 -> float tensor, noise), and its share of the step */
  data_s_median: number;
  data_share: number;
  /** CPU seconds this process used per trained image (a load-robust companion of images/s) */
  cpu_s_per_image: number;
  own_cpu_cores: number;
  other_cpu_cores: number;
  load_avg_1m: number;
  sample_images_per_s: number | null;
  sample_gflops: number | null;
  tensors_after_warmup: number;
  tensors_after_steps: number;
  /** peak resident set size of this process, MB */
  peak_rss_mb: number;
  /** resident set size before the nets were built (backend loaded), MB */
  base_rss_mb: number;
  last_losses: { loss_d: number; loss_g: number };
}

/** Runs the measurement on the current backend (call initBackend first). */
export async function benchTraining(opts: TrainBenchOptions): Promise<TrainBenchResult> {
  const spec = netSpec(opts.net);
  const { batch } = opts;
  const warmup = opts.warmup ?? 2;
  const steps = opts.steps ?? 5;
  const sampleReps = opts.sampleReps ?? 3;
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`bench: batch must be a positive integer, got ${batch}`);
  if (steps < 1) throw new Error(`bench: steps must be >= 1, got ${steps}`);

  const baseRss = process.memoryUsage().rss / 2 ** 20;
  const G = buildGenerator(spec, seed * 2 + 1);
  const D = buildDiscriminator(spec, seed * 2 + 2);
  const variant = opts.variant ?? 'lean';
  if (!STEP_VARIANTS.includes(variant)) throw new Error(`bench: unknown step variant "${variant}", expected one of ${STEP_VARIANTS.join(', ')}`);
  useKernels(variant === 'unfused' ? 'stock' : 'fused', [G, D]);
  const pair = makeGanPair(G, D);
  const stream = new BatchStream(syntheticImageSet(spec, batch * 4, seed), { batchSize: batch, seed, dropLast: true });
  const rng = new Rng(seed);
  const times: number[] = [];
  const dataTimes: number[] = [];
  let last = { loss_d: NaN, loss_g: NaN };
  let tensorsAfterWarmup = 0;
  let snap0 = cpuSnapshot();
  const load0 = loadAverage1();

  for (let i = 0; i < warmup + steps; i++) {
    if (i === warmup) {
      tensorsAfterWarmup = tf.memory().numTensors;
      snap0 = cpuSnapshot();
    }
    const t0 = performance.now();
    const b = stream.next();
    const real = tf.tensor4d(b.data, b.shape);
    const z = noiseTensor(rng, batch, spec.nz);
    const t1 = performance.now();
    const out = trainStep(pair, real, z, { gForward: variant === 'plain' ? 'twice' : 'once' });
    tf.dispose([real, z]);
    const [v] = await readSteps([out]);
    const t2 = performance.now();
    last = { loss_d: v.lossD, loss_g: v.lossG };
    if (i >= warmup) {
      times.push((t2 - t0) / 1000);
      dataTimes.push((t1 - t0) / 1000);
    }
  }
  const share = cpuShare(snap0, cpuSnapshot());
  const load1 = loadAverage1();
  const tensorsAfterSteps = tf.memory().numTensors;

  let sampleRate: number | null = null;
  if (sampleReps > 0) {
    const z = noiseTensor(rng, batch, spec.nz);
    await generateImages(G, z, batch); // warm-up
    const st: number[] = [];
    for (let r = 0; r < sampleReps; r++) {
      const t0 = performance.now();
      await generateImages(G, z, batch);
      st.push((performance.now() - t0) / 1000);
    }
    z.dispose();
    sampleRate = batch / median(st);
  }
  G.dispose();
  D.dispose();
  pair.optG.dispose();
  pair.optD.dispose();

  const med = median(times);
  const flops = stepFlopsPerImage(spec) * batch;
  const dataMed = median(dataTimes);
  return {
    net: opts.net,
    variant,
    onednn: nativeOneDnn(),
    batch,
    warmup,
    steps,
    s_per_step_median: med,
    s_per_step_min: Math.min(...times),
    s_per_step_max: Math.max(...times),
    train_images_per_s: batch / med,
    gflops: flops / med / 1e9,
    flops_per_step: flops,
    executed_flops_per_step: executedStepFlopsPerImage(spec, variant) * batch,
    data_s_median: dataMed,
    data_share: dataMed / med,
    cpu_s_per_image: share.own_cpu_s / (steps * batch),
    own_cpu_cores: share.own_cpu_cores,
    other_cpu_cores: share.other_cpu_cores,
    load_avg_1m: (load0 + load1) / 2,
    sample_images_per_s: sampleRate,
    sample_gflops: sampleRate === null ? null : (sampleRate * sampleFlopsPerImage(spec)) / 1e9,
    tensors_after_warmup: tensorsAfterWarmup,
    tensors_after_steps: tensorsAfterSteps,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    base_rss_mb: baseRss,
    last_losses: last,
  };
}
