/**
 * May a checkpoint without manifest.json load (unverified)? Only when its run predates manifests.
 * config.json `manifestsSince` (written by runs of this version: 0; by a resume of an older run: the
 * first step after its old checkpoints) says from which step on every checkpoint has one. A run
 * without the marker is judged by its other checkpoints: when any has a manifest, the run writes
 * them, so a missing one was deleted or lost. Deleting manifest.json then no longer turns the
 * checksum off: the checkpoint counts as damaged and loading falls back to an older one.
 */
import * as fs from 'fs';
import * as path from 'path';

const STEP_DIR = /^step-(\d+)$/;

/** config.json's manifestsSince, or null (absent, or config.json unreadable: judged by the other checkpoints). */
function manifestsSince(runDir: string): number | null {
  try {
    const v = JSON.parse(fs.readFileSync(path.join(runDir, 'config.json'), 'utf8')).manifestsSince;
    return Number.isInteger(v) && v >= 0 ? v : null;
  } catch {
    return null;
  }
}

/** Whether checkpoint folder `dir` (`<run>/checkpoints/step-N`) may lack its manifest, and why not when it may not. */
export function manifestOptional(dir: string): { optional: true } | { optional: false; why: string } {
  const root = path.dirname(dir);
  const runDir = path.dirname(root);
  const step = Number(STEP_DIR.exec(path.basename(dir))?.[1] ?? NaN);
  const since = manifestsSince(runDir);
  if (since !== null) {
    return step < since ? { optional: true } : { optional: false, why: `config.json says every checkpoint from step ${since} on has one` };
  }
  const others = fs.existsSync(root) ? fs.readdirSync(root).filter((e) => STEP_DIR.test(e) && path.join(root, e) !== dir) : [];
  const withManifest = others.find((e) => fs.existsSync(path.join(root, e, 'manifest.json')));
  return withManifest ? { optional: false, why: `the run's checkpoint ${withManifest} has one, so this run writes them` } : { optional: true };
}

/** The marker a resume of an older run records: checkpoints from the step after its newest one on have manifests. */
export function manifestsSinceFor(runDir: string): number {
  const root = path.join(runDir, 'checkpoints');
  const steps = fs.existsSync(root) ? fs.readdirSync(root).map((e) => Number(STEP_DIR.exec(e)?.[1] ?? -1)) : [];
  return Math.max(-1, ...steps) + 1;
}
