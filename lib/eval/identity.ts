/**
 * The identity embedding (experiments/identity.ts): build, train on CelebA identities, measure its
 * same/different-person separation on held-out identities, embed faces, and ship it in
 * models/identity-embed/ (model.json + weights.bin of the embedding net, metrics.json).
 *   net: three stages of (3x3 conv, BatchNorm, ReLU, 2x2 max-pool) -> global average pool -> dense `embed`
 *   training: BatchNorm neck + a dense softmax over the training identities on top (cross-entropy, Adam)
 *   similarity: cosine of two embeddings
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { loadCelebA, readIdentities, toGrayscale } from '../data';
import { ImageSet } from '../data/types';
import { Rng } from '../rng';
import { saveModelDir, loadModelDir } from '../train/model-io';
import { writeJsonAtomic, readJson } from '../io/files';
import { REPO_ROOT, gitCommit } from '../runs/versions';
import type { IdentitySpec } from '../runs/spec-types';

export type { IdentitySpec };

export const DEFAULT_IDENTITY_DIR = process.env.FACEGAN_IDENTITY ?? path.join(REPO_ROOT, 'models', 'identity-embed');

export function buildIdentityNet(s: IdentitySpec, classes: number): { embed: tf.LayersModel; train: tf.LayersModel } {
  const x = tf.input({ shape: [s.size, s.size, 1], name: 'face' });
  let h: tf.SymbolicTensor = x;
  s.filters.forEach((f, i) => {
    h = tf.layers.conv2d({ filters: f, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: tf.initializers.heNormal({ seed: s.seed * 10 + i }), name: `id_conv${i + 1}` }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.batchNormalization({ name: `id_bn${i + 1}` }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.reLU({ name: `id_relu${i + 1}` }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.maxPooling2d({ poolSize: 2, name: `id_pool${i + 1}` }).apply(h) as tf.SymbolicTensor;
  });
  h = tf.layers.globalAveragePooling2d({ name: 'id_gap' }).apply(h) as tf.SymbolicTensor;
  const e = tf.layers.dense({ units: s.embed, kernelInitializer: tf.initializers.glorotUniform({ seed: s.seed * 10 + 7 }), name: 'id_embed' }).apply(h) as tf.SymbolicTensor;
  // BN neck (as in person re-identification): the softmax classifier sees the batch-normalised embedding.
  const neck = tf.layers.batchNormalization({ name: 'id_neck' }).apply(e) as tf.SymbolicTensor;
  const probs = tf.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: s.seed * 10 + 8 }), name: 'id_logits' }).apply(neck) as tf.SymbolicTensor;
  return { embed: tf.model({ inputs: x, outputs: e, name: 'identity_embed' }), train: tf.model({ inputs: x, outputs: probs, name: 'identity_train' }) };
}

/** CelebA faces as 48x48 gray framed like FER2013 (centre `size` of a `loadSize` resize), with identity numbers. */
export async function loadIdentityFaces(dataPath: string, s: IdentitySpec): Promise<{ set: ImageSet; ids: Int32Array }> {
  const ids = readIdentities(dataPath);
  if (ids.size === 0) throw new Error(`${dataPath}: no identity_CelebA*.txt found (identity-embed needs CelebA identities)`);
  const big = toGrayscale(await loadCelebA({ path: dataPath, size: s.loadSize, progress: false }));
  const off = Math.floor((s.loadSize - s.size) / 2);
  const keep: number[] = [];
  big.sources!.forEach((src, i) => ids.has(path.basename(src)) && keep.push(i));
  if (keep.length === 0) throw new Error(`${dataPath}: none of the images has an identity in the identity file`);
  const data = new Uint8Array(keep.length * s.size * s.size);
  keep.forEach((i, j) => {
    for (let y = 0; y < s.size; y++) {
      const src = (i * s.loadSize + y + off) * s.loadSize + off;
      data.set(big.data.subarray(src, src + s.size), (j * s.size + y) * s.size);
    }
  });
  const set: ImageSet = { data, n: keep.length, height: s.size, width: s.size, channels: 1, sources: keep.map((i) => big.sources![i]), skipped: big.skipped, name: `${big.name} identities, centre ${s.size} of ${s.loadSize}` };
  return { set, ids: Int32Array.from(keep, (i) => ids.get(path.basename(big.sources![i]))!) };
}

function toFloat(set: { data: Uint8Array; n: number; height: number; width: number }, idx: ArrayLike<number>, flip?: boolean[]): tf.Tensor4D {
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
      const v = net.predict(toFloat(set, idx)) as tf.Tensor2D;
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

export interface IdentityResult {
  dir: string;
  metrics: Record<string, unknown>;
}

/** Trains the embedding, measures held-out verification, writes `outDir` (model.json, weights.bin, metrics.json). */
export async function trainIdentity(dataPath: string, s: IdentitySpec, outDir: string, log: (l: string) => void = () => {}): Promise<IdentityResult> {
  const { set, ids } = await loadIdentityFaces(dataPath, s);
  const distinct = [...new Set(ids)].sort((a, b) => a - b);
  if (distinct.length <= s.holdOut + 1) throw new Error(`${dataPath}: ${distinct.length} identities, need more than holdOut (${s.holdOut}) + 1`);
  const rng = new Rng(s.seed);
  const shuffled = rng.shuffle([...distinct]);
  const held = new Set(shuffled.slice(0, s.holdOut));
  const trainIds = shuffled.slice(s.holdOut).sort((a, b) => a - b);
  const classOf = new Map(trainIds.map((id, k) => [id, k]));
  const trainIdx: number[] = [], heldIdx: number[] = [];
  ids.forEach((id, i) => (held.has(id) ? heldIdx : trainIdx).push(i));
  log(`identity-embed: ${set.n} faces of ${distinct.length} identities (${set.name}); training on ${trainIds.length} identities (${trainIdx.length} faces), ${s.holdOut} held out (${heldIdx.length} faces)`);
  const nets = buildIdentityNet(s, trainIds.length);
  nets.train.compile({ optimizer: tf.train.adam(s.lr), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const t0 = Date.now();
  for (let epoch = 0; epoch < s.epochs; epoch++) {
    const order = rng.shuffle([...trainIdx]);
    let lossSum = 0, accSum = 0, batches = 0;
    for (let b = 0; b < order.length; b += s.batchSize) {
      const idx = order.slice(b, b + s.batchSize);
      const flips = idx.map(() => s.flip && rng.uniform() < 0.5);
      const x = toFloat(set, idx, flips);
      const y = tf.tensor1d(idx.map((i) => classOf.get(ids[i])!), 'float32');
      const [loss, acc] = (await nets.train.trainOnBatch(x, y)) as number[];
      tf.dispose([x, y]);
      lossSum += loss;
      accSum += acc;
      batches++;
    }
    log(`  epoch ${epoch + 1}/${s.epochs}: loss ${(lossSum / batches).toFixed(3)}, train accuracy ${(accSum / batches).toFixed(3)}`);
  }
  const heldSet = { data: new Uint8Array(heldIdx.length * s.size * s.size), n: heldIdx.length, height: s.size, width: s.size };
  heldIdx.forEach((i, j) => heldSet.data.set(set.data.subarray(i * s.size * s.size, (i + 1) * s.size * s.size), j * s.size * s.size));
  const v = verification(await embedFaces(nets.embed, heldSet), Int32Array.from(heldIdx, (i) => ids[i]));
  log(`held-out verification: AUC ${v.auc.toFixed(3)}, EER ${(v.eer * 100).toFixed(1)}%, mean cosine same ${v.same_mean.toFixed(3)} / different ${v.diff_mean.toFixed(3)}`);
  const metrics = {
    verification_auc: v.auc, verification_eer: v.eer, same_mean: v.same_mean, diff_mean: v.diff_mean, pairs_same: v.pairs_same, pairs_diff: v.pairs_diff,
    train_identities: trainIds.length, train_faces: trainIdx.length, held_out_identities: s.holdOut, held_out_faces: heldIdx.length,
    data: set.name, spec: s, train_seconds: (Date.now() - t0) / 1000, git_commit: gitCommit(),
    command: 'npm run experiment -- identity-embed --data <CelebA folder with identity_CelebA*.txt> --install', created_at: new Date().toISOString(),
  };
  fs.mkdirSync(outDir, { recursive: true });
  await saveModelDir(nets.embed, outDir);
  writeJsonAtomic(path.join(outDir, 'metrics.json'), metrics);
  nets.train.dispose();
  return { dir: outDir, metrics };
}

/** The shipped (or given) identity model, or null with the reason. */
export async function loadIdentityModel(dir = DEFAULT_IDENTITY_DIR): Promise<{ net: tf.LayersModel; dir: string; metrics: Record<string, unknown> | null } | null> {
  if (!fs.existsSync(path.join(dir, 'model.json'))) return null;
  const metricsFile = path.join(dir, 'metrics.json');
  return { net: await loadModelDir(dir), dir, metrics: fs.existsSync(metricsFile) ? readJson<Record<string, unknown>>(metricsFile, 'identity metrics') : null };
}
