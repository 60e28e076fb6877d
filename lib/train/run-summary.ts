/**
 * summary.json of a run: the one function that writes it. Every write merges into what is there
 * (fields of earlier sessions stay) and stamps updatedAt. The trainer writes `running` at the start
 * and the final status at the end; finishRun (lib/orchestrate/finish-run.ts) adds what the run was.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeJsonAtomic } from '../io/files';

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
