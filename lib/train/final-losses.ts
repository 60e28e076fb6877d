/**
 * summary.json's `final` of a GAN run, derived from losses.csv (never from what one session happened
 * to hold in memory): the mean of the last `window` rows (the run's logEvery) of the last epoch logged,
 * among the rows of iterations before `upToStep` (the checkpoint's step). An uninterrupted run and a
 * run resumed any number of times (even a resume that trains nothing) so get the same record.
 */
import { readLossesCsv, LossRow } from '../viz/losses-csv';

export interface FinalLosses {
  loss_d: number;
  loss_g: number;
  d_x: number;
  d_g_z1: number;
  d_g_z2: number;
}

/** The final losses from `file`, or null when it holds no row (or cannot be read: the caller already reports that). */
export function finalLosses(file: string, upToStep: number, window: number): FinalLosses | null {
  let all: LossRow[];
  try {
    all = readLossesCsv(file);
  } catch {
    return null;
  }
  const byIter = new Map<number, LossRow>();
  for (const r of all) if (r.iter < upToStep && !byIter.has(r.iter)) byIter.set(r.iter, r);
  const rows = [...byIter.values()].sort((a, b) => a.iter - b.iter);
  if (rows.length === 0) return null;
  const lastEpoch = rows[rows.length - 1].epoch;
  const tail = rows.filter((r) => r.epoch === lastEpoch).slice(-Math.max(1, window));
  const avg = (k: keyof FinalLosses) => tail.reduce((a, r) => a + r[k], 0) / tail.length;
  return { loss_d: avg('loss_d'), loss_g: avg('loss_g'), d_x: avg('d_x'), d_g_z1: avg('d_g_z1'), d_g_z2: avg('d_g_z2') };
}
