/**
 * summary.json of a run: the one function that writes it. Every write merges into what is there
 * (fields of earlier sessions stay) and stamps updatedAt. The trainer writes `running` at the start
 * and the final status at the end; finishRun (lib/orchestrate/finish-run.ts) adds what the run was.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeJsonAtomic } from '../io/files';
import type { StopSignal } from './event-loop';

/** summary.json's current content, or {} when it is missing or unreadable (it is then rewritten whole). */
export function readRunSummary(runDir: string): Record<string, unknown> {
  const file = path.join(runDir, 'summary.json');
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

/**
 * Merges `patch` into summary.json (undefined values remove a field). With bestEffort, a failure
 * to write (a full disk) is reported on stderr instead of thrown, so the error that ended the run
 * is the one the user sees; returns whether it was written.
 */
export function writeRunSummary(runDir: string, patch: object, opts: { bestEffort?: boolean } = {}): boolean {
  const file = path.join(runDir, 'summary.json');
  try {
    writeJsonAtomic(file, { ...readRunSummary(runDir), ...patch, updatedAt: new Date().toISOString() });
    return true;
  } catch (e) {
    if (!opts.bestEffort) throw e;
    process.stderr.write(`warning: ${file} could not be updated (${(e as Error).message}); its status is out of date\n`);
    return false;
  }
}

/** A run's status in summary.json. */
export type RunStatus = 'running' | 'completed' | 'stopped' | 'interrupted' | 'diverged' | 'failed';

/** What every trainer's summary.json holds (the GAN trainer and the translator's; each adds its own). */
export interface RunSummaryCore<Final> {
  status: RunStatus;
  steps: number;
  epochsCompleted: number;
  imagesSeen: number;
  trainSeconds: number;
  /** Training images per second of this session (resumed runs: since the resume; a session that trained nothing: over all sessions). */
  imagesPerSecond: number;
  /** Mean of the last logged loss rows; null before the first. */
  final: Final | null;
  message?: string;
  /** The signal that interrupted the run (status interrupted). */
  signal?: StopSignal;
  /** Problems found on resume that did not stop it (e.g. rows missing from losses.csv). */
  warnings?: string[];
  lastCheckpoint: string | null;
}

/** Where a trainer stands: what both summaries (running and final) are made of. */
export interface SessionCounts {
  steps: number;
  epochsCompleted: number;
  batchSize: number;
  /** Training seconds over all sessions. */
  trainSeconds: number;
  lastCheckpoint: string | null;
  warnings: string[];
}

/**
 * summary.json at the start of a session: status running, the counts so far, and the message and
 * signal of an earlier session cleared. `extra` holds a trainer's own fields.
 */
export function writeRunningSummary(runDir: string, c: SessionCounts, extra: object = {}): void {
  writeRunSummary(runDir, {
    status: 'running', steps: c.steps, epochsCompleted: c.epochsCompleted, imagesSeen: c.steps * c.batchSize,
    trainSeconds: c.trainSeconds, ...extra, imagesPerSecond: 0, final: null, lastCheckpoint: c.lastCheckpoint,
    message: undefined, signal: undefined, warnings: c.warnings.length ? c.warnings : undefined,
  });
}

/**
 * The summary a session ends with, written to summary.json best effort (a full disk must not hide
 * the error that stopped the run) and returned. `extra` holds a trainer's own fields; `sessionImages`
 * and `sessionSeconds` give this session's speed.
 */
export function writeFinalSummary<Final, Extra extends object>(
  runDir: string,
  end: SessionCounts & { status: RunStatus; final: Final | null; message?: string; signal?: StopSignal; sessionImages: number; sessionSeconds: number },
  extra: Extra = {} as Extra,
): RunSummaryCore<Final> & Extra {
  const summary: RunSummaryCore<Final> & Extra = {
    status: end.status,
    steps: end.steps,
    epochsCompleted: end.epochsCompleted,
    imagesSeen: end.steps * end.batchSize,
    trainSeconds: end.trainSeconds,
    ...extra,
    // a session that trained nothing (a resume of a finished run, --max-steps at or below the
    // steps done) reports the run's speed over all sessions, from the checkpoint's counts
    imagesPerSecond: end.sessionImages > 0 ? end.sessionImages / Math.max(end.sessionSeconds, 1e-9)
      : end.trainSeconds > 0 ? (end.steps * end.batchSize) / end.trainSeconds : 0,
    final: end.final,
    message: end.message,
    ...(end.status === 'interrupted' && end.signal ? { signal: end.signal } : {}),
    ...(end.warnings.length ? { warnings: end.warnings } : {}),
    lastCheckpoint: end.lastCheckpoint,
  };
  // fields this session does not set clear what an earlier session wrote (its message, signal or warnings).
  // After an error or a signal the write is best effort (the error that ended the run is the one to see);
  // a run that completed or stopped as asked fails here if its record cannot say so (a full disk).
  const bestEffort = end.status !== 'completed' && end.status !== 'stopped';
  writeRunSummary(runDir, { message: undefined, signal: undefined, warnings: undefined, ...summary }, { bestEffort });
  return summary;
}
