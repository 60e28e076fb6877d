/**
 * Optional standard FID (`npm run evaluate -- RUN --inception DIR`): features from a user-supplied
 * InceptionV3 in TF.js format (layers or graph model: DIR/model.json + weight files). Weights cannot
 * be downloaded at run time here, so nothing is shipped; docs/metrics.md shows how to convert
 * Keras' InceptionV3(include_top=False, pooling='avg') with tensorflowjs_converter.
 *
 * Images are tiled to 3 channels when gray, resized (bilinear) to the model's input size (299x299
 * when the model does not fix one), scaled to [-1, 1] (Keras' inception preprocessing), and the
 * model's first output is global-average-pooled when it is still a feature map. Keras' ImageNet
 * weights are not the TF-slim weights of the reference FID code, so values are FID-like, not
 * comparable digit-for-digit with published FIDs. Cost: ~6 GFLOP per image (minutes per
 * thousand images on 2 CPU cores).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { readJson } from '../io/files';
import { loadModelDir } from '../train/model-io';
import { Features } from './features-matrix';
import { UImages } from './classifier';

export interface InceptionModel {
  dir: string;
  size: [number, number];
  predict: (x: tf.Tensor4D) => tf.Tensor;
  dispose: () => void;
}

/** Loads DIR/model.json (layers or graph model); null (with the reason) when DIR has no model. */
export async function loadInception(dir: string): Promise<{ model: InceptionModel | null; reason?: string }> {
  const file = path.join(dir, 'model.json');
  if (!fs.existsSync(file)) return { model: null, reason: `no InceptionV3 model at ${file} (see docs/metrics.md to convert one); FID skipped` };
  const json = readJson<{ format?: string; modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] }>(file, 'Inception model');
  let predict: (x: tf.Tensor4D) => tf.Tensor;
  let inputShape: (number | null)[];
  let dispose: () => void;
  if (json.format === 'graph-model') {
    const specs = json.weightsManifest.flatMap((g) => g.weights);
    const buf = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(dir, p)))));
    const g = await tf.loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) }));
    inputShape = (g.inputs[0].shape ?? [null, null, null, 3]) as (number | null)[];
    predict = (x) => {
      const out = g.predict(x);
      return Array.isArray(out) ? out[0] : (out as tf.Tensor);
    };
    dispose = () => g.dispose();
  } else {
    const m = await loadModelDir(dir);
    inputShape = m.inputs[0].shape as (number | null)[];
    predict = (x) => {
      const out = m.predict(x);
      return Array.isArray(out) ? out[0] : out;
    };
    dispose = () => m.dispose();
  }
  if (inputShape.length !== 4 || (inputShape[3] !== null && inputShape[3] !== 3)) {
    throw new Error(`${file}: expected an image model with input [batch, height, width, 3], got [${inputShape.join(', ')}]`);
  }
  return { model: { dir, size: [inputShape[1] ?? 299, inputShape[2] ?? 299], predict, dispose } };
}

/** Pooled Inception features of uint8 images (batches of `batchSize`). */
export async function inceptionFeatures(model: InceptionModel, im: UImages, batchSize = 32): Promise<Features> {
  const px = im.height * im.width * im.channels;
  const rows: Float32Array[] = [];
  let d = 0;
  for (let i = 0; i < im.n; i += batchSize) {
    const b = Math.min(batchSize, im.n - i);
    const f = tf.tidy(() => {
      let x = tf.tensor4d(im.data.subarray(i * px, (i + b) * px), [b, im.height, im.width, im.channels], 'int32').toFloat();
      if (im.channels === 1) x = tf.tile(x, [1, 1, 1, 3]);
      x = tf.image.resizeBilinear(x, model.size).div(127.5).sub(1);
      let y = model.predict(x as tf.Tensor4D);
      if (y.rank === 4) y = y.mean([1, 2]);
      return y.reshape([b, -1]);
    });
    d = f.shape[1]!;
    rows.push((await f.data()) as Float32Array);
    f.dispose();
  }
  const data = new Float32Array(im.n * d);
  let o = 0;
  for (const r of rows) (data.set(r, o), (o += r.length));
  return { data, n: im.n, d };
}
