/**
 * A faster transposed convolution for the DCGAN's small feature maps, on the native backend.
 *
 * libtensorflow's Conv2DBackpropInput (what tf.conv2dTranspose runs, and what every conv layer's
 * input gradient runs) is slow on small spatial inputs with many channels: on a 2-core AVX2 EPYC
 * it took 232 ms for G's 3x3x512 -> 6x6x256 layer at batch 64, against 26 ms for the forward
 * convolution of the same size (same FLOPs), and 64% of a whole fer48 training step went to it.
 * A 4x4, stride-2, 'same' transposed convolution (every DCGAN layer except the first and last) is
 * four 2x2 stride-1 convolutions, one per output parity (sub-pixel form), which TensorFlow's
 * forward Conv2D kernel runs fast; they are one conv2d with the four 2x2 sub-filters side by side:
 *
 *   y = conv2d(pad(x, 1), [K00 | K01 | K10 | K11], stride 1, 'valid')       [b, h+1, w+1, 4 cout]
 *   out[b, 2m + r, 2n + s, c] = y[b, m + r, n + s, (2r + s) cout + c]
 *
 * where output row 2m takes kernel rows 3 (input row m - 1) and 1 (row m), and row 2m + 1 takes
 * rows 2 (row m) and 0 (row m + 1): the 'same' padding of 1 on each side that TensorFlow and
 * PyTorch's ConvTranspose2d(4, 2, padding=1) use. It computes (h+1)^2 instead of h^2 positions
 * per parity, so it pays off on small maps with many channels. Measured, ms, TensorFlow ->
 * sub-pixel (batch 64 / 128): 3x3x512 -> 256 232 -> 74 / 521 -> 98; 6x6x256 -> 128 52 -> 40 /
 * 114 -> 73; 8x8x256 -> 128 137 -> 81 / 257 -> 126; from 12x12 on it is a tie, and with 1-3 output
 * channels (G's last layer) TensorFlow's kernel is faster: so only inputs of at most
 * FAST_MAX_CELLS cells and outputs of at least FAST_MIN_CHANNELS channels take this path.
 *
 * Two places use it (installed by useKernels('fused', ...), lib/kernels/kernels.ts):
 * - G's Conv2DTranspose layers: forward through `fastConvTranspose`, backward through TensorFlow's
 *   own kernels (the input gradient is a plain conv2d, the filter gradient Conv2DBackpropFilter);
 * - the input gradient of D's stride-2 convolutions (conv2d's registered gradient, wrapped so that
 *   only this case changes; the filter gradient and all other convolutions keep tfjs's code).
 * Same results as TensorFlow's kernels to float32 rounding (test/unit/conv-transpose.test.ts).
 *
 * Only with oneDNN off (`TF_ENABLE_ONEDNN_OPTS=0`): facegan switches libtensorflow's oneDNN
 * kernels on (lib/backend.ts), and their transposed convolution beats the sub-pixel form at every
 * DCGAN layer size (batch 64, ms, oneDNN vs sub-pixel: 3x3x512 -> 256 28 vs 81, 6x6x256 -> 128
 * 28 vs 55, 12x12x128 -> 64 31 vs 49). The sub-pixel path is for libtensorflows run on Eigen.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeOneDnn } from '../backend';

/** Inputs with at most this many cells (h * w) take the sub-pixel path... */
export const FAST_MAX_CELLS = 64;
/** ...when they produce at least this many channels. */
export const FAST_MIN_CHANNELS = 16;

/** For output parity 0 and 1: the kernel rows (or columns) applied to padded-input offsets 0 and 1. */
const TAPS = [
  [3, 1],
  [2, 0],
] as const;

/** True when `fastConvTranspose` handles this case and is expected to beat TensorFlow's kernel. */
export function fastConvTransposeApplies(
  xShape: readonly number[], filterShape: readonly number[], strides: number | readonly number[], pad: unknown,
): boolean {
  if (tf.getBackend() !== 'tensorflow' || nativeOneDnn() !== false) return false;
  const s = typeof strides === 'number' ? [strides, strides] : strides;
  return (
    xShape.length === 4 && filterShape[0] === 4 && filterShape[1] === 4 && s[0] === 2 && s[1] === 2 && pad === 'same' &&
    xShape[1] * xShape[2] <= FAST_MAX_CELLS && filterShape[2] >= FAST_MIN_CHANNELS
  );
}

/**
 * tf.conv2dTranspose(x, w, [b, 2h, 2w, cout], 2, 'same') for a 4x4 filter w [4, 4, cout, cin],
 * NHWC, in sub-pixel form (see the file comment). No gradient of its own: callers wrap it.
 */
export function fastConvTranspose(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, wd, cin] = x.shape;
    const cout = w.shape[2];
    if (w.shape[0] !== 4 || w.shape[1] !== 4 || w.shape[3] !== cin) {
      throw new Error(`fastConvTranspose: filter [${w.shape}] does not fit input [${x.shape}] (expected [4, 4, cout, ${cin}])`);
    }
    const wt = w.transpose([0, 1, 3, 2]); // [4, 4, cin, cout]
    const tap = (kr: number, kc: number) => wt.slice([kr, kc, 0, 0], [1, 1, cin, cout]).reshape([cin, cout]);
    const subFilters: tf.Tensor[] = [];
    for (const r of [0, 1]) {
      for (const s of [0, 1]) subFilters.push(tf.stack(TAPS[r].map((kr) => tf.stack(TAPS[s].map((kc) => tap(kr, kc))))));
    }
    const y = tf.conv2d(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]) as tf.Tensor4D, tf.concat(subFilters, 3) as tf.Tensor4D, 1, 'valid');
    const parities: tf.Tensor[] = [];
    for (const r of [0, 1]) {
      for (const s of [0, 1]) parities.push(y.slice([0, r, s, (2 * r + s) * cout], [b, h, wd, cout]));
    }
    // parities[2r + s][b, m, n, c] = out[b, 2m + r, 2n + s, c]
    return tf
      .stack(parities, 3)
      .reshape([b, h, wd, 2, 2, cout])
      .transpose([0, 1, 3, 2, 4, 5])
      .reshape([b, 2 * h, 2 * wd, cout]) as tf.Tensor4D;
  });
}

/** The filter gradient of a stride-2 'same' convolution with input `x` and output gradient `dy`. */
function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number]): tf.Tensor4D {
  return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
    strides: [2, 2], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape,
  } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/**
 * Transposed convolution (4x4, stride 2, 'same', NHWC) with gradients: forward by
 * fastConvTranspose, backward by TensorFlow's kernels (input gradient = conv2d of the output
 * gradient, filter gradient = Conv2DBackpropFilter with the roles of input and output swapped).
 */
export function convTransposeFast(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xx, ww] = args as tf.Tensor4D[];
    const save = args[2] as tf.GradSaveFunc;
    save([xx, ww]);
    return {
      value: fastConvTranspose(xx, ww),
      gradFunc: (dy: tf.Tensor, [sx, sw]: tf.Tensor[]) => [
        tf.conv2d(dy as tf.Tensor4D, sw as tf.Tensor4D, 2, 'same'),
        conv2dFilterGrad(dy as tf.Tensor4D, sx as tf.Tensor4D, sw.shape as [number, number, number, number]),
      ],
    };
  });
  return f(x, w) as tf.Tensor4D;
}

let installed = false;

/**
 * Wraps conv2d's registered gradient so that the input gradient of a stride-2, 4x4, 'same'
 * convolution whose output is small (D's last stride-2 layers) runs through fastConvTranspose on
 * the native backend. Everything else (the filter gradient, other convolutions, other backends)
 * calls tfjs's own gradient unchanged, and each part still runs only when it is needed.
 * Idempotent; process-wide (the math is the same, so other users of conv2d lose nothing).
 */
export function installFastConv2dInputGradient(): void {
  if (installed) return;
  const original = tf.getGradient('Conv2D');
  if (!original || typeof original.gradFunc !== 'function') return;
  installed = true;
  const gradFunc = original.gradFunc;
  tf.registerGradient({
    ...original,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const grads = gradFunc(dy, saved, attrs);
      const [x, filter] = saved as tf.Tensor4D[];
      const a = attrs as unknown as { strides: number | number[]; pad: unknown; dataFormat?: string; dilations?: number | number[] };
      const dilated = Array.isArray(a.dilations) ? a.dilations.some((d) => d !== 1) : a.dilations !== undefined && a.dilations !== 1;
      const g = dy as tf.Tensor4D;
      if (a.dataFormat === 'NHWC' && !dilated && fastConvTransposeApplies(g.shape, filter.shape, a.strides, a.pad) && x.shape[1] === 2 * g.shape[1] && x.shape[2] === 2 * g.shape[2]) {
        return { ...grads, x: () => fastConvTranspose(g, filter) };
      }
      return grads;
    },
  });
}
