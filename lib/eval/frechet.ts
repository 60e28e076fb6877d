/**
 * Frechet distance between two feature distributions, each summarised by a Gaussian (mean,
 * covariance): the FID of Heusel et al. 2017 when the features come from an Inception network,
 * here computed on whatever features the caller supplies (e.g. our FER classifier's penultimate layer).
 */
import { Features, checkFeatures, checkSameDim } from './features-matrix';
import { meanAndCovariance, matmul, symEig, sqrtPsd, symmetrize, trace } from './linalg';

/**
 * Frechet distance between two Gaussians N(mu1, S1), N(mu2, S2):
 *
 *   FD = |mu1 - mu2|^2 + Tr(S1) + Tr(S2) - 2 Tr((S1^1/2 S2 S1^1/2)^1/2)
 *
 * The usual form Tr((S1 S2)^1/2) takes the square root of a non-symmetric matrix (scipy.sqrtm,
 * which can return complex parts). S1 S2 is similar to the symmetric PSD matrix
 * M = S1^1/2 S2 S1^1/2, so Tr((S1 S2)^1/2) = sum_i sqrt(lambda_i(M)); we compute it from a
 * symmetric eigensolve of M in float64. Eigenvalues of S1 and of M that rounding pushes slightly
 * below zero (singular covariances, e.g. n <= d) are clamped to 0, and a final value in
 * [-1e-9 * scale, 0) from cancellation is returned as 0 (FD is non-negative in exact arithmetic).
 *
 * mu1, mu2: length d; S1, S2: d x d row-major symmetric PSD.
 */
export function frechetFromStats(
  mu1: ArrayLike<number>, S1: ArrayLike<number>, mu2: ArrayLike<number>, S2: ArrayLike<number>,
): number {
  const d = mu1.length;
  if (mu2.length !== d || S1.length !== d * d || S2.length !== d * d) {
    throw new Error(
      `frechetFromStats: shapes do not match: mu1 ${mu1.length}, S1 ${S1.length} entries, mu2 ${mu2.length}, ` +
        `S2 ${S2.length} entries (expected mu of length d and S of d*d entries with the same d)`,
    );
  }
  let meanTerm = 0;
  for (let k = 0; k < d; k++) {
    const diff = mu1[k] - mu2[k];
    meanTerm += diff * diff;
  }
  const s1 = symmetrize(S1, d);
  const s2 = symmetrize(S2, d);
  const s1h = sqrtPsd(s1, d);
  const m = symmetrize(matmul(matmul(s1h, s2, d), s1h, d), d);
  const eig = symEig(m, d);
  let trSqrt = 0;
  for (let i = 0; i < d; i++) if (eig.values[i] > 0) trSqrt += Math.sqrt(eig.values[i]);
  const tr1 = trace(s1, d);
  const tr2 = trace(s2, d);
  const fd = meanTerm + tr1 + tr2 - 2 * trSqrt;
  if (!Number.isFinite(fd)) throw new Error(`frechetFromStats: result is not finite (${fd}); check the inputs`);
  const scale = meanTerm + tr1 + tr2;
  if (fd < 0 && fd > -1e-9 * Math.max(1, scale)) return 0;
  return fd;
}

/**
 * Frechet distance between two feature sets (rows = samples): fits mean and unbiased covariance
 * (n - 1) to each set in float64 and calls frechetFromStats. Needs at least 2 samples per set and
 * the same feature dimension d; with n <= d the covariances are singular, which works but gives
 * a biased, noisy estimate (use thousands of samples for FID-like numbers).
 */
export function frechetDistance(a: Features, b: Features): number {
  checkFeatures(a, 'frechetDistance: a', 2);
  checkFeatures(b, 'frechetDistance: b', 2);
  checkSameDim(a, b, 'frechetDistance');
  const sa = meanAndCovariance(a.data, a.n, a.d);
  const sb = meanAndCovariance(b.data, b.n, b.d);
  return frechetFromStats(sa.mean, sa.cov, sb.mean, sb.cov);
}

/** Mean and covariance of a feature set, to cache the real-data statistics between evaluations. */
export function featureStats(f: Features): { mean: Float64Array; cov: Float64Array; n: number; d: number } {
  checkFeatures(f, 'featureStats: f', 2);
  const s = meanAndCovariance(f.data, f.n, f.d);
  return { mean: s.mean, cov: s.cov, n: f.n, d: f.d };
}
