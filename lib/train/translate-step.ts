/**
 * One iteration of the expression translator's training (StarGAN, with GANimation's mask terms):
 *
 *   D update (every iteration): adversarial on real x and edits G(x, t) (no gradient into G)
 *     wgan-gp: mean D(G(x,t)) - mean D(x) + gp * mean (|grad_xhat D(xhat)|_2 - 1)^2,
 *              xhat = a x + (1 - a) G(x,t), a ~ U(0,1) per image (Gulrajani et al. 2017)
 *     hinge:   mean relu(1 - D(x)) + mean relu(1 + D(G(x,t)))
 *     + cls * CE(D_cls(x), s)                                    (real faces, their own label s)
 *   G update (when asked): -mean D(G(x,t)) + clsG * CE(D_cls(G(x,t)), t)   (clsG defaults to cls)
 *     + rec * mean |G(G(x,t), s) - x|                             (cycle reconstruction)
 *     + idt * mean |G(x,s) - x| + idtSq * mean (G(x,s) - x)^2     (identity mapping, when idt > 0; not in StarGAN v1)
 *     + maskMean * mean(1 - A) + maskTv * TV(A)  for both masks A   (only with the attention mask; A = 1 changes
 *       the pixel, so mean(1 - A) is the share copied from the input: GANimation's penalty against a mask
 *       that saturates at "keep the input")
 *     + editTv * TV(G(x,t) - x)                                     (a smooth edit, when editTv > 0)
 *
 * The gradient penalty differentiates D's input gradient with respect to D's weights: D uses
 * AbsLeakyReLU (lib/models/abs-leaky-relu.ts) so that this double gradient exists in TF.js.
 * Random numbers (targets, a, flips) come from the caller, so a resumed run draws the same ones.
 * Nothing is read back from the device here.
 */
import * as tf from '@tensorflow/tfjs';
import { Adam } from './adam';
import { translate, discriminate, domainScore } from '../models/translator';
import { trainableVariables } from '../models/dcgan';
import { Kernels, DEFAULT_KERNELS, useKernels } from '../kernels/kernels';
import { outsideTape } from '../kernels/outside-tape';
import type { TranslateLosses, ClassifierAugment } from './translate-spec';
import { mixedLogits, type TargetMix } from './translate-classifier';
import type { Rng } from '../rng';

/** G, D and their optimisers (the same shape as GanPair, so lib/train/checkpoint.ts saves it). */
export interface TranslatorPair {
  G: tf.LayersModel;
  D: tf.LayersModel;
  optG: Adam;
  optD: Adam;
  /**
   * The frozen loss classifier (translator v2, `clsSource: 'frozen'`): logits of faces in [-1, 1].
   * Not trained, not checkpointed (its weights are fixed and fingerprinted in config.json).
   */
  C?: tf.LayersModel;
  /** The loss classifier's per-target member mix (an ensemble with targetWeights): G's loss reads it instead of C. */
  Cmix?: TargetMix;
}

export function makeTranslatorPair(G: tf.LayersModel, D: tf.LayersModel, adamG: Adam['config'], adamD: Adam['config'], kernels: Kernels = DEFAULT_KERNELS): TranslatorPair {
  // With 'fused' kernels (lib/kernels/kernels.ts), G's instance norms, ReLUs, bias-free convolutions
  // and 4x4 stride-2 transposed convolutions run as the faster kernels (same outputs).
  // D gets only the kernels whose gradients can be differentiated again (its LeakyReLU, its convolutions as conv2d (+ bias)
  // so that its input gradient comes without its weight gradients): the gradient penalty differentiates D's gradient.
  useKernels(kernels, [G]);
  useKernels(kernels, [D], { secondOrder: true, biasConv: true });
  return { G, D, optG: new Adam(trainableVariables(G), { ...adamG }), optD: new Adam(trainableVariables(D), { ...adamD }) };
}

/** One batch of an iteration: real faces, their labels and targets as one-hot rows, and interpolation weights. */
export interface TranslateBatch {
  x: tf.Tensor4D;
  src: tf.Tensor2D;
  trg: tf.Tensor2D;
  /** a per image, [b,1,1,1], for the gradient penalty's interpolates. */
  alpha: tf.Tensor4D;
  /** Per-face weights [b] of D's real term (losses.dBalance); absent: unweighted. */
  realWeight?: tf.Tensor1D;
  /** The frozen classifier's input augmentation of this batch (v2): shift, flips [b,1,1,1] in {0,1}, noise [b,h,w,c]. */
  aug?: ClassifierView;
}

/**
 * One batch's draw of the frozen classifier's input augmentation: a shift (zero fill), flips [b,1,1,1] in {0,1},
 * noise [b,h,w,c], and (v2b) a normalised Gaussian blur kernel [k,k,1,1] and erasing masks [b,h,w,1] (0 = erased).
 */
export interface ClassifierView {
  dy: number;
  dx: number;
  pad: number;
  flip: tf.Tensor4D | null;
  noise: tf.Tensor4D | null;
  blur?: tf.Tensor4D | null;
  keep?: tf.Tensor4D | null;
}

/** A normalised 2-D Gaussian kernel [2r+1, 2r+1, 1, 1] for tf.conv2d (sigma 0: the identity kernel). */
export function gaussianKernel(sigma: number, radius: number): tf.Tensor4D {
  const n = 2 * radius + 1;
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) g[i] = sigma > 0 ? Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)) : i === radius ? 1 : 0;
  const sum = g.reduce((a, b) => a + b, 0);
  const k = new Float32Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) k[y * n + x] = (g[y] * g[x]) / (sum * sum);
  return tf.tensor4d(k, [n, n, 1, 1]);
}

/**
 * Draws one G step's classifier view from the run's RNG, in a fixed order: shift, flips, noise, then (only when
 * configured, so runs without them draw exactly as before) the blur sigma and the erased squares.
 */
export function drawClassifierView(rng: Rng, a: ClassifierAugment, shape: [number, number, number, number]): ClassifierView {
  const [n, h, w, c] = shape;
  const dy = a.shift > 0 ? rng.int(2 * a.shift + 1) - a.shift : 0;
  const dx = a.shift > 0 ? rng.int(2 * a.shift + 1) - a.shift : 0;
  const fl = a.flip ? Float32Array.from({ length: n }, () => (rng.uniform() < 0.5 ? 1 : 0)) : null;
  const nz = a.noise > 0 ? rng.normals(n * h * w * c).map((v) => v * a.noise) : null;
  const view: ClassifierView = { dy, dx, pad: a.shift, flip: fl ? tf.tensor4d(fl, [n, 1, 1, 1]) : null, noise: nz ? tf.tensor4d(nz, shape) : null };
  if (a.blur && a.blur > 0) view.blur = gaussianKernel(rng.uniform() * a.blur, Math.ceil(2 * a.blur));
  if (a.erase && a.erase > 0) {
    const s = Math.min(a.erase, h, w);
    const keep = new Float32Array(n * h * w).fill(1);
    for (let i = 0; i < n; i++) {
      const on = rng.uniform() < 0.5;
      const y0 = rng.int(h - s + 1);
      const x0 = rng.int(w - s + 1);
      if (!on) continue;
      for (let y = y0; y < y0 + s; y++) keep.fill(0, i * h * w + y * w + x0, i * h * w + y * w + x0 + s);
    }
    view.keep = tf.tensor4d(keep, [n, h, w, 1]);
  }
  return view;
}

/** The frozen classifier's view of images: shifted (zero fill), flipped per image, with noise; differentiable. */
export function augmentForClassifier(x: tf.Tensor4D, aug: TranslateBatch['aug']): tf.Tensor4D {
  if (!aug) return x;
  return tf.tidy(() => {
    let h: tf.Tensor4D = x;
    if (aug.pad > 0) {
      const [, H, W] = x.shape;
      h = h.pad([[0, 0], [aug.pad, aug.pad], [aug.pad, aug.pad], [0, 0]]).slice([0, aug.pad + aug.dy, aug.pad + aug.dx, 0], [-1, H, W, -1]) as tf.Tensor4D;
    }
    if (aug.flip) h = h.add(aug.flip.mul(h.reverse(2).sub(h))) as tf.Tensor4D;
    if (aug.blur) {
      // per channel (depthwise), edges padded by reflection so the border does not darken
      const r = (aug.blur.shape[0] - 1) / 2;
      const c = h.shape[3];
      const k = c === 1 ? aug.blur : (tf.tile(aug.blur, [1, 1, c, 1]) as tf.Tensor4D);
      h = tf.depthwiseConv2d(tf.mirrorPad(h, [[0, 0], [r, r], [r, r], [0, 0]], 'reflect'), k, 1, 'valid') as tf.Tensor4D;
    }
    if (aug.keep) h = h.mul(aug.keep) as tf.Tensor4D;
    if (aug.noise) h = h.add(aug.noise) as tf.Tensor4D;
    return h;
  });
}

/** Scalars of one iteration, still on the device; the G terms only when G was updated. */
export interface TranslateStepTensors {
  d: { loss: tf.Scalar; adv: tf.Scalar; cls: tf.Scalar; gp: tf.Scalar; real: tf.Scalar; fake: tf.Scalar };
  g: { loss: tf.Scalar; adv: tf.Scalar; cls: tf.Scalar; rec: tf.Scalar; idt: tf.Scalar; mask: tf.Scalar; fake: tf.Scalar } | null;
}

const ce = (onehot: tf.Tensor2D, logits: tf.Tensor2D) => tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;

/** Total variation of masks [b,h,w,1]: mean squared difference of vertical and horizontal neighbours. */
export function maskTv(m: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const [, h, w] = m.shape;
    const dy = m.slice([0, 1, 0, 0], [-1, h - 1, -1, -1]).sub(m.slice([0, 0, 0, 0], [-1, h - 1, -1, -1]));
    const dx = m.slice([0, 0, 1, 0], [-1, -1, w - 1, -1]).sub(m.slice([0, 0, 0, 0], [-1, -1, w - 1, -1]));
    return dy.square().mean().add(dx.square().mean()) as tf.Scalar;
  });
}

/**
 * The D update. `edits`: G(x, t) of this batch already computed (translatorIteration passes the G step's, which D
 * takes as a constant); absent: computed here.
 */
export function discriminatorStep(pair: TranslatorPair, b: TranslateBatch, w: TranslateLosses, edits?: tf.Tensor4D): TranslateStepTensors['d'] {
  const fake = edits ?? tf.tidy(() => translate(pair.G, b.x, b.trg).image);
  const parts: Partial<Record<'adv' | 'cls' | 'gp' | 'real' | 'fake', tf.Scalar>> = {};
  const kept: tf.Tensor[] = [];
  const every = w.r1Every ?? 1;
  const r1Now = w.adversarial === 'nonsat-r1' && pair.optD.step % every === 0;
  const { value, grads } = tf.variableGrads(() => {
    // R1 needs grad_x of D's real score: D runs forward once on the real faces, inside that gradient, and its outputs
    // also give the real terms (PyTorch's create_graph=True); kept out of the gradient's tidy, freed below
    let r: ReturnType<typeof discriminate> | null = null;
    const realGrad = r1Now
      ? tf.grad((xi: tf.Tensor) => {
        r = discriminate(pair.D, xi as tf.Tensor4D);
        kept.push(tf.keep(r.src), tf.keep(r.cls));
        return domainScore(r.src, b.src).sum();
      })(b.x)
      : null;
    if (!r) r = discriminate(pair.D, b.x);
    const f = discriminate(pair.D, fake);
    // with per-expression score maps: the real face's own expression, the edit's target (StarGAN v2)
    const rs = domainScore(r.src, b.src);
    const fs = domainScore(f.src, b.trg);
    const realScore = rs.mean() as tf.Scalar;
    const fakeScore = fs.mean() as tf.Scalar;
    let adv: tf.Scalar;
    let gp: tf.Scalar = tf.scalar(0);
    let penalty = w.gp;
    if (w.adversarial === 'hinge') {
      adv = tf.relu(tf.sub(1, rs)).mean().add(tf.relu(tf.add(1, fs)).mean()) as tf.Scalar;
    } else if (w.adversarial === 'nonsat-r1') {
      const realTerm = b.realWeight ? tf.softplus(rs.neg()).mean([1, 2, 3]).mul(b.realWeight).mean() : tf.softplus(rs.neg()).mean();
      adv = realTerm.add(tf.softplus(fs).mean()) as tf.Scalar;
      // R1 (Mescheder et al. 2018): 1/2 |grad_x D(x)|^2 on real faces, mean over the batch; lazy (r1Every > 1): on every
      // r1Every-th update only, weighted r1Every x
      if (realGrad) gp = realGrad.square().sum([1, 2, 3]).mean().mul(0.5) as tf.Scalar;
      penalty = realGrad ? (w.r1 ?? 0) * every : 0;
    } else {
      adv = fakeScore.sub(realScore) as tf.Scalar;
      const xhat = b.alpha.mul(b.x).add(tf.sub(1, b.alpha).mul(fake)) as tf.Tensor4D;
      const g = tf.grad((xi: tf.Tensor) => domainScore(discriminate(pair.D, xi as tf.Tensor4D).src, b.trg).sum())(xhat);
      gp = g.square().sum([1, 2, 3]).add(1e-12).sqrt().sub(1).square().mean() as tf.Scalar;
    }
    const cls = ce(b.src, r.cls);
    Object.assign(parts, { adv: tf.keep(adv), cls: tf.keep(cls), gp: tf.keep(gp), real: tf.keep(realScore), fake: tf.keep(fakeScore) });
    return adv.add(cls.mul(w.cls)).add(gp.mul(penalty)) as tf.Scalar;
  }, pair.optD.params);
  pair.optD.apply(pair.optD.params.map((p) => grads[p.name]));
  tf.dispose([...(edits ? [] : [fake]), ...kept, ...Object.values(grads)]);
  return { loss: value, adv: parts.adv!, cls: parts.cls!, gp: parts.gp!, real: parts.real!, fake: parts.fake! };
}

/**
 * The G update (with the D just updated). `afterEdit(edits)` runs right after G(x, t), outside G's gradient tape
 * (translatorIteration updates D there).
 */
export function generatorStep(pair: TranslatorPair, b: TranslateBatch, w: TranslateLosses, afterEdit?: (edits: tf.Tensor4D) => void): NonNullable<TranslateStepTensors['g']> {
  const parts: Partial<Record<'adv' | 'cls' | 'rec' | 'idt' | 'mask' | 'fake', tf.Scalar>> = {};
  const idtWeight = w.idt ?? 0;
  const frozen = w.clsSource === 'frozen';
  if (frozen && !pair.C) throw new Error("generatorStep: losses.clsSource is 'frozen' but no loss classifier was given (--loss-classifier)");
  const { value, grads } = tf.variableGrads(() => {
    // G(x, t) and, for the identity term, G(x, s) in one pass of 2n faces (G treats each face on its own: instance
    // norm, no batch statistics; the same arithmetic, larger convolutions)
    const n = b.x.shape[0];
    const half = (t: tf.Tensor4D, i: number) => t.slice([i * n, 0, 0, 0], [n, -1, -1, -1]) as tf.Tensor4D;
    const both = idtWeight > 0 ? translate(pair.G, tf.concat([b.x, b.x]) as tf.Tensor4D, tf.concat([b.trg, b.src]) as tf.Tensor2D) : null;
    const e = both ? { image: half(both.image, 0), mask: both.mask ? half(both.mask, 0) : null } : translate(pair.G, b.x, b.trg);
    if (afterEdit) outsideTape(() => afterEdit(e.image));
    const f = discriminate(pair.D, e.image);
    const fs = domainScore(f.src, b.trg);
    const fakeScore = fs.mean() as tf.Scalar;
    const adv = (w.adversarial === 'nonsat-r1' ? tf.softplus(fs.neg()).mean() : fakeScore.neg()) as tf.Scalar;
    // G's expression signal: D's head (v1), or the frozen classifier trained on real faces only (v2),
    // looking at a randomly shifted / flipped / noisy copy of the edit (so G cannot fit its pixel grid)
    let cls: tf.Scalar;
    if (frozen) {
      const seen = augmentForClassifier(e.image, b.aug);
      const logits = pair.Cmix ? mixedLogits(pair.Cmix, seen, b.trg) : (pair.C!.apply(seen) as tf.Tensor2D);
      const m = w.clsMargin ?? 0;
      cls = m > 0 ? (tf.relu(tf.losses.softmaxCrossEntropy(b.trg, logits, undefined, 0, tf.Reduction.NONE).sub(m)).mean() as tf.Scalar) : ce(b.trg, logits);
    } else cls = ce(b.trg, f.cls);
    const back = translate(pair.G, e.image, b.src);
    const rec = back.image.sub(b.x).abs().mean() as tf.Scalar;
    // the face under its own expression should come back as it is (skipped when the weight is 0,
    // so runs without the term train exactly as before)
    const own = both ? half(both.image, 1).sub(b.x) : null;
    const idt = own ? (own.abs().mean() as tf.Scalar) : tf.scalar(0);
    const idtSq = own && w.idtSq ? (own.square().mean().mul(w.idtSq) as tf.Scalar) : null;
    let mask: tf.Scalar = tf.scalar(0);
    if (e.mask && back.mask) {
      // GANimation: penalise the share of the input that is copied (1 - A), so the mask does not
      // saturate at "keep the input" (where the cycle and adversarial terms are trivially met).
      const keep = tf.sub(2, e.mask.mean().add(back.mask.mean()));
      mask = keep.mul(w.maskMean).add(maskTv(e.mask).add(maskTv(back.mask)).mul(w.maskTv)) as tf.Scalar;
    }
    // the edit's smoothness (G's regularisers share the g_mask column)
    if (w.editTv) mask = mask.add(maskTv(e.image.sub(b.x) as tf.Tensor4D).mul(w.editTv)) as tf.Scalar;
    Object.assign(parts, { adv: tf.keep(adv), cls: tf.keep(cls), rec: tf.keep(rec), idt: tf.keep(idt), mask: tf.keep(mask), fake: tf.keep(fakeScore) });
    const total = adv.add(cls.mul(w.clsG ?? w.cls)).add(rec.mul(w.rec));
    const withIdt = idtWeight > 0 ? total.add(idt.mul(idtWeight)) : total;
    return (idtSq ? withIdt.add(idtSq) : withIdt).add(mask) as tf.Scalar;
  }, pair.optG.params);
  pair.optG.apply(pair.optG.params.map((p) => grads[p.name]));
  tf.dispose(Object.values(grads));
  return { loss: value, adv: parts.adv!, cls: parts.cls!, rec: parts.rec!, idt: parts.idt!, mask: parts.mask!, fake: parts.fake! };
}

/**
 * One iteration: the D update, then (when `gStep`) the G update with the updated D. With a G update, G runs forward
 * on (x, t) once for both (as lib/train/step.ts and PyTorch's detach()): the D update runs inside the G update,
 * outside its tape, on G's edits as constants. The same arithmetic as discriminatorStep then generatorStep.
 */
export function translatorIteration(pair: TranslatorPair, b: TranslateBatch, w: TranslateLosses, gStep: boolean): TranslateStepTensors {
  if (!gStep) return { d: discriminatorStep(pair, b, w), g: null };
  let d: TranslateStepTensors['d'] | null = null;
  const g = generatorStep(pair, b, w, (edits) => {
    // kept: made inside G's forward scope, which frees everything else it made
    d = discriminatorStep(pair, b, w, edits);
    Object.values(d).forEach((t) => tf.keep(t));
  });
  return { d: d!, g };
}

/** Reads a list of iterations' scalars in one device round trip and frees them. */
export async function readTranslateSteps(steps: TranslateStepTensors[]): Promise<{ d: Record<string, number>; g: Record<string, number> | null }[]> {
  const flat: tf.Scalar[] = [];
  for (const s of steps) flat.push(...Object.values(s.d), ...(s.g ? Object.values(s.g) : []));
  if (flat.length === 0) return [];
  const all = tf.tidy(() => tf.stack(flat));
  const values = await all.data();
  all.dispose();
  tf.dispose(flat);
  let o = 0;
  const take = (keys: string[]) => Object.fromEntries(keys.map((k) => [k, values[o++]]));
  return steps.map((s) => ({ d: take(Object.keys(s.d)), g: s.g ? take(Object.keys(s.g)) : null }));
}
