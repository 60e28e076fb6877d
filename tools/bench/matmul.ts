/**
 * The machine's fp32 matrix-multiply rate as a backend reaches it: C = A B with square n x n
 * operands, 2 n^3 FLOPs per product, best of `reps` timed products after one warm-up.
 * The best (not the median) is the "peak": on a shared machine it is the run least hit by load.
 */
import * as tf from '@tensorflow/tfjs';
import { median } from './machine';

export interface MatMulResult {
  n: number;
  reps: number;
  best_gflops: number;
  median_gflops: number;
}

/** Measures tf.matMul on the active backend. */
export async function benchMatMul(n = 2048, reps = 5): Promise<MatMulResult> {
  if (!Number.isInteger(n) || n < 1) throw new Error(`benchMatMul: n must be a positive integer, got ${n}`);
  const a = tf.randomUniform([n, n], -1, 1, 'float32', 1) as tf.Tensor2D;
  const b = tf.randomUniform([n, n], -1, 1, 'float32', 2) as tf.Tensor2D;
  const once = async () => {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    // Reading one element forces completion on asynchronous backends (CPU backends are synchronous).
    const corner = c.slice([0, 0], [1, 1]);
    await corner.data();
    const s = (performance.now() - t0) / 1000;
    tf.dispose([c, corner]);
    return s;
  };
  await once();
  const rates: number[] = [];
  for (let r = 0; r < reps; r++) rates.push((2 * n ** 3) / (await once()) / 1e9);
  tf.dispose([a, b]);
  return { n, reps, best_gflops: Math.max(...rates), median_gflops: median(rates) };
}
