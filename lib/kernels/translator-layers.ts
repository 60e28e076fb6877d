/**
 * Faster kernels for the expression translator's layers (installed by useKernels('fused', ...),
 * lib/kernels/kernels.ts, through fuseLayers): the same functions and gradients as the layers as
 * built, with fewer and cheaper ops. Profiled on the v2 iteration (docs/editing.md, "Speed"):
 *
 * - Instance norm (lib/models/instance-norm.ts): tfjs differentiates its tf.moments composition
 *   into ~25 full-size elementwise ops per layer (the Mean gradients divide a broadcast `ones`
 *   array); `instanceNormFused` has a hand-written backward of 7 full-size passes
 *       dx = gamma rstd (dy - mean_hw(dy) - xhat mean_hw(dy xhat)),
 *       dgamma = sum(dy xhat), dbeta = sum(dy)
 *   First-order only: the saved xhat and rstd are constants to a second gradient (nothing
 *   differentiates G's gradient; D, which the R1 penalty differentiates twice, has no instance norm).
 * - AbsLeakyReLU (lib/models/abs-leaky-relu.ts): 0.5 (1 + a) x + 0.5 (1 - a) |x| runs 4 ops forward,
 *   and its gradient goes through tfjs-node's Step kernel (IsNan, Greater, Select, a Fill); the
 *   double backprop of R1 also sends zeros back through Step into the forward pass.
 *   `leakyReluTwice` is one LeakyRelu kernel forward whose gradient dy -> slope(x) dy is a linear
 *   map that is its own gradient (TensorFlow's LeakyReluGrad on native), so gradients of every order
 *   are exact (the second derivative of a leaky ReLU is 0 wherever it exists, as Step's gradient).
 * - A convolution with one output channel (G's last layer, g_colour: 7x7, 32 -> 1 at 48x48): oneDNN runs it at
 *   ~25 GFLOP/s (it vectorises over output channels). `singleOutputConv` computes the same sums as a depthwise
 *   convolution (vectorised over the input channels) and a sum over channels: forward 10.3 -> 2.0 ms at batch 32;
 *   its gradients are the convolution's own kernels (Conv2DBackpropInput / Conv2DBackpropFilter). First-order only.
 * Not here: the resize decoder's nearest x2 + 3x3 conv as four 2x2 phase convolutions of the low-resolution input
 * (0.48x the multiply-adds) measured no faster: oneDNN's 3x3 conv on the upsampled map runs at a higher rate than the
 * 2x2 conv with 4x the output channels, and interleaving the phases costs the rest (docs/editing.md, "Speed").
 * Same results as the layers as built, to float32 rounding: test/unit/translator-kernels.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { native, leakyReluGrad, NativeBackend, floatT, num, str, bool } from './native-ops';

/**
 * Instance norm of NHWC `x` over H and W, then `gamma * xhat + beta` per channel, with a hand-written
 * first-order gradient (see the file comment). Any backend; on tfjs-node TensorFlow's own batch norm kernels
 * (instanceNormNative).
 */
export function instanceNormFused(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): tf.Tensor4D {
  const be = native();
  return be ? instanceNormNative(be, x, gamma, beta, epsilon) : instanceNormComposed(x, gamma, beta, epsilon);
}

/** instanceNormFused on any backend: tfjs ops, 7 full-size passes each way (the file comment). */
export function instanceNormComposed(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): tf.Tensor4D {
  const n = x.shape[1] * x.shape[2];
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xx, g, b] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const mean = tf.mean(xx, [1, 2], true);
    const xc = tf.sub(xx, mean);
    const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(xc), [1, 2], true), epsilon));
    const xhat = tf.mul(xc, rstd);
    save([xhat, rstd, g]);
    return {
      value: tf.add(tf.mul(xhat, g), b),
      gradFunc: (dy: tf.Tensor, [sxhat, srstd, sg]: tf.Tensor[]) => {
        const s0 = tf.sum(dy, [1, 2], true); // [b,1,1,c]
        const s1 = tf.sum(tf.mul(dy, sxhat), [1, 2], true);
        const dx = tf.mul(tf.sub(tf.sub(dy, tf.div(s0, n)), tf.mul(sxhat, tf.div(s1, n))), tf.mul(srstd, sg));
        return [dx, tf.sum(s1, [0, 1, 2]), tf.sum(s0, [0, 1, 2])];
      },
    };
  });
  return f(x, gamma, beta) as tf.Tensor4D;
}

/**
 * Instance norm as TensorFlow's FusedBatchNormV3 in training mode: batch norm of one image whose channels are the
 * b x c (face, channel) pairs normalises each face's channel over H and W, which is instance norm. x [b,h,w,c] is
 * transposed to [1,h,w,b*c], gamma and beta are tiled b times, and FusedBatchNormGradV3 gives dx and the per-pair
 * dscale, doffset (summed over b). Two transposes each way, but oneDNN's kernels instead of 7 elementwise passes each
 * way: forward + backward 68 -> 55 ms at [32,48,48,32], 25 -> 22 at [32,24,24,64], equal at [32,12,12,128]
 * (docs/editing.md, "Speed"). First-order only, as the composed one.
 */
function instanceNormNative(be: NativeBackend, x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const attrs = [floatT(be), floatT(be, 'U'), num(be, 'epsilon', epsilon), str(be, 'data_format', 'NHWC'), bool(be, 'is_training', true)];
  const toPairs = (t: tf.Tensor) => tf.reshape(tf.transpose(t, [1, 2, 0, 3]), [1, h, w, b * c]);
  const fromPairs = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [h, w, b, c]), [2, 0, 1, 3]);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xx, g, bb] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const xt = toPairs(xx);
    const scale = tf.tile(g, [b]);
    const empty = tf.tensor1d([], 'float32');
    const [y, mean, variance, r1, r2, r3] = be.executeMultipleOutputs(
      'FusedBatchNormV3', [...attrs, num(be, 'exponential_avg_factor', 1)], [xt, scale, tf.tile(bb, [b]), empty, empty], 6,
    );
    tf.dispose([mean, variance, empty]);
    save([xt, scale, r1, r2, r3]);
    return {
      value: fromPairs(y),
      gradFunc: (dy: tf.Tensor, [sx, ss, s1, s2, s3]: tf.Tensor[]) => {
        const [dx, dscale, doffset, e1, e2] = be.executeMultipleOutputs('FusedBatchNormGradV3', attrs, [toPairs(dy), sx, ss, s1, s2, s3], 5);
        tf.dispose([e1, e2]);
        return [fromPairs(dx), tf.sum(tf.reshape(dscale, [b, c]), 0), tf.sum(tf.reshape(doffset, [b, c]), 0)];
      },
    };
  });
  return f(x, gamma, beta) as tf.Tensor4D;
}

/** dy * (x > 0 ? 1 : alpha): linear in dy, its own gradient with respect to dy; x is a constant. */
function leakySlope(dy: tf.Tensor, x: tf.Tensor, alpha: number): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [d, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([x]);
    const be = native();
    const value = be ? leakyReluGrad(be, d, x, alpha) : tf.where(tf.greater(x, 0), d, tf.mul(d, alpha));
    return { value, gradFunc: (ddy: tf.Tensor, [sx]: tf.Tensor[]) => leakySlope(ddy, sx, alpha) };
  });
  return f(dy);
}

/** LeakyReLU with gradients of every order (see the file comment). Any backend. */
export function leakyReluTwice(x: tf.Tensor, alpha: number): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xx, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([xx]);
    return { value: tf.leakyRelu(xx, alpha), gradFunc: (dy: tf.Tensor, [sx]: tf.Tensor[]) => leakySlope(dy, sx, alpha) };
  });
  return f(x);
}

/**
 * conv2d(x, w, 1, padding) for a filter with one output channel ([kh, kw, c, 1]) as sum_c depthwise(x, w): the same
 * products, summed in another order (see the file comment); the gradients are TensorFlow's (or the backend's)
 * convolution gradients. Any backend. First-order only.
 */
export function singleOutputConv(x: tf.Tensor4D, w: tf.Tensor4D, padding: 'same' | 'valid'): tf.Tensor4D {
  if (w.shape[3] !== 1) throw new Error(`singleOutputConv: the filter has ${w.shape[3]} output channels, expected 1`);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xx, ww] = args as tf.Tensor4D[];
    const save = args[2] as tf.GradSaveFunc;
    save([xx, ww]);
    return {
      value: tf.sum(tf.depthwiseConv2d(xx, ww, 1, padding), 3, true),
      gradFunc: (dy: tf.Tensor, [sx, sw]: tf.Tensor[]) => {
        const attrs = { strides: 1, pad: padding, dataFormat: 'NHWC' };
        const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: sw }, { ...attrs, inputShape: sx.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
        const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x: sx, dy }, { ...attrs, filterShape: sw.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
        return [dx, dw];
      },
    };
  });
  return f(x, w) as tf.Tensor4D;
}
