/**
 * Small-data remedies for the per-emotion DCGANs, compared at equal compute: `fer-<emotion>-remedies`
 * is `fer-<emotion>` (same data, model, presets: the same images, epochs, batch and therefore the
 * same number of G and D updates) plus DiffAugment (color, translation, cutout on every batch D
 * sees, real and fake) and one-sided label smoothing (real target 0.9).
 * The sequences train both arms one after another into one parent folder, so
 * `npm run compare -- PARENT_DIR` (or --all) puts them side by side:
 *   fer-remedies           all seven emotions, with and without (14 runs)
 *   fer-remedies-disgust   the smallest class (436 training faces), with and without
 */
import type { Emotion, ExperimentSpec, Remedies } from '../lib/runs/spec-types';

export const REMEDIES: Remedies = {
  diffAugment: { policies: ['color', 'translation', 'cutout'], translationRatio: 0.125, cutoutRatio: 0.5 },
  realLabel: 0.9,
};

/** `fer-<emotion>-remedies` from the plain per-emotion spec. */
export function withRemedies(plain: ExperimentSpec, remedies: Remedies = REMEDIES): ExperimentSpec {
  return {
    ...plain,
    name: `${plain.name}-remedies`,
    description: `${plain.description}; with DiffAugment (${remedies.diffAugment?.policies.join(', ') ?? 'none'}) and one-sided label smoothing (${remedies.realLabel ?? 1})`,
    remedies,
  };
}

/** A sequence training `fer-<e>` and `fer-<e>-remedies` for each emotion, at the plain spec's presets. */
export function remediesComparison(name: string, emotions: readonly Emotion[], plain: (e: Emotion) => ExperimentSpec): ExperimentSpec {
  const first = plain(emotions[0]);
  return {
    name,
    description: `Per-emotion DCGAN with vs without DiffAugment + label smoothing at equal compute (${emotions.join(', ')})`,
    dataset: { kind: 'fer2013', split: 'train', emotions: [...emotions] },
    model: first.model,
    presets: first.presets,
    sequence: emotions.flatMap((e) => [`fer-${e}`, `fer-${e}-remedies`]),
  };
}
