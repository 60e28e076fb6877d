/** Turning a generator's output into images. */
import * as tf from '@tensorflow/tfjs';

export interface GeneratedImages {
  data: Uint8Array;
  n: number;
  height: number;
  width: number;
  channels: 1 | 3;
}

/**
 * Runs G on `z` in batches and returns uint8 images. As in the study (PyTorch tutorial) G runs in
 * training mode, i.e. BatchNorm uses the statistics of the batch being generated.
 * A class-conditional G (two inputs) takes `labels` too: one-hot rows [n, classes], one per z;
 * without them image i gets class i % classes (a balanced mix of every class in every batch).
 */
export async function generateImages(G: tf.LayersModel, z: tf.Tensor4D, batchSize = 64, labels?: tf.Tensor2D): Promise<GeneratedImages> {
  const n = z.shape[0];
  if (G.inputs.length === 2 && !labels) {
    const classes = G.inputs[1].shape[1] as number;
    const cycled = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from({ length: n }, (_, i) => i % classes), 'int32'), classes).toFloat() as tf.Tensor2D);
    try {
      return await generateImages(G, z, batchSize, cycled);
    } finally {
      cycled.dispose();
    }
  }
  if (labels && labels.shape[0] !== n) throw new Error(`generateImages: ${labels.shape[0]} labels for ${n} noise vectors`);
  const parts: Uint8Array[] = [];
  let shape: number[] = [];
  for (let i = 0; i < n; i += batchSize) {
    const t = tf.tidy(() => {
      const m = Math.min(batchSize, n - i);
      const zb = z.slice([i, 0, 0, 0], [m, -1, -1, -1]);
      const input = labels ? [zb, labels.slice([i, 0], [m, -1])] : zb;
      const x = G.apply(input, { training: true }) as tf.Tensor4D;
      shape = x.shape;
      return x.add(1).mul(127.5).round().clipByValue(0, 255).toInt();
    });
    parts.push(Uint8Array.from(await t.data()));
    t.dispose();
  }
  const data = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) (data.set(p, o), (o += p.length));
  return { data, n, height: shape[1], width: shape[2], channels: shape[3] as 1 | 3 };
}
