/**
 * Training the identity embedding (experiments/identity.ts; `npm run experiment -- identity-embed`):
 * build the net, train it on CelebA identities, measure its same/different-person separation on
 * held-out identities (lib/eval/identity.ts, which also loads and applies the shipped model), and
 * write the model folder.
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
import { saveModelDir } from '../train/model-io';
import { writeJsonAtomic } from '../io/files';
import { gitCommit } from '../runs/versions';
import { identityBatch, embedFaces, verification } from '../eval/identity';

import type { IdentitySpec } from '../runs/spec-types';

export type { IdentitySpec };

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
      const x = identityBatch(set, idx, flips);
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
