/**
 * Result tables built from run directories only (config.json, summary.json, metrics.json), with
 * arquero, so runs from any machine, copied into results/, compare the same way.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as aq from 'arquero';
import { readJson, writeFileAtomic } from '../io/files';
import { RunConfig } from './run-dir';

export type RunRow = Record<string, string | number | null>;

/** One row per run: what was trained, on what, how fast, how it ended, and any metrics. */
export function runRow(runDir: string): RunRow {
  const config = readJson<RunConfig>(path.join(runDir, 'config.json'), 'run config');
  const sumFile = path.join(runDir, 'summary.json');
  const s = fs.existsSync(sumFile) ? readJson<Record<string, any>>(sumFile, 'run summary') : {};
  const metFile = path.join(runDir, 'metrics.json');
  const metrics = fs.existsSync(metFile) ? readJson<Record<string, unknown>>(metFile, 'run metrics') : {};
  const ds = config.spec.dataset;
  const row: RunRow = {
    run: path.basename(runDir),
    experiment: config.experiment,
    dataset: ds.kind,
    selection: config.data.name,
    colour: config.spec.model.channels === 3 ? 'colour' : 'grayscale',
    size: `${config.spec.model.size}x${config.spec.model.size}x${config.spec.model.channels}`,
    images: config.data.images,
    preset: config.preset,
    epochs: s.epochsCompleted ?? null,
    iterations: s.steps ?? null,
    backend: config.backend?.name ?? null,
    images_per_s: s.imagesPerSecond != null ? round(s.imagesPerSecond, 2) : null,
    wall_min: s.trainSeconds != null ? round(s.trainSeconds / 60, 1) : null,
    loss_d: s.final?.loss_d != null ? round(s.final.loss_d, 3) : null,
    loss_g: s.final?.loss_g != null ? round(s.final.loss_g, 3) : null,
    status: s.status ?? 'unknown',
  };
  for (const [k, v] of Object.entries(metrics)) {
    if (typeof v === 'number') row[k] = round(v, 4);
  }
  return row;
}

/**
 * The run directories whose records can be read (runRow succeeds), and a note for each one skipped
 * as damaged (garbled config.json, summary.json or metrics.json), so one broken run never fails a
 * whole table. `note` gets each note (default: stderr).
 */
export function readableRuns(runDirs: string[], note: (line: string) => void = (l) => process.stderr.write(`note: ${l}\n`)): { dirs: string[]; rows: RunRow[]; skipped: { dir: string; reason: string }[] } {
  const dirs: string[] = [];
  const rows: RunRow[] = [];
  const skipped: { dir: string; reason: string }[] = [];
  for (const d of runDirs) {
    try {
      rows.push(runRow(d));
      dirs.push(d);
    } catch (e) {
      const reason = (e as Error).message;
      skipped.push({ dir: d, reason });
      note(`skipping damaged run ${d}: ${reason}`);
    }
  }
  return { dirs, rows, skipped };
}

/** The sample-quality metrics of lib/eval, each followed by its real-vs-real floor, in table order. */
export const METRIC_COLUMNS = [
  'fd_fer', 'fd_fer_real', 'kid_fer', 'kid_fer_real', 'kid_fer_std', 'kid_fer_real_std', 'swd', 'swd_real',
  'diversity', 'diversity_real', 'hit_rate', 'hit_rate_real', 'hit_prob', 'hit_prob_real', 'fid', 'fid_real', 'eval_n',
];

/** The run facts runRow lists before any metric. */
const BASE_COLUMNS = [
  'run', 'experiment', 'dataset', 'selection', 'colour', 'size', 'images', 'preset', 'epochs', 'iterations', 'backend',
  'images_per_s', 'wall_min', 'loss_d', 'loss_g', 'status',
];

/** Run facts first, then METRIC_COLUMNS, then any other metrics in order of appearance. */
function orderColumns(columns: string[]): string[] {
  const pick = (list: string[]) => list.filter((c) => columns.includes(c));
  return [...new Set([...pick(BASE_COLUMNS), ...pick(METRIC_COLUMNS), ...columns])];
}

/** x rounded to `digits` decimals (the tables' number format). */
export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export interface WrittenTables {
  md: string;
  csv: string;
  html: string;
}

/**
 * Writes table.md, table.csv and table.html (with thumbnails of each run's final grid) into `outDir`,
 * each replaced atomically (shards of a campaign finishing together leave whole files); damaged runs
 * are skipped with a note.
 */
export function writeRunTables(allDirs: string[], outDir: string, title = 'facegan runs'): WrittenTables {
  if (allDirs.length === 0) throw new Error('no run directories to tabulate (a run directory holds config.json)');
  const { dirs: runDirs, rows } = readableRuns(allDirs);
  if (runDirs.length === 0) throw new Error(`none of the ${allDirs.length} run directories can be read (all damaged; see the notes above)`);
  fs.mkdirSync(outDir, { recursive: true });
  const columns = orderColumns([...new Set(rows.flatMap((r) => Object.keys(r)))]);
  const full = rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null])));
  const table = aq.from(full);
  const md = path.join(outDir, 'table.md');
  const csv = path.join(outDir, 'table.csv');
  const html = path.join(outDir, 'table.html');
  // Missing values as empty cells (not "null"); numbers as rounded by runRow.
  const plain = Object.fromEntries(columns.map((c) => [c, (v: unknown) => (v == null ? '' : String(v))]));
  writeFileAtomic(md, `# ${title}\n\n${table.toMarkdown({ format: plain })}\n`);
  writeFileAtomic(csv, table.toCSV());
  const thumbs = runDirs.map((d) => {
    // samples/final.png in a run folder; final.png beside config.json in an exported reference run
    const grid = [path.join(d, 'samples', 'final.png'), path.join(d, 'final.png')].find((f) => fs.existsSync(f));
    return grid ? `<img src="${path.relative(outDir, grid)}" width="160" alt="final samples">` : '';
  });
  const htmlRows = full.map((r, i) => `<tr><td>${thumbs[i]}</td>${columns.map((c) => `<td>${escapeHtml(String(r[c] ?? ''))}</td>`).join('')}</tr>`);
  writeFileAtomic(
    html,
    `<!doctype html><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 6px;font-size:13px}</style>
<h1>${escapeHtml(title)}</h1>
<table><thead><tr><th>final samples</th>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead>
<tbody>${htmlRows.join('\n')}</tbody></table>\n`,
  );
  return { md, csv, html };
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
