/**
 * The identity embedding as a measure (trained by lib/classify/identity-train.ts, shipped in
 * models/identity-embed/: model.json + weights.bin of the embedding net, metrics.json): load it,
 * embed faces, the cosine of two embeddings, and the same/different-person separation (AUC, EER)
 * of embeddings of known identities.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { loadModelDir } from '../train/model-io';
import { readJson } from '../io/files';
import { REPO_ROOT } from '../runs/versions';

export const DEFAULT_IDENTITY_DIR = process.env.FACEGAN_IDENTITY ?? path.join(REPO_ROOT, 'models', 'identity-embed');

/** uint8 faces `idx` of a set as a [-1, 1] batch (mirrored where `flip` says), for the embedding net. */
export function identityBatch(set: { data: Uint8Array; n: number; height: number; width: number }, idx: ArrayLike<number>, flip?: boolean[]): tf.Tensor4D {
  const px = set.height * set.width;
  const x = new Float32Array(idx.length * px);
  for (let j = 0; j < idx.length; j++) {
    const i = idx[j];
    for (let y = 0; y < set.height; y++) {
      for (let c = 0; c < set.width; c++) {
        const sc = flip?.[j] ? set.width - 1 - c : c;
        x[j * px + y * set.width + c] = set.data[i * px + y * set.width + sc] / 127.5 - 1;
      }
    }
  }
  return tf.tensor4d(x, [idx.length, set.height, set.width, 1]);
}

/** L2-normalised embeddings (n x d) of uint8 48x48x1 faces. */
export async function embedFaces(net: tf.LayersModel, set: { data: Uint8Array; n: number; height: number; width: number }, batch = 256): Promise<{ data: Float32Array; d: number }> {
  const d = (net.outputs[0].shape as number[])[1];
  const out = new Float32Array(set.n * d);
  for (let i = 0; i < set.n; i += batch) {
    const idx = Array.from({ length: Math.min(batch, set.n - i) }, (_, j) => i + j);
    const e = tf.tidy(() => {
      const v = net.predict(identityBatch(set, idx)) as tf.Tensor2D;
      return v.div(v.norm('euclidean', 1, true).add(1e-8));
    });
    out.set(await e.data(), i * d);
    e.dispose();
  }
  return { data: out, d };
}

export function cosine(a: Float32Array, i: number, b: Float32Array, j: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) s += a[i * d + k] * b[j * d + k];
  return s;
}

/** Verification on all pairs of `emb` (labels `ids`): ROC AUC of cosine similarity for same vs different person, and the EER. */
export function verification(emb: { data: Float32Array; d: number }, ids: Int32Array): { auc: number; eer: number; same_mean: number; diff_mean: number; pairs_same: number; pairs_diff: number } {
  const same: number[] = [], diff: number[] = [];
  for (let i = 0; i < ids.length; i++) for (let j = i + 1; j < ids.length; j++) (ids[i] === ids[j] ? same : diff).push(cosine(emb.data, i, emb.data, j, emb.d));
  if (!same.length || !diff.length) throw new Error('verification: needs pairs of the same and of different identities');
  const all = [...same.map((v) => [v, 1] as const), ...diff.map((v) => [v, 0] as const)].sort((a, b) => a[0] - b[0]);
  // AUC by ranks (ties averaged)
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j][0] === all[i][0]) j++;
    const r = (i + j + 1) / 2;
    for (let k = i; k < j; k++) if (all[k][1] === 1) rankSum += r;
    i = j;
  }
  const auc = (rankSum - (same.length * (same.length + 1)) / 2) / (same.length * diff.length);
  // EER: threshold where false accepts = false rejects
  const s = [...same].sort((a, b) => a - b), d = [...diff].sort((a, b) => a - b);
  let eer = 1;
  for (let q = 0; q <= 200; q++) {
    const t = -1 + q / 100;
    const frr = lowerCount(s, t) / s.length;
    const far = 1 - lowerCount(d, t) / d.length;
    eer = Math.min(eer, Math.max(frr, far));
  }
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  return { auc, eer, same_mean: mean(same), diff_mean: mean(diff), pairs_same: same.length, pairs_diff: diff.length };
}

function lowerCount(sorted: number[], t: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (sorted[m] < t) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** The shipped (or given) identity model, or null with the reason. */
export async function loadIdentityModel(dir = DEFAULT_IDENTITY_DIR): Promise<{ net: tf.LayersModel; dir: string; metrics: Record<string, unknown> | null } | null> {
  if (!fs.existsSync(path.join(dir, 'model.json'))) return null;
  const metricsFile = path.join(dir, 'metrics.json');
  return { net: await loadModelDir(dir), dir, metrics: fs.existsSync(metricsFile) ? readJson<Record<string, unknown>>(metricsFile, 'identity metrics') : null };
}
