/**
 * A campaign: a fixed list of experiments trained into one results folder, one run folder per
 * experiment (`<out>/<experiment>/`), stoppable and continued at any time (lib/orchestrate/campaign.ts).
 * The list and its numbers are an experiment-level spec (experiments/study.ts); lib/ only runs it.
 */
import type { PresetName } from './experiment';

export interface CampaignSpec {
  /** Name used in messages and the table title, e.g. "study". */
  name: string;
  description: string;
  /** Experiment names, in campaign order (shards take every n-th of this list after --only). */
  runs: readonly string[];
  /** Images per set for the metrics after each run, per preset (the experiment CLI's --eval-n). */
  evalN: Partial<Record<PresetName, number>> & { default: number };
  /** What `--export` writes for each completed run (lib/orchestrate/export-reference.ts). */
  export: ExportSpec;
}

export interface ExportSpec {
  /** samples-256.png: this many samples from the final generator ... */
  samples: number;
  /** ... this many per row ... */
  samplesPerRow: number;
  /** ... with this many pixels between (and around) the images, at native resolution, no labels ... */
  gap: number;
  /** ... drawn from this noise seed (the same for every run, so grids are comparable and reproducible). */
  seed: number;
  /** The epoch strip shows at most this many epochs, spread evenly (first and last kept). */
  stripEpochs: number;
  /** Images per epoch in the strip (the first of the fixed-noise grid). */
  stripSamples: number;
}
