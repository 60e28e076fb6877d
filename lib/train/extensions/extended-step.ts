/**
 * The study's step with extensions composed on top (lib/train/step.ts runs them): class-conditional
 * G and D (one-hot label as second input), an ACGAN auxiliary head, MSGAN mode seeking, the
 * same-face term, DiffAugment of every batch D sees (lib/train/augment.ts) and one-sided label
 * smoothing. Without any of them it is the study's DCGAN_STEP itself.
 */
import * as tf from '@tensorflow/tfjs';
import { DCGAN_STEP, DOutput, StepParts } from '../step';
import { bceWithLogits } from '../loss';
import { bceWithLogitsTarget } from './label-smoothing';
import { acganLoss } from './acgan';
import { modeSeekingLoss } from './mode-seeking';
import { renderWithOtherLabels, sameFaceTerm } from './same-face';

/** Extras of a training step; none of them changes the step when absent. */
export interface StepExtensions {
  /** Class-conditional models: one-hot labels [b, classes] of the real batch and of the fakes G is asked for. */
  labels?: { real: tf.Tensor2D; fake: tf.Tensor2D };
  /** Weight of an ACGAN auxiliary classification loss (D's second output); needs `labels`. */
  auxWeight?: number;
  /** Target of real images in D's loss: 1 (default) or e.g. 0.9 (one-sided label smoothing). */
  realLabel?: number;
  /** Differentiable augmentation applied to every batch before D sees it (real and fake, both updates). */
  augment?: (x: tf.Tensor4D) => tf.Tensor4D;
  /** Weight of the mode-seeking term (lib/train/extensions/mode-seeking.ts); fakes i and i + b/2 share labels. */
  modeSeeking?: number;
  /** Same-face term (lib/train/extensions/same-face.ts): its weight and the other labels [n, classes] of the first n fakes. */
  sameFace?: { weight: number; labels: tf.Tensor2D };
}

/** The step's parts for these extensions (DCGAN_STEP when there are none). */
export function extendedStep(x: StepExtensions): StepParts {
  if (!x.labels && !x.augment && (x.realLabel ?? 1) === 1 && !x.auxWeight && !x.modeSeeking) return DCGAN_STEP;
  const labels = x.labels;
  const same = x.sameFace && labels ? x.sameFace : undefined;
  const pairs = same ? same.labels.shape[0] : 0;
  const b = labels?.fake.shape[0] ?? 0;
  if (same && !(pairs >= 1 && pairs <= b)) throw new Error(`sameFace: ${pairs} label rows for a batch of ${b}`);
  return {
    G: (G, z) => {
      if (same) return renderWithOtherLabels(G, z, labels!.fake, same.labels);
      return { fake: G.apply(labels ? [z, labels.fake] : z, { training: true }) as tf.Tensor4D };
    },
    D: (D, batch, which): DOutput => {
      const input = x.augment ? x.augment(batch) : batch;
      const y = labels?.[which];
      const out = D.apply(y ? [input, y] : input, { training: true }) as tf.Tensor | tf.Tensor[];
      return Array.isArray(out) ? { logit: out[0], cls: out[1] } : { logit: out };
    },
    lossD: (real, fake) => {
      let loss = bceWithLogitsTarget(real.logit, x.realLabel ?? 1).add(bceWithLogits(fake.logit, 0)) as tf.Scalar;
      // ACGAN: D learns the class of real images (not of fakes, which would reward it for G's mistakes).
      const aux = acganLoss(real.cls, labels?.real, x.auxWeight);
      if (aux) loss = loss.add(aux);
      return loss;
    },
    lossG: (fake, g, z) => {
      let loss = bceWithLogits(fake.logit, 1);
      const aux = acganLoss(fake.cls, labels?.fake, x.auxWeight);
      if (aux) loss = loss.add(aux) as tf.Scalar;
      if (x.modeSeeking) loss = loss.add(modeSeekingLoss(g.fake, z, x.modeSeeking)) as tf.Scalar;
      if (same && g.extra) loss = loss.add(sameFaceTerm(g, same.weight)) as tf.Scalar;
      return loss;
    },
  };
}
