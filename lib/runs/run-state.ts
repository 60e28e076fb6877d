/**
 * What a campaign finds in a run folder `<out>/<experiment>/`, and what it will do with it:
 * train it (no folder, or an empty one), skip it (completed with its epochs), resume it from its
 * latest checkpoint, start it again (a config.json but no checkpoint yet: nothing to keep; the
 * library's resume does it, with the recorded config), leave it to the process that holds it right
 * now (busy: its run lock, lib/io/lock.ts, is held by a live process), or stop (it diverged: the
 * user decides). A folder holding another experiment or preset, or the same one at other
 * settings, is refused: the campaign never trains over someone else's run.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readJson } from '../io/files';
import { runLockState } from '../io/lock';
import { RunConfig, readRunConfig } from './run-dir';
import { PresetName, TrainSettings } from './experiment';
import { latestCheckpoint } from '../train/checkpoint';
import type { TrainSummary } from '../train/trainer';

export type RunFolderState =
  | { kind: 'new' }
  | { kind: 'completed'; config: RunConfig; summary: TrainSummary; metrics: boolean }
  | { kind: 'resume'; config: RunConfig; step: number; status: string }
  | { kind: 'restart'; config: RunConfig; reason: string }
  | { kind: 'diverged'; config: RunConfig; message: string }
  | { kind: 'busy'; config?: RunConfig; by: string }
  /** A run file the campaign cannot read (garbled config.json, no intact checkpoint): skipped with the reason. */
  | { kind: 'damaged'; reason: string };

/**
 * Fallback for folders without a lock file (written by a version from before run locks, which may
 * still be training): summary.json says "running" and losses.csv or summary.json changed this
 * recently, so the campaign leaves it alone; older ones were killed and are resumed. A folder with
 * a lock file is judged by the lock alone (a stale lock: killed, resumed).
 */
export const BUSY_SECONDS = 180;

/** The settings a campaign run must have been started with (a different one is not its run). */
const SETTING_KEYS = ['epochs', 'batchSize', 'limit'] as const;

/**
 * Inspects `dir` as the run folder of `experiment` at `preset` with `settings`; throws (naming the
 * folder and what it holds) when it belongs to another experiment, preset or settings.
 */
export function inspectRunFolder(dir: string, experiment: string, preset: PresetName, settings: TrainSettings, now = Date.now()): RunFolderState {
  if (!fs.existsSync(path.join(dir, 'config.json'))) {
    if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new Error(`${dir} is a file, expected the run folder of ${experiment}`);
    const lock = runLockState(dir);
    if (lock.state === 'live') return { kind: 'busy', by: lock.by };
    return { kind: 'new' };
  }
  let config: RunConfig;
  try {
    config = readRunConfig(dir);
  } catch (e) {
    return { kind: 'damaged', reason: (e as Error).message };
  }
  if (config.experiment !== experiment || config.preset !== preset) {
    throw new Error(
      `${dir} holds a run of ${config.experiment} at preset ${config.preset} (config.json), but this campaign puts ` +
        `${experiment} at preset ${preset} there; move that folder away or use another --out`,
    );
  }
  const differ = SETTING_KEYS.filter((k) => config.settings?.[k] !== settings[k]);
  if (differ.length) {
    const what = differ.map((k) => `${k} ${config.settings?.[k]} (campaign: ${settings[k]})`).join(', ');
    throw new Error(`${dir} holds ${experiment} at preset ${preset} but with other settings: ${what}; move that folder away or use another --out`);
  }
  const sumFile = path.join(dir, 'summary.json');
  // a garbled summary.json is rewritten whole by the resume (as `npm run experiment -- --resume` does)
  let summary: TrainSummary | null = null;
  let summaryNote: string | null = null;
  try {
    summary = fs.existsSync(sumFile) ? readJson<TrainSummary>(sumFile, 'run summary') : null;
    if (summary !== null && (typeof summary !== 'object' || Array.isArray(summary))) throw new Error(`run summary ${sumFile} is not an object`);
  } catch (e) {
    summary = null;
    summaryNote = `summary.json is damaged (${(e as Error).message}); the resume rewrites it`;
  }
  if (summary?.status === 'completed' && summary.epochsCompleted >= config.settings.epochs) {
    return { kind: 'completed', config, summary, metrics: fs.existsSync(path.join(dir, 'metrics.json')) };
  }
  const lock = runLockState(dir);
  if (lock.state === 'live') return { kind: 'busy', config, by: lock.by };
  if (summary?.status === 'diverged') {
    return { kind: 'diverged', config, message: summary.message ?? 'a loss became NaN/Inf' };
  }
  if (summary?.status === 'running' && lock.state === 'none') {
    const ages = ['losses.csv', 'summary.json']
      .map((f) => path.join(dir, f))
      .filter((f) => fs.existsSync(f))
      .map((f) => (now - fs.statSync(f).mtimeMs) / 1000);
    const age = Math.min(...ages);
    if (age < BUSY_SECONDS) {
      return { kind: 'busy', config, by: `a process without a run lock (an older version: summary.json says running, written ${Math.max(0, Math.round(age))} s ago)` };
    }
  }
  let ckpt: string | null;
  try {
    ckpt = latestCheckpoint(dir, () => {});
  } catch (e) {
    return { kind: 'damaged', reason: (e as Error).message };
  }
  if (!ckpt && typeof summary?.lastCheckpoint === 'string' && summary.lastCheckpoint) {
    // not a run that stopped before its first checkpoint: its checkpoints were lost (resume refuses it too)
    return { kind: 'damaged', reason: `its checkpoints are missing, but summary.json says it reached step ${summary.steps} with checkpoint ${summary.lastCheckpoint}` };
  }
  if (!ckpt) return { kind: 'restart', config, reason: 'it stopped before its first checkpoint' };
  // the step from the checkpoint folder's name (latest.json may be the broken file that was skipped)
  const step = Number(/step-(\d+)$/.exec(ckpt)?.[1] ?? 0);
  return { kind: 'resume', config, step, status: summaryNote ?? summary?.status ?? 'no summary.json' };
}
