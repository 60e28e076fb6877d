/** Shared test setup: the backend tests run on ($FACEGAN_BACKEND, else the fastest that loads). */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend, BackendInfo } from '../lib/backend';
import { Kernels, DEFAULT_KERNELS, useKernels } from '../lib/kernels/kernels';
import { GanPair, makeGanPair } from '../lib/train/gan-pair';
import { latestCheckpoint } from '../lib/train/checkpoint';
import { readWeights, saveModelDir } from '../lib/train/model-io';
import { buildClassifier } from '../lib/eval/classifier-model';

let info: BackendInfo | undefined;

export async function setupBackend(): Promise<BackendInfo> {
  if (!info) info = await initBackend({ quiet: true } as Parameters<typeof initBackend>[0]);
  return info;
}

/**
 * The full datasets (FER2013 image folders, CelebA subset) for tests that use them when present:
 * $FACEGAN_SHARED_DATA, else <repo>/../shared/data. Tests that need them skip with a message
 * without them; everything else runs on the bundled sample (data/sample/, lib/data/sample.ts).
 */
export const SHARED = process.env.FACEGAN_SHARED_DATA ? path.resolve(process.env.FACEGAN_SHARED_DATA) : path.resolve(__dirname, '..', '..', 'shared', 'data');
export const hasShared = (sub: string) => fs.existsSync(path.join(SHARED, sub));
/** The skip message of a test that needs shared data `sub` (false when it is there). */
export const needsShared = (sub: string): string | false => (hasShared(sub) ? false : `no ${path.join(SHARED, sub)} (set FACEGAN_SHARED_DATA to the full data)`);

export function tempDir(prefix = 'facegan-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (!process.env.FACEGAN_KEEP_TEMP) made.push(dir);
  return dir;
}

/**
 * Every tempDir of this test process is removed when it exits (each test file runs in its own process), so repeated
 * test runs do not fill the disk: the study test's folders alone are ~700 MB each (FACEGAN_KEEP_TEMP=1 keeps them).
 */
const made: string[] = [];
process.on('exit', () => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** G and D with their optimizers, on the given kernels (the trainer's default: 'fused'), as the trainer sets them up. */
export function ganPair(G: tf.LayersModel, D: tf.LayersModel, kernels: Kernels = DEFAULT_KERNELS): GanPair {
  useKernels(kernels, [G, D]);
  return makeGanPair(G, D);
}

/**
 * Every weight of a run's latest checkpoint (G and D, as `G:<name>` / `D:<name>`) and the raw floats
 * of the optimizer files named in `extra` (e.g. opt-G.bin), for bit-exact resume comparisons.
 */
export function checkpointWeights(runDir: string, extra: string[] = []): Record<string, Float32Array> {
  const ck = latestCheckpoint(runDir);
  if (!ck) throw new Error(`${runDir}: no checkpoint`);
  const out: Record<string, Float32Array> = {};
  for (const net of ['G', 'D']) {
    const { weights } = readWeights(path.join(ck, net));
    for (const [k, t] of Object.entries(weights)) out[`${net}:${k}`] = t.dataSync() as Float32Array;
    tf.dispose(Object.values(weights));
  }
  for (const f of extra) out[f.replace(/\.bin$/, '')] = new Float32Array(fs.readFileSync(path.join(ck, f)).buffer.slice(0));
  return out;
}

/** A tiny loss classifier saved like a fer-loss-classifier run's model (own seed, own architecture). */
export async function tinyLossClassifier(seed = 77): Promise<string> {
  const dir = tempDir();
  const arch = { blocks: [[4], [8]], dense: 8, spaceToDepth: true };
  const net = buildClassifier(arch, seed);
  await saveModelDir(net.model, dir);
  fs.writeFileSync(path.join(dir, 'metrics.json'), JSON.stringify({ seed, settings: { arch }, accuracy: 0.2 }));
  net.model.dispose();
  return dir;
}
