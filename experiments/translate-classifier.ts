/**
 * `fer-loss-classifier`: the frozen expression classifier that the translator v2's G is trained
 * against (issue #23). Trained here on the FER2013 training split only (real faces, augmented), with
 * its own seed and its own architecture, so that it is never the classifier that evaluates the
 * translator (models/fer-classifier, experiments/classifier.ts: blocks [[32,64],[128,128],[256]],
 * dense 256, seed 2013). lib/train/translate-classifier.ts refuses a loss classifier whose weights,
 * folder, or seed + architecture are those of the evaluation classifier.
 *
 * - paper: 8 epochs of all 28,709 training faces (a smaller net than the evaluation classifier, so
 *   it trains in a fraction of the time on 2 shared cores; its accuracy is recorded in its metrics.json)
 * - deep: paper with one more conv in each of the last two blocks (another architecture, about 1.3x the cost).
 * - long: 40 epochs of a wider net, as the evaluation classifier is trained, with its own architecture and seed.
 * - robust: paper's net trained on L2 PGD perturbations of every batch (lib/classify/adversarial.ts: radius 1.0 on
 *   [-1, 1] pixels, 3 steps of 0.4), so that its input gradients are perceptually aligned and G moves it by
 *   changing the face rather than by patterns (about 3.5x the cost of paper per epoch; `--init` a paper model to
 *   start from its weights), each face's loss weighted by its expression's rarity (classBalance 5).
 * - smoke: a tiny net on 224 images, for tests (seconds).
 */
import type { ClassifierExperiment, ClassifierSettings } from '../lib/runs/spec-types';

const paper: ClassifierSettings = {
  arch: { blocks: [[32, 32], [64, 64], [128]], dense: 128, spaceToDepth: true },
  epochs: 8,
  batchSize: 64,
  lr: 2e-3,
  warmupEpochs: 0.5,
  finalLrFraction: 0.01,
  dropout: 0.4,
  augment: { flip: true, rotate: 10, scale: 0.1, shift: 4 },
  trainLimit: null,
  testLimit: null,
  checkpointEvery: 100,
};

export const LOSS_CLASSIFIER_EXPERIMENT: ClassifierExperiment = {
  command: 'fer-loss-classifier',
  seed: 4242,
  presets: {
    paper,
    // another architecture of about the same cost (one more conv in each of the last two blocks): a loss-ensemble member
    // of its own kind, or a held-out judge that no loss uses (the evaluation classifier stays apart either way)
    deep: { ...paper, arch: { blocks: [[32, 32], [64, 64, 64], [128, 128]], dense: 128, spaceToDepth: true } },
    // trained like the evaluation classifier (40 epochs, a wider net) but with its own architecture and seed: the loss
    // family's 8-epoch nets read the edits alike and more generously than the evaluation classifier (docs/editing.md)
    long: { ...paper, epochs: 40, arch: { blocks: [[32, 48], [96, 128], [192]], dense: 192, spaceToDepth: true } },
    // adversarially trained (Madry et al. 2018): robust classifiers' input gradients look like the class (Tsipras et al.
    // 2019), so a G trained against one has to draw the expression (docs/editing.md "A robust loss classifier")
    // with the expressions balanced (disgust weighs 5, as D's real term in v2c): unbalanced, the robust net never
    // predicted disgust (recall 0.0) nor fear (0.03), the two G most needs it to read
    robust: { ...paper, adversarial: { epsilon: 1.0, steps: 3, stepSize: 0.4 }, classBalance: 5 },
    smoke: {
      ...paper,
      arch: { blocks: [[8], [8]], dense: 16, spaceToDepth: true },
      epochs: 1,
      batchSize: 16,
      lr: 3e-3,
      warmupEpochs: 0,
      trainLimit: 224,
      testLimit: 140,
      checkpointEvery: 0,
    },
  },
};
