/** losses.csv of a run: one row per iteration, appended at each log flush. */
import * as fs from 'fs';
import { writeFileAtomic } from '../io/files';
import { LOSS_CSV_COLUMNS as LOSS_COLUMNS, LossRow } from '../viz/losses-csv';

export type { LossRow };

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(7));

export class LossLog {
  constructor(readonly file: string) {}

  /** Starts a fresh log, or on resume keeps only the rows of iterations before `keepBelowIter`. */
  open(keepBelowIter: number | null): void {
    const header = LOSS_COLUMNS.join(',') + '\n';
    if (keepBelowIter === null || !fs.existsSync(this.file)) {
      writeFileAtomic(this.file, header);
      return;
    }
    const lines = fs.readFileSync(this.file, 'utf8').split('\n');
    const kept = lines.slice(1).filter((l) => l.trim() !== '' && Number(l.split(',')[1]) < keepBelowIter);
    writeFileAtomic(this.file, header + kept.map((l) => l + '\n').join(''));
  }

  append(rows: LossRow[]): void {
    if (rows.length === 0) return;
    fs.appendFileSync(this.file, rows.map((r) => LOSS_COLUMNS.map((c) => fmt(r[c])).join(',') + '\n').join(''));
  }
}
