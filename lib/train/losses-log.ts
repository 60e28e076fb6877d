/** losses.csv of a run: one row per iteration, appended at each log flush. */
import * as fs from 'fs';
import { writeFileAtomic, appendFileChecked } from '../io/files';
import { LOSS_CSV_COLUMNS as LOSS_COLUMNS, LossRow } from '../viz/losses-csv';

export type { LossRow };

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(7));

/** A complete row: every column present and numeric (a crash mid-append leaves a partial last line). */
function rowIter(line: string): number | null {
  const cells = line.split(',');
  if (cells.length !== LOSS_COLUMNS.length || cells.some((c) => c.trim() === '' || (Number.isNaN(Number(c)) && c.trim() !== 'NaN'))) return null;
  const iter = Number(cells[1]);
  return Number.isInteger(iter) && iter >= 0 ? iter : null;
}

export class LossLog {
  constructor(readonly file: string) {}

  /**
   * Starts a fresh log, or on resume cuts it back (atomically) to the rows of iterations before
   * `keepBelowIter`, the checkpoint's step: rows after it are replayed by the resumed run. Returns
   * a warning when rows before the checkpoint are missing or damaged (the history is then
   * incomplete; it is never emptied silently), else null.
   */
  open(keepBelowIter: number | null): string | null {
    const header = LOSS_COLUMNS.join(',') + '\n';
    if (keepBelowIter === null) {
      writeFileAtomic(this.file, header);
      return null;
    }
    if (!fs.existsSync(this.file)) {
      writeFileAtomic(this.file, header);
      return keepBelowIter > 0 ? `${this.file} was missing: the loss history of iterations 0..${keepBelowIter - 1} is lost (the run itself resumes exactly)` : null;
    }
    const lines = fs.readFileSync(this.file, 'utf8').split('\n');
    const seen = new Set<number>();
    let damaged = 0;
    const kept: string[] = [];
    for (const l of lines.slice(1)) {
      if (l.trim() === '') continue;
      const iter = rowIter(l);
      if (iter === null) {
        damaged++;
        continue;
      }
      if (iter < keepBelowIter && !seen.has(iter)) {
        seen.add(iter);
        kept.push(l);
      }
    }
    writeFileAtomic(this.file, header + kept.map((l) => l + '\n').join(''));
    const missing = keepBelowIter - seen.size;
    if (missing === 0) return null;
    const headerBad = lines[0].trim() !== LOSS_COLUMNS.join(',') ? ' (its header was damaged too)' : '';
    return kept.length === 0
      ? `${this.file} held no rows before the checkpoint's step ${keepBelowIter}${headerBad}: the loss history of those iterations is lost (the run itself resumes exactly)`
      : `${this.file} lacks ${missing} of the ${keepBelowIter} rows before the checkpoint${damaged ? ` (${damaged} damaged line(s) dropped)` : ''}${headerBad}; the loss history has gaps (the run itself resumes exactly)`;
  }

  append(rows: LossRow[]): void {
    if (rows.length === 0) return;
    appendFileChecked(this.file, rows.map((r) => LOSS_COLUMNS.map((c) => fmt(r[c])).join(',') + '\n').join(''));
  }
}
