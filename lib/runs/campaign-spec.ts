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
  /** Notebooks `--export ... --notebooks` executes over the campaign's completed runs (lib/notebook/export-notebooks.ts). */
  notebooks?: CampaignNotebook[];
}

/** One notebook shown over a campaign's runs, e.g. 02-fer-per-emotion with runs_root = the campaign folder. */
export interface CampaignNotebook {
  /** Path from the project root, e.g. notebooks/01-celeba.ipynb. */
  notebook: string;
  /**
   * Parameters; in a string value `{out}` is the campaign's folder, `{export}` the export folder
   * (the reference runs, this export's and earlier ones') and `{tmp}` a scratch folder.
   */
  params: Record<string, string | number | boolean | null>;
  /**
   * Runs that must be completed first (else the notebook is skipped, saying which are not): in the
   * campaign's folder, or in the export folder when the notebook reads `{export}`.
   */
  needs: readonly string[];
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
