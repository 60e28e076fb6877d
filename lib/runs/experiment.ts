/**
 * Experiment specs: every tunable number of a run lives here (see experiments/), never in code.
 * A spec names its dataset, model and three presets: `paper` (the study's settings), `quick`
 * (a meaningful run in 15-30 minutes on 2 CPU cores with the native backend) and `smoke` (seconds,
 * for tests).
 */
import { DcganSpec } from '../models/spec';
import type { ConditionalSpec } from '../models/conditional-spec';
import type { DiffAugmentOptions } from '../train/augment';
import { Emotion } from '../data/types';

export type PresetName = 'paper' | 'quick' | 'smoke' | 'sample';
export const PRESETS: PresetName[] = ['paper', 'quick', 'smoke', 'sample'];

export interface TrainSettings {
  epochs: number;
  batchSize: number;
  /** Use at most this many training images (seeded random subset); null = all. */
  limit: number | null;
  lr: number;
  beta1: number;
  beta2: number;
  /** Checkpoint every N iterations besides every epoch (0 = only per epoch). */
  checkpointEvery: number;
  /** Read losses back from the device every N iterations. */
  logEvery: number;
}

export type DatasetSpec =
  | { kind: 'fer2013'; split: 'train' | 'test' | 'all'; emotions: Emotion[] | 'all' }
  | { kind: 'celeba'; grayscale: boolean };

export interface ExperimentSpec {
  name: string;
  description: string;
  dataset: DatasetSpec;
  /** A ConditionalSpec (with `classes`) makes a class-conditional run (lib/models/conditional.ts). */
  model: DcganSpec | ConditionalSpec;
  /** Small-data remedies (absent: the study's plain training). */
  remedies?: Remedies;
  presets: Partial<Record<PresetName, TrainSettings>>;
  /** For `fer-all`-style experiments: the experiments to run one after another. */
  sequence?: string[];
}

/** Small-data remedies, as spec options: DiffAugment and one-sided label smoothing. */
export interface Remedies {
  /** Differentiable augmentation of every batch D sees, real and fake (lib/train/augment.ts). */
  diffAugment?: DiffAugmentOptions;
  /** Target of real images in D's loss, e.g. 0.9 (one-sided label smoothing); default 1. */
  realLabel?: number;
}

/** The study's optimiser and batch (PyTorch DCGAN tutorial). */
export const STUDY_TRAINING = { batchSize: 128, lr: 2e-4, beta1: 0.5, beta2: 0.999 } as const;

export interface Overrides {
  epochs?: number;
  limit?: number | null;
  batchSize?: number;
}

/** The settings of one preset of an experiment, with command-line overrides applied. */
export function resolveSettings(spec: ExperimentSpec, preset: PresetName, overrides: Overrides = {}): TrainSettings {
  const base = spec.presets[preset];
  if (!base) {
    const have = Object.keys(spec.presets).join(', ');
    throw new Error(`experiment ${spec.name} has no preset "${preset}" (it has: ${have})`);
  }
  const s: TrainSettings = { ...base };
  if (overrides.epochs !== undefined) s.epochs = overrides.epochs;
  if (overrides.limit !== undefined) s.limit = overrides.limit;
  if (overrides.batchSize !== undefined) s.batchSize = overrides.batchSize;
  checkSettings(s, `${spec.name}/${preset}`);
  return s;
}

/**
 * The checks every run's settings pass, from the command line (resolveSettings) and from a
 * config.json being resumed alike; errors name `where` and the field.
 */
export function checkSettings(s: TrainSettings, where: string): void {
  const bad = (k: string, want: string, v: unknown) => new Error(`${where}: ${k} must be ${want}, got ${JSON.stringify(v)}`);
  for (const k of ['epochs', 'batchSize'] as const) {
    if (!Number.isInteger(s[k]) || s[k] < 1) throw bad(k, 'a positive integer', s[k]);
  }
  if (s.limit !== null && (!Number.isInteger(s.limit) || s.limit < 1)) throw bad('limit', 'a positive integer or null', s.limit);
  if (typeof s.lr !== 'number' || !(s.lr > 0) || !Number.isFinite(s.lr)) throw bad('lr', 'a positive number', s.lr);
  for (const k of ['beta1', 'beta2'] as const) {
    if (typeof s[k] !== 'number' || !(s[k] >= 0 && s[k] < 1)) throw bad(k, 'a number in [0, 1)', s[k]);
  }
  if (!Number.isInteger(s.checkpointEvery) || s.checkpointEvery < 0) throw bad('checkpointEvery', 'an integer >= 0', s.checkpointEvery);
  if (!Number.isInteger(s.logEvery) || s.logEvery < 1) throw bad('logEvery', 'a positive integer', s.logEvery);
}
