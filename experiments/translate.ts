/**
 * `fer-translate`: the expression translator (a small StarGAN with a GANimation attention mask,
 * lib/models/translator.ts) on all 28,709 FER2013 training faces, labels from the folders.
 * Every weight and number of its training is here; lib/train/translate-*.ts only read them.
 *
 * One iteration = one D update on one batch; G is updated every `nCritic` iterations (StarGAN).
 * Presets are in iterations because an epoch (28,709 faces) is long on 2 CPU cores; the measured
 * speed behind each preset is in docs/editing.md.
 */
import { EMOTIONS } from '../lib/data/types';
import { TranslatorSpec } from '../lib/models/translator';

export type TranslatePresetName = 'paper' | 'quick' | 'smoke';
export const TRANSLATE_PRESETS: TranslatePresetName[] = ['paper', 'quick', 'smoke'];

/** Loss terms and their weights. */
export interface TranslateLosses {
  /** 'wgan-gp': Wasserstein loss + gradient penalty on interpolates (StarGAN); 'hinge': hinge loss, no penalty. */
  adversarial: 'wgan-gp' | 'hinge';
  /** Gradient-penalty weight (wgan-gp only). */
  gp: number;
  /** Expression classification of real faces by D (their own label). */
  cls: number;
  /** Expression classification of the edits in G's loss (the target); StarGAN uses the same weight as `cls`. */
  clsG?: number;
  /** Cycle reconstruction L1 |G(G(x, t), s) - x|. */
  rec: number;
  /**
   * Attention-mask regulariser: mean(1 - A), the share of the input copied unchanged. GANimation's
   * penalty: without it the mask settles at "copy the input", where the cycle and adversarial terms
   * are met for free and the expression never changes (seen in the first sanity runs, which
   * penalised mean(A) instead: the mask fell to ~1% and G's classification loss rose).
   */
  maskMean: number;
  /** ... and total variation (mean squared difference of neighbouring mask values: a smooth mask). */
  maskTv: number;
}

export interface TranslateSettings {
  /** Iterations (D updates); G is updated every nCritic of them. */
  steps: number;
  batchSize: number;
  /** Use at most this many training faces (seeded subset); null = all. */
  limit: number | null;
  lrG: number;
  lrD: number;
  beta1: number;
  beta2: number;
  nCritic: number;
  /** Learning rates fall linearly to 0 from this iteration to the last (null: constant). */
  decayFrom: number | null;
  /** Random horizontal flips of the training faces. */
  flip: boolean;
  /** Write the fixed-face grid every N iterations (and at the end). */
  sampleEvery: number;
  checkpointEvery: number;
  /** Read losses back from the device every N iterations. */
  logEvery: number;
}

export interface TranslateExperiment {
  name: 'fer-translate';
  description: string;
  dataset: { kind: 'fer2013'; split: 'train'; emotions: 'all' };
  model: TranslatorSpec;
  losses: TranslateLosses;
  /** Rows of the progress grids: fixed real test faces, one per expression first. */
  gridFaces: number;
  presets: Record<TranslatePresetName, TranslateSettings>;
}

export const translatorModel: TranslatorSpec = {
  kind: 'translator',
  size: 48,
  channels: 1,
  labels: EMOTIONS,
  gDim: 32,
  downsamples: 2,
  resBlocks: 3,
  // Plain StarGAN by default: with GANimation's attention mask (mask: true) the quick run's mask settled at
  // "copy the input" within 1,000 iterations (cycle L1 -> 0.005, G's classification loss rising 2.25 -> 2.4)
  // even with the penalty on copying (maskMean 0.1); docs/editing.md.
  mask: false,
  dDim: 32,
  dLayers: 4,
  leak: 0.01,
};

const common = { batchSize: 16, limit: null, lrG: 1e-4, lrD: 1e-4, beta1: 0.5, beta2: 0.999, flip: true, logEvery: 10 };

export const ferTranslate: TranslateExperiment = {
  name: 'fer-translate',
  description: 'Expression translator (StarGAN + attention mask) on all FER2013 training faces, 48x48 grayscale',
  dataset: { kind: 'fer2013', split: 'train', emotions: 'all' },
  model: translatorModel,
  losses: { adversarial: 'wgan-gp', gp: 10, cls: 1, rec: 10, maskMean: 0.1, maskTv: 0.05 },
  gridFaces: 8,
  presets: {
    // sized for <= 3 h on 2 shared cores at the measured speed (docs/editing.md)
    paper: { ...common, steps: 24000, nCritic: 5, decayFrom: 12000, sampleEvery: 1000, checkpointEvery: 500 },
    // <= 30 min
    quick: { ...common, steps: 3500, nCritic: 5, decayFrom: null, sampleEvery: 500, checkpointEvery: 500 },
    // seconds: tiny subset, a few iterations
    smoke: { ...common, batchSize: 4, limit: 16, steps: 4, nCritic: 2, decayFrom: 2, sampleEvery: 2, checkpointEvery: 0, logEvery: 1 },
  },
};

/** The settings of a preset with command-line overrides, validated (errors name the option). */
export function translateSettings(preset: string, o: { steps?: number; limit?: number | null; batchSize?: number } = {}): TranslateSettings {
  if (!(TRANSLATE_PRESETS as string[]).includes(preset)) {
    throw new Error(`fer-translate: --preset must be one of ${TRANSLATE_PRESETS.join(', ')}, got "${preset}"`);
  }
  const s = { ...ferTranslate.presets[preset as TranslatePresetName] };
  if (o.steps !== undefined) s.steps = o.steps;
  if (o.limit !== undefined) s.limit = o.limit;
  if (o.batchSize !== undefined) s.batchSize = o.batchSize;
  for (const k of ['steps', 'batchSize', 'nCritic', 'sampleEvery', 'logEvery'] as const) {
    if (!Number.isInteger(s[k]) || s[k] < 1) throw new Error(`fer-translate/${preset}: ${k} must be a positive integer, got ${s[k]}`);
  }
  if (s.batchSize < 2) throw new Error(`fer-translate/${preset}: batchSize must be at least 2, got ${s.batchSize}`);
  return s;
}
