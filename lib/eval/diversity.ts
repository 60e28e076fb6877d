/**
 * Sample diversity as a mode-collapse indicator: the mean Euclidean distance between pairs of
 * samples in feature space (or pixel space via pixelFeatures). A collapsed generator that emits
 * (nearly) the same image for every noise vector scores ~0; real data scores well above it.
 */
import { Features, checkFeatures, checkSameDim } from './features-matrix';
import { Rng } from '../rng';

export interface DiversityOptions {
  /** Pairs to average over; when n(n-1)/2 <= maxPairs all pairs are used exactly (default 20000). */
  maxPairs?: number;
  /** Seed for the random pairs (default 0). */
  seed?: number;
}

/**
 * Mean L2 distance between distinct samples of f: over all unordered pairs when there are at most
 * `maxPairs` of them, otherwise over `maxPairs` uniformly random pairs (i != j, with replacement
 * across pairs) from a seeded lib/rng Rng. Needs n >= 2.
 */
export function meanPairwiseDistance(f: Features, opts: DiversityOptions = {}): number {
  checkFeatures(f, 'meanPairwiseDistance: f', 2);
  const maxPairs = opts.maxPairs ?? 20000;
  if (!Number.isInteger(maxPairs) || maxPairs < 1) {
    throw new Error(`meanPairwiseDistance: opts.maxPairs must be a positive integer, got ${maxPairs}`);
  }
  const { data, n, d } = f;
  const dist = (i: number, j: number): number => {
    const oi = i * d, oj = j * d;
    let s = 0;
    for (let k = 0; k < d; k++) {
      const t = data[oi + k] - data[oj + k];
      s += t * t;
    }
    return Math.sqrt(s);
  };
  const allPairs = (n * (n - 1)) / 2;
  let sum = 0;
  if (allPairs <= maxPairs) {
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) sum += dist(i, j);
    return sum / allPairs;
  }
  const rng = new Rng(opts.seed ?? 0);
  for (let p = 0; p < maxPairs; p++) {
    const i = rng.int(n);
    let j = rng.int(n - 1);
    if (j >= i) j++;
    sum += dist(i, j);
  }
  return sum / maxPairs;
}

/**
 * meanPairwiseDistance(fake) / meanPairwiseDistance(real), with the same options for both:
 * ~1 when generated samples are as spread out as real ones, -> 0 under mode collapse.
 * Throws when the feature dimensions differ or the real set has zero diversity.
 */
export function diversityRatio(fake: Features, real: Features, opts: DiversityOptions = {}): number {
  checkFeatures(fake, 'diversityRatio: fake', 2);
  checkFeatures(real, 'diversityRatio: real', 2);
  checkSameDim(fake, real, 'diversityRatio');
  const r = meanPairwiseDistance(real, opts);
  if (r === 0) throw new Error('diversityRatio: the real set has zero diversity (all samples identical); the ratio is undefined');
  return meanPairwiseDistance(fake, opts) / r;
}
