/** Seeded random subsets that are stable for a seed. */
import { Rng } from '../rng';

/**
 * Indices 0..n-1 in a seeded random order. Taking the first k of them gives a random subset of
 * size k; for one seed a smaller subset is always contained in a larger one.
 */
export function seededOrder(n: number, seed: number): Int32Array {
  return new Rng(seed).permutation(n);
}

/** The first `limit` indices of seededOrder, sorted ascending (dataset order). All when limit is undefined. */
export function seededSubset(n: number, limit: number | undefined, seed: number): Int32Array {
  if (limit === undefined || limit >= n) {
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    return all;
  }
  return seededOrder(n, seed).slice(0, limit).sort();
}

/** Validates a `limit` option: undefined or a positive integer. */
export function checkLimit(limit: number | undefined, where: string): void {
  if (limit === undefined) return;
  if (!Number.isInteger(limit) || limit <= 0) throw new Error(`${where}: limit must be a positive integer, got ${limit}`);
}
