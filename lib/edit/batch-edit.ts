/**
 * Batch mode of `npm run edit`: every JPEG/PNG under a folder (recursively), edited to each target
 * expression with the translator, written at the model's resolution as
 *   OUTDIR/<target>/<sub/folders/><input-stem>.png     (one grayscale 48x48 PNG per input and target)
 * plus OUTDIR/report.csv (input, target, output, verdict, p_target; one row per edit) and, when
 * some inputs could not be read, OUTDIR/skipped.csv (input, reason). Unreadable or tiny images are
 * skipped with their reason; a folder with no images at all is an error. Files under OUTDIR are
 * never taken as inputs (OUTDIR may sit inside the input folder).
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadFace, FaceImage } from './face-image';
import { ExpressionJudge } from '../eval/judge';
import { LoadedTranslator } from './translator-model';
import { editWithTranslator } from './translate-edit';
import { encodePng } from '../viz/png';
import { writeFileAtomic, makeDirs } from '../io/files';
import { csvText } from '../io/csv';

const IMAGE = /\.(jpe?g|png)$/i;

/** Image files below `dir` (sorted, relative paths), leaving out `exclude` (an output folder). */
export function listImages(dir: string, exclude?: string): string[] {
  if (!fs.existsSync(dir)) throw new Error(`--in ${dir}: no such folder`);
  if (!fs.statSync(dir).isDirectory()) throw new Error(`--in ${dir}: not a folder (give one image without --in)`);
  const ex = exclude ? path.resolve(exclude) : null;
  const out: string[] = [];
  const walk = (d: string) => {
    if (ex && path.resolve(d) === ex) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && IMAGE.test(e.name)) out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  if (out.length === 0) throw new Error(`--in ${dir}: no JPEG or PNG images in this folder or below it`);
  return out;
}

export interface BatchEditResult {
  edited: number;
  skipped: { input: string; reason: string }[];
  report: string;
  rows: { input: string; target: string; output: string; verdict: string; p_target: number | null }[];
}

/** Edits every image below `inDir` to each of `targets`; writes the layout above into `outDir`. */
export async function batchEdit(
  T: LoadedTranslator,
  inDir: string,
  outDir: string,
  targets: number[],
  o: { judge?: ExpressionJudge | null; chunk?: number; log?: (line: string) => void } = {},
): Promise<BatchEditResult> {
  const log = o.log ?? (() => {});
  const files = listImages(inDir, outDir);
  const { spec } = T;
  const chunk = o.chunk ?? 32;
  const skipped: BatchEditResult['skipped'] = [];
  const rows: BatchEditResult['rows'] = [];
  for (const t of targets) makeDirs(path.join(outDir, spec.labels[t]));
  for (let i = 0; i < files.length; i += chunk) {
    const faces: FaceImage[] = [];
    const rels: string[] = [];
    for (const rel of files.slice(i, i + chunk)) {
      try {
        faces.push(await loadFace(path.join(inDir, rel), spec));
        rels.push(rel);
      } catch (e) {
        skipped.push({ input: rel, reason: (e as Error).message });
        log(`skipped ${rel}: ${(e as Error).message}`);
      }
    }
    if (faces.length === 0) continue;
    const edits = await editWithTranslator(T, faces, targets, { judge: o.judge });
    edits.forEach((f, j) => {
      const rel = rels[j];
      const stem = rel.replace(/\.[^./\\]+$/, '');
      f.edits.forEach((e, k) => {
        const outRel = path.join(e.to, `${stem}.png`);
        const file = path.join(outDir, outRel);
        writeFileAtomic(file, encodePng(f.images.edits[k], spec.size, spec.size, spec.channels));
        rows.push({ input: rel, target: e.to, output: outRel, verdict: e.verdict?.predicted ?? '', p_target: e.verdict ? Number(e.verdict.pTarget.toFixed(4)) : null });
      });
    });
    log(`${Math.min(i + chunk, files.length)}/${files.length} images`);
  }
  if (rows.length === 0) {
    throw new Error(`--in ${inDir}: none of its ${files.length} image(s) could be read (first: ${skipped[0].input}: ${skipped[0].reason})`);
  }
  const report = path.join(outDir, 'report.csv');
  writeFileAtomic(report, csvText(['input', 'target', 'output', 'verdict', 'p_target'], rows));
  if (skipped.length) writeFileAtomic(path.join(outDir, 'skipped.csv'), csvText(['input', 'reason'], skipped));
  return { edited: new Set(rows.map((r) => r.input)).size, skipped, report, rows };
}
