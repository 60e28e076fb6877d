/**
 * losses.csv of a translator run: the columns every run has (epoch, iter, loss_d, loss_g, d_x,
 * d_g_z1, d_g_z2, seconds; so loss plots and `compare` read it) and the translator's own terms.
 *   d_x / d_g_z1: D's mean score on real faces / on edits in the D update
 *   d_g_z2: D's mean score on edits in the last G update
 *   d_adv, d_cls, d_gp: D's adversarial, classification and gradient-penalty terms
 *   g_adv, g_cls, g_rec, g_mask: G's terms (values of the last G update), g_step 1 where G was updated
 *   g_idt: G's identity-mapping term |G(x, s) - x| (0 when the run has no such term); last column, so
 *     logs written before it existed are read back with 0 there
 */
import * as fs from 'fs';
import { writeFileAtomic, appendFileChecked } from '../io/files';

export const TRANSLATE_LOSS_COLUMNS = [
  'epoch', 'iter', 'loss_d', 'loss_g', 'd_x', 'd_g_z1', 'd_g_z2', 'seconds',
  'd_adv', 'd_cls', 'd_gp', 'g_adv', 'g_cls', 'g_rec', 'g_mask', 'g_step', 'g_idt',
] as const;
export type TranslateLossRow = Record<(typeof TRANSLATE_LOSS_COLUMNS)[number], number>;

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(7));

/** The iteration of a complete row (every column numeric), else null (a crash mid-append leaves a partial last line). */
function rowIter(line: string, columns: number): number | null {
  const cells = line.split(',');
  if (cells.length !== columns || cells.some((c) => c.trim() === '' || (Number.isNaN(Number(c)) && c.trim() !== 'NaN'))) return null;
  const iter = Number(cells[1]);
  return Number.isInteger(iter) && iter >= 0 ? iter : null;
}

export class TranslateLossLog {
  constructor(readonly file: string) {}

  /**
   * Starts a fresh log, or on resume cuts it back (atomically) to the rows of iterations before
   * `keepBelowIter`, the checkpoint's step (later rows are replayed). Returns a warning when rows
   * before the checkpoint are missing or damaged (the history is never emptied silently), else null.
   */
  open(keepBelowIter: number | null): string | null {
    const header = TRANSLATE_LOSS_COLUMNS.join(',') + '\n';
    if (keepBelowIter === null || !fs.existsSync(this.file)) {
      writeFileAtomic(this.file, header);
      return keepBelowIter ? `${this.file} was missing: the loss history of iterations 0..${keepBelowIter - 1} is lost (the run itself resumes exactly)` : null;
    }
    const lines = fs.readFileSync(this.file, 'utf8').split('\n');
    // a log written before the g_idt column: its rows get 0 there (those runs had no identity term)
    const oldHeader = TRANSLATE_LOSS_COLUMNS.slice(0, -1).join(',');
    if (lines[0].trim() === oldHeader) for (let i = 1; i < lines.length; i++) if (lines[i].trim() !== '') lines[i] = `${lines[i]},0`;
    const seen = new Set<number>();
    const kept: string[] = [];
    let damaged = 0;
    for (const l of lines.slice(1)) {
      if (l.trim() === '') continue;
      const iter = rowIter(l, TRANSLATE_LOSS_COLUMNS.length);
      if (iter === null) damaged++;
      else if (iter < keepBelowIter && !seen.has(iter)) (seen.add(iter), kept.push(l));
    }
    writeFileAtomic(this.file, header + kept.map((l) => l + '\n').join(''));
    const missing = keepBelowIter - seen.size;
    if (missing === 0) return null;
    return `${this.file} lacks ${missing} of the ${keepBelowIter} rows before the checkpoint${damaged ? ` (${damaged} damaged line(s) dropped)` : ''}; the loss history has gaps (the run itself resumes exactly)`;
  }

  append(rows: TranslateLossRow[]): void {
    if (rows.length === 0) return;
    appendFileChecked(this.file, rows.map((r) => TRANSLATE_LOSS_COLUMNS.map((c) => fmt(r[c])).join(',') + '\n').join(''));
  }
}
