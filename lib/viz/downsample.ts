/** Shape-preserving reduction of long series for plotting, and loss smoothing. */

/**
 * Indices (ascending) of at most `maxPoints` points of series `ys` that keep its visual shape:
 * the series is cut into equal index buckets and each bucket keeps its first, minimum, maximum
 * and last point (M4 aggregation), so spikes and the noise envelope survive. Non-finite values
 * are never picked. Returns all indices when `ys.length <= maxPoints`.
 */
export function downsampleIndices(ys: ArrayLike<number>, maxPoints: number): number[] {
  const n = ys.length;
  if (!Number.isInteger(maxPoints) || maxPoints < 4) {
    throw new Error(`downsampleIndices: expected maxPoints >= 4 (integer), got ${maxPoints}`);
  }
  if (n <= maxPoints) return Array.from({ length: n }, (_, i) => i);
  const buckets = Math.floor(maxPoints / 4);
  const out: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * n) / buckets);
    const end = Math.floor(((b + 1) * n) / buckets);
    let first = -1;
    let last = -1;
    let lo = -1;
    let hi = -1;
    for (let i = start; i < end; i++) {
      const y = ys[i];
      if (!Number.isFinite(y)) continue;
      if (first < 0) first = i;
      last = i;
      if (lo < 0 || y < ys[lo]) lo = i;
      if (hi < 0 || y > ys[hi]) hi = i;
    }
    if (first < 0) continue;
    const picked = [first, lo, hi, last].sort((a, c) => a - c);
    for (let k = 0; k < 4; k++) if (k === 0 || picked[k] !== picked[k - 1]) out.push(picked[k]);
  }
  return out;
}

/**
 * Exponential moving average with bias correction, as TensorBoard's smoothing slider:
 * `weight` in [0, 1) (0 = no smoothing, 0.9 = strong). Non-finite inputs are carried over as NaN
 * and do not disturb the average.
 */
export function smoothEma(ys: ArrayLike<number>, weight: number): Float64Array {
  if (!(weight >= 0 && weight < 1)) throw new Error(`smoothEma: expected weight in [0, 1), got ${weight}`);
  const out = new Float64Array(ys.length);
  let acc = 0;
  let count = 0;
  for (let i = 0; i < ys.length; i++) {
    const y = ys[i];
    if (!Number.isFinite(y)) {
      out[i] = NaN;
      continue;
    }
    acc = acc * weight + (1 - weight) * y;
    count++;
    out[i] = weight === 0 ? y : acc / (1 - Math.pow(weight, count));
  }
  return out;
}
