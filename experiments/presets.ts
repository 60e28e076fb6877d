/** Preset building blocks shared by the experiment specs. */
import type { TrainSettings } from '../lib/runs/spec-types';
import { STUDY_TRAINING } from '../lib/runs/experiment';

/** The study's settings: full data, batch 128, Adam 2e-4 / 0.5. */
export function paper(epochs: number): TrainSettings {
  return { ...STUDY_TRAINING, epochs, limit: null, checkpointEvery: 200, logEvery: 10 };
}

/** Same architecture and optimiser, fewer images/epochs: about 15-30 minutes on 2 cores (native backend). */
export function quick(epochs: number, limit: number | null, batchSize = 64): TrainSettings {
  return { ...STUDY_TRAINING, batchSize, epochs, limit, checkpointEvery: 100, logEvery: 10 };
}

/** Seconds: two tiny batches, for tests and CI. */
export const smoke: TrainSettings = { ...STUDY_TRAINING, batchSize: 8, epochs: 1, limit: 16, checkpointEvery: 0, logEvery: 1 };
