/**
 * Feature matrices shared by the distribution metrics (Frechet distance, KID, diversity):
 * n samples of dimension d, row-major (row i = sample i), float32 or float64.
 */

/** n x d row-major feature matrix: value (i, k) is data[i * d + k]. */
export interface Features {
  data: Float32Array | Float64Array;
  n: number;
  d: number;
}

/**
 * Check that `f` is a well-formed feature matrix (integer n >= minRows, d >= 1,
 * data.length === n * d, finite values) and throw an error naming `what` otherwise.
 */
export function checkFeatures(f: Features, what: string, minRows = 1): void {
  if (!f || !(f.data instanceof Float32Array || f.data instanceof Float64Array)) {
    throw new Error(`lib/eval: ${what} must be {data: Float32Array|Float64Array, n, d}`);
  }
  if (!Number.isInteger(f.n) || !Number.isInteger(f.d) || f.d < 1 || f.n < 0) {
    throw new Error(`lib/eval: ${what} has invalid shape n=${f.n}, d=${f.d} (expected integers, d >= 1)`);
  }
  if (f.data.length !== f.n * f.d) {
    throw new Error(`lib/eval: ${what} data has length ${f.data.length}, expected n*d = ${f.n}*${f.d} = ${f.n * f.d}`);
  }
  if (f.n < minRows) {
    throw new Error(`lib/eval: ${what} has ${f.n} samples, at least ${minRows} needed`);
  }
  for (let i = 0; i < f.data.length; i++) {
    if (!Number.isFinite(f.data[i])) {
      throw new Error(`lib/eval: ${what} has a non-finite value ${f.data[i]} at sample ${Math.floor(i / f.d)}, component ${i % f.d}`);
    }
  }
}

/** Throw unless both feature sets have the same dimension d, naming both shapes. */
export function checkSameDim(a: Features, b: Features, fn: string): void {
  if (a.d !== b.d) {
    throw new Error(`${fn}: feature dimensions differ: a is ${a.n}x${a.d}, b is ${b.n}x${b.d} (expected the same d)`);
  }
}

/** Build a Features matrix from an array of equal-length rows (float64). */
export function featuresFromRows(rows: ArrayLike<number>[]): Features {
  const n = rows.length;
  if (n === 0) throw new Error('featuresFromRows: no rows given');
  const d = rows[0].length;
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    if (rows[i].length !== d) throw new Error(`featuresFromRows: row ${i} has length ${rows[i].length}, expected ${d}`);
    for (let k = 0; k < d; k++) data[i * d + k] = rows[i][k];
  }
  return { data, n, d };
}

/** Rows `idx` of `f` as a new float64 matrix. */
export function selectRows(f: Features, idx: ArrayLike<number>): Features {
  const d = f.d;
  const out = new Float64Array(idx.length * d);
  for (let r = 0; r < idx.length; r++) {
    const src = idx[r] * d;
    for (let k = 0; k < d; k++) out[r * d + k] = f.data[src + k];
  }
  return { data: out, n: idx.length, d };
}

/**
 * Flatten images (uint8 0..255 or float [-1, 1], any layout) into a feature matrix with one row
 * per image and pixels mapped to [-1, 1], e.g. for pixel-space diversity of a sample set.
 */
export function pixelFeatures(images: { data: Uint8Array | Float32Array; n: number; height: number; width: number; channels: number }): Features {
  const d = images.height * images.width * images.channels;
  if (images.data.length !== images.n * d) {
    throw new Error(`pixelFeatures: data has length ${images.data.length}, expected n*h*w*c = ${images.n}*${images.height}*${images.width}*${images.channels}`);
  }
  const out = new Float32Array(images.n * d);
  if (images.data instanceof Uint8Array) {
    for (let i = 0; i < out.length; i++) out[i] = images.data[i] / 127.5 - 1;
  } else {
    out.set(images.data);
  }
  return { data: out, n: images.n, d };
}
