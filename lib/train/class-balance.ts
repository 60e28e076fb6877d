/**
 * Per-class weights that balance a labelled set: the translator's D (losses.dBalance) and the loss classifier's
 * cross-entropy (ClassifierSettings.classBalance) weight each face by its label's rarity.
 */

/** Per-class weights (N / k) / n_c, capped at `cap` (a class with no faces gets the cap). */
export function classBalance(labels: ArrayLike<number>, k: number, cap: number): Float32Array {
  const counts = new Float64Array(k);
  for (let i = 0; i < labels.length; i++) counts[labels[i]] += 1;
  return Float32Array.from(counts, (c) => (c > 0 ? Math.min(cap, labels.length / k / c) : cap));
}
