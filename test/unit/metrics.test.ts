/**
 * Sample-quality metric numerics (lib/eval): covariance and PSD square root, Frechet distance, KID, multi-scale
 * SWD on real FER2013 faces, and pairwise-distance diversity.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as jpeg from 'jpeg-js';
import { Rng } from '../../lib/rng';
import { Features, pixelFeatures } from '../../lib/eval/features-matrix';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { frechetDistance, frechetFromStats, meanAndCovariance, sqrtPsd } from '../../lib/eval/frechet';
import { kernelInceptionDistance, polynomialMmd2Unbiased } from '../../lib/eval/kid';
import {
  Images, laplacianPyramid, pyrUp, pyramidSizes, radixSortFloat32, slicedWasserstein, wasserstein1Sorted,
} from '../../lib/eval/swd';
import { diversityRatio, meanPairwiseDistance } from '../../lib/eval/diversity';
import { SAMPLE_FER2013_DIR } from '../../lib/data/sample';
import { setupBackend } from '../helpers';

// SWD projects on the tfjs backend (the fastest that loads, as evaluations do)
test.before(async () => {
  await setupBackend();
});

/** Real faces for the SWD and diversity tests: the bundled FER2013 sample (80 of its 100 per emotion). */
const FER = SAMPLE_FER2013_DIR;

function randomSymmetric(rng: Rng, n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = rng.normal();
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Random orthogonal matrix: the eigenvectors of a random symmetric matrix (as columns). */
function randomOrthogonal(rng: Rng, n: number): Matrix {
  return new EigenvalueDecomposition(Matrix.from1DArray(n, n, randomSymmetric(rng, n)), { assumeSymmetric: true }).eigenvectorMatrix;
}

/** Q diag(v) Q^T (row-major) for Q with orthonormal columns. */
function withEigen(q: Matrix, v: number[]): Float64Array {
  return Float64Array.from(q.clone().mulRowVector(v).mmul(q.transpose()).to1DArray());
}

/** n samples of N(mu, diag(variances)). */
function gaussianSamples(rng: Rng, n: number, mu: number[], variances: number[]): Features {
  const d = mu.length;
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) data[i * d + k] = mu[k] + Math.sqrt(variances[k]) * rng.normal();
  return { data, n, d };
}

// ---------------------------------------------------------------------------------- covariance, PSD square root

test('sqrtPsd squares back to the matrix and clamps tiny negative eigenvalues', () => {
  const rng = new Rng(4);
  const n = 12;
  const q = randomOrthogonal(rng, n);
  const vals = Array.from({ length: n }, (_, i) => (i < 3 ? 0 : 0.5 + i));
  const a = withEigen(q, vals); // PSD, rank n-3: rounding makes some zero eigenvalues slightly negative
  const r = sqrtPsd(Matrix.from1DArray(n, n, a));
  assert.ok(maxAbsDiff(r.mmul(r).to1DArray(), a) < 1e-11);
  assert.ok(r.to1DArray().every(Number.isFinite));
  const e = new EigenvalueDecomposition(r, { assumeSymmetric: true }).realEigenvalues;
  assert.ok(Math.min(...e) > -1e-7, `sqrt is PSD up to rounding, smallest eigenvalue ${Math.min(...e)}`);
  // clamping: without it the slightly negative eigenvalues would give NaN
  assert.ok(vals.filter((v) => v === 0).length === 3);
});

test('meanAndCovariance matches a direct computation and is stable under a large offset', () => {
  const rng = new Rng(5);
  const n = 300, d = 7;
  const data = new Float64Array(n * d);
  for (let i = 0; i < data.length; i++) data[i] = 1e6 + rng.normal() * (1 + (i % d));
  const { mean, cov } = meanAndCovariance({ data, n, d });
  for (let k = 0; k < d; k++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += data[i * d + k];
    assert.ok(Math.abs(mean[k] - s / n) < 1e-9, `mean of column ${k}`);
  }
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < d; b++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += (data[i * d + a] - mean[a]) * (data[i * d + b] - mean[b]);
      assert.ok(Math.abs(cov[a * d + b] - s / (n - 1)) < 1e-9 * (1 + Math.abs(s / (n - 1))));
    }
  }
  // variance of component k is about (1+k)^2
  for (let k = 0; k < d; k++) assert.ok(Math.abs(cov[k * d + k] / (1 + k) ** 2 - 1) < 0.25);
});

// ---------------------------------------------------------------------------------- Frechet

test('frechetFromStats matches the closed form for diagonal covariances', () => {
  const mu1 = [0, 1, -2, 0.5], mu2 = [1, 1, 0, 0];
  const s1 = [1, 4, 0.25, 2], s2 = [9, 1, 0.25, 0];
  let expected = 0;
  for (let k = 0; k < 4; k++) expected += (mu1[k] - mu2[k]) ** 2 + (Math.sqrt(s1[k]) - Math.sqrt(s2[k])) ** 2;
  const fd = frechetFromStats(mu1, diagMatrix(s1), mu2, diagMatrix(s2));
  assert.ok(Math.abs(fd - expected) < 1e-12 * expected, `${fd} vs ${expected}`);
  assert.equal(frechetFromStats(mu1, diagMatrix(s1), mu1, diagMatrix(s1)), 0);
});

test('frechetFromStats matches the closed form for a non-diagonal commuting pair', () => {
  const rng = new Rng(6);
  const n = 10;
  const q = randomOrthogonal(rng, n);
  const a = Array.from({ length: n }, () => 0.1 + 3 * rng.uniform());
  const b = Array.from({ length: n }, () => 0.1 + 3 * rng.uniform());
  const mu1 = Array.from({ length: n }, () => rng.normal());
  const mu2 = Array.from({ length: n }, () => rng.normal());
  let expected = 0;
  for (let k = 0; k < n; k++) expected += (mu1[k] - mu2[k]) ** 2 + (Math.sqrt(a[k]) - Math.sqrt(b[k])) ** 2;
  const fd = frechetFromStats(mu1, withEigen(q, a), mu2, withEigen(q, b));
  assert.ok(Math.abs(fd - expected) < 1e-10 * expected, `${fd} vs ${expected}`);
});

test('frechetFromStats matches the 2x2 closed form for a non-commuting pair', () => {
  // For 2x2 PSD M: Tr sqrt(M) = sqrt(Tr M + 2 sqrt(det M)); Tr (S1 S2)^1/2 uses M = S1 S2.
  const s1 = [2, 0.8, 0.8, 1];
  const s2 = [1, -0.3, -0.3, 3];
  const p = Matrix.from1DArray(2, 2, s1).mmul(Matrix.from1DArray(2, 2, s2)).to1DArray();
  const trSqrt = Math.sqrt(p[0] + p[3] + 2 * Math.sqrt(p[0] * p[3] - p[1] * p[2]));
  const expected = 0.5 ** 2 + (s1[0] + s1[3]) + (s2[0] + s2[3]) - 2 * trSqrt;
  const fd = frechetFromStats([0.5, 0], s1, [0, 0], s2);
  assert.ok(Math.abs(fd - expected) < 1e-12, `${fd} vs ${expected}`);
});

test('frechetDistance is ~0 for identical sets and close to the closed form for sampled Gaussians', () => {
  const rng = new Rng(7);
  const mu1 = [0, 0, 0, 0, 0, 0], mu2 = [1, 0, -0.5, 0, 0, 2];
  const v1 = [1, 2, 0.5, 1, 3, 1], v2 = [2, 1, 0.5, 4, 1, 1];
  const a = gaussianSamples(rng, 20000, mu1, v1);
  const b = gaussianSamples(rng, 20000, mu2, v2);
  let expected = 0;
  for (let k = 0; k < 6; k++) expected += (mu1[k] - mu2[k]) ** 2 + (Math.sqrt(v1[k]) - Math.sqrt(v2[k])) ** 2;
  const fd = frechetDistance(a, b);
  assert.ok(Math.abs(fd - expected) < 0.03 * expected, `sampled FD ${fd} vs closed form ${expected}`);
  const self = frechetDistance(a, { ...a, data: Float32Array.from(a.data) });
  assert.ok(self >= 0 && self < 1e-5, `identical sets: ${self}`);
  assert.ok(frechetDistance(a, a) < 1e-9);
  // two independent samples of the same distribution: small but positive, far below the shifted pair
  const a2 = gaussianSamples(rng, 20000, mu1, v1);
  const same = frechetDistance(a, a2);
  assert.ok(same > 0 && same < 0.01 * expected, `same-distribution FD ${same}`);
});

test('frechetDistance works at d=512 with n < d (singular covariances)', () => {
  const rng = new Rng(8);
  const d = 512;
  const mk = (n: number, shift: number): Features => {
    const data = new Float32Array(n * d);
    for (let i = 0; i < data.length; i++) data[i] = rng.normal() + shift;
    return { data, n, d };
  };
  const a = mk(300, 0);
  const same = frechetDistance(a, mk(300, 0));
  const shifted = frechetDistance(a, mk(300, 0.3));
  assert.ok(Number.isFinite(same) && same > 0);
  // the mean term adds d * 0.3^2 = 46 on top of the (large, n < d) same-distribution value
  assert.ok(Math.abs(shifted - same - d * 0.09) < 10, `same ${same}, shifted ${shifted}`);
});

// ---------------------------------------------------------------------------------- KID

test('polynomialMmd2Unbiased equals a direct evaluation of the U-statistic', () => {
  const rng = new Rng(9);
  const d = 5;
  const x = gaussianSamples(rng, 13, [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]);
  const y = gaussianSamples(rng, 9, [1, 0, 0, 0, 0], [1, 2, 1, 1, 1]);
  const k = (u: Features, i: number, v: Features, j: number): number => {
    let s = 0;
    for (let t = 0; t < d; t++) s += u.data[i * d + t] * v.data[j * d + t];
    return (s / d + 1) ** 3;
  };
  let xx = 0, yy = 0, xy = 0;
  for (let i = 0; i < x.n; i++) for (let j = 0; j < x.n; j++) if (i !== j) xx += k(x, i, x, j);
  for (let i = 0; i < y.n; i++) for (let j = 0; j < y.n; j++) if (i !== j) yy += k(y, i, y, j);
  for (let i = 0; i < x.n; i++) for (let j = 0; j < y.n; j++) xy += k(x, i, y, j);
  const expected = xx / (x.n * (x.n - 1)) + yy / (y.n * (y.n - 1)) - (2 * xy) / (x.n * y.n);
  assert.ok(Math.abs(polynomialMmd2Unbiased(x, y) - expected) < 1e-12 * Math.abs(xx));
});

test('unbiased MMD^2 averages to 0 over independent same-distribution draws', () => {
  const rng = new Rng(10);
  const trials = 300;
  const vals: number[] = [];
  for (let t = 0; t < trials; t++) {
    const x = gaussianSamples(rng, 15, [0, 0, 0], [1, 1, 1]);
    const y = gaussianSamples(rng, 15, [0, 0, 0], [1, 1, 1]);
    vals.push(polynomialMmd2Unbiased(x, y));
  }
  const mean = vals.reduce((s, v) => s + v, 0) / trials;
  const se = Math.sqrt(vals.reduce((s, v) => s + (v - mean) ** 2, 0) / (trials - 1) / trials);
  assert.ok(Math.abs(mean) < 3 * se, `mean ${mean}, standard error ${se}`);
  assert.ok(vals.some((v) => v < 0), 'single unbiased estimates can be negative');
});

test('KID is ~0 for the same distribution and positive for a shifted one', () => {
  const rng = new Rng(11);
  const d = 16;
  const zeros = new Array(d).fill(0), ones = new Array(d).fill(1);
  const real = gaussianSamples(rng, 1200, zeros, ones);
  const same = gaussianSamples(rng, 1200, zeros, ones);
  const shifted = gaussianSamples(rng, 1200, zeros.map((_, k) => (k < 4 ? 0.4 : 0)), ones);
  const opts = { subsets: 20, subsetSize: 300, seed: 3 };
  const k0 = kernelInceptionDistance(real, same, opts);
  const k1 = kernelInceptionDistance(real, shifted, opts);
  assert.ok(k0.std > 0 && Math.abs(k0.mean) < 3 * k0.std, `same: ${JSON.stringify(k0)}`);
  console.log(`KID same ${JSON.stringify(k0)}, shifted ${JSON.stringify(k1)}`);
  // the subset estimates of the two comparisons do not overlap
  assert.ok(k1.mean - 3 * k1.std > k0.mean + 3 * k0.std, `shifted: ${JSON.stringify(k1)}, same ${JSON.stringify(k0)}`);
  // identical sets, identical subsets: exactly the unbiased estimate of 0 +- noise, never large
  const kSelf = kernelInceptionDistance(real, real, opts);
  assert.ok(Math.abs(kSelf.mean) < 3 * kSelf.std + 1e-12);
  // seeded: deterministic
  assert.deepEqual(kernelInceptionDistance(real, shifted, opts), k1);
  // default subset size is min(1000, n)
  const small = gaussianSamples(rng, 50, zeros, ones);
  assert.ok(Number.isFinite(kernelInceptionDistance(small, real, { subsets: 2 }).mean));
});

// ---------------------------------------------------------------------------------- SWD building blocks

test('Laplacian pyramid reconstructs the image and has zero detail on a constant image', () => {
  const rng = new Rng(12);
  const sizes = pyramidSizes(48, 48, 12);
  assert.deepEqual(sizes.map((s) => s[0]), [48, 24, 12]);
  assert.deepEqual(pyramidSizes(64, 64, 16).map((s) => s[0]), [64, 32, 16]);
  assert.deepEqual(pyramidSizes(48, 48, 16).map((s) => s[0]), [48, 24]);
  const C = 3;
  const img = new Float32Array(C * 48 * 48);
  for (let i = 0; i < img.length; i++) img[i] = rng.int(256);
  const pyr = laplacianPyramid(img, C, sizes);
  // reconstruct: G_{L-1}, then G_l = pyrUp(G_{l+1}) + L_l
  let g = pyr[2];
  for (let l = 1; l >= 0; l--) {
    const [h, w] = sizes[l + 1];
    const next = new Float32Array(C * 4 * h * w);
    for (let c = 0; c < C; c++) {
      const up = pyrUp(g.subarray(c * h * w, (c + 1) * h * w), h, w);
      for (let i = 0; i < up.length; i++) next[c * up.length + i] = up[i] + pyr[l][c * up.length + i];
    }
    g = next;
  }
  assert.ok(maxAbsDiff(g, img) < 1e-3);
  const flat = laplacianPyramid(new Float32Array(48 * 48).fill(100), 1, sizes);
  assert.ok(maxAbsDiff(flat[0], new Float32Array(48 * 48)) < 1e-4);
  assert.ok(maxAbsDiff(flat[2], new Float32Array(144).fill(100)) < 1e-4);
});

test('radixSortFloat32 sorts like a comparison sort, negatives included', () => {
  const rng = new Rng(13);
  const a = new Float32Array(5000);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal() * 10 ** rng.int(6) * (i % 7 === 0 ? 0 : 1);
  a[3] = -0;
  a[4] = -Infinity;
  a[5] = Infinity;
  const expected = Array.from(a).sort((x, y) => x - y);
  radixSortFloat32(a);
  assert.deepEqual(Array.from(a, (v) => (v === 0 ? 0 : v)), expected.map((v) => (v === 0 ? 0 : v)));
});

test('wasserstein1Sorted is exact for equal and unequal sample sizes', () => {
  assert.equal(wasserstein1Sorted([0, 1, 2], [1, 2, 3]), 1);
  assert.equal(wasserstein1Sorted([0], [0, 1]), 0.5);
  // {0, 1} vs {0, 0.5, 1}: quantiles match on [0, 1/3) and [2/3, 1), differ by 0.5 on [1/3, 1/2) and [1/2, 2/3)
  assert.ok(Math.abs(wasserstein1Sorted([0, 1], [0, 0.5, 1]) - 0.5 * (1 / 3)) < 1e-15);
  // shifting one set by c moves W1 by exactly c
  assert.ok(Math.abs(wasserstein1Sorted([1, 2, 5, 7], [4, 5, 8, 10]) - 3) < 1e-15);
});

// ---------------------------------------------------------------------------------- SWD on FER2013 faces

function loadFer(n: number, seed: number): { a: Images; b: Images } | null {
  const root = path.join(FER, 'train');
  if (!fs.existsSync(root)) return null;
  const files: string[] = [];
  for (const e of fs.readdirSync(root).sort()) {
    const dir = path.join(root, e);
    files.push(...fs.readdirSync(dir).sort().slice(0, 80).map((f) => path.join(dir, f)));
  }
  new Rng(seed).shuffle(files);
  const load = (list: string[]): Images => {
    const data = new Uint8Array(list.length * 48 * 48);
    list.forEach((f, i) => {
      const im = jpeg.decode(fs.readFileSync(f), { useTArray: true });
      assert.equal(im.width, 48, f);
      for (let p = 0; p < 48 * 48; p++) data[i * 2304 + p] = im.data[p * 4];
    });
    return { data, n: list.length, height: 48, width: 48, channels: 1 };
  };
  return { a: load(files.slice(0, n)), b: load(files.slice(n, 2 * n)) };
}

function boxBlur3(im: Images): Images {
  const { height: h, width: w } = im;
  const out = new Uint8Array(im.data.length);
  for (let i = 0; i < im.n; i++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let s = 0, c = 0;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy, xx = x + dx;
            if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
            s += im.data[(i * h + yy) * w + xx];
            c++;
          }
        }
        out[(i * h + y) * w + x] = Math.round(s / c);
      }
    }
  }
  return { ...im, data: out };
}

function addNoise(im: Images, sigma: number, seed: number): Images {
  const rng = new Rng(seed);
  const out = new Uint8Array(im.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(im.data[i] + sigma * rng.normal())));
  return { ...im, data: out };
}

const fer = loadFer(200, 7);

test('SWD on FER2013: real-vs-real < noisy and blurred, the change sits at the fine (48x48) level', { skip: fer ? false : `no FER2013 at ${FER}` }, () => {
  const { a, b } = fer!;
  const real = slicedWasserstein(a, b);
  const blurred = slicedWasserstein(a, boxBlur3(b));
  const noisy10 = slicedWasserstein(a, addNoise(b, 10, 1));
  const noisy25 = slicedWasserstein(a, addNoise(b, 25, 1));
  const fmt = (r: { perLevel: number[] }) => r.perLevel.map((v) => (v * 1e3).toFixed(1)).join('/');
  const msg = `SWDx1e3 per level (48/24): real ${fmt(real)}, blur ${fmt(blurred)}, noise10 ${fmt(noisy10)}, noise25 ${fmt(noisy25)}`;
  assert.deepEqual(real.resolutions, [48, 24]);
  // Fine level (Laplacian detail at 48x48): degradations clearly above the real-vs-real floor,
  // and stronger noise is further away.
  assert.ok(blurred.perLevel[0] > 2.5 * real.perLevel[0], msg);
  assert.ok(noisy25.perLevel[0] > 2.5 * real.perLevel[0], msg);
  assert.ok(noisy10.perLevel[0] > 1.3 * real.perLevel[0] && noisy25.perLevel[0] > 1.5 * noisy10.perLevel[0], msg);
  // What SWD orders is the strength of the high-frequency change: measured here (seeded, 200 vs 200
  // faces) real 13.7 < noise sigma=10 37 < 3x3 box blur 78 < noise sigma=25 96 (x1e3, 48x48 level).
  assert.ok(noisy10.perLevel[0] < blurred.perLevel[0] && blurred.perLevel[0] < noisy25.perLevel[0], msg);
  // The low-pass 24x24 level is about the face layout: pixel noise barely moves it.
  assert.ok(Math.abs(noisy25.perLevel[1] - real.perLevel[1]) < 0.3 * real.perLevel[1], msg);
  // Overall mean: both degradations above real-vs-real.
  assert.ok(blurred.mean > 1.5 * real.mean && noisy25.mean > 1.5 * real.mean, msg);
  console.log(msg);
});

test('SWD: seeded, same for uint8 and [-1, 1] input, refuses mismatched shapes', { skip: fer ? false : `no FER2013 at ${FER}` }, () => {
  const a: Images = { ...fer!.a, n: 40, data: fer!.a.data.subarray(0, 40 * 2304) };
  const b: Images = { ...fer!.b, n: 30, data: fer!.b.data.subarray(0, 30 * 2304) };
  const opts = { directions: 32, repeats: 2, seed: 5 };
  const r1 = slicedWasserstein(a, b, opts);
  assert.deepEqual(slicedWasserstein(a, b, opts), r1);
  assert.notDeepEqual(slicedWasserstein(a, b, { ...opts, seed: 6 }).perLevel, r1.perLevel);
  const toFloat = (im: Images): Images => ({ ...im, data: Float32Array.from(im.data, (v) => v / 127.5 - 1) });
  const r2 = slicedWasserstein(toFloat(a), toFloat(b), opts);
  for (let l = 0; l < 2; l++) assert.ok(Math.abs(r2.perLevel[l] - r1.perLevel[l]) < 1e-4 * r1.perLevel[l]);
  const colour: Images = { data: new Uint8Array(2 * 64 * 64 * 3), n: 2, height: 64, width: 64, channels: 3 };
  assert.throws(() => slicedWasserstein(a, colour), /a is 40 x 48x48x1.*b is 2 x 64x64x3/);
  const rgb48: Images = { data: new Uint8Array(2 * 48 * 48 * 3), n: 2, height: 48, width: 48, channels: 3 };
  assert.throws(() => slicedWasserstein(rgb48, a), /48x48x3.*48x48x1/);
  assert.throws(() => slicedWasserstein({ ...a, n: 41 }, b), /length 92160, expected/);
  assert.throws(() => slicedWasserstein(a, b, { minRes: 64 }), /smaller than opts.minRes/);
});

test('SWD gives the numbers of the pure-JS projections it replaced, for equal and unequal set sizes', { skip: fer ? false : `no FER2013 at ${FER}` }, () => {
  // Recorded with the float64 JS dot products (and worker threads) of commit d8e7d0d, before the
  // projections became tfjs matMuls: the same descriptors and directions, projections now summed
  // in float32 by the backend, so the per-level values move by ~1e-9 relative.
  const old200 = [0.014174507850858147, 0.023181883709569553];
  const r200 = slicedWasserstein(fer!.a, fer!.b);
  const a: Images = { ...fer!.a, n: 60, data: fer!.a.data.subarray(0, 60 * 2304) };
  const b: Images = { ...fer!.b, n: 50, data: fer!.b.data.subarray(0, 50 * 2304) };
  const old6050 = [0.025082812019018595, 0.02553016695343141, 0.0601997125315034];
  const r6050 = slicedWasserstein(a, b, { directions: 40, repeats: 2, seed: 9, minRes: 12 });
  assert.deepEqual(r6050.resolutions, [48, 24, 12]);
  for (const [got, old] of [[r200.perLevel, old200], [r6050.perLevel, old6050]]) {
    assert.equal(got.length, old.length);
    got.forEach((v, l) => assert.ok(Math.abs(v - old[l]) < 1e-6 * old[l], `level ${l}: ${v} vs ${old[l]}`));
  }
  const rgb: Images = { data: new Uint8Array(2 * 48 * 48 * 3), n: 2, height: 48, width: 48, channels: 3 };
  assert.throws(() => slicedWasserstein(a, rgb), /image shapes differ: a is 60 x 48x48x1.*b is 2 x 48x48x3/);
});

test('SWD works on 64x64x3 (levels 64, 32, 16)', () => {
  const rng = new Rng(14);
  const mk = (n: number, amp: number): Images => {
    const data = new Uint8Array(n * 64 * 64 * 3);
    for (let i = 0; i < n; i++) {
      const phase = rng.uniform() * 6;
      for (let y = 0; y < 64; y++) {
        for (let x = 0; x < 64; x++) {
          for (let c = 0; c < 3; c++) {
            const v = 128 + 60 * Math.sin(x / 6 + phase + c) * Math.cos(y / 9) + amp * rng.normal();
            data[((i * 64 + y) * 64 + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
          }
        }
      }
    }
    return { data, n, height: 64, width: 64, channels: 3 };
  };
  const a = mk(24, 2), b = mk(24, 2), c = mk(24, 40);
  const opts = { directions: 32, repeats: 2, patchesPerImage: 64 };
  const same = slicedWasserstein(a, b, opts);
  const noisy = slicedWasserstein(a, c, opts);
  assert.deepEqual(same.resolutions, [64, 32, 16]);
  // Each set's descriptors are normalised by its own per-channel std, so at the finest level both
  // sets look like white noise (smooth pattern + noise); the difference shows at 32x32.
  assert.ok(noisy.perLevel[1] > 3 * same.perLevel[1] && noisy.mean > 2 * same.mean, `${same.perLevel} vs ${noisy.perLevel}`);
});

/** 12x12 block means of 48x48 faces in [0, 1] (d = 144): real-image features without a network. */
function blockFeatures(im: Images): Features {
  const d = 144;
  const out = new Float64Array(im.n * d);
  for (let i = 0; i < im.n; i++) {
    for (let by = 0; by < 12; by++) {
      for (let bx = 0; bx < 12; bx++) {
        let s = 0;
        for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) s += im.data[i * 2304 + (by * 4 + y) * 48 + bx * 4 + x];
        out[i * d + by * 12 + bx] = s / (16 * 255);
      }
    }
  }
  return { data: out, n: im.n, d };
}

test('frechetDistance on real faces gives the numbers of the EISPACK solver it replaced', { skip: fer ? false : `no FER2013 at ${FER}` }, () => {
  // Recorded with lib/eval/linalg.ts's own tred2/tql2 eigensolver and covariance (commit d8e7d0d),
  // before ml-matrix replaced them. With n > d they agree to rounding; with n < d the covariances
  // are singular and the sqrt of ~1e-17 rounding-noise eigenvalues moves the 9th digit.
  const a = blockFeatures(fer!.a), b = blockFeatures(fer!.b), blurred = blockFeatures(boxBlur3(fer!.b));
  const first = (f: Features, n: number): Features => ({ data: f.data.subarray(0, n * f.d), n, d: f.d });
  const cases: [string, number, number, number][] = [
    ['real B vs real A (n 200 > d 144)', frechetDistance(b, a), 1.2965102958872272, 1e-12],
    ['blurred B vs real A', frechetDistance(blurred, a), 1.2330239190166914, 1e-12],
    ['n 100 < d 144 (singular)', frechetDistance(first(b, 100), first(a, 100)), 2.4844408924821195, 1e-7],
  ];
  for (const [what, got, old, tol] of cases) assert.ok(Math.abs(got - old) <= tol * old, `${what}: ${got} vs ${old}`);
});

// ---------------------------------------------------------------------------------- diversity

test('diversity: a collapsed set scores 0, real faces well above; exact and sampled agree', { skip: fer ? false : `no FER2013 at ${FER}` }, () => {
  const real = pixelFeatures(fer!.a);
  const one = real.data.subarray(0, real.d);
  const collapsed: Features = { data: new Float32Array(real.n * real.d), n: real.n, d: real.d };
  for (let i = 0; i < real.n; i++) collapsed.data.set(one, i * real.d);
  const dReal = meanPairwiseDistance(real, { maxPairs: 1e6 }); // all 19900 pairs
  assert.equal(meanPairwiseDistance(collapsed), 0);
  assert.ok(dReal > 10, `real pixel diversity ${dReal}`);
  const sampled = meanPairwiseDistance(real, { maxPairs: 3000, seed: 1 });
  assert.ok(Math.abs(sampled - dReal) < 0.03 * dReal, `sampled ${sampled} vs exact ${dReal}`);
  assert.equal(diversityRatio(collapsed, real), 0);
  const other = pixelFeatures(fer!.b);
  const ratio = diversityRatio(other, real);
  assert.ok(ratio > 0.85 && ratio < 1.15, `real/real ratio ${ratio}`);
  // nearly collapsed: one image plus small noise is far below real
  const rng = new Rng(15);
  const near: Features = { data: Float32Array.from(collapsed.data, (v) => v + 0.02 * rng.normal()), n: real.n, d: real.d };
  assert.ok(diversityRatio(near, real) < 0.1);
});

// ---------------------------------------------------------------------------------- shape checks

test('metrics refuse mismatched feature dimensions with a message naming both shapes', () => {
  const rng = new Rng(16);
  const a = gaussianSamples(rng, 20, [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]);
  const b = gaussianSamples(rng, 30, [0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1]);
  assert.throws(() => frechetDistance(a, b), /a is 20x5, b is 30x6/);
  assert.throws(() => kernelInceptionDistance(a, b), /a is 20x5, b is 30x6/);
  assert.throws(() => diversityRatio(a, b), /a is 20x5, b is 30x6/);
  assert.throws(() => frechetFromStats([0, 0], diagMatrix([1, 1]), [0, 0, 0], diagMatrix([1, 1, 1])), /mu1 2.*mu2 3/);
  assert.throws(() => frechetFromStats([0, NaN], diagMatrix([1, 1]), [0, 0], diagMatrix([1, 1])), /mu1 has a non-finite entry NaN at index 1/);
  assert.throws(() => frechetDistance({ data: new Float64Array(9), n: 2, d: 5 }, a), /length 9, expected n\*d/);
  assert.throws(() => kernelInceptionDistance(a, a, { subsetSize: 21 }), /subsetSize/);
  assert.throws(() => meanPairwiseDistance({ data: new Float64Array(5), n: 1, d: 5 }), /at least 2/);
});

// ---------------------------------------------------------------------------------- helpers

function diagMatrix(v: number[]): Float64Array {
  const n = v.length;
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) m[i * n + i] = v[i];
  return m;
}
