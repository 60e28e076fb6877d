/**
 * Editing real faces, method by method: translator runs (`npm run evaluate -- RUN_DIR`) and
 * conditional runs measured by inversion (`npm run evaluate -- RUN_DIR --edits N`), with the same
 * columns (edit-metrics.ts): the macro share of edits the classifier assigns to the target, the
 * classifier's recall on the same real faces, their ratio (target >= 0.8), per-target ratios,
 * reconstruction PSNR (target >= 30 dB), change inside / outside the expression regions, identity.
 * Written by `npm run compare` as edits.md / edits.csv whenever a run has these numbers.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as aq from 'arquero';
import { readJson, writeFileAtomic } from '../io/files';
import { round } from '../runs/table';
import { EMOTIONS } from '../data/types';

export type EditRow = Record<string, string | number | null>;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const r3 = (v: unknown) => (num(v) === null ? null : round(num(v)!, 3));

/** The edit row of a run directory, or null when it has no edit metrics. */
export function editRow(runDir: string, label = path.basename(runDir)): EditRow | null {
  const file = path.join(runDir, 'metrics.json');
  if (!fs.existsSync(file)) return null;
  const m = readJson<Record<string, unknown>>(file, 'run metrics');
  if (num(m.edit_ratio_macro) === null && num(m.edit_hit_macro) === null) return null;
  const e = (m.edits ?? {}) as { method?: string; steps?: number };
  const config = fs.existsSync(path.join(runDir, 'config.json')) ? readJson<{ experiment?: string }>(path.join(runDir, 'config.json'), 'run config') : {};
  const row: EditRow = {
    run: label,
    experiment: config.experiment ?? null,
    method: e.method === 'invert' ? `inversion (${e.steps ?? 300} steps)` : 'translator',
    faces: num(m.edit_n),
    ratio_macro: r3(m.edit_ratio_macro),
    ratio_macro_capped: r3(m.edit_ratio_macro_capped),
    hit_macro: r3(m.edit_hit_macro),
    real_macro: r3(m.edit_hit_real_macro),
    rec_psnr_db: num(m.edit_rec_psnr) === null ? null : round(num(m.edit_rec_psnr)!, 2),
    change_inside_pct: num(m.edit_change_inside) === null ? null : round(num(m.edit_change_inside)! * 100, 2),
    change_outside_pct: num(m.edit_change_outside) === null ? null : round(num(m.edit_change_outside)! * 100, 2),
    identity: r3(m.edit_identity),
    identity_reconstruction: r3(m.edit_identity_reconstruction),
    identity_different_faces: r3(m.edit_identity_different_faces),
  };
  for (const emo of EMOTIONS) row[`ratio_${emo}`] = r3(m[`edit_ratio_${emo}`]);
  return row;
}

/** Writes edits.md and edits.csv into outDir when any run has edit metrics; null otherwise. */
export function writeEditTable(runDirs: string[], labels: string[], outDir: string): { md: string; csv: string; rows: EditRow[] } | null {
  const rows = runDirs.map((d, i) => editRow(d, labels[i])).filter((r): r is EditRow => r !== null);
  if (rows.length === 0) return null;
  const table = aq.from(rows);
  const md = path.join(outDir, 'edits.md');
  const csv = path.join(outDir, 'edits.csv');
  const blank = Object.fromEntries(Object.keys(rows[0]).map((c) => [c, (v: unknown) => (v == null ? '' : String(v))]));
  fs.mkdirSync(outDir, { recursive: true });
  writeFileAtomic(
    md,
    '# Editing real faces: translator vs inversion into the conditional DCGAN\n\n' +
      'FER2013 test faces, each edited to every other expression, judged by the shipped classifier. hit_macro: share of edits ' +
      'classified as the target (macro over targets); real_macro: the classifier\'s recall on the same real faces; ratio_macro: ' +
      'their ratio per target, averaged (target >= 0.8; ratio_macro_capped: each ratio capped at 1 first, so that over-producing ' +
      'one expression earns nothing); rec_psnr_db: the face rendered under its own expression vs the input ' +
      '(target >= 30 dB); change_inside/outside_pct: mean |edit - input| inside / outside the brow-eye and mouth boxes; identity: ' +
      'cosine similarity of an identity embedding between a face and its edits (identity_reconstruction: and its reconstruction; ' +
      'identity_different_faces: two different test faces, what another person scores; empty: not measured).\n\n' +
      `${table.toMarkdown({ format: blank })}\n`,
  );
  writeFileAtomic(csv, table.toCSV());
  return { md, csv, rows };
}
