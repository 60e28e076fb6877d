/**
 * The expression classifier (`npm run experiment -- fer-classifier`): a compact VGG-style CNN on
 * the FER2013 training split, measured on the test split (PublicTest + PrivateTest). Its
 * penultimate features feed fd_fer, kid_fer and diversity; its probabilities the expression
 * hit-rate. Every tunable number lives here.
 *
 * - paper: the shipped model (models/fer-classifier/, 65.1% test accuracy): all 28,709 training
 *   faces, 40 epochs in one warm-up + cosine cycle, about 100 minutes on 2 CPU cores with the native
 *   backend and oneDNN (~190 images/s).
 * - finetune: an optional second stage from a trained classifier's weights (`--init DIR`): the same
 *   network and data, a fresh warm-up + cosine schedule at half the peak learning rate (a warm
 *   restart), recorded as `stages` in the new metrics.json. (The previous, smaller network went
 *   from 60.1% after 13 epochs to 62.2% with it.)
 * - quick: the same network for 3 epochs (about 8 minutes; lower accuracy).
 * - smoke: a tiny network on 224 images, for tests (seconds).
 */
import type { AugmentOptions, ClassifierExperiment, ClassifierSettings } from '../lib/runs/spec-types';

export type ClassifierPreset = 'paper' | 'finetune' | 'quick' | 'smoke';

const arch = { blocks: [[32, 64], [128, 128], [256]], dense: 256, spaceToDepth: true };
const augment: AugmentOptions = { flip: true, rotate: 10, scale: 0.1, shift: 4 };

const paper: ClassifierSettings = {
  arch,
  epochs: 40,
  batchSize: 64,
  lr: 2e-3,
  warmupEpochs: 0.5,
  finalLrFraction: 0.01,
  dropout: 0.4,
  augment,
  trainLimit: null,
  testLimit: null,
  checkpointEvery: 100,
};

export const CLASSIFIER_PRESETS: Record<ClassifierPreset, ClassifierSettings> = {
  paper,
  finetune: { ...paper, epochs: 12, lr: 1e-3, warmupEpochs: 0.25 },
  quick: { ...paper, epochs: 3 },
  smoke: {
    ...paper,
    arch: { blocks: [[8], [16]], dense: 32, spaceToDepth: true },
    epochs: 2,
    batchSize: 16,
    lr: 3e-3,
    warmupEpochs: 0,
    trainLimit: 224,
    testLimit: 140,
    checkpointEvery: 0,
  },
};

/** The classifier's default seed. */
export const CLASSIFIER_SEED = 2013;

/** What runClassifierExperiment (lib/classify/classifier-experiment.ts) runs. */
export const CLASSIFIER_EXPERIMENT: ClassifierExperiment = { presets: CLASSIFIER_PRESETS, seed: CLASSIFIER_SEED };
