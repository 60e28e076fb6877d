/**
 * Batch mode of `npm run edit` on photos: every JPEG/PNG below a folder, each face edited to each
 * target, written as   OUTDIR/<target>/<same relative path, same name and extension>   at the
 * photo's own size, plus OUTDIR/report.csv (one row per face and target: box, detector score, the
 * face's current expression, the classifier's verdict on the face re-detected in the edited photo)
 * and OUTDIR/skipped.csv (photos with no face or that cannot be read).
 *
 * Nothing is overwritten: before anything is written, every output path is checked; two inputs
 * that would share one (names differing only in case) or a file already there is an error listing
 * them, unless `overwrite` (replace) or `skipExisting` (resume an interrupted batch) is given.
 */
import * as fs from 'fs';
import * as path from 'path';
import { listImages } from './batch-edit';
import { readPhoto, encodePhoto } from './photo-io';
import { PhotoTools, editPhoto, judgeEdits } from './photo-edit';
import { NoFaceError } from '../photo/types';
import { writeFileAtomic, makeDirs } from '../io/files';
import { csvText } from '../io/csv';

export interface PhotoBatchOptions {
  targets: number[];
  labels: readonly string[];
  strength?: number;
  smooth?: number;
  quality?: number;
  overwrite?: boolean;
  skipExisting?: boolean;
  log?: (line: string) => void;
}

export interface PhotoBatchRow {
  input: string;
  target: string;
  output: string;
  face: number;
  box: string;
  score: number;
  from: string;
  verdict: string;
  p_target: number | null;
}

export interface PhotoBatchResult {
  inputs: number;
  edited: number;
  skipped: { input: string; reason: string }[];
  rows: PhotoBatchRow[];
  report: string;
  /** Inputs left alone because their outputs existed (skipExisting). */
  kept: number;
}

/** Output paths (relative to outDir) of `files` for `targets`, refusing collisions. */
export function plannedOutputs(files: string[], targetNames: string[], outDir: string, o: { overwrite?: boolean; skipExisting?: boolean } = {}): Map<string, string[]> {
  const plan = new Map<string, string[]>();
  const seen = new Map<string, string>();
  const clashes: string[] = [];
  const existing: string[] = [];
  for (const rel of files) {
    const outs = targetNames.map((t) => path.join(t, rel));
    for (const out of outs) {
      const key = out.toLowerCase();
      const other = seen.get(key);
      if (other !== undefined) clashes.push(`${other} and ${rel} would both be written to ${out}`);
      else seen.set(key, rel);
      if (!o.overwrite && !o.skipExisting && fs.existsSync(path.join(outDir, out))) existing.push(out);
    }
    plan.set(rel, outs);
  }
  if (clashes.length) throw new Error(`--out ${outDir}: two inputs would share an output file (names that differ only in case), nothing written:\n  ${clashes.slice(0, 10).join('\n  ')}${clashes.length > 10 ? `\n  ... and ${clashes.length - 10} more` : ''}`);
  if (existing.length) {
    throw new Error(
      `--out ${outDir}: ${existing.length} output file(s) already exist (first: ${existing[0]}); nothing written. ` +
        'Pass --skip-existing to continue an interrupted batch, --overwrite to replace them, or another --out',
    );
  }
  return plan;
}

export async function editPhotoFolder(tools: PhotoTools, inDir: string, outDir: string, o: PhotoBatchOptions): Promise<PhotoBatchResult> {
  const log = o.log ?? (() => {});
  const files = listImages(inDir, outDir);
  const names = o.targets.map((t) => o.labels[t]);
  const plan = plannedOutputs(files, names, outDir, o);
  const skipped: PhotoBatchResult['skipped'] = [];
  const rows: PhotoBatchRow[] = [];
  let edited = 0, kept = 0;
  const t0 = Date.now();
  for (let i = 0; i < files.length; i++) {
    const rel = files[i];
    const outs = plan.get(rel)!;
    if (o.skipExisting && outs.every((out) => fs.existsSync(path.join(outDir, out)))) {
      kept++;
      continue;
    }
    const file = path.join(inDir, rel);
    try {
      const photo = await readPhoto(file);
      const r = await editPhoto(photo.image, { detector: tools.detector, editor: tools.editor, targets: o.targets, strength: o.strength, smooth: o.smooth });
      const verdicts = await judgeEdits(tools, r, o.labels);
      const format = photo.format;
      for (let e = 0; e < r.edits.length; e++) {
        const out = path.join(outDir, outs[e]);
        writeFileAtomic(out, await encodePhoto(r.edits[e].image, format, { quality: o.quality, gray: photo.gray }));
        r.faces.forEach((f, j) => {
          const v = verdicts[e][j];
          rows.push({
            input: rel, target: names[e], output: outs[e], face: f.index, box: f.box.map((b) => Math.round(b)).join(' '), score: Number(f.score.toFixed(3)),
            from: f.from.label, verdict: v ? v.predicted : (tools.judge ? 'not re-detected' : ''), p_target: v ? Number(v.pTarget.toFixed(4)) : null,
          });
        });
      }
      edited++;
    } catch (e) {
      if (!(e instanceof NoFaceError) && !/not a readable|cannot read image|is a folder/.test((e as Error).message)) throw e;
      const reason = e instanceof NoFaceError ? 'no face found' : (e as Error).message;
      skipped.push({ input: rel, reason });
      log(`skipped ${rel}: ${reason}`);
    }
    log(`${i + 1}/${files.length} photos (${Math.round((Date.now() - t0) / 1000)} s)`);
  }
  makeDirs(outDir);
  const report = path.join(outDir, 'report.csv');
  const cols: (keyof PhotoBatchRow)[] = ['input', 'target', 'output', 'face', 'box', 'score', 'from', 'verdict', 'p_target'];
  writeFileAtomic(report, csvText(cols, rows));
  const skippedFile = path.join(outDir, 'skipped.csv');
  if (skipped.length) writeFileAtomic(skippedFile, csvText(['input', 'reason'], skipped));
  else if (fs.existsSync(skippedFile)) fs.rmSync(skippedFile);
  return { inputs: files.length, edited, skipped, rows, report, kept };
}
