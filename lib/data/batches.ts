/**
 * Seeded, resumable mini-batches from an ImageSet: a fresh shuffle every epoch (lib/rng.ts),
 * uint8 pixels converted to float32 NHWC in [-1, 1] (x / 127.5 - 1) one batch at a time. No
 * tensors here: the trainer makes them from `data` and `shape`.
 */
import { Rng, type RngState } from '../rng';
import type { ImageSet } from './types';

/** Options of BatchStream. */
export interface BatchStreamOptions {
  batchSize: number;
  seed: number;
  /** Drop the last, smaller batch of each epoch (default false, like PyTorch's DataLoader). */
  dropLast?: boolean;
}

/** One batch. */
export interface Batch {
  /** NHWC float32 in [-1, 1]. */
  data: Float32Array;
  shape: [number, number, number, number];
  /** Labels of the images in the batch, when the set has labels. */
  labels?: Int32Array;
  /** Indices of the batch's images in the ImageSet. */
  indices: Int32Array;
  /** 0-based epoch of this batch. */
  epoch: number;
  /** 0-based batch index within the epoch. */
  index: number;
}

/** JSON-serialisable position of a BatchStream (store it in a checkpoint to resume). */
export interface BatchStreamState {
  version: 1;
  n: number;
  batchSize: number;
  dropLast: boolean;
  /** Epoch of the next batch. */
  epoch: number;
  /** Position of the next batch's first image in this epoch's order. */
  position: number;
  /** RNG state from which this epoch's order is drawn. */
  epochRng: RngState;
}

/** uint8 -> [-1, 1] lookup table. */
const TO_FLOAT = new Float32Array(256).map((_, v) => v / 127.5 - 1);

/**
 * Endless stream of shuffled batches: every image exactly once per epoch (the last batch of
 * an epoch is smaller unless dropLast), the same batches for the same seed, and
 * getState()/setState() to continue exactly where a run stopped.
 */
export class BatchStream {
  readonly batchesPerEpoch: number;
  private readonly set: ImageSet;
  private readonly batchSize: number;
  private readonly dropLast: boolean;
  private readonly rng: Rng;
  private epochRng!: RngState;
  private order!: Int32Array;
  private epoch = 0;
  private position = 0;

  constructor(set: ImageSet, opts: BatchStreamOptions) {
    if (!set || !(set.data instanceof Uint8Array)) throw new Error('BatchStream: expected an ImageSet with uint8 data');
    const { batchSize, seed } = opts;
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`BatchStream: batchSize must be a positive integer, got ${batchSize}`);
    if (!Number.isFinite(seed)) throw new Error(`BatchStream: seed must be a number, got ${seed}`);
    if (set.n <= 0) throw new Error(`BatchStream: the image set "${set.name}" is empty`);
    const expect = set.n * set.height * set.width * set.channels;
    if (set.data.length !== expect) throw new Error(`BatchStream: "${set.name}" has ${set.data.length} bytes, expected n*h*w*c = ${expect}`);
    this.dropLast = opts.dropLast ?? false;
    if (this.dropLast && set.n < batchSize) {
      throw new Error(`BatchStream: dropLast with batchSize ${batchSize} > ${set.n} images of "${set.name}" gives no batches; lower batchSize`);
    }
    this.set = set;
    this.batchSize = batchSize;
    this.batchesPerEpoch = this.dropLast ? Math.floor(set.n / batchSize) : Math.ceil(set.n / batchSize);
    this.rng = new Rng(seed);
    this.startEpoch();
  }

  private startEpoch(): void {
    this.epochRng = this.rng.getState();
    this.order = this.rng.permutation(this.set.n);
    this.position = 0;
  }

  /** The next batch; moves to a newly shuffled epoch when this one is used up. */
  next(): Batch {
    const { n, height: h, width: w, channels: c } = this.set;
    let remaining = n - this.position;
    if (remaining <= 0 || (this.dropLast && remaining < this.batchSize)) {
      this.epoch++;
      this.startEpoch();
      remaining = n;
    }
    const bs = Math.min(this.batchSize, remaining);
    const index = Math.floor(this.position / this.batchSize);
    const indices = this.order.slice(this.position, this.position + bs);
    const px = h * w * c;
    const data = new Float32Array(bs * px);
    const src = this.set.data;
    for (let b = 0; b < bs; b++) {
      const s = indices[b] * px;
      const d = b * px;
      for (let k = 0; k < px; k++) data[d + k] = TO_FLOAT[src[s + k]];
    }
    let labels: Int32Array | undefined;
    if (this.set.labels) {
      labels = new Int32Array(bs);
      for (let b = 0; b < bs; b++) labels[b] = this.set.labels[indices[b]];
    }
    const batch: Batch = { data, shape: [bs, h, w, c], labels, indices, epoch: this.epoch, index };
    this.position += bs;
    return batch;
  }

  /** Where the stream is (JSON-serialisable). */
  getState(): BatchStreamState {
    return {
      version: 1, n: this.set.n, batchSize: this.batchSize, dropLast: this.dropLast,
      epoch: this.epoch, position: this.position, epochRng: { s: [...this.epochRng.s] as RngState['s'], spare: this.epochRng.spare },
    };
  }

  /** Continues from a getState() of a stream over the same set with the same batch size. */
  setState(s: BatchStreamState): void {
    if (!s || s.version !== 1 || !s.epochRng) throw new Error(`BatchStream.setState: not a BatchStream state: ${JSON.stringify(s)?.slice(0, 200)}`);
    if (s.n !== this.set.n || s.batchSize !== this.batchSize || s.dropLast !== this.dropLast) {
      throw new Error(
        `BatchStream.setState: the state is for ${s.n} images, batchSize ${s.batchSize}, dropLast ${s.dropLast}, ` +
          `but this stream has ${this.set.n} images, batchSize ${this.batchSize}, dropLast ${this.dropLast} ` +
          '(resume with the same data and batch size)',
      );
    }
    if (!Number.isInteger(s.position) || s.position < 0 || s.position > s.n || !Number.isInteger(s.epoch) || s.epoch < 0) {
      throw new Error(`BatchStream.setState: bad epoch/position ${s.epoch}/${s.position}`);
    }
    this.rng.setState(s.epochRng);
    this.startEpoch();
    this.epoch = s.epoch;
    this.position = s.position;
  }
}
