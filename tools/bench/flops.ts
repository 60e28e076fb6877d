/**
 * Analytic FLOP count of one DCGAN training step, with exactly the formula of the peer benchmark
 * (bench/peer/dcgan_torch.py), so GFLOP/s figures of both are comparable:
 *
 *   forward MACs per image:  Conv2d           Cin * Cout * kh * kw * Hout * Wout
 *                            ConvTranspose2d  Cin * Cout * kh * kw * Hin  * Win
 *   fwd = 2 * MACs; backward = +1 fwd for the weight gradient, +1 fwd for the input gradient
 *   (not for a first layer whose input is data or noise); BatchNorm, activations, loss and Adam
 *   are not counted (O(elements)), but their time is measured.
 *
 *   tutorial step per image = 9 fwdD - 2 fwdD1 + 3 fwdG - fwdG1
 *     D: 3 forwards (real, fake for D, fake for G), 3 weight gradients (PyTorch's G backward
 *        also computes D's weight gradients), 3 input gradients (all but D's layer 1 twice, all once)
 *     G: 1 forward, 1 weight gradient, 1 input gradient (all but G's layer 1)
 *
 * What our step executes (`executedStepFlopsPerImage`) differs slightly. The trainer's convolutions
 * (lib/kernels/fused-layers.ts) take only the needed gradients: G's update skips D's weight
 * gradients, which PyTorch computes (-fwdD). The plain step runs G forward twice (+fwdG). With
 * stock tfjs-layers ('unfused'), Conv2D runs tf.fused.conv2d, whose gradient always computes both
 * the input and the filter gradient: like PyTorch, the G update also computes D's weight gradients,
 * and D's own update computes D's first-layer input gradient twice (+2 fwdD1).
 * GFLOP/s in the benchmark always use the tutorial count, so ours/PyTorch GFLOP/s equals
 * ours/PyTorch images/s.
 */
import * as tf from '@tensorflow/tfjs';
import { DcganSpec, checkSpec, edgeKernel } from '../../lib/models/spec';
import type { StepVariant } from './variants';

/** One convolution layer of a net, as the FLOP count sees it. */
export interface ConvLayer {
  kind: 'conv' | 'convT';
  cin: number;
  cout: number;
  k: number;
  hin: number;
  hout: number;
  /** multiply-adds per image of the forward pass */
  macs: number;
}

function layer(kind: ConvLayer['kind'], cin: number, cout: number, k: number, hin: number, hout: number): ConvLayer {
  const spatial = kind === 'convT' ? hin * hin : hout * hout;
  return { kind, cin, cout, k, hin, hout, macs: cin * cout * k * k * spatial };
}

/** G's and D's convolution layers, from the spec (the layout of lib/models/dcgan.ts). */
export function convLayers(spec: DcganSpec): { G: ConvLayer[]; D: ConvLayer[] } {
  checkSpec(spec);
  const k0 = edgeKernel(spec);
  const gw = [spec.nz, spec.ngf * 8, spec.ngf * 4, spec.ngf * 2, spec.ngf, spec.channels];
  const G: ConvLayer[] = [layer('convT', gw[0], gw[1], k0, 1, k0)];
  for (let i = 1; i < 5; i++) {
    const hin = k0 << (i - 1);
    G.push(layer('convT', gw[i], gw[i + 1], 4, hin, hin * 2));
  }
  const dw = [spec.channels, spec.ndf, spec.ndf * 2, spec.ndf * 4, spec.ndf * 8];
  const D: ConvLayer[] = [];
  for (let i = 0; i < 4; i++) {
    const hin = spec.size >> i;
    D.push(layer('conv', dw[i], dw[i + 1], 4, hin, hin / 2));
  }
  D.push(layer('conv', spec.ndf * 8, 1, k0, spec.size >> 4, 1));
  return { G, D };
}

/**
 * The convolution layers of a built tf.layers model (Conv2D / Conv2DTranspose), read from the
 * layers' kernels and shapes; used to check that `convLayers` describes the nets we train.
 */
export function modelConvLayers(model: tf.LayersModel): ConvLayer[] {
  const out: ConvLayer[] = [];
  for (const l of model.layers) {
    const cls = l.getClassName();
    if (cls !== 'Conv2D' && cls !== 'Conv2DTranspose') continue;
    const inShape = (l.input as tf.SymbolicTensor).shape;
    const outShape = (l.output as tf.SymbolicTensor).shape;
    const k = (l.getWeights()[0].shape as number[])[0];
    const [, hin, , cin] = inShape as number[];
    const [, hout, , cout] = outShape as number[];
    out.push(layer(cls === 'Conv2D' ? 'conv' : 'convT', cin, cout, k, hin, hout));
  }
  return out;
}

/** Forward FLOPs per image of G and D, and of their first layers. */
export function forwardFlops(spec: DcganSpec): { fwdG: number; fwdD: number; fwdG1: number; fwdD1: number } {
  const { G, D } = convLayers(spec);
  const sum = (ls: ConvLayer[]) => ls.reduce((a, l) => a + 2 * l.macs, 0);
  return { fwdG: sum(G), fwdD: sum(D), fwdG1: 2 * G[0].macs, fwdD1: 2 * D[0].macs };
}

/** FLOPs per image of one tutorial training step (dcgan_torch.py's `step_flops_per_image`). */
export function stepFlopsPerImage(spec: DcganSpec): number {
  const { fwdG, fwdD, fwdG1, fwdD1 } = forwardFlops(spec);
  const dPasses = 3 * fwdD + 3 * fwdD + (3 * fwdD - 2 * fwdD1);
  const gPasses = fwdG + fwdG + (fwdG - fwdG1);
  return dPasses + gPasses;
}

/** FLOPs per image our step executes, for each step variant of the benchmark (see file comment). */
export function executedStepFlopsPerImage(spec: DcganSpec, variant: StepVariant = 'lean'): number {
  const f = forwardFlops(spec);
  const tutorial = stepFlopsPerImage(spec);
  if (variant === 'unfused') return tutorial + 2 * f.fwdD1;
  return tutorial - f.fwdD + (variant === 'plain' ? f.fwdG : 0);
}

/** FLOPs of generating one image (G forward only). */
export function sampleFlopsPerImage(spec: DcganSpec): number {
  return forwardFlops(spec).fwdG;
}
