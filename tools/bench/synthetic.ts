/**
 * Synthetic image sets for benchmarks: seeded random uint8 pixels with the shape of a net's data.
 * Compute does not depend on pixel values, so this measures the same work as real faces while
 * keeping the data path (uint8 -> [-1, 1] float batch -> tensor) of the trainer.
 */
import { Rng } from '../../lib/rng';
import { ImageSet } from '../../lib/data/types';
import { DcganSpec } from '../../lib/models/spec';

/** `n` random images of the spec's size and channels. */
export function syntheticImageSet(spec: DcganSpec, n: number, seed = 0): ImageSet {
  const rng = new Rng(seed);
  const data = new Uint8Array(n * spec.size * spec.size * spec.channels);
  for (let i = 0; i < data.length; i++) data[i] = rng.int(256);
  return { data, n, height: spec.size, width: spec.size, channels: spec.channels, skipped: [], name: `synthetic ${spec.size}x${spec.size}x${spec.channels}` };
}
