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
  private m: tf.Variable[];
  private v: tf.Variable[];

  constructor(
    readonly params: tf.Variable[],
    readonly config: AdamConfig = DCGAN_ADAM,
  ) {
    this.m = params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    this.v = params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
  }

  /** Applies one update; `grads[i]` belongs to `params[i]`. Does not dispose the gradients. */
  apply(grads: tf.Tensor[]): void {
    if (grads.length !== this.params.length) {
      throw new Error(`Adam.apply: got ${grads.length} gradients for ${this.params.length} parameters`);
    }
    this.step += 1;
    const { lr, beta1, beta2, eps } = this.config;
    const bc1 = 1 - Math.pow(beta1, this.step);
    const bc2 = 1 - Math.pow(beta2, this.step);
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g = grads[i];
        const m = this.m[i].mul(beta1).add(g.mul(1 - beta1));
        const v = this.v[i].mul(beta2).add(g.square().mul(1 - beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        const denom = v.div(bc2).sqrt().add(eps);
        p.assign(p.sub(m.div(denom).mul(lr / bc1)));
      });
    });
  }

  /** Moments as plain arrays (for checkpoints). */
  async getState(): Promise<{ step: number; m: Float32Array[]; v: Float32Array[] }> {
    const m = await Promise.all(this.m.map((t) => t.data() as Promise<Float32Array>));
    const v = await Promise.all(this.v.map((t) => t.data() as Promise<Float32Array>));
    return { step: this.step, m, v };
  }

  setState(state: { step: number; m: Float32Array[]; v: Float32Array[] }, where = 'optimizer state'): void {
    if (state.m.length !== this.m.length || state.v.length !== this.v.length) {
      throw new Error(`${where}: holds ${state.m.length} moments, the model has ${this.m.length} parameters`);
    }
    state.m.forEach((a, i) => this.m[i].assign(tf.tensor(a, this.m[i].shape)));
    state.v.forEach((a, i) => this.v[i].assign(tf.tensor(a, this.v[i].shape)));
    this.step = state.step;
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}
