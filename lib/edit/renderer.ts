/**
 * Rendering chosen noise vectors and labels through a conditional generator the way it was
 * trained. G's BatchNorm layers normalise with the statistics of the batch (training mode, as the
 * study and our samples use it), so one face alone would be normalised by itself and come out
 * different. The renderer therefore appends a fixed reference batch (seeded noise, labels cycling
 * through the classes) to every call and returns only the requested images: their BatchNorm
 * statistics are then those of a normal mixed batch, the same for every call, and a face keeps its
 * look whether it is rendered alone or with others. `reference: 0` uses BatchNorm's moving
 * averages instead (inference mode), which is faster but not what the training grids show.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../rng';
import { ConditionalSpec } from '../models/conditional-spec';
import { oneHotLabels } from '../models/conditional';
import { GeneratedImages } from '../sample/generate';

export interface RendererOptions {
  /** Reference batch size (default 32); 0 = inference-mode BatchNorm. */
  reference?: number;
  /** Seed of the reference noise (default 7). */
  seed?: number;
}

export class ConditionalRenderer {
  readonly reference: number;
  private readonly zRef: tf.Tensor4D | null;
  private readonly yRef: tf.Tensor2D | null;

  constructor(
    readonly G: tf.LayersModel,
    readonly spec: ConditionalSpec,
    opts: RendererOptions = {},
  ) {
    this.reference = opts.reference ?? 32;
    if (!Number.isInteger(this.reference) || this.reference < 0) throw new Error(`renderer: reference must be an integer >= 0, got ${this.reference}`);
    if (this.reference > 0) {
      const r = this.reference;
      this.zRef = tf.tensor4d(new Rng(opts.seed ?? 7).normals(r * spec.nz), [r, 1, 1, spec.nz]);
      this.yRef = oneHotLabels(Int32Array.from({ length: r }, (_, i) => i % spec.classes), spec.classes);
    } else {
      this.zRef = null;
      this.yRef = null;
    }
  }

  /** G([z, y]) for k faces, [k, size, size, channels] in [-1, 1]; differentiable in z, y and G's weights. */
  apply(z: tf.Tensor4D, y: tf.Tensor2D): tf.Tensor4D {
    if (!this.zRef || !this.yRef) return this.G.apply([z, y], { training: false }) as tf.Tensor4D;
    const k = z.shape[0];
    const out = this.G.apply([tf.concat([z, this.zRef]), tf.concat([y, this.yRef])], { training: true }) as tf.Tensor4D;
    return out.slice([0, 0, 0, 0], [k, -1, -1, -1]);
  }

  /** uint8 images of G([z, y]). */
  async images(z: tf.Tensor4D, y: tf.Tensor2D): Promise<GeneratedImages> {
    const t = tf.tidy(() => this.apply(z, y).add(1).mul(127.5).round().clipByValue(0, 255).toInt());
    const data = Uint8Array.from(await t.data());
    const [n, height, width, channels] = t.shape as number[];
    t.dispose();
    return { data, n, height, width, channels: channels as 1 | 3 };
  }

  /** uint8 images of the faces `z` (k x nz values) under class indices `labels` (one per face). */
  async render(z: ArrayLike<number>, labels: ArrayLike<number>): Promise<GeneratedImages> {
    const k = labels.length;
    const zt = tf.tensor4d(Float32Array.from(z), [k, 1, 1, this.spec.nz]);
    const yt = oneHotLabels(labels, this.spec.classes);
    try {
      return await this.images(zt, yt);
    } finally {
      tf.dispose([zt, yt]);
    }
  }

  dispose(): void {
    this.zRef?.dispose();
    this.yRef?.dispose();
  }
}
