/** Noise vectors z ~ N(0, 1), shape [n, 1, 1, nz], from the project's seeded RNG. */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../rng';

export interface FixedNoise {
  n: number;
  nz: number;
  seed: number;
  /** n * nz values, row-major. */
  values: number[];
}

export function noiseTensor(rng: Rng, n: number, nz: number): tf.Tensor4D {
  return tf.tensor4d(rng.normals(n * nz), [n, 1, 1, nz]);
}

/** The fixed noise that renders the progress grids (64 vectors in the study), saved as noise.json. */
export function makeFixedNoise(seed: number, nz: number, n = 64): FixedNoise {
  const rng = new Rng(seed ^ 0x5eed5eed);
  return { n, nz, seed, values: Array.from(rng.normals(n * nz)) };
}

export function fixedNoiseTensor(noise: FixedNoise): tf.Tensor4D {
  return tf.tensor4d(noise.values, [noise.n, 1, 1, noise.nz]);
}
