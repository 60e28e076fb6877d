/**
 * `fer-conditional`: one class-conditional DCGAN on all seven FER2013 emotions (28,709 training
 * faces at the paper and quick presets), 48x48 grayscale: the study's architecture plus a label
 * embedding joined to G's first 3x3 map, a projection head, an auxiliary classifier head (ACGAN,
 * weight 0.5) and a minibatch-stddev map in D, the mode-seeking term (MSGAN, weight 0.5) and a
 * same-face term (weight 3) in G's loss.
 * Fixing z and changing the label changes the expression (samples/same-face-*.png).
 * `fer-conditional-remedies`: the same with DiffAugment and one-sided label smoothing.
 */
import type { ConditionalSpec, ExperimentSpec } from '../lib/runs/spec-types';
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
  // Without minibatch stddev and mode seeking, the first trials ignored z (every face of an expression
  // the same); without the ACGAN head (aux 0, mode seeking 1) the expressions were not readable
  // (hit-rate 0.14, chance): see docs/editing.md.
  aux: 0.5,
  fakeLabels: 'data',
  minibatchStd: true,
  modeSeeking: 0.5,
  // Rows that keep the person: with the label joined to z the same z was a different face in every
  // column (docs/editing.md, the first quick run); now z alone makes the 3x3 first map and a
  // same-face term ties the coarse face (6x6 average) of one z across expressions.
  labelAt: 'features',
  sameFace: 3,
};

export const ferConditional: ExperimentSpec = {
  name: 'fer-conditional',
  description: 'Class-conditional DCGAN on all seven FER2013 emotions (label maps on the first 3x3 map of G, projection + ACGAN heads and minibatch stddev in D, mode seeking and same-face terms), 48x48 grayscale',
  dataset: { kind: 'fer2013', split: 'train', emotions: 'all' },
  model: conditionalFerModel,
  // quick: 4 epochs of all 28,709 faces at batch 64 (1,796 iterations; about an hour on 2 CPU cores, native backend)
  presets: { paper: paper(50), quick: quick(4, null), smoke, sample: quick(15, null) },
};

export const ferConditionalRemedies: ExperimentSpec = {
  ...ferConditional,
  name: 'fer-conditional-remedies',
  description: `${ferConditional.description}, with DiffAugment (color, translation, cutout) and one-sided label smoothing (0.9)`,
  remedies: REMEDIES,
};
