/**
 * Cheap size estimates for planning (the campaign's ETA): how many training images a run will see
 * per epoch, by listing the dataset's files without decoding them. Best effort: null when the
 * layout is not one that can be counted this way (e.g. fer2013.csv), never an error.
 */
import * as fs from 'fs';
import { DatasetSpec } from './experiment';
import { resolveCelebA } from '../data/celeba';
import { resolveFer2013 } from '../data/fer2013';
import { listFer2013Folder } from '../data/fer2013-folder';
import { EMOTIONS } from '../data/types';
import { usagesOf } from '../data/fer2013-options';

const IMAGE_EXT = /\.(jpe?g|png)$/i;

/** Training images per epoch for `dataset` read from `dataPath`, capped at `limit`; null when unknown. */
export function estimateImages(dataset: DatasetSpec, dataPath: string, limit: number | null): number | null {
  try {
    let n: number;
    if (dataset.kind === 'celeba') {
      const { imgDir } = resolveCelebA(dataPath);
      n = fs.readdirSync(imgDir).filter((f) => !f.startsWith('.') && IMAGE_EXT.test(f)).length;
    } else {
      const r = resolveFer2013(dataPath);
      if (r.kind !== 'folder') return null;
      const want = dataset.emotions === 'all' ? null : new Set(dataset.emotions.map((e) => EMOTIONS.indexOf(e)));
      const usages = usagesOf(dataset.split);
      n = listFer2013Folder(r.path).entries.filter((e) => (!want || want.has(e.label)) && e.usage !== undefined && usages.has(e.usage)).length;
    }
    return limit === null ? n : Math.min(n, limit);
  } catch {
    return null;
  }
}

/** A key for "runs that train at the same speed": the model's image size. */
export function speedKey(model: { size: number; channels: number }): string {
  return `${model.size}x${model.size}x${model.channels}`;
}
