/** Loading an experiment's training images from --data, $FACEGAN_FER2013 / $FACEGAN_CELEBA, or the bundled sample. */
import * as crypto from 'crypto';
import * as path from 'path';
import { ImageSet } from '../data/types';
import { loadFer2013, loadCelebA, toGrayscale } from '../data';
import { DatasetSpec } from './experiment';
import { REPO_ROOT } from './versions';

export const SAMPLE_DIR = path.join(REPO_ROOT, 'data', 'sample');

/** Where a dataset is read from: the --data flag, else the environment variable, else the bundled sample. */
export function resolveDataPath(dataset: DatasetSpec, flag?: string): { path: string; source: 'flag' | 'env' | 'sample' } {
  if (flag) return { path: path.resolve(flag), source: 'flag' };
  const env = dataset.kind === 'fer2013' ? process.env.FACEGAN_FER2013 : process.env.FACEGAN_CELEBA;
  if (env) return { path: path.resolve(env), source: 'env' };
  return { path: path.join(SAMPLE_DIR, dataset.kind === 'fer2013' ? 'fer2013' : 'celeba'), source: 'sample' };
}

export async function loadDataset(
  dataset: DatasetSpec,
  dataPath: string,
  opts: { limit: number | null; seed: number; size: number },
): Promise<ImageSet> {
  const limit = opts.limit ?? undefined;
  if (dataset.kind === 'fer2013') {
    const emotions = dataset.emotions === 'all' ? undefined : dataset.emotions;
    return loadFer2013({ path: dataPath, split: dataset.split, emotions, limit, seed: opts.seed });
  }
  const set = await loadCelebA({ path: dataPath, size: opts.size, limit, seed: opts.seed });
  return dataset.grayscale ? toGrayscale(set) : set;
}

/**
 * Fingerprint of a loaded image set: sha256 of its shape, pixels and labels. The same images give
 * the same fingerprint wherever the folder lives, so a run's dataset can be moved and still checked.
 */
export function datasetFingerprint(images: ImageSet): string {
  const h = crypto.createHash('sha256');
  h.update(`${images.n}x${images.height}x${images.width}x${images.channels}\n`);
  h.update(images.data);
  if (images.labels) h.update(new Uint8Array(images.labels.buffer, images.labels.byteOffset, images.labels.byteLength));
  return `sha256:${h.digest('hex')}`;
}
