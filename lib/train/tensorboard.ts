/**
 * A small TensorBoard writer: scalars and PNG images into an event file that `tensorboard
 * --logdir` (and its EventAccumulator) reads. The format is written in TypeScript (tb-events.ts),
 * so it works the same on every backend (native, wasm, pure-JS cpu) and puts no tensors on the
 * training engine; tfjs-node's own `tf.node.summaryFileWriter` has no images, no close, and
 * exists only on the native backend.
 *
 * Writes are buffered in memory and appended at `flush()`; a write that fails (disk full, folder
 * removed) is reported once through `warn` and the writer turns itself off: TensorBoard logging
 * never stops or crashes the work it records.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodeEvent, EventBody, pngInfo, tfRecord } from './tb-events';

export interface TensorBoardOptions {
  /** Where a failed write is reported (once); default stderr. */
  warn?: (line: string) => void;
  /**
   * This session continues an earlier one at `resumeStep`: a START marker tells TensorBoard to
   * drop events of steps >= resumeStep written before the interruption (they are written again).
   */
  resumeStep?: number;
}

export interface TensorBoardWriter {
  /** The event file (inside the log folder). */
  readonly file: string;
  scalar(tag: string, value: number, step: number): void;
  /** A PNG image (its size and colours are read from the PNG header). */
  image(tag: string, png: Uint8Array, step: number): void;
  /** Appends what was written since the last flush to the event file. */
  flush(): void;
  /** Flushes; later writes are ignored. */
  close(): void;
}

let fileCounter = 0;

/** Opens a new event file in `logDir` (created if missing). */
export function openTensorBoard(logDir: string, opts: TensorBoardOptions = {}): TensorBoardWriter {
  return new EventFileWriter(logDir, opts);
}

class EventFileWriter implements TensorBoardWriter {
  readonly file: string;
  private buf: Buffer[] = [];
  private off = false;
  private readonly warn: (line: string) => void;

  constructor(logDir: string, opts: TensorBoardOptions) {
    this.warn = opts.warn ?? ((l) => process.stderr.write(l + '\n'));
    const now = Date.now() / 1000;
    this.file = path.join(logDir, `events.out.tfevents.${Math.floor(now)}.${os.hostname()}.${process.pid}.${fileCounter++}`);
    this.push(0, { fileVersion: 'brain.Event:2' });
    if (opts.resumeStep !== undefined && opts.resumeStep > 0) this.push(opts.resumeStep, { sessionStart: true });
    this.guard(() => {
      fs.mkdirSync(logDir, { recursive: true });
      this.flush();
    });
  }

  scalar(tag: string, value: number, step: number): void {
    this.push(step, { scalar: { tag, value } });
  }

  image(tag: string, png: Uint8Array, step: number): void {
    this.guard(() => this.push(step, { image: { tag, png, ...pngInfo(png) } }));
  }

  flush(): void {
    if (this.off || this.buf.length === 0) return;
    const data = Buffer.concat(this.buf);
    this.buf = [];
    this.guard(() => fs.appendFileSync(this.file, data));
  }

  close(): void {
    this.flush();
    this.off = true;
  }

  private push(step: number, body: EventBody): void {
    if (this.off) return;
    if (!Number.isInteger(step) || step < 0) throw new Error(`TensorBoard step must be a non-negative integer, got ${step}`);
    this.buf.push(tfRecord(encodeEvent(Date.now() / 1000, step, body)));
  }

  private guard(f: () => void): void {
    if (this.off) return;
    try {
      f();
    } catch (e) {
      this.off = true;
      this.buf = [];
      this.warn(`warning: TensorBoard logging off: ${this.file}: ${(e as Error).message}`);
    }
  }
}
