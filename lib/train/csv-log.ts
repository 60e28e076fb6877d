/**
 * losses.csv of a run: one row per iteration, appended at each log flush of the training session
 * (lib/train/session.ts). One class for every trainer; the columns say whose log it is:
 *   - a GAN run (LOSS_CSV_COLUMNS, lib/viz/losses-csv.ts): epoch, iter, loss_d, loss_g, d_x, d_g_z1, d_g_z2, seconds;
 *   - a translator run (TRANSLATE_LOSS_COLUMNS): the same first eight columns (so loss plots and
 *     `compare` read it), then its own terms:
 *       d_adv, d_cls, d_gp: D's adversarial, classification and gradient-penalty terms
 *       g_adv, g_cls, g_rec, g_mask: G's terms (values of the last G update; g_mask: the attention-mask terms plus the
 *         edit smoothness editTv), g_step 1 where G was updated
 *       g_idt: G's identity-mapping term |G(x, s) - x| (0 when the run has no such term); last column,
 *         so logs written before it existed are read back with 0 there
 *     (d_x / d_g_z1: D's mean score on real faces / on edits in the D update; d_g_z2: D's mean score
 *     on edits in the last G update).
 * Numbers: integers as they are, others with 7 significant digits (`toPrecision(7)`).
 */
import * as fs from 'fs';
import { writeFileAtomic, appendFileChecked } from '../io/files';
import { LOSS_CSV_COLUMNS, LossRow } from '../viz/losses-csv';
import { csvRecord, splitCsvLine } from '../io/csv';

export type { LossRow };

export const TRANSLATE_LOSS_COLUMNS = [
  ...LOSS_CSV_COLUMNS,
  'd_adv', 'd_cls', 'd_gp', 'g_adv', 'g_cls', 'g_rec', 'g_mask', 'g_step', 'g_idt',
] as const;
export type TranslateLossRow = Record<(typeof TRANSLATE_LOSS_COLUMNS)[number], number>;

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(7));

/** The iteration of a complete row (every column numeric), else null (a crash mid-append leaves a partial last line). */
function rowIter(line: string, columns: number): number | null {
  let cells: string[];
  try {
    cells = splitCsvLine(line);
  } catch {
    return null;
  }
  if (cells.length !== columns || cells.some((c) => c.trim() === '' || (Number.isNaN(Number(c)) && c.trim() !== 'NaN'))) return null;
  const iter = Number(cells[1]);
  return Number.isInteger(iter) && iter >= 0 ? iter : null;
}

export interface CsvLogOptions {
  /**
   * A header an older version wrote, whose rows lack the last column(s): on resume each row gets
   * `fill` appended (the translator's log before g_idt: `,0`).
   */
  upgrade?: { header: readonly string[]; fill: string };
}

/** A loss log with `columns` (the first two: epoch, iter). */
export class CsvLog<Row extends object> {
  constructor(readonly file: string, readonly columns: readonly (keyof Row & string)[], private readonly opts: CsvLogOptions = {}) {}

  /**
   * Starts a fresh log, or on resume cuts it back (atomically) to the rows of iterations before
   * `keepBelowIter`, the checkpoint's step: rows after it are replayed by the resumed run. Returns
   * a warning when rows before the checkpoint are missing or damaged (the history is then
   * incomplete; it is never emptied silently), else null.
   */
  open(keepBelowIter: number | null): string | null {
    const header = csvRecord(this.columns);
    if (keepBelowIter === null) {
      writeFileAtomic(this.file, header);
      return null;
    }
    if (!fs.existsSync(this.file)) {
      writeFileAtomic(this.file, header);
      return keepBelowIter > 0 ? `${this.file} was missing: the loss history of iterations 0..${keepBelowIter - 1} is lost (the run itself resumes exactly)` : null;
    }
    const lines = fs.readFileSync(this.file, 'utf8').split('\n');
    const up = this.opts.upgrade;
    if (up && lines[0].trim() === up.header.join(',')) {
      for (let i = 1; i < lines.length; i++) if (lines[i].trim() !== '') lines[i] = `${lines[i]}${up.fill}`;
      lines[0] = this.columns.join(',');
    }
    const seen = new Set<number>();
    let damaged = 0;
    const kept: string[] = [];
    for (const l of lines.slice(1)) {
      if (l.trim() === '') continue;
      const iter = rowIter(l, this.columns.length);
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
    const headerBad = lines[0].trim() !== this.columns.join(',') ? ' (its header was damaged too)' : '';
    return kept.length === 0
      ? `${this.file} held no rows before the checkpoint's step ${keepBelowIter}${headerBad}: the loss history of those iterations is lost (the run itself resumes exactly)`
      : `${this.file} lacks ${missing} of the ${keepBelowIter} rows before the checkpoint${damaged ? ` (${damaged} damaged line(s) dropped)` : ''}${headerBad}; the loss history has gaps (the run itself resumes exactly)`;
  }

  append(rows: readonly Row[]): void {
    if (rows.length === 0) return;
    appendFileChecked(this.file, rows.map((r) => csvRecord(this.columns.map((c) => fmt(r[c] as number)))).join(''));
  }
}

/** losses.csv of a GAN run. */
export const lossLog = (file: string) => new CsvLog<LossRow>(file, LOSS_CSV_COLUMNS);

/** losses.csv of a translator run (a log written before g_idt is upgraded on resume). */
export const translateLossLog = (file: string) =>
  new CsvLog<TranslateLossRow>(file, TRANSLATE_LOSS_COLUMNS, { upgrade: { header: TRANSLATE_LOSS_COLUMNS.slice(0, -1), fill: ',0' } });
