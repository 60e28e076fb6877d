/**
 * Adam exactly as PyTorch's torch.optim.Adam (no weight decay, no amsgrad):
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *   p = p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 * Bias corrections are computed in double precision from the step count t, so the whole state is
 * {t, m, v} and a resumed run continues bit-exactly (tf.train.adam keeps running float32 products
 * of beta instead, which cannot be restored exactly).
 */
import * as tf from '@tensorflow/tfjs';

export interface AdamConfig {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

/** The study's settings (PyTorch DCGAN tutorial). */
export const DCGAN_ADAM: AdamConfig = { lr: 2e-4, beta1: 0.5, beta2: 0.999, eps: 1e-8 };

export class Adam {
  /** Number of updates applied so far. */
  step = 0;
  /**
   * Both moments of all parameters, flat, in parameter order: one update is ~15 ops for all parameters instead of
   * ~13 per parameter (the same per-element arithmetic, so the same bits; the checkpoint layout stays per parameter).
   */
  private m: tf.Variable;
  private v: tf.Variable;
  private readonly sizes: number[];

  constructor(
    readonly params: tf.Variable[],
    readonly config: AdamConfig = DCGAN_ADAM,
  ) {
    this.sizes = params.map((p) => p.size);
    const n = this.sizes.reduce((a, b) => a + b, 0);
    this.m = tf.tidy(() => tf.variable(tf.zeros([n]), false));
    this.v = tf.tidy(() => tf.variable(tf.zeros([n]), false));
  }

  /** Applies one update; `grads[i]` belongs to `params[i]`. Does not dispose the gradients. */
  apply(grads: tf.Tensor[]): void {
    if (grads.length !== this.params.length) {
      throw new Error(`Adam.apply: got ${grads.length} gradients for ${this.params.length} parameters`);
    }
    this.step += 1;
    if (this.params.length === 0) return;
    const { lr, beta1, beta2, eps } = this.config;
    const bc1 = 1 - Math.pow(beta1, this.step);
    const bc2 = 1 - Math.pow(beta2, this.step);
    tf.tidy(() => {
      const g = grads.length === 1 ? grads[0].reshape([-1]) : tf.concat(grads.map((t) => t.reshape([-1])));
      const m = this.m.mul(beta1).add(g.mul(1 - beta1));
      const v = this.v.mul(beta2).add(g.square().mul(1 - beta2));
      this.m.assign(m);
      this.v.assign(v);
      const denom = v.div(bc2).sqrt().add(eps);
      const step = m.div(denom).mul(lr / bc1);
      const parts = this.params.length === 1 ? [step] : tf.split(step, this.sizes);
      this.params.forEach((p, i) => p.assign(p.sub(parts[i].reshape(p.shape))));
    });
  }

  /** Moments as plain arrays, one per parameter (for checkpoints). */
  async getState(): Promise<{ step: number; m: Float32Array[]; v: Float32Array[] }> {
    const [m, v] = (await Promise.all([this.m.data(), this.v.data()])) as Float32Array[];
    const split = (a: Float32Array) => {
      let o = 0;
      return this.sizes.map((n) => a.slice(o, (o += n)));
    };
    return { step: this.step, m: split(m), v: split(v) };
  }

  setState(state: { step: number; m: Float32Array[]; v: Float32Array[] }, where = 'optimizer state'): void {
    if (state.m.length !== this.sizes.length || state.v.length !== this.sizes.length) {
      throw new Error(`${where}: holds ${state.m.length} moments, the model has ${this.sizes.length} parameters`);
    }
    const flat = (arrays: Float32Array[], what: string) => {
      const out = new Float32Array(this.m.size);
      let o = 0;
      arrays.forEach((a, i) => {
        if (a.length !== this.sizes[i]) throw new Error(`${where}: ${what} ${i} has ${a.length} values, parameter ${this.params[i].name} ${this.sizes[i]}`);
        out.set(a, o);
        o += a.length;
      });
      return out;
    };
    const m = flat(state.m, 'first moment');
    const v = flat(state.v, 'second moment');
    tf.tidy(() => {
      this.m.assign(tf.tensor1d(m));
      this.v.assign(tf.tensor1d(v));
    });
    this.step = state.step;
  }

  dispose(): void {
    tf.dispose([this.m, this.v]);
  }
}
