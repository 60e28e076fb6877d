/**
 * Atomic checkpoints of a GAN run: G and D (model.json + weights.bin), both optimizers' moments
 * and step, and a JSON state (epoch/iteration, RNG state, data-order position, ...).
 *
 * Layout: <run>/checkpoints/step-0000123/{G,D}/..., opt-G.bin, opt-D.bin, state.json, and
 * <run>/checkpoints/latest.json naming the newest complete one. A checkpoint is written into a
 * temporary folder and renamed into place; latest.json is replaced atomically only after that; the
 * previous checkpoint is kept, older ones are removed. A crash at any moment leaves a loadable one.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Adam } from './adam';
import { GanPair } from './gan-pair';
import { saveModelDir, loadWeightsInto } from './model-io';
import { writeFileAtomic, writeJsonAtomic, readJson } from '../io/files';

export interface TrainState {
  /** Optimizer steps completed (= iterations). */
  step: number;
  /** Epoch the next iteration belongs to (0-based). */
  epoch: number;
  /** Iteration within that epoch of the next batch. */
  iterInEpoch: number;
  /** Seconds of training so far (summed over resumed sessions). */
  seconds: number;
  /** Serialised RNG / data-order state, owned by the trainer. */
  rng: unknown;
  batches: unknown;
  [k: string]: unknown;
}

const STEP_DIR = /^step-(\d+)$/;

function saveOptimizer(opt: Adam, file: string, state: { step: number; m: Float32Array[]; v: Float32Array[] }): void {
  const parts = [...state.m, ...state.v];
  const total = parts.reduce((n, a) => n + a.length, 0);
  const buf = new Float32Array(total);
  let o = 0;
  for (const a of parts) {
    buf.set(a, o);
    o += a.length;
  }
  writeFileAtomic(file, new Uint8Array(buf.buffer));
  writeJsonAtomic(file.replace(/\.bin$/, '.json'), { step: state.step, shapes: opt.params.map((p) => p.shape) });
}

function loadOptimizer(opt: Adam, file: string): void {
  const meta = readJson<{ step: number; shapes: number[][] }>(file.replace(/\.bin$/, '.json'), 'optimizer state');
  const bytes = fs.readFileSync(file);
  const sizes = opt.params.map((p) => p.size);
  const total = sizes.reduce((a, b) => a + b, 0) * 2;
  if (bytes.byteLength !== total * 4) {
    throw new Error(`optimizer state ${file} is truncated or does not match the model: ${bytes.byteLength} bytes, expected ${total * 4}`);
  }
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const m: Float32Array[] = [];
  const v: Float32Array[] = [];
  let o = 0;
  for (const s of sizes) (m.push(all.slice(o, o + s)), (o += s));
  for (const s of sizes) (v.push(all.slice(o, o + s)), (o += s));
  opt.setState({ step: meta.step, m, v }, file);
}

/** Writes a checkpoint for `state` and makes it the latest; keeps the previous one. */
export async function saveCheckpoint(runDir: string, pair: GanPair, state: TrainState): Promise<string> {
  const root = path.join(runDir, 'checkpoints');
  const name = `step-${String(state.step).padStart(7, '0')}`;
  const tmp = path.join(root, `.tmp-${name}-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  await saveModelDir(pair.G, path.join(tmp, 'G'));
  await saveModelDir(pair.D, path.join(tmp, 'D'));
  saveOptimizer(pair.optG, path.join(tmp, 'opt-G.bin'), await pair.optG.getState());
  saveOptimizer(pair.optD, path.join(tmp, 'opt-D.bin'), await pair.optD.getState());
  writeJsonAtomic(path.join(tmp, 'state.json'), state);
  const final = path.join(root, name);
  fs.rmSync(final, { recursive: true, force: true });
  fs.renameSync(tmp, final);
  const previous = latestCheckpointName(runDir);
  writeJsonAtomic(path.join(root, 'latest.json'), { checkpoint: name, previous, step: state.step, savedAt: new Date().toISOString() });
  for (const entry of fs.readdirSync(root)) {
    if (STEP_DIR.test(entry) && entry !== name && entry !== previous) fs.rmSync(path.join(root, entry), { recursive: true, force: true });
  }
  return final;
}

function latestCheckpointName(runDir: string): string | null {
  const file = path.join(runDir, 'checkpoints', 'latest.json');
  if (!fs.existsSync(file)) return null;
  return readJson<{ checkpoint: string }>(file, 'checkpoint index').checkpoint;
}

/** Path of the newest complete checkpoint of a run, or null when it has none. */
export function latestCheckpoint(runDir: string): string | null {
  const name = latestCheckpointName(runDir);
  return name ? path.join(runDir, 'checkpoints', name) : null;
}

/** Restores G, D, both optimizers from a checkpoint folder and returns its state. */
export function loadCheckpoint(dir: string, pair: GanPair): TrainState {
  if (!fs.existsSync(path.join(dir, 'state.json'))) {
    throw new Error(`checkpoint ${dir} is incomplete: state.json is missing`);
  }
  const state = readJson<TrainState>(path.join(dir, 'state.json'), 'checkpoint state');
  loadWeightsInto(pair.G, path.join(dir, 'G'));
  loadWeightsInto(pair.D, path.join(dir, 'D'));
  loadOptimizer(pair.optG, path.join(dir, 'opt-G.bin'));
  loadOptimizer(pair.optD, path.join(dir, 'opt-D.bin'));
  return state;
}
