/**
 * One spec describes every DCGAN of the study. The architecture is the PyTorch DCGAN tutorial's
 * (Radford et al. 2016): 4x4 (transposed) convolutions with stride 2, BatchNorm except on G's output
 * and D's input, ReLU in G, LeakyReLU(0.2) in D, Tanh out of G, no biases, N(0, 0.02) init.
 */
export interface DcganSpec {
  /** Image side: 64 (CelebA) or 48 (FER2013: G's first layer and D's last layer use kernel 3). */
  size: 64 | 48;
  /** 3 for colour, 1 for grayscale. */
  channels: 1 | 3;
  /** Length of the noise vector z (100 in the study). */
  nz: number;
  /** Generator feature maps in its last hidden layer (64). */
  ngf: number;
  /** Discriminator feature maps in its first layer (64). */
  ndf: number;
}

/** Kernel of G's first and D's last layer: 4 gives 4x4 (-> 64), 3 gives 3x3 (-> 48). */
export function edgeKernel(spec: DcganSpec): number {
  return spec.size === 64 ? 4 : 3;
}

/** Validates a spec, naming the bad field. */
export function checkSpec(spec: DcganSpec, where = 'model spec'): DcganSpec {
  if (spec.size !== 64 && spec.size !== 48) {
    throw new Error(`${where}: size must be 64 or 48 (the study's image sizes), got ${spec.size}`);
  }
  if (spec.channels !== 1 && spec.channels !== 3) {
    throw new Error(`${where}: channels must be 1 (grayscale) or 3 (colour), got ${spec.channels}`);
  }
  for (const k of ['nz', 'ngf', 'ndf'] as const) {
    if (!Number.isInteger(spec[k]) || spec[k] < 1) {
      throw new Error(`${where}: ${k} must be a positive integer, got ${spec[k]}`);
    }
  }
  return spec;
}
