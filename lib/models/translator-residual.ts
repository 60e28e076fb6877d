/**
 * The translator v2's residual output as a tf.layers layer: inputs [d, x] -> clip(x + gain * d, -1, 1)
 * (US-GAN: G(x, c) + x). With d = 0 the output is the input exactly (x is already in [-1, 1], so
 * the clip leaves it unchanged). Registered with tf.serialization so models holding it save and load.
 *
 * `gain` is 1 while G trains. The checkpoint choice (lib/train/translate-gain.ts) may calibrate it on
 * PublicTest faces with the loss classifier and save the chosen G with it in its config (model.json), so
 * every user of the saved model (evaluate, the CLI, the web page) gets the calibrated edit.
 */
import * as tf from '@tensorflow/tfjs';

export interface ResidualAddArgs {
  name?: string;
  /** Factor on the residual d (default 1). */
  gain?: number;
}

export class ResidualAdd extends tf.layers.Layer {
  static className = 'ResidualAdd';
  gain: number;

  constructor(args: ResidualAddArgs = {}) {
    super({ name: args.name });
    const gain = args.gain ?? 1;
    if (!(Number.isFinite(gain) && gain > 0)) throw new Error(`ResidualAdd ${args.name ?? ''}: gain must be a positive number, got ${gain}`);
    this.gain = gain;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    if (!Array.isArray(inputs) || inputs.length !== 2) throw new Error(`ResidualAdd ${this.name}: expected inputs [d, x]`);
    const gain = this.gain;
    return tf.tidy(() => tf.clipByValue(inputs[1].add(gain === 1 ? inputs[0] : inputs[0].mul(gain)), -1, 1));
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return (inputShape as tf.Shape[])[1];
  }

  getConfig(): tf.serialization.ConfigDict {
    // gain 1 is left out: model.json files saved before the gain existed stay byte-identical
    return { ...super.getConfig(), ...(this.gain !== 1 ? { gain: this.gain } : {}) };
  }
}
tf.serialization.registerClass(ResidualAdd);

/** G's residual layer (v2 translators), or null for a translator without one (v1, attention mask). */
export function residualLayer(G: tf.LayersModel): ResidualAdd | null {
  const l = G.layers.find((x) => x instanceof ResidualAdd);
  return (l as ResidualAdd | undefined) ?? null;
}
