/**
 * Loading the face detector in Node: @vladmandic/human's build that uses the project's own
 * @tensorflow/tfjs-core (so it runs on whichever backend lib/backend.ts chose), with its weights
 * read from node_modules/@vladmandic/human/models through a file:// loader (the pure-JS backend
 * has none of its own). Nothing is fetched.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { FaceDetector } from '../photo/types';
import { HumanLike, humanConfig, humanDetector, HumanDetectorOptions } from '../photo/human-detector';

/** node_modules/@vladmandic/human (its dist/ and models/). */
export function humanPackageDir(): string {
  // The package's "exports" map hides its subpaths; its main entry sits in dist/.
  return path.dirname(path.dirname(require.resolve('@vladmandic/human')));
}

let routerRegistered = false;

/** A tfjs load handler for file:// model.json URLs (tfjs-node registers its own; this one is for the other backends). */
export function registerFileRouter(): void {
  if (routerRegistered) return;
  routerRegistered = true;
  // tfjs-node, when loaded, already reads file:// URLs; two handlers for one URL is an error.
  if (tf.io.getLoadHandlers('file:///probe/model.json').length > 0) return;
  tf.io.registerLoadRouter(((url: string | string[]) => {
    if (typeof url !== 'string' || !url.startsWith('file://')) return null;
    const file = url.slice('file://'.length);
    return {
      load: async () => {
        let manifest;
        try {
          manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
        } catch (e) {
          throw new Error(`face detector model ${file}: ${(e as Error).message}`);
        }
        const dir = path.dirname(file);
        const specs: tf.io.WeightsManifestEntry[] = [];
        const parts: Buffer[] = [];
        for (const g of manifest.weightsManifest as tf.io.WeightsManifestConfig) {
          specs.push(...g.weights);
          for (const p of g.paths) parts.push(fs.readFileSync(path.join(dir, p)));
        }
        const all = Buffer.concat(parts);
        return {
          modelTopology: manifest.modelTopology,
          format: manifest.format,
          generatedBy: manifest.generatedBy,
          convertedBy: manifest.convertedBy,
          weightSpecs: specs,
          weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
        };
      },
    };
  }) as Parameters<typeof tf.io.registerLoadRouter>[0]);
}

/** Loads Human (face detector + mesh only) on the current tfjs backend. Call after initBackend(). */
export async function loadFaceDetector(o: HumanDetectorOptions = {}): Promise<FaceDetector> {
  const dir = humanPackageDir();
  const models = path.join(dir, 'models');
  for (const m of ['blazeface.json', 'facemesh.json']) {
    if (!fs.existsSync(path.join(models, m))) throw new Error(`face detector: ${path.join(models, m)} is missing (reinstall with npm ci)`);
  }
  registerFileRouter();
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const H = require(path.join(dir, 'dist', 'human.node-wasm.js')) as { Human: new (config: Record<string, unknown>) => HumanLike };
  const backend = tf.getBackend();
  const human = new H.Human(humanConfig(`file://${models}/`, backend));
  await human.load();
  if (tf.getBackend() !== backend) await tf.setBackend(backend);
  return humanDetector(human, { ...o, backend });
}
