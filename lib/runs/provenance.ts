/**
 * The part of a run's config.json that records where it came from, the same for every kind of run
 * (GAN, conditional, translator): the data it read (path, name, count, skips, fingerprint), the
 * backend, package versions, git commit, the command and the time.
 */
import { ImageSet } from '../data/types';
import { BackendInfo } from '../backend';
import { datasetFingerprint } from './dataset';
import { packageVersions, gitCommit } from './versions';

export function runProvenance(dataPath: string, images: ImageSet, backend: BackendInfo, command: string[] | undefined) {
  return {
    data: { path: dataPath, name: images.name, images: images.n, skipped: images.skipped.length, fingerprint: datasetFingerprint(images) },
    backend: { ...backend },
    versions: packageVersions(),
    gitCommit: gitCommit(),
    command: command ?? [],
    createdAt: new Date().toISOString(),
  };
}
