/**
 * losses.csv of a translator run: the columns every run has (epoch, iter, loss_d, loss_g, d_x,
 * d_g_z1, d_g_z2, seconds; so loss plots and `compare` read it) and the translator's own terms.
 *   d_x / d_g_z1: D's mean score on real faces / on edits in the D update
 *   d_g_z2: D's mean score on edits in the last G update
 *   d_adv, d_cls, d_gp: D's adversarial, classification and gradient-penalty terms
 *   g_adv, g_cls, g_rec, g_mask: G's terms (values of the last G update), g_step 1 where G was updated
 */
import * as fs from 'fs';
import { writeFileAtomic } from '../io/files';

export const TRANSLATE_LOSS_COLUMNS = [
  'epoch', 'iter', 'loss_d', 'loss_g', 'd_x', 'd_g_z1', 'd_g_z2', 'seconds',
  'd_adv', 'd_cls', 'd_gp', 'g_adv', 'g_cls', 'g_rec', 'g_mask', 'g_step',
] as const;
export type TranslateLossRow = Record<(typeof TRANSLATE_LOSS_COLUMNS)[number], number>;

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(7));

export class TranslateLossLog {
  constructor(readonly file: string) {}

  /** Starts a fresh log, or on resume keeps only the rows of iterations before `keepBelowIter`. */
  open(keepBelowIter: number | null): void {
    const header = TRANSLATE_LOSS_COLUMNS.join(',') + '\n';
    if (keepBelowIter === null || !fs.existsSync(this.file)) return writeFileAtomic(this.file, header);
    const lines = fs.readFileSync(this.file, 'utf8').split('\n');
    const kept = lines.slice(1).filter((l) => l.trim() !== '' && Number(l.split(',')[1]) < keepBelowIter);
    writeFileAtomic(this.file, header + kept.map((l) => l + '\n').join(''));
  }

  append(rows: TranslateLossRow[]): void {
    if (rows.length === 0) return;
    fs.appendFileSync(this.file, rows.map((r) => TRANSLATE_LOSS_COLUMNS.map((c) => fmt(r[c])).join(',') + '\n').join(''));
  }
}
