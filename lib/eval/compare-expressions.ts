/**
 * Per-emotion vs conditional models, emotion by emotion: the study's seven per-emotion DCGANs
 * (one model per FER2013 emotion, metrics.json `hit_rate`) and class-conditional models (one model
 * for all seven, metrics.json `cond_hit_<emotion>`) judged by the same expression classifier.
 * One row per (emotion, run): the share of the run's samples of that emotion that the classifier
 * assigns to it, its mean probability, and the classifier's hit-rate on real faces of the emotion
 * (the ceiling with this judge; per-emotion runs measure it on their training faces, conditional
 * runs on FER2013 test faces). Written by `npm run compare` as expressions.md / expressions.csv
 * whenever the runs include one of either kind.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as aq from 'arquero';
import { readJson, writeFileAtomic } from '../io/files';
import { RunConfig } from '../runs/run-dir';
import { round } from '../runs/table';
import { EMOTIONS } from '../data/types';

export interface ExpressionRow {
  emotion: string;
  model: 'per-emotion' | 'conditional';
  run: string;
  experiment: string;
  training_images: number;
  iterations: number | null;
  hit_rate: number;
  hit_prob: number | null;
  hit_rate_real: number | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const round3 = (v: number | null): number | null => (v === null ? null : round(v, 3));

/** The expression rows of one run directory: none, one (per-emotion run) or seven (conditional run). */
export function expressionRows(runDir: string, label = path.basename(runDir)): ExpressionRow[] {
  const metFile = path.join(runDir, 'metrics.json');
  if (!fs.existsSync(metFile)) return [];
  const m = readJson<Record<string, unknown>>(metFile, 'run metrics');
  const config = readJson<RunConfig>(path.join(runDir, 'config.json'), 'run config');
  const sumFile = path.join(runDir, 'summary.json');
  const steps = fs.existsSync(sumFile) ? num(readJson<Record<string, unknown>>(sumFile, 'run summary').steps) : null;
  const base = { run: label, experiment: config.experiment, training_images: config.data.images, iterations: steps };
  if (num(m.cond_hit_rate) !== null) {
    const perClass = ((m.eval_conditional as { perClass?: { emotion: string; pTarget?: number }[] } | undefined)?.perClass ?? []);
    return EMOTIONS.filter((e) => num(m[`cond_hit_${e}`]) !== null).map((e) => ({
      emotion: e,
      model: 'conditional' as const,
      ...base,
      hit_rate: round3(num(m[`cond_hit_${e}`]))!,
      hit_prob: round3(num(perClass.find((p) => p.emotion === e)?.pTarget)),
      hit_rate_real: round3(num(m[`cond_hit_${e}_real`])),
    }));
  }
  const ds = config.spec.dataset;
  const hit = num(m.hit_rate);
  if (hit === null || ds.kind !== 'fer2013' || !Array.isArray(ds.emotions) || ds.emotions.length !== 1) return [];
  return [{
    emotion: ds.emotions[0], model: 'per-emotion', ...base,
    hit_rate: round3(hit)!, hit_prob: round3(num(m.hit_prob)), hit_rate_real: round3(num(m.hit_rate_real)),
  }];
}

/**
 * Writes expressions.md and expressions.csv into outDir when any run has expression rows; rows in
 * EMOTIONS order, per-emotion before conditional. Returns the paths, or null when there is nothing to write.
 */
export function writeExpressionTable(runDirs: string[], labels: string[], outDir: string): { md: string; csv: string; rows: ExpressionRow[] } | null {
  const rows = runDirs.flatMap((d, i) => expressionRows(d, labels[i]));
  if (rows.length === 0) return null;
  const order = (r: ExpressionRow) => EMOTIONS.indexOf(r.emotion as (typeof EMOTIONS)[number]) * 2 + (r.model === 'conditional' ? 1 : 0);
  rows.sort((a, b) => order(a) - order(b) || a.run.localeCompare(b.run));
  const table = aq.from(rows);
  const md = path.join(outDir, 'expressions.md');
  const csv = path.join(outDir, 'expressions.csv');
  const blank = Object.fromEntries(Object.keys(rows[0]).map((c) => [c, (v: unknown) => (v == null ? '' : String(v))]));
  fs.mkdirSync(outDir, { recursive: true });
  writeFileAtomic(
    md,
    '# Expression hit-rate: per-emotion vs conditional models\n\n' +
      'hit_rate: share of the run\'s samples of the emotion that the FER classifier assigns to it; hit_prob: its mean ' +
      'probability for the emotion; hit_rate_real: the classifier on real faces of the emotion (per-emotion runs: their ' +
      'training faces; conditional runs: FER2013 test faces), the ceiling with this judge.\n\n' +
      `${table.toMarkdown({ format: blank })}\n`,
  );
  writeFileAtomic(csv, table.toCSV());
  return { md, csv, rows };
}
