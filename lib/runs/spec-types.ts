/**
 * The types of the experiment specs: what experiments/ writes and lib/ reads, in one module with no
 * runtime code (experiments/ imports its types from here, not from the files that train or measure;
 * test/unit/spec-types.test.ts checks both). The declarations that lived in those files are here
 * (they re-export them); the others are re-exported from the small spec files that declare them.
 */
import type { ExperimentSpec, PresetName, TrainSettings } from './experiment';

export type { Emotion } from '../data/types';
export type { DcganSpec } from '../models/spec';
export type { ConditionalSpec } from '../models/conditional-spec';
export type { TranslatorSpec } from '../models/translator';
export type { TranslateExperiment, TranslateSettings, TranslateLosses, TranslatePresetName, ClassifierAugment } from '../train/translate-spec';
export type { DiffAugmentOptions } from '../train/augment';
export type { ExperimentSpec, TrainSettings, PresetName, DatasetSpec, Remedies } from './experiment';
export type { CampaignSpec, CampaignNotebook, ExportSpec } from './campaign-spec';

// The expression classifier (experiments/classifier.ts, experiments/translate-classifier.ts;
// lib/classify/classifier-experiment.ts, classifier-train.ts; lib/eval/classifier-model.ts, augment.ts).

/** The classifier experiment's design: every number of it lives in experiments/classifier.ts. */
export interface ClassifierExperiment {
  presets: Record<string, ClassifierSettings>;
  seed: number;
  /** The experiment's command name (default 'fer-classifier'; the translator's loss classifier is another). */
  command?: string;
}

/** Training settings of the classifier (presets in experiments/classifier.ts). */
export interface ClassifierSettings {
  arch: ClassifierArch;
  epochs: number;
  batchSize: number;
  /** Peak learning rate of Adam (beta1 0.9, beta2 0.999). */
  lr: number;
  /** Linear warm-up from lr/steps to lr over this many epochs (may be fractional). */
  warmupEpochs: number;
  /** The cosine decay ends at lr * finalLrFraction. */
  finalLrFraction: number;
  /** Dropout rate before the fc and logits layers. */
  dropout: number;
  augment: AugmentOptions;
  /** Seeded random subset of the training split (null = all 28,709). */
  trainLimit: number | null;
  /** Seeded random subset of the test split (null = all 7,178). */
  testLimit: number | null;
  /** Also checkpoint every N steps (0 = only at the end of each epoch). */
  checkpointEvery: number;
  /** Train on L2 PGD perturbations of each batch (lib/classify/adversarial.ts); absent: clean faces. */
  adversarial?: AdversarialTraining;
  /**
   * Weight each face's loss by (N / k) / n_class, capped at this (a weighted mean over the batch), so that rare
   * expressions (disgust: 436 of 28,709) are learnt; absent: every face weighs 1.
   */
  classBalance?: number;
}

/** L2 projected-gradient adversarial training (Madry et al. 2018); pixels in [-1, 1]. */
export interface AdversarialTraining {
  /** Radius of the L2 ball per face (1.0 here = 0.5 on [0, 1] pixels). */
  epsilon: number;
  /** PGD steps per batch. */
  steps: number;
  /** L2 length of each normalised-gradient step. */
  stepSize: number;
}

/** Architecture of the classifier (all numbers live in experiments/classifier.ts). */
export interface ClassifierArch {
  /** Conv widths per block; each block ends in a 2x2 max-pool. E.g. [[32, 64], [128], [256]]. */
  blocks: number[][];
  /** Width of the penultimate (feature) layer. */
  dense: number;
  /** Rearrange 48x48x1 into 24x24x4 first (see the file comment). */
  spaceToDepth: boolean;
}

/** Augmentation strengths (all in experiments/classifier.ts). */
export interface AugmentOptions {
  /** Mirror left-right with probability 0.5. */
  flip: boolean;
  /** Maximum rotation in degrees (uniform in [-rotate, rotate]). */
  rotate: number;
  /** Maximum relative scale change (uniform in [1 - scale, 1 + scale]). */
  scale: number;
  /** Maximum shift in pixels, per axis (uniform in [-shift, shift]). */
  shift: number;
}

// The identity embedding (experiments/identity.ts; lib/eval/identity.ts).

/** The identity embedding's spec (the numbers: experiments/identity.ts, passed in). */
export interface IdentitySpec {
  size: 48;
  loadSize: number;
  /** Identities kept out of training (seeded choice), for verification. */
  holdOut: number;
  /** Channels of the three conv stages. */
  filters: [number, number, number];
  /** Length of the embedding. */
  embed: number;
  epochs: number;
  batchSize: number;
  lr: number;
  /** Random horizontal flips while training. */
  flip: boolean;
  seed: number;
}

// The study questions' design (experiments/study-questions.ts; lib/orchestrate/study-questions.ts).

export type StudyPreset = Extract<PresetName, 'paper' | 'quick' | 'smoke'>;

/** One run of the study questions. */
export interface StudyRun {
  /** Folder name inside the study directory, and the row label. */
  key: string;
  /** Which question it answers; one run may serve several. */
  questions: ('a' | 'b-celeba' | 'b-fer')[];
  spec: ExperimentSpec;
  /** 'celeba' or 'fer2013': which --data folder it reads. */
  data: 'celeba' | 'fer2013';
  /** Distinct training images per preset (null = all the selection has). */
  limit: Record<StudyPreset, number | null>;
}

/** Iteration budget, batch, evaluation size per preset. */
export interface StudyScale {
  steps: number;
  batchSize: number;
  /** Samples / real images per set for the metrics. */
  evalN: number;
  /** Words for the caveat in the table. */
  scale: string;
}

/** Everything runStudyQuestions needs to know about the study. */
export interface StudyDesign {
  runs: StudyRun[];
  scales: Record<StudyPreset, StudyScale>;
  /** The training settings of a run at a preset, for a training set of `images` images. */
  settings(preset: StudyPreset, images: number): TrainSettings;
  /** The emotion of question (b)'s one-emotion FER2013 run (its key is `fer-<emotion>`). */
  emotion: string;
}
