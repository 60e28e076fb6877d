/**
 * Comparing runs (`npm run compare`): the result table of lib/runs/table.ts (table.md, table.csv,
 * table.html with thumbnails of the final grids) from run directories only, plus one bar chart per
 * metric (chart-<metric>.svg/png) showing each run's value beside its real-vs-real floor, and,
 * when per-emotion or conditional FER runs are among them, expressions.md/.csv (compare-expressions.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeRunTables, readableRuns, WrittenTables, RunRow } from '../runs/table';
import { findRunDirs, RESULTS_DIR } from '../runs/run-dir';
import { barChartSpec, writeChart } from '../viz';
import { writeExpressionTable, ExpressionRow } from './compare-expressions';
import { writeEditTable, EditRow } from './compare-edits';

/** The metrics charted, in table order, with axis titles. Each has a "<name>_real" floor. */
export const METRIC_TITLES: Record<string, string> = {
  fd_fer: 'Frechet distance on FER-classifier features (lower is better)',
  kid_fer: 'KID x1e3 on FER-classifier features (lower is better)',
  swd: 'multi-scale SWD x1e3 (lower is better)',
  diversity: 'diversity: mean pairwise feature distance / real (1 = real)',
  hit_rate: 'expression hit-rate (share classified as the run\'s emotion)',
  hit_prob: 'mean classifier probability of the run\'s emotion',
  fid: 'FID with user-supplied InceptionV3 (lower is better)',
};

/**
 * The run directories named by `args`: each entry is a run directory (holds config.json) or a
 * folder searched for run directories (e.g. results/, or a sequence's parent folder).
 */
export function resolveRunDirs(args: string[], all: boolean, base = RESULTS_DIR): string[] {
  const dirs = new Set<string>();
  if (all) for (const d of findRunDirs(base)) dirs.add(path.resolve(d));
  for (const a of args) {
    if (!fs.existsSync(a)) throw new Error(`compare: ${a} does not exist`);
    const found = fs.existsSync(path.join(a, 'config.json')) ? [a] : findRunDirs(a);
    if (found.length === 0) throw new Error(`compare: ${a} holds no run directory (a run directory holds config.json)`);
    for (const d of found) dirs.add(path.resolve(d));
  }
  return [...dirs].sort();
}

/** Short unique labels for the chart axis: the experiment name, with the run id when repeated. */
export function runLabels(rows: RunRow[]): string[] {
  const count = new Map<string, number>();
  for (const r of rows) count.set(String(r.experiment), (count.get(String(r.experiment)) ?? 0) + 1);
  return rows.map((r) => (count.get(String(r.experiment))! > 1 ? `${r.experiment} ${r.run}` : String(r.experiment)));
}

/** Writes the tables and charts into outDir; returns their paths. */
export async function compareRuns(
  allDirs: string[], outDir: string, opts: { title?: string; charts?: boolean } = {},
): Promise<{
  tables: WrittenTables; charts: string[];
  expressions: { md: string; csv: string; rows: ExpressionRow[] } | null;
  edits: { md: string; csv: string; rows: EditRow[] } | null;
  skipped: { dir: string; reason: string }[];
}> {
  // a damaged run (garbled config.json / summary.json / metrics.json) is skipped with a note
  const { dirs: runDirs, rows, skipped } = readableRuns(allDirs);
  const tables = writeRunTables(runDirs.length ? runDirs : allDirs, outDir, opts.title ?? 'facegan runs');
  const labels = runLabels(rows);
  const expressions = writeExpressionTable(runDirs, labels, outDir);
  const edits = writeEditTable(runDirs, labels, outDir);
  const charts: string[] = [];
  if (opts.charts === false) return { tables, charts, expressions, edits, skipped };
  for (const [metric, title] of Object.entries(METRIC_TITLES)) {
    const data: Record<string, string | number>[] = [];
    rows.forEach((r, i) => {
      if (typeof r[metric] === 'number') data.push({ run: labels[i], value: r[metric] as number, set: 'samples vs real' });
      if (typeof r[`${metric}_real`] === 'number') data.push({ run: labels[i], value: r[`${metric}_real`] as number, set: 'real vs real (floor)' });
    });
    if (!data.some((d) => d.set === 'samples vs real')) continue;
    const spec = barChartSpec(data, { x: 'run', y: 'value', color: 'set', title, xTitle: 'run', yTitle: metric });
    const out = await writeChart(spec, path.join(outDir, `chart-${metric}`));
    charts.push(out.png);
  }
  return { tables, charts, expressions, edits, skipped };
}
