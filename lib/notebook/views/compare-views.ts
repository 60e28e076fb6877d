/**
 * Comparing runs (notebook 04): the result table across run directories (lib/runs/table's rows,
 * with whatever metric columns the runs carry, plus the notebook that produced each run), its
 * files (table.md/csv/html), and charts: speed, final losses, each metric, loss curves, samples.
 */
import * as fs from 'fs';
import * as path from 'path';
import { findRunDirs, readRunConfig, RESULTS_DIR } from '../../runs/run-dir';
import { runRow, readableRuns, writeRunTables, type RunRow, type WrittenTables } from '../../runs/table';
import { barChartSpec, facetedBarChartSpec, lineChartSpec, readLossesCsv, downsampleIndices } from '../../viz';
import { metricTitle, metricOrder, isAuxiliaryMetric } from './metric-names';
import { readNotebook } from '../runner/nbformat';
import { readScraps } from '../runner/scrap';
import { showChart, showMarkdown, showTable } from './show';
import { showFinalSamples } from './run-views';
import { finalGridFile } from '../../runs/run-pictures';

/** Which runs to compare. */
export interface FindRunsOptions {
  /** Folder searched for run directories (default results/, or $FACEGAN_RESULTS). */
  resultsDir?: string | null;
  /** Comma-separated experiment names; a trailing * matches a prefix (`fer-*`). Empty/null: all. */
  experiments?: string | null;
  /** Comma-separated presets (e.g. `paper,quick`). Empty/null: all. */
  presets?: string | null;
}

function matcher(list: string | null | undefined): (s: string) => boolean {
  const pats = (list ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (pats.length === 0) return () => true;
  return (s) => pats.some((p) => (p.endsWith('*') ? s.startsWith(p.slice(0, -1)) : s === p));
}

/** The run directories below the results folder that match the filters, in path order. */
export function findRuns(opts: FindRunsOptions = {}): string[] {
  const base = path.resolve(opts.resultsDir ?? RESULTS_DIR);
  const exp = matcher(opts.experiments);
  const pre = matcher(opts.presets);
  return findRunDirs(base).filter((d) => {
    try {
      const c = readRunConfig(d);
      return exp(c.experiment) && pre(c.preset);
    } catch {
      return false; // an unreadable config is no run to compare
    }
  });
}

/** The executed notebook that produced a run: in the run directory or its parent (a sequence or two arms). */
export function notebookOf(runDir: string): string | null {
  for (const dir of [runDir, path.dirname(runDir)]) {
    if (!fs.existsSync(dir)) continue;
    const nb = fs.readdirSync(dir).filter((f) => f.endsWith('.ipynb')).sort()[0];
    if (nb) return path.join(dir, nb);
  }
  return null;
}

/** A run's table row (lib/runs/table) plus the producing notebook, its status and duration. */
export function compareRow(runDir: string): RunRow {
  const row: RunRow = { ...runRow(runDir) };
  const file = notebookOf(runDir);
  if (file) {
    try {
      const nb = readNotebook(file);
      const pm = (nb.metadata.papermill ?? {}) as { status?: string; duration?: number };
      row.notebook = path.basename(file);
      row.notebook_status = pm.status ?? null;
      row.notebook_s = typeof pm.duration === 'number' ? Math.round(pm.duration * 10) / 10 : null;
      const scraps = readScraps(nb);
      row.notebook_preset = typeof scraps.preset === 'string' ? scraps.preset : null;
    } catch {
      row.notebook = `${path.basename(file)} (unreadable)`;
    }
  }
  return row;
}

/** Columns runRow always has; any other numeric column is a metric. */
const BASE_COLUMNS = new Set(['run', 'experiment', 'dataset', 'selection', 'colour', 'size', 'images', 'preset', 'epochs', 'iterations', 'backend', 'images_per_s', 'wall_min', 'loss_d', 'loss_g', 'status', 'notebook', 'notebook_status', 'notebook_s', 'notebook_preset']);

/**
 * The rows of the faceted metric chart: per metric (in words) and run, the generated samples' value
 * and, where the run has it, the floor (`<metric>_real`).
 */
export function metricChartRows(rows: RunRow[]): { metric: string; run: string; 'measured on': string; value: number }[] {
  const cols = metricColumns(rows);
  return metricOrder(cols)
    .filter((m) => !isAuxiliaryMetric(m, cols))
    .flatMap((m) =>
      rows.flatMap((r) => {
        const v = r[m];
        if (typeof v !== 'number') return [];
        const floor = r[`${m}_real`];
        return [
          { metric: metricTitle(m), run: label(r), 'measured on': 'generated faces', value: v },
          ...(typeof floor === 'number' ? [{ metric: metricTitle(m), run: label(r), 'measured on': 'real faces (floor)', value: floor }] : []),
        ];
      }),
    );
}

/** The metric columns among `rows` (numeric, not one of the base columns). */
export function metricColumns(rows: RunRow[]): string[] {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return cols.filter((c) => !BASE_COLUMNS.has(c) && rows.some((r) => typeof r[c] === 'number') && rows.every((r) => r[c] == null || typeof r[c] === 'number'));
}

function label(row: RunRow): string {
  return row.run === row.experiment ? String(row.run) : `${row.experiment}/${row.run}`;
}

/**
 * Shows the comparison of `runDirs`: the table (also written as table.md/csv/html into `outDir`),
 * bar charts of speed, final losses and every metric column, loss curves and final samples.
 */
export async function showComparison(runDirs: string[], outDir?: string | null, opts: { maxCurves?: number; maxSamples?: number } = {}): Promise<{ rows: RunRow[]; files: WrittenTables | null }> {
  if (runDirs.length === 0) {
    showMarkdown('*No runs found. Train one first, e.g. `npm run experiment -- fer-happy --preset smoke`, or run notebook 01, 02 or 03.*');
    return { rows: [], files: null };
  }
  // a damaged run (garbled config.json / summary.json) is left out with a note, not a failed table
  runDirs = readableRuns(runDirs, (l) => showMarkdown(`*note: ${l}*`)).dirs;
  if (runDirs.length === 0) {
    showMarkdown('*No readable runs (all damaged, see the notes above).*');
    return { rows: [], files: null };
  }
  const rows = runDirs.map(compareRow);
  const files = outDir ? writeRunTables(runDirs, outDir, 'facegan runs') : null;
  showTable(rows, `${rows.length} run${rows.length > 1 ? 's' : ''}`);
  const withSpeed = rows.filter((r) => typeof r.images_per_s === 'number');
  if (withSpeed.length) {
    await showChart(barChartSpec(withSpeed.map((r) => ({ run: label(r), images_per_s: r.images_per_s, backend: r.backend ?? '?' })), { x: 'run', y: 'images_per_s', color: 'backend', title: 'Training speed (images/s)' }), { alt: 'training speed per run' });
  }
  const losses = rows.flatMap((r) => [
    ...(typeof r.loss_d === 'number' ? [{ run: label(r), loss: 'loss_D', value: r.loss_d }] : []),
    ...(typeof r.loss_g === 'number' ? [{ run: label(r), loss: 'loss_G', value: r.loss_g }] : []),
  ]);
  if (losses.length) {
    await showChart(barChartSpec(losses, { x: 'run', y: 'value', color: 'loss', title: 'Final losses (mean of the last logged iterations)', yTitle: 'loss' }), { alt: 'final losses per run' });
  }
  const metrics = metricChartRows(rows);
  if (metrics.length) {
    const n = new Set(metrics.map((r) => r.metric)).size;
    await showChart(facetedBarChartSpec(metrics, { facet: 'metric', x: 'run', y: 'value', color: 'measured on', columns: n >= 3 ? 3 : n, title: 'Metrics per run, each beside its floor (the same measure on real faces)' }), {
      alt: `metrics per run: ${[...new Set(metrics.map((r) => r.metric))].join('; ')}`,
    });
  }
  const curves = runDirs.slice(0, opts.maxCurves ?? 8).flatMap((d, i) => {
    const file = path.join(d, 'losses.csv');
    if (!fs.existsSync(file)) return [];
    const lr = readLossesCsv(file);
    const keep = downsampleIndices(lr.map((r) => r.loss_g), 400);
    return keep.map((k) => ({ iteration: k + 1, loss_G: lr[k].loss_g, run: label(rows[i]) }));
  });
  if (curves.length) await showChart(lineChartSpec(curves, { x: 'iteration', y: 'loss_G', color: 'run', title: 'Generator loss during training' }), { alt: 'generator loss curves' });
  const withSamples = runDirs.filter((d) => finalGridFile(d) !== null).slice(0, opts.maxSamples ?? 12);
  if (withSamples.length) showFinalSamples(withSamples, withSamples.map((d) => label(runRow(d))));
  return { rows, files };
}
