/** Worker-thread side of decode-pool.ts: decodes + centre-crop-resizes batches of image files. */
import * as fs from 'fs';
import { parentPort, workerData } from 'worker_threads';
import { prepareImage } from './image-file';

/** A batch of files to decode into size x size x channels each. */
export interface DecodeTask {
  id: number;
  files: string[];
  size: number;
  channels: 1 | 3;
}

/** The pixels of a task (files.length images) and, per file, null or the reason it failed. */
export interface DecodeResult {
  id: number;
  pixels: Uint8Array;
  errors: (string | null)[];
}

/** Decodes a task in the current thread (used by the workers and as the single-thread fallback). */
export function runDecodeTask(task: DecodeTask): DecodeResult {
  const px = task.size * task.size * task.channels;
  const pixels = new Uint8Array(task.files.length * px);
  const errors: (string | null)[] = [];
  task.files.forEach((file, i) => {
    try {
      const img = prepareImage(fs.readFileSync(file), { size: task.size, channels: task.channels });
      pixels.set(img.data, i * px);
      errors.push(null);
    } catch (e) {
      errors.push((e as Error).message);
    }
  });
  return { id: task.id, pixels, errors };
}

/** Set in workerData by decode-pool.ts, so that importing this file elsewhere (even in another worker) does nothing. */
export const DECODE_WORKER_FLAG = 'faceganDecodeWorker';

if (parentPort && workerData && (workerData as Record<string, unknown>)[DECODE_WORKER_FLAG] === true) {
  const port = parentPort;
  port.on('message', (task: DecodeTask) => {
    const r = runDecodeTask(task);
    port.postMessage(r, [r.pixels.buffer as ArrayBuffer]);
  });
}
