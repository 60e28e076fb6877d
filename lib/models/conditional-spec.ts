/**
 * The class-conditional DCGAN's spec: the study's DcganSpec plus an expression condition.
 *
 * G: a learned label embedding (`embed` numbers per class) is joined to z before G's first layer,
 * or (labelAt 'features') to the first layer's output as constant label maps.
 * D: a projection head (Miyato & Koyama 2018): logit = unconditional logit + <embed_D(y), pooled features>.
 * Optionally an ACGAN-style auxiliary classifier head on D's features (`aux` > 0 is its loss weight).
 */
import { DcganSpec, checkSpec } from './spec';

export interface ConditionalSpec extends DcganSpec {
  /** Number of classes (7 FER2013 emotions). */
  classes: number;
  /** Class names in label order (EMOTIONS); used for grid headers and `--emotion`. */
  classNames: readonly string[];
  /** Length of G's label embedding joined to z (e.g. 50). */
  embed: number;
  /** Weight of the ACGAN auxiliary classification loss; 0 = no auxiliary head. */
  aux: number;
  /**
   * Labels G is asked for during training: 'data' = the labels of the real batch (the data's class
   * frequencies), 'uniform' = every class equally often.
   */
  fakeLabels: 'data' | 'uniform';
  /** Give D a minibatch-standard-deviation feature map before its last layer (against intra-class mode collapse). */
  minibatchStd?: boolean;
  /**
   * Weight of the mode-seeking term (MSGAN, Mao et al. 2019; 0/absent = off): conditional GANs tend
   * to ignore z (every face of an expression alike); this rewards G for making different z different.
   */
  modeSeeking?: number;
  /**
   * Where G takes the label: 'z' (default; the embedding joined to z before the first layer, the
   * classic cGAN) or 'features' (broadcast as label maps onto the first layer's output, so the coarse
   * face, e.g. 3x3 at 48x48, comes from z alone and the label shapes only what follows).
   */
  labelAt?: 'z' | 'features';
  /**
   * Weight of the same-face term (0/absent = off): for a quarter of the batch G also renders the same
   * z under another label, and G's loss gets weight * mean (low-pass(G(z, y)) - low-pass(G(z, y')))^2
   * (8x8 average pooling): changing the expression must not change the coarse face.
   */
  sameFace?: number;
}

/** True when a model spec describes a class-conditional DCGAN. */
export function isConditional(spec: DcganSpec | ConditionalSpec): spec is ConditionalSpec {
  return typeof (spec as Partial<ConditionalSpec>).classes === 'number';
}

/** Validates a conditional spec, naming the bad field. */
export function checkConditionalSpec(spec: ConditionalSpec, where = 'conditional model spec'): ConditionalSpec {
  checkSpec(spec, where);
  if (!Number.isInteger(spec.classes) || spec.classes < 2) {
    throw new Error(`${where}: classes must be an integer >= 2, got ${spec.classes}`);
  }
  if (!Array.isArray(spec.classNames) || spec.classNames.length !== spec.classes) {
    throw new Error(`${where}: classNames must list ${spec.classes} names, got ${JSON.stringify(spec.classNames)}`);
  }
  if (!Number.isInteger(spec.embed) || spec.embed < 1) throw new Error(`${where}: embed must be a positive integer, got ${spec.embed}`);
  if (!(spec.aux >= 0) || !Number.isFinite(spec.aux)) throw new Error(`${where}: aux must be a number >= 0, got ${spec.aux}`);
  if (spec.fakeLabels !== 'data' && spec.fakeLabels !== 'uniform') {
    throw new Error(`${where}: fakeLabels must be "data" or "uniform", got ${JSON.stringify(spec.fakeLabels)}`);
  }
  if (spec.modeSeeking !== undefined && !(spec.modeSeeking >= 0 && Number.isFinite(spec.modeSeeking))) {
    throw new Error(`${where}: modeSeeking must be a number >= 0, got ${spec.modeSeeking}`);
  }
  if (spec.labelAt !== undefined && spec.labelAt !== 'z' && spec.labelAt !== 'features') {
    throw new Error(`${where}: labelAt must be "z" or "features", got ${JSON.stringify(spec.labelAt)}`);
  }
  if (spec.sameFace !== undefined && !(spec.sameFace >= 0 && Number.isFinite(spec.sameFace))) {
    throw new Error(`${where}: sameFace must be a number >= 0, got ${spec.sameFace}`);
  }
  if (spec.minibatchStd !== undefined && typeof spec.minibatchStd !== 'boolean') {
    throw new Error(`${where}: minibatchStd must be true or false, got ${JSON.stringify(spec.minibatchStd)}`);
  }
  return spec;
}

/** The index of a class by name (case-insensitive), with an error listing the names. */
export function classIndex(spec: ConditionalSpec, name: string, where = '--emotion'): number {
  const i = spec.classNames.findIndex((c) => c.toLowerCase() === name.toLowerCase());
  if (i < 0) throw new Error(`${where}: unknown class "${name}"; expected one of ${spec.classNames.join(', ')}`);
  return i;
}
