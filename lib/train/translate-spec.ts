/**
 * The shape of the expression translator's experiment spec (the numbers live in
 * experiments/translate.ts and are passed in): loss terms and weights, training settings per
 * preset, and the check of a preset with command-line overrides.
 */
import { TranslatorSpec } from '../models/translator';

/**
 * The translator's targets (issue #23): capped macro hit ratio of the edits >= 0.8x real faces', reconstruction
 * G(x, own expression) >= 30 dB. The evaluation reports against them (lib/eval/edit-metrics.ts EDIT_TARGETS) and
 * the checkpoint choice measures its distance to them (lib/train/translate-select.ts).
 */
export const TRANSLATOR_TARGETS = { ratioMacro: 0.8, recPsnr: 30 } as const;
/** A face reconstructed exactly has an infinite PSNR: per-face PSNRs are capped here before they are averaged. */
export const PSNR_CAP = 60;

export type TranslatePresetName = 'paper' | 'quick' | 'smoke' | 'ablation';
export const TRANSLATE_PRESETS: TranslatePresetName[] = ['paper', 'quick', 'smoke', 'ablation'];

/** Random shift / flip / noise at the frozen loss classifier's input (translator v2), drawn from the run's RNG. */
export interface ClassifierAugment {
  /** Largest shift in pixels (one random shift per batch, zero fill); 0 = none. */
  shift: number;
  /** Random horizontal flip per image. */
  flip: boolean;
  /** Standard deviation of Gaussian noise added per pixel ([-1, 1] units); 0 = none. */
  noise: number;
  /**
   * Largest Gaussian blur sigma in pixels (one sigma per batch, drawn from U(0, blur)); absent or 0 = none.
   * A pattern that fools the classifier only at full resolution (fine bands, arcs) loses its effect.
   */
  blur?: number;
  /**
   * Random erasing: side in pixels of a square set to mid-grey (0) at a random place, in each face with
   * probability 1/2; absent or 0 = none. G cannot win through one region the classifier over-trusts.
   */
  erase?: number;
}

/** Loss terms and their weights. */
export interface TranslateLosses {
  /**
   * 'wgan-gp': Wasserstein loss + gradient penalty on interpolates (StarGAN); 'hinge': hinge loss, no penalty;
   * 'nonsat-r1': non-saturating loss + R1 penalty on real faces (StarGAN v2), weight `r1`.
   */
  adversarial: 'wgan-gp' | 'hinge' | 'nonsat-r1';
  /** R1 weight (nonsat-r1 only): r1 / 2 * mean |grad_x D(x)|^2 on real faces. */
  r1?: number;
  /**
   * Lazy R1 (StyleGAN2, Karras et al. 2020): the penalty on every r1Every-th D update only (those where D's
   * optimiser has made a multiple of r1Every updates, so a resumed run keeps the rhythm), weighted r1Every x r1 so
   * its mean weight is unchanged; the other updates skip R1's double backprop (their logged gp is 0). It changes
   * the training, so it is off unless asked for: absent or 1 = every update.
   */
  r1Every?: number;
  /**
   * Where G's classification loss comes from: 'd' (v1: D's expression head) or 'frozen' (v2: a frozen
   * classifier trained on real faces only, `npm run experiment -- fer-loss-classifier`, never the
   * evaluation classifier), with `clsAugment` at its input. Absent: 'd'.
   */
  clsSource?: 'd' | 'frozen';
  clsAugment?: ClassifierAugment;
  /** Gradient-penalty weight (wgan-gp only). */
  gp: number;
  /** Expression classification of real faces by D (their own label). */
  cls: number;
  /** Expression classification of the edits in G's loss (the target); StarGAN uses the same weight as `cls`. */
  clsG?: number;
  /**
   * Per-face margin on G's classification loss (frozen classifier only): mean max(0, CE_i - clsMargin), so an
   * edit the classifier already reads as its target (p >= exp(-clsMargin)) pushes no further. Without it G keeps
   * lowering the cross-entropy past real faces' level (~1.2) with patterns only the classifier sees. Absent: 0.
   */
  clsMargin?: number;
  /**
   * Targets drawn from the expressions other than the face's own (t != s): the adversarial and classification
   * terms never ask G to "edit" a face to its own label (which, with FER2013's noisy labels, pushes G(x, s) away
   * from x); the identity term alone covers t = s. Absent: t uniform over all expressions (StarGAN).
   */
  otherTargets?: boolean;
  /**
   * Class balance for D's real faces (nonsat-r1 only): each real face's term weighted by (N / k) / n_c, capped at
   * this value (its mean over the training set is about 1), so D's per-expression map of a rare class (disgust: 436
   * of 28,709 faces, 1.5%, while G is asked for it 1/7 of the time) learns what the real class looks like.
   * Absent or 0: unweighted.
   */
  dBalance?: number;
  /** Cycle reconstruction L1 |G(G(x, t), s) - x|. */
  rec: number;
  /**
   * Identity mapping L1 |G(x, s) - x|: the face asked for its own expression comes back unchanged.
   * Not in StarGAN v1; CycleGAN's identity loss and many face-editing StarGAN variants use it.
   * Absent or 0 in runs written before it existed (the term is then not computed).
   */
  idt?: number;
  /**
   * Identity mapping, squared: idtSq * mean (G(x, s) - x)^2 beside the L1 term (needs idt > 0). Reconstruction is
   * judged by PSNR, a mean squared error: where G cannot tell whether a face already shows its noisy label, the L1
   * term's best answer is the whole edit or none (a median), the squared term's a partial one (a mean), which costs
   * far less PSNR. Absent or 0: L1 only.
   */
  idtSq?: number;
  /**
   * Attention-mask regulariser: mean(1 - A), the share of the input copied unchanged. GANimation's
   * penalty: without it the mask settles at "copy the input", where the cycle and adversarial terms
   * are met for free and the expression never changes (seen in the first sanity runs, which
   * penalised mean(A) instead: the mask fell to ~1% and G's classification loss rose).
   */
  maskMean: number;
  /** ... and total variation (mean squared difference of neighbouring mask values: a smooth mask). */
  maskTv: number;
  /**
   * Smoothness of the edit: editTv * TV(G(x, t) - x), the change's mean squared difference of neighbouring pixels
   * (maskTv's measure, on the change instead of a mask). Per unit of energy, a change drawn as fine stripes costs far
   * more than a broad one (a period-2 pattern 4x its energy per axis, period 4 2x, period 8 0.6x): v2i drew surprise's
   * wide eyes as vertical bars and neutral's closed mouth as horizontal bands, which classifiers read and people see as
   * artefacts. Absent or 0: not computed (runs written before it train exactly as before). Logged in g_mask.
   */
  editTv?: number;
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
  /**
   * Checkpoint choice (translator v2): every N iterations G edits `selectFaces` seeded PublicTest faces to
   * every other expression, the frozen loss classifier judges them (never the evaluation classifier, never
   * PrivateTest), and G is kept in <run>/best/ when its capped macro hit ratio is the best so far among
   * snapshots whose reconstruction PSNR (the mean of per-face PSNRs, as the evaluation) is at least `selectMinPsnr` (until one is, the snapshot nearest to both
   * targets; lib/train/translate-select.ts). Every scored G is also kept in <run>/snapshots/step-N/. Absent or 0: off.
   */
  selectEvery?: number;
  selectFaces?: number;
  selectMinPsnr?: number;
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

/** The settings of a preset with command-line overrides, validated (errors name the option). */
export function translateSettings(exp: TranslateExperiment, preset: string, o: { steps?: number; limit?: number | null; batchSize?: number } = {}): TranslateSettings {
  if (!(TRANSLATE_PRESETS as string[]).includes(preset)) {
    throw new Error(`fer-translate: --preset must be one of ${TRANSLATE_PRESETS.join(', ')}, got "${preset}"`);
  }
  const s = { ...exp.presets[preset as TranslatePresetName] };
  if (o.steps !== undefined) s.steps = o.steps;
  if (o.limit !== undefined) s.limit = o.limit;
  if (o.batchSize !== undefined) s.batchSize = o.batchSize;
  return checkTranslateSettings(s, `fer-translate/${preset}`);
}

/** Checks settings (a preset's, or those recorded in a run's config.json); `where` names their source. */
export function checkTranslateSettings(s: TranslateSettings, where: string): TranslateSettings {
  if (!s || typeof s !== 'object') throw new Error(`${where}: settings missing (expected an object with steps, batchSize, ...)`);
  for (const k of ['steps', 'batchSize', 'nCritic', 'sampleEvery', 'logEvery'] as const) {
    if (!Number.isInteger(s[k]) || s[k] < 1) throw new Error(`${where}: ${k} must be a positive integer, got ${JSON.stringify(s[k])}`);
  }
  if (!Number.isInteger(s.checkpointEvery) || s.checkpointEvery < 0) throw new Error(`${where}: checkpointEvery must be a non-negative integer, got ${JSON.stringify(s.checkpointEvery)}`);
  if (s.batchSize < 2) throw new Error(`${where}: batchSize must be at least 2, got ${s.batchSize}`);
  for (const k of ['lrG', 'lrD', 'beta1', 'beta2'] as const) {
    if (typeof s[k] !== 'number' || !Number.isFinite(s[k]) || s[k] < 0) throw new Error(`${where}: ${k} must be a non-negative number, got ${JSON.stringify(s[k])}`);
  }
  return s;
}
