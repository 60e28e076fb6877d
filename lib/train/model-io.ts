/**
 * Saving and loading models without tfjs-node: the standard TF.js layers format (model.json +
 * weights.bin), written through a tf.io save handler, so `tf.loadLayersModel('file://.../model.json')`
 * (tfjs-node) or `loadModelDir` (any backend) can read it back.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic, readJson } from '../io/files';

interface ModelJson {
  modelTopology: object;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** Writes `dir/model.json` and `dir/weights.bin`. */
export async function saveModelDir(model: tf.LayersModel, dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData as ArrayBuffer;
      writeFileAtomic(path.join(dir, 'weights.bin'), new Uint8Array(data));
      const json: ModelJson = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs! }],
      };
      writeFileAtomic(path.join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

/** Reads the named weights of a saved model directory. */
export function readWeights(dir: string): { json: ModelJson; weights: tf.NamedTensorMap } {
  const file = path.join(dir, 'model.json');
  const json = readJson<ModelJson>(file, 'model file');
  if (!json.weightsManifest?.[0]?.weights) throw new Error(`model file ${file} has no weightsManifest`);
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const buffers = json.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(dir, p))));
  const all = Buffer.concat(buffers);
  const expected = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (all.byteLength !== expected) {
    throw new Error(`weights of ${file} are truncated or corrupt: ${all.byteLength} bytes, expected ${expected}`);
  }
  const ab = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  if (specs.every((s) => s.dtype === undefined || s.dtype === 'float32')) {
    const values = new Float32Array(ab);
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new Error(`weights of ${file} are damaged: value ${bad} is ${values[bad]} (not a finite number)`);
  }
  return { json, weights: tf.io.decodeWeights(ab, specs) };
}

/** Loads a saved directory as a new LayersModel (works on every backend). */
export async function loadModelDir(dir: string): Promise<tf.LayersModel> {
  const { json, weights } = readWeights(dir);
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const buffers = json.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(dir, p))));
  const all = Buffer.concat(buffers);
  tf.dispose(Object.values(weights));
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: specs,
      weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
    }),
  );
}

/** Copies saved weights into an existing model (same architecture), matching by weight name. */
export function loadWeightsInto(model: tf.LayersModel, dir: string): void {
  const { weights } = readWeights(dir);
  try {
    const values = model.weights.map((w) => {
      const t = weights[w.originalName];
      if (!t) throw new Error(`${path.join(dir, 'model.json')} has no weight "${w.originalName}" (is it the same model?)`);
      if (t.shape.join('x') !== w.shape.join('x')) {
        throw new Error(`${path.join(dir, 'model.json')}: weight ${w.originalName} has shape [${t.shape}], the model expects [${w.shape}]`);
      }
      return t;
    });
    model.setWeights(values);
  } finally {
    tf.dispose(Object.values(weights));
  }
}
