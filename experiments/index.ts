/**
 * Every experiment of the study, by name: `celeba`, `celeba-gray`, `fer-<emotion>` (seven) and
 * `fer-all` (the seven per-emotion models one after another).
 */
import type { ExperimentSpec } from '../lib/runs/spec-types';
import { EMOTIONS } from '../lib/data/types';
import { paper, quick, smoke } from './presets';
import { ferConditional, ferConditionalRemedies } from './conditional';
import { withRemedies, remediesComparison } from './remedies';

const celebaModel = { size: 64, channels: 3, nz: 100, ngf: 64, ndf: 64 } as const;
const ferModel = { size: 48, channels: 1, nz: 100, ngf: 64, ndf: 64 } as const;

export const celeba: ExperimentSpec = {
  name: 'celeba',
  description: 'Experiment 1: CelebA aligned faces, 64x64 colour, 25 epochs',
  dataset: { kind: 'celeba', grayscale: false },
  model: celebaModel,
  presets: { paper: paper(25), quick: quick(8, 3000), smoke, sample: quick(15, null) },
};

export const celebaGray: ExperimentSpec = {
  name: 'celeba-gray',
  description: 'Experiment 3: the same CelebA images in grayscale (BT.601 luma), 64x64x1, 25 epochs',
  dataset: { kind: 'celeba', grayscale: true },
  model: { ...celebaModel, channels: 1 },
  presets: { ...celeba.presets },
};

export function ferEmotion(emotion: (typeof EMOTIONS)[number]): ExperimentSpec {
  return {
    name: `fer-${emotion}`,
    description: `Experiment 2: FER2013 "${emotion}" training faces only, 48x48 grayscale, 50 epochs`,
    dataset: { kind: 'fer2013', split: 'train', emotions: [emotion] },
    model: ferModel,
    presets: { paper: paper(50), quick: quick(10, 4000), smoke, sample: quick(15, null) },
  };
}

export const ferAll: ExperimentSpec = {
  name: 'fer-all',
  description: 'Experiment 2 in full: the seven per-emotion FER2013 models, one after another',
  dataset: { kind: 'fer2013', split: 'train', emotions: 'all' },
  model: ferModel,
  presets: { paper: paper(50), quick: quick(10, 4000), smoke, sample: quick(15, null) },
  sequence: EMOTIONS.map((e) => `fer-${e}`),
};

/** A model on all FER2013 training faces (every emotion together), for the training-set-size question. */
export const ferPooled: ExperimentSpec = {
  name: 'fer-pooled',
  description: 'One DCGAN on all 28,709 FER2013 training faces (all emotions), 48x48 grayscale',
  dataset: { kind: 'fer2013', split: 'train', emotions: 'all' },
  model: ferModel,
  presets: { paper: paper(50), quick: quick(10, 4000), smoke, sample: quick(15, null) },
};

export const EXPERIMENTS: Record<string, ExperimentSpec> = Object.fromEntries(
  [
    celeba, celebaGray, ...EMOTIONS.map(ferEmotion), ferAll, ferPooled,
    // conditional DCGAN and small-data remedies (experiments/conditional.ts, remedies.ts)
    ferConditional, ferConditionalRemedies,
    ...EMOTIONS.map((e) => withRemedies(ferEmotion(e))),
    remediesComparison('fer-remedies', EMOTIONS, ferEmotion),
    remediesComparison('fer-remedies-disgust', ['disgust'], ferEmotion),
  ].map((s) => [s.name, s]),
);

export function getExperiment(name: string): ExperimentSpec {
  const spec = EXPERIMENTS[name];
  if (!spec) {
    throw new Error(`unknown experiment "${name}"; available: ${Object.keys(EXPERIMENTS).join(', ')}`);
  }
  return spec;
}
