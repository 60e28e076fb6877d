/**
 * Adversarial training of the expression classifier (Madry et al. 2018, "Towards deep learning models
 * resistant to adversarial attacks"): each batch is replaced by its projected-gradient-descent (PGD)
 * perturbation inside an L2 ball of radius epsilon before the weights are updated.
 *
 * Why the translator wants it (issue #23): G is trained to make a frozen classifier read the target
 * expression. A classifier trained on clean faces can be moved by small patterns no person reads as
 * an expression (the shipped v2's disgust is dark bars across the brows); the input gradients of an
 * L2-robust classifier are perceptually aligned (Tsipras et al. 2019, "Robustness may be at odds with
 * accuracy"; Santurkar et al. 2019, "Image synthesis with a single (robust) classifier"), so the
 * cheapest way to move it is to change the face.
 *
 * Pixels are in [-1, 1] (the classifier's input), so epsilon 1.0 here is the common 0.5 of [0, 1]
 * images: for a 48x48 face, an RMS change of about 2.7 grey levels per pixel.
 */
import * as tf from '@tensorflow/tfjs';
import type { AdversarialTraining } from '../runs/spec-types';

export type { AdversarialTraining };

/** Per-example L2 norm of a [b, h, w, c] tensor, shaped [b, 1, 1, 1] for broadcasting. */
function l2PerExample(t: tf.Tensor4D): tf.Tensor4D {
  return t.square().sum([1, 2, 3], true).sqrt() as tf.Tensor4D;
}

/**
 * The L2 PGD perturbation of `x` (pixels in [-1, 1]) that raises `loss(x')`, `loss` being the mean
 * training loss of the batch: `steps` normalised-gradient steps of size `stepSize` from x, each
 * projected back into the ball ||x' - x||_2 <= epsilon (per face) and into [-1, 1]. Returns x'
 * (no gradient flows through it: it is a constant input of the weight update).
 */
export function pgdL2(x: tf.Tensor4D, loss: (x: tf.Tensor4D) => tf.Scalar, a: AdversarialTraining): tf.Tensor4D {
  if (!(a.epsilon > 0) || !Number.isInteger(a.steps) || a.steps < 1 || !(a.stepSize > 0)) {
    throw new Error(`adversarial training: epsilon and stepSize must be > 0 and steps an integer >= 1, got ${JSON.stringify(a)}`);
  }
  const grad = tf.grad((xi: tf.Tensor) => loss(xi as tf.Tensor4D));
  let adv = x.clone();
  for (let i = 0; i < a.steps; i++) {
    const next = tf.tidy(() => {
      const g = grad(adv) as tf.Tensor4D;
      const stepped = adv.add(g.div(l2PerExample(g).add(1e-12)).mul(a.stepSize));
      const d = stepped.sub(x) as tf.Tensor4D;
      const scale = tf.minimum(1, tf.scalar(a.epsilon).div(l2PerExample(d).add(1e-12)));
      return x.add(d.mul(scale)).clipByValue(-1, 1) as tf.Tensor4D;
    });
    adv.dispose();
    adv = next;
  }
  return adv;
}

/**
 * Runs `fn` and then puts every non-trainable weight of `model` (BatchNorm's moving statistics) back
 * as it was: the attack's forward passes run in training mode (batch statistics, as the update that
 * follows) but must not move the averages that inference uses.
 */
export function keepingMovingStats<T>(model: tf.LayersModel, fn: () => T): T {
  const saved = model.nonTrainableWeights.map((w) => tf.keep(w.read().clone()));
  try {
    return fn();
  } finally {
    model.nonTrainableWeights.forEach((w, i) => w.write(saved[i])); // the variable takes the data (assign)
    tf.dispose(saved);
  }
}
