/**
 * npm run compare -- [RUN_DIRS... | --all] [--out DIR] [--title T] [--no-charts]
 * Builds the result table of trained runs from their run directories only (config.json,
 * summary.json, metrics.json): results/compare/table.md, table.csv, table.html (+ chart-<metric>.png),
 * expressions.md/.csv (per-emotion vs conditional hit-rates) and edits.md/.csv (translator vs inversion
 * edits of real faces) when such runs are given.
 * Runs copied from another machine into results/ compare the same way.
 */
import * as path from 'path';
import { parseArgs, stringOption, runMain } from '../tools/cli/args';
import { RESULTS_DIR } from '../lib/runs/run-dir';
import { compareRuns, resolveRunDirs } from '../lib/eval/compare';

const USAGE = `usage: npm run compare -- [RUN_DIRS... | --all] [--out DIR]
  RUN_DIRS       run directories, or folders searched for them
  --all          every run directory under ${path.relative(process.cwd(), RESULTS_DIR) || '.'}/
  --out DIR      where to write table.md/.csv/.html and charts (default ${path.relative(process.cwd(), path.join(RESULTS_DIR, 'compare'))})
  --title T      table title
  --no-charts    tables only`;

runMain(async () => {
  const a = parseArgs(process.argv.slice(2), { flags: ['all', 'help', 'no-charts'], options: ['out', 'title'] }, 'compare');
  if (a.options.help) return void console.log(USAGE);
  if (!a.options.all && a.positionals.length === 0) throw new Error(`compare: give run directories or --all\n${USAGE}`);
  const dirs = resolveRunDirs(a.positionals, !!a.options.all);
  if (dirs.length === 0) throw new Error(`compare: no run directories found under ${RESULTS_DIR} (train one with npm run experiment)`);
  const out = path.resolve(stringOption(a, 'out') ?? path.join(RESULTS_DIR, 'compare'));
  const r = await compareRuns(dirs, out, { title: stringOption(a, 'title'), charts: !a.options['no-charts'] });
  process.stderr.write(`${dirs.length - r.skipped.length} run(s) compared${r.skipped.length ? ` (${r.skipped.length} damaged, skipped)` : ""}; ${r.charts.length} chart(s)\n`);
  console.log(r.tables.md);
  console.log(r.tables.csv);
  console.log(r.tables.html);
  if (r.expressions) console.log(r.expressions.md);
  if (r.edits) console.log(r.edits.md);
});
