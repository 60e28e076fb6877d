/**
 * A run directory (`results/<experiment>/<run-id>/`) is the unit of record: config.json (everything
 * needed to rerun), losses.csv, noise.json, samples/, checkpoints/, summary.json, loss.svg/png,
 * metrics.json. Tables and plots are built from run directories only.
 */
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from './versions';
import { readJson } from '../io/files';
import { ExperimentSpec, Overrides, PresetName, TrainSettings } from './experiment';
import type { Kernels } from '../kernels/kernels';

export const RESULTS_DIR = process.env.FACEGAN_RESULTS ?? path.join(REPO_ROOT, 'results');

export interface RunConfig {
  experiment: string;
  preset: PresetName;
  overrides: Overrides;
  settings: TrainSettings;
  spec: ExperimentSpec;
  seed: number;
  /**
   * The dataset the run was started with; `fingerprint` (sha256 of the decoded images and labels,
   * absent in runs started before it existed) lets --resume --data check a moved copy is the same.
   */
  data: { path: string; name: string; images: number; skipped: number; fingerprint?: string; relocated?: { from: string; at: string }[] };
  backend: { name: string; reason: string; tfBackend?: string; [k: string]: unknown };
  versions: Record<string, string | null>;
  gitCommit: string | null;
  command: string[];
  createdAt: string;
  /** Layer kernels the run trains with (lib/kernels/kernels.ts); absent in runs from before it was recorded: 'fused'. */
  kernels?: Kernels;
  /** Deliberate changes made on resume (--override FIELD, --extend); absent in runs without any. */
  history?: ConfigChange[];
  /**
   * The first checkpoint step written with a manifest.json (0 for runs started by this version); a
   * checkpoint without its manifest is then damaged. Absent in older runs (lib/train/manifest-policy.ts).
   */
  manifestsSince?: number;
}

/** One deliberate change to a run's config.json, recorded in its `history`. */
export interface ConfigChange {
  at: string;
  change: 'override' | 'extend';
  field: string;
  from: unknown;
  to: unknown;
}

function timestamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** A new, unused run directory: results/<experiment>/<yyyymmdd-hhmmss>-<preset>[-k]. */
export function newRunDir(experiment: string, preset: string, base = RESULTS_DIR): string {
  const stem = path.join(base, experiment, `${timestamp()}-${preset}`);
  let dir = stem;
  for (let k = 2; fs.existsSync(dir); k++) dir = `${stem}-${k}`;
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export function readRunConfig(runDir: string): RunConfig {
  const file = path.join(runDir, 'config.json');
  if (!fs.existsSync(file)) {
    throw new Error(`${runDir} is not a run directory: config.json is missing`);
  }
  return readJson<RunConfig>(file, 'run config');
}

/** All run directories (folders holding config.json) below `base`. */
export function findRunDirs(base = RESULTS_DIR): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 4 || !fs.existsSync(dir)) return;
    if (fs.existsSync(path.join(dir, 'config.json'))) {
      out.push(dir);
      return;
    }
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'checkpoints') walk(path.join(dir, e.name), depth + 1);
    }
  };
  walk(base, 0);
  return out.sort();
}
