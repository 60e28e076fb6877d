/**
 * The sample-quality metrics of one generated set against real data, each beside its real-vs-real
 * value (the same metric between two disjoint real sets of the same size), so every number has a
 * floor:
 *
 * - fd_fer: Frechet distance on the expression classifier's penultimate features (not FID: our own
 *   48x48 FER2013 network, not Inception). Real set A vs samples; floor: real B vs real A.
 * - kid_fer (+ _std): unbiased polynomial-kernel KID on the same features, mean/std over random
 *   subsets (default 50 of min(1000, n/2) images), x1e3 as usually reported.
 * - swd: multi-scale sliced Wasserstein distance on Laplacian-pyramid patches of the images
 *   themselves (colour or gray, no network), x1e3 as Karras et al. report it; mean over levels,
 *   per-level values in `details`.
 * - diversity: mean pairwise feature distance of the samples divided by that of real A
 *   (~1 = as varied as real faces, -> 0 = mode collapse); floor: real B / real A.
 * - fid (optional, with user-supplied InceptionV3 weights, inception.ts): Frechet distance on
 *   Inception pool features; floor: real B vs real A.
 * - hit_rate, hit_prob (per-emotion models only): share of samples the classifier assigns to the
 *   run's emotion and their mean probability of it; "_real" is the same on held-out real faces of
 *   that emotion (FER2013 test split), the value a perfect generator would reach.
 *
 * All sets must have the same image size and channels (and samples/real A/real B the same count);
 * anything else is refused with an error naming the shapes.
 */
import { EMOTIONS } from '../data/types';
import { frechetDistance } from './frechet';
import { kernelInceptionDistance } from './kid';
import { slicedWasserstein, SwdOptions, Images } from './swd';
import { meanPairwiseDistance } from './diversity';
import { classify, expressionHits, FerClassifier, UImages } from './classifier';
import { describeClassifierInput, toClassifierInput } from './classifier-input';
import { InceptionModel, inceptionFeatures } from './inception';

export interface SampleMetricSets {
  fake: UImages;
  realA: UImages;
  realB: UImages;
  /** Held-out real images of `emotion` for the hit-rate reference. */
  heldOut?: UImages;
  /** Emotion index (0 angry .. 6 neutral) of a per-emotion model. */
  emotion?: number;
}

export interface SampleMetricOptions {
  /** null: skip the classifier metrics (fd_fer, kid_fer, diversity, hit-rate). */
  classifier: FerClassifier | null;
  /** KID subsets (default 50) and subset size (default min(1000, n)). */
  kidSubsets?: number;
  kidSubsetSize?: number;
  swd?: SwdOptions;
  seed?: number;
  /** Also compute standard FID (`fid`, `fid_real`) with these InceptionV3 features (inception.ts). */
  inception?: InceptionModel | null;
  log?: (line: string) => void;
}

/** Flat numbers (what tables show) plus details. */
export interface SampleMetrics {
  values: Record<string, number>;
  details: Record<string, unknown>;
}

const shape = (im: UImages) => `${im.n} x ${im.height}x${im.width}x${im.channels}`;

/** Throws unless the sets have equal image size and channels, and fake/realA/realB equal counts. */
export function checkMatchingSets(s: SampleMetricSets): void {
  const named: [string, UImages][] = [['samples', s.fake], ['real set A', s.realA], ['real set B', s.realB]];
  for (const [name, im] of named) {
    if (!im || !(im.data instanceof Uint8Array)) throw new Error(`sample metrics: ${name} must be uint8 images {data, n, height, width, channels}`);
    if (im.channels !== 1 && im.channels !== 3) throw new Error(`sample metrics: ${name} has ${im.channels} channels, expected 1 or 3`);
    if (im.data.length !== im.n * im.height * im.width * im.channels) {
      throw new Error(`sample metrics: ${name} (${shape(im)}) has ${im.data.length} bytes, expected ${im.n * im.height * im.width * im.channels}`);
    }
  }
  const ref = s.realA;
  for (const [name, im] of [...named, ...(s.heldOut ? [['held-out real set', s.heldOut] as [string, UImages]] : [])]) {
    if (im.height !== ref.height || im.width !== ref.width || im.channels !== ref.channels) {
      throw new Error(
        `sample metrics: image sizes/channels differ: ${name} is ${im.height}x${im.width}x${im.channels}, real set A is ` +
          `${ref.height}x${ref.width}x${ref.channels} (samples and real images must have the same size and channels; ` +
          'is this the run that was trained on this dataset?)',
      );
    }
  }
  if (s.fake.n !== ref.n || s.realB.n !== ref.n) {
    throw new Error(`sample metrics: set sizes differ (samples ${s.fake.n}, real A ${ref.n}, real B ${s.realB.n}); the floors need equal sizes`);
  }
  if (ref.n < 2) throw new Error(`sample metrics: need at least 2 images per set, got ${ref.n}`);
  if (s.emotion !== undefined && !(s.emotion >= 0 && s.emotion < EMOTIONS.length)) {
    throw new Error(`sample metrics: emotion must be an index 0..6 (${EMOTIONS.join(', ')}), got ${s.emotion}`);
  }
}

/** Computes every metric of the file comment; see SampleMetricOptions. */
export async function computeSampleMetrics(s: SampleMetricSets, o: SampleMetricOptions): Promise<SampleMetrics> {
  checkMatchingSets(s);
  const log = o.log ?? (() => {});
  const seed = o.seed ?? 0;
  const n = s.realA.n;
  const values: Record<string, number> = {};
  const details: Record<string, unknown> = { n, image: `${s.realA.height}x${s.realA.width}x${s.realA.channels}` };
  const t0 = Date.now();

  const swdOpts = { seed, ...o.swd };
  const [fakeI, realAI, realBI] = [s.fake, s.realA, s.realB] as Images[];
  const swdFake = slicedWasserstein(fakeI, realAI, swdOpts);
  const swdReal = slicedWasserstein(realBI, realAI, swdOpts);
  values.swd = swdFake.mean * 1e3;
  values.swd_real = swdReal.mean * 1e3;
  details.swd = { scale: 'x1e3', resolutions: swdFake.resolutions, perLevel: swdFake.perLevel.map((v) => v * 1e3), perLevelReal: swdReal.perLevel.map((v) => v * 1e3) };
  log(`swd ${values.swd.toFixed(2)} (real ${values.swd_real.toFixed(2)}), ${((Date.now() - t0) / 1000).toFixed(0)} s`);

  if (o.classifier) {
    const t1 = Date.now();
    const clf = o.classifier;
    const [cf, ca, cb] = [s.fake, s.realA, s.realB].map(toClassifierInput);
    const fake = await classify(clf, cf);
    const realA = await classify(clf, ca);
    const realB = await classify(clf, cb);
    details.classifier = { dir: clf.dir, accuracy: clf.info?.accuracy ?? null, featureDim: clf.featureDim, input: describeClassifierInput(s.realA.height, s.realA.width, s.realA.channels) };
    values.fd_fer = frechetDistance(fake.features, realA.features);
    values.fd_fer_real = frechetDistance(realB.features, realA.features);
    const kidOpts = { subsets: o.kidSubsets ?? 50, subsetSize: o.kidSubsetSize ?? Math.min(1000, Math.max(2, Math.floor(n / 2))), seed };
    const kf = kernelInceptionDistance(fake.features, realA.features, kidOpts);
    const kr = kernelInceptionDistance(realB.features, realA.features, kidOpts);
    values.kid_fer = kf.mean * 1e3;
    values.kid_fer_std = kf.std * 1e3;
    values.kid_fer_real = kr.mean * 1e3;
    values.kid_fer_real_std = kr.std * 1e3;
    details.kid = { ...kidOpts, scale: 'x1e3' };
    const divA = meanPairwiseDistance(realA.features, { seed });
    values.diversity = divA > 0 ? meanPairwiseDistance(fake.features, { seed }) / divA : NaN;
    values.diversity_real = divA > 0 ? meanPairwiseDistance(realB.features, { seed }) / divA : NaN;
    details.diversity = { realMeanPairwiseDistance: divA, space: 'classifier features' };
    if (s.emotion !== undefined) {
      const h = expressionHits(fake.probs, s.emotion);
      values.hit_rate = h.hitRate;
      values.hit_prob = h.meanProb;
      const ref = s.heldOut ? await classify(clf, toClassifierInput(s.heldOut)) : realA;
      const hr = expressionHits(ref.probs, s.emotion);
      values.hit_rate_real = hr.hitRate;
      values.hit_prob_real = hr.meanProb;
      details.hit = { emotion: EMOTIONS[s.emotion], reference: s.heldOut ? `held-out real images (${s.heldOut.n})` : 'real set A (seen in training)' };
    }
    // How the samples are spread over the seven classes (any run).
    details.predictedClasses = classShares(fake.probs);
    details.predictedClassesReal = classShares(realA.probs);
    log(`fd_fer ${values.fd_fer.toFixed(2)} (real ${values.fd_fer_real.toFixed(2)}), kid_fer x1e3 ${values.kid_fer.toFixed(2)} (real ${values.kid_fer_real.toFixed(2)}), ${((Date.now() - t1) / 1000).toFixed(0)} s`);
  }
  if (o.inception) {
    const t2 = Date.now();
    const [ff, fa, fb] = [await inceptionFeatures(o.inception, s.fake), await inceptionFeatures(o.inception, s.realA), await inceptionFeatures(o.inception, s.realB)];
    values.fid = frechetDistance(ff, fa);
    values.fid_real = frechetDistance(fb, fa);
    details.inception = { dir: o.inception.dir, input: o.inception.size, featureDim: fa.d };
    log(`fid ${values.fid.toFixed(2)} (real ${values.fid_real.toFixed(2)}), ${((Date.now() - t2) / 1000).toFixed(0)} s`);
  }
  details.seconds = Math.round((Date.now() - t0) / 100) / 10;
  return { values, details };
}

/** Share of images whose argmax is each emotion. */
function classShares(probs: Float32Array): Record<string, number> {
  const k = EMOTIONS.length;
  const n = probs.length / k;
  const counts = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (probs[i * k + c] > probs[i * k + best]) best = c;
    counts[best]++;
  }
  return Object.fromEntries(EMOTIONS.map((e, c) => [e, Math.round((1000 * counts[c]) / n) / 1000]));
}
