/** Read a run directory's `losses.csv` and draw its loss figure (`loss.svg`, `loss.png`). */
import * as fs from 'fs';
import * as path from 'path';
import { LossChartOptions, lossChartSpec, writeChart } from './charts';
import { WriteError } from '../io/files';
import { parseCsv } from '../io/csv';

/** Columns of losses.csv, in the order the trainer writes them. */
export const LOSS_CSV_COLUMNS = ['epoch', 'iter', 'loss_d', 'loss_g', 'd_x', 'd_g_z1', 'd_g_z2', 'seconds'] as const;

/** One iteration of a run's loss log. */
export interface LossRow {
  epoch: number;
  iter: number;
  loss_d: number;
  loss_g: number;
  /** D(x): discriminator output on real images (mean over the batch). */
  d_x: number;
  /** D(G(z)) before the discriminator step. */
  d_g_z1: number;
  /** D(G(z)) after the discriminator step (as seen by the generator step). */
  d_g_z2: number;
  /** Wall-clock seconds this iteration took (data, step; not the periodic sync/checkpoint). */
  seconds: number;
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^[-+]?Infinity$|^NaN$/;

/**
 * Parse `losses.csv` (header `epoch,iter,loss_d,loss_g,d_x,d_g_z1,d_g_z2,seconds`; columns may
 * come in any order, extra columns are ignored, blank lines skipped; NaN/Infinity are kept as
 * numbers since a diverging run logs them). A missing column, a row with the wrong number of
 * fields, a value that is not a number or a non-integer epoch/iter throws an error naming the
 * file and line. The fields are split by lib/io/csv.ts (arquero's fromCSV cannot name the line).
 */
export function readLossesCsv(file: string): LossRow[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`readLossesCsv: cannot read ${file}: ${(e as Error).message}`);
  }
  const csv = parseCsv(text, file);
  const header = csv.header.map((h) => h.trim());
  if (header.length === 1 && header[0] === '') {
    throw new Error(`${file}:1: empty file, expected the header line "${LOSS_CSV_COLUMNS.join(',')}"`);
  }
  const col = LOSS_CSV_COLUMNS.map((c) => header.indexOf(c));
  const missing = LOSS_CSV_COLUMNS.filter((_, k) => col[k] < 0);
  if (missing.length > 0) {
    throw new Error(
      `${file}:1: header lacks column(s) ${missing.join(', ')}; expected "${LOSS_CSV_COLUMNS.join(',')}", got "${csv.headerText}"`,
    );
  }
  const rows: LossRow[] = [];
  for (const { line, fields, text: lineText } of csv.records) {
    const where = `${file}:${line}`;
    if (fields.length !== header.length) {
      throw new Error(
        `${where}: expected ${header.length} comma-separated values (${header.join(',')}), got ${fields.length}: "${clip(lineText)}"`,
      );
    }
    const row = {} as Record<(typeof LOSS_CSV_COLUMNS)[number], number>;
    LOSS_CSV_COLUMNS.forEach((name, k) => {
      const s = fields[col[k]].trim();
      if (!NUMBER.test(s)) throw new Error(`${where}: column ${name} is not a number: "${clip(s)}"`);
      const v = Number(s);
      if ((name === 'epoch' || name === 'iter') && !Number.isInteger(v)) {
        throw new Error(`${where}: column ${name} must be an integer, got "${s}"`);
      }
      row[name] = v;
    });
    rows.push(row);
  }
  return rows;
}

function clip(s: string, n = 80): string {
  return s.length > n ? `${s.slice(0, n)}...` : s;
}

/** Options of `writeLossPlot`: the loss chart's options plus the PNG scale. */
export interface LossPlotOptions extends LossChartOptions {
  /** PNG zoom factor, default 2. */
  scale?: number;
}

/**
 * Draw `<runDir>/losses.csv` as the loss figure and write `<runDir>/loss.svg` and
 * `<runDir>/loss.png`. Defaults: title names the run (`<experiment>/<run-id>` from the path),
 * and logs of 200+ iterations get an EMA-0.9 smoothed line over the faded raw losses.
 * Throws if the log has no rows yet.
 */
export async function writeLossPlot(runDir: string, opts: LossPlotOptions = {}): Promise<{ svg: string; png: string }> {
  const file = path.join(runDir, 'losses.csv');
  const rows = readLossesCsv(file);
  if (rows.length === 0) throw new Error(`${file}: no loss rows yet (only the header)`);
  const abs = path.resolve(runDir);
  const name = `${path.basename(path.dirname(abs))}/${path.basename(abs)}`;
  const { scale, ...chart } = opts;
  const spec = lossChartSpec(rows, {
    title: `Generator and Discriminator loss during training (${name})`,
    smooth: rows.length >= 200 ? 0.9 : 0,
    ...chart,
  });
  return writeChart(spec, path.join(runDir, 'loss'), { scale: scale ?? 2 });
}

/**
 * The loss plot during training: a chart that cannot be drawn is a warning (training goes on), but a
 * file that cannot be written (a full disk) is rethrown, so the run ends `failed` naming the file.
 */
export async function updateLossPlot(runDir: string, warn: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<void> {
  try {
    await writeLossPlot(runDir);
  } catch (e) {
    if (e instanceof WriteError) throw e;
    warn(`warning: loss plot not written: ${(e as Error).message}`);
  }
}
