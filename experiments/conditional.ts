/**
 * `fer-conditional`: one class-conditional DCGAN on all seven FER2013 emotions (28,709 training
 * faces at the paper preset), 48x48 grayscale: the study's architecture plus a label embedding
 * joined to z in G, a projection head and a minibatch-stddev map in D, and the mode-seeking term
 * (MSGAN) in G's loss (an ACGAN head is available as `aux`). Fixing z and changing
 * the label keeps the face and changes the expression (samples/same-face-*.png).
 * `fer-conditional-remedies`: the same with DiffAugment and one-sided label smoothing.
 */
import { ExperimentSpec } from '../lib/runs/experiment';
import { ConditionalSpec } from '../lib/models/conditional-spec';
import { EMOTIONS } from '../lib/data/types';
import { paper, quick, smoke } from './presets';
import { REMEDIES } from './remedies';

export const conditionalFerModel: ConditionalSpec = {
  size: 48,
  channels: 1,
  nz: 100,
  ngf: 64,
  ndf: 64,
  classes: EMOTIONS.length,
  classNames: EMOTIONS,
  embed: 50,
  // Without these, the first trials ignored z (every face of an expression the same, from the first
  // epoch on; with aux = 1, 'uniform' labels, and with minibatch stddev alone): see docs/editing.md.
  aux: 0,
  fakeLabels: 'data',
  minibatchStd: true,
  modeSeeking: 1,
};

export const ferConditional: ExperimentSpec = {
  name: 'fer-conditional',
  description: 'Class-conditional DCGAN on all seven FER2013 emotions (label embedding in G, projection head + minibatch stddev in D, mode seeking), 48x48 grayscale',
  dataset: { kind: 'fer2013', split: 'train', emotions: 'all' },
  model: conditionalFerModel,
  // quick: ~10 epochs of a 6,400-face random subset at batch 64 (about 25 minutes on 2 cores, native backend)
  presets: { paper: paper(50), quick: quick(10, 6400), smoke, sample: quick(15, null) },
};

export const ferConditionalRemedies: ExperimentSpec = {
  ...ferConditional,
  name: 'fer-conditional-remedies',
  description: `${ferConditional.description}, with DiffAugment (color, translation, cutout) and one-sided label smoothing (0.9)`,
  remedies: REMEDIES,
};
