/**
 * Decoding many image files in parallel worker threads (pure JS decoding is CPU bound: CelebA's
 * 202,599 JPEGs take ~2 ms each). Falls back to the current thread when workers cannot start.
 */
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { DECODE_WORKER_FLAG, runDecodeTask, type DecodeResult, type DecodeTask } from './decode-worker';
import { progress } from '../io/progress';

/** Options of decodeFiles. */
export interface DecodeFilesOptions {
  size: number;
  channels: 1 | 3;
  /** Worker threads; default: the number of CPUs (max 16); 0 = decode in this thread (also used below 16 files). */
  workers?: number;
  /** Label for the progress line; progress is shown for 1000+ files unless `progress` is false. */
  label?: string;
  progress?: boolean;
}

/** Default worker count: all CPUs, at most 16. */
export function defaultWorkers(): number {
  const n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(16, n));
}

/** Files per task: small enough to keep every worker busy, large enough to amortise messages. */
function taskSize(files: number, workers: number): number {
  return Math.max(4, Math.min(128, Math.ceil(files / Math.max(1, workers * 4))));
}

/**
 * Decodes, centre-crops and resizes every file to size x size x channels into one array (in
 * `files` order). `errors[i]` is null or why file i failed; its pixels are then zero.
 */
export async function decodeFiles(
  files: string[],
  opts: DecodeFilesOptions,
): Promise<{ data: Uint8Array; errors: (string | null)[]; threads: number }> {
  const px = opts.size * opts.size * opts.channels;
  const data = new Uint8Array(files.length * px);
  const errors: (string | null)[] = new Array(files.length).fill(null);
  const wanted = opts.workers ?? defaultWorkers();
  const per = taskSize(files.length, wanted);
  const tasks: DecodeTask[] = [];
  for (let s = 0; s < files.length; s += per) {
    tasks.push({ id: s, files: files.slice(s, s + per), size: opts.size, channels: opts.channels });
  }
  const bar = progress(opts.label ?? 'decoding', files.length, opts.progress !== false && files.length >= 1000);
  let done = 0;
  const accept = (r: DecodeResult) => {
    data.set(r.pixels, r.id * px);
    r.errors.forEach((e, i) => (errors[r.id + i] = e));
    done += r.errors.length;
    bar.tick(done);
  };
  const nWorkers = Math.min(wanted, tasks.length);
  let next = 0;
  let threads = 0;
  if (nWorkers >= 1 && files.length >= 16) {
    try {
      next = await runPool(tasks, nWorkers, accept);
      threads = nWorkers;
    } catch (e) {
      process.stderr.write(`decoding in worker threads failed (${String((e as Error).message).split("\n")[0]}); continuing in the main thread\n`);
      next = (e as { next?: number }).next ?? 0;
    }
  }
  for (let t = next; t < tasks.length; t++) accept(runDecodeTask(tasks[t]));
  bar.done();
  return { data, errors, threads };
}

/** The code a worker runs: the .ts worker under tsx (registering tsx in the worker), else the .js. */
function spawnWorker(): Worker {
  const ext = path.extname(__filename);
  const file = path.join(__dirname, `decode-worker${ext}`);
  const workerData = { [DECODE_WORKER_FLAG]: true };
  if (ext === '.ts') {
    const tsx = require.resolve('tsx/cjs/api');
    return new Worker(`require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(file)});`, { eval: true, workerData });
  }
  return new Worker(file, { workerData });
}

/**
 * Runs tasks on n workers, accepting results as they complete. Resolves with tasks.length; on a
 * worker failure rejects with an Error whose `next` is the first unfinished task: the caller
 * redoes it and everything after it in the main thread.
 */
function runPool(tasks: DecodeTask[], n: number, accept: (r: DecodeResult) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const workers: Worker[] = [];
    const finished = new Uint8Array(tasks.length);
    const taskIndex = new Map(tasks.map((t, i) => [t.id, i]));
    let issued = 0;
    let completed = 0;
    let failed = false;
    const stop = () => workers.forEach((w) => void w.terminate());
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      stop();
      // Hand back to the caller the first task not finished; finished ones after it are redone (harmless overwrite).
      let first = 0;
      while (first < tasks.length && finished[first]) first++;
      reject(Object.assign(err, { next: first }));
    };
    const feed = (w: Worker) => {
      if (issued < tasks.length) w.postMessage(tasks[issued++]);
    };
    for (let i = 0; i < n; i++) {
      let w: Worker;
      try {
        w = spawnWorker();
      } catch (e) {
        fail(e as Error);
        return;
      }
      workers.push(w);
      w.on('message', (r: DecodeResult) => {
        if (failed) return;
        r.pixels = new Uint8Array(r.pixels.buffer, r.pixels.byteOffset, r.pixels.byteLength);
        accept(r);
        finished[taskIndex.get(r.id)!] = 1;
        completed++;
        if (completed === tasks.length) {
          stop();
          resolve(tasks.length);
        } else feed(w);
      });
      w.on('error', (e) => fail(e));
      w.on('exit', (code) => {
        if (!failed && completed < tasks.length && code !== 0) fail(new Error(`decode worker exited with code ${code}`));
      });
      feed(w);
    }
  });
}
