/**
 * `npm run edit` on photos at full size (lib/photo through lib/edit/photo-*.ts): one photo, or a
 * folder with --in. Prints the written file (or OUTDIR) as the last line.
 */
import * as fs from 'fs';
import * as path from 'path';
import { stringOption, ParsedArgs } from '../../tools/cli/args';
import { initBackend, describeBackend } from '../../lib/backend';
import { writeFileAtomic } from '../../lib/io/files';
import { loadJudge } from '../../lib/eval/judge';
import { loadTranslator, parseTargets } from '../../lib/edit/translator-model';
import { DEFAULT_TRANSLATOR_DIR } from '../../lib/runs/translate-config';
import { readPhoto, encodePhoto, formatForFile, codecName } from '../../lib/edit/photo-io';
import { loadPhotoTools, editPhoto, judgeEdits } from '../../lib/edit/photo-edit';
import { editPhotoFolder } from '../../lib/edit/photo-batch';
import { NoFaceError } from '../../lib/photo/types';
import { STRENGTH_RANGE } from '../../lib/photo/edit-photo';
import { USAGE } from './edit-usage';

const EXIT_NO_FACE = 2;

function numberOption(args: ParsedArgs, name: string, cmd: string, lo: number, hi: number, integer = false): number | undefined {
  const v = args.options[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v === true || !Number.isFinite(n) || n < lo || n > hi || (integer && !Number.isInteger(n))) {
    throw new Error(`${cmd}: --${name} must be ${integer ? 'an integer' : 'a number'} from ${lo} to ${hi}, got "${v === true ? '' : v}"`);
  }
  return n;
}

export async function photoMain(args: ParsedArgs, cmd: string, runDir: string | undefined): Promise<void> {
  const inDir = stringOption(args, 'in');
  const modelDir = stringOption(args, 'model');
  if (runDir && modelDir) throw new Error(`${cmd}: give --run RUN_DIR or --model DIR, not both`);
  if (args.options.all) throw new Error(`${cmd}: --all belongs to --crop; for photos use --to all`);
  const toRaw = stringOption(args, 'to');
  if (!toRaw) throw new Error(`${cmd}: say which expression with --to (one of angry, disgust, fear, happy, sad, surprise, neutral, a list, or all)\n${USAGE}`);
  const strength = numberOption(args, 'strength', cmd, STRENGTH_RANGE[0], STRENGTH_RANGE[1]) ?? 1;
  const quality = numberOption(args, 'quality', cmd, 1, 100, true) ?? 92;
  const face = numberOption(args, 'face', cmd, 0, 1000, true);
  const smooth = numberOption(args, 'smooth', cmd, 0, 8, true);
  const out = stringOption(args, 'out');
  if (inDir) {
    if (args.positionals.length) throw new Error(`${cmd}: --in DIR edits a folder; do not also name photos (${args.positionals.join(' ')})`);
    if (!out) throw new Error(`${cmd}: batch mode needs --out OUTDIR (the folder the edits go to)`);
    if (face !== undefined) throw new Error(`${cmd}: --face is for one photo; batch mode edits every face`);
    if (args.options.overwrite && args.options['skip-existing']) throw new Error(`${cmd}: give --overwrite or --skip-existing, not both`);
    if (fs.existsSync(inDir) && !fs.statSync(inDir).isDirectory()) throw new Error(`${cmd}: --in ${inDir} is a file; give one photo without --in`);
  } else {
    if (args.positionals.length === 0) throw new Error(`${cmd}: no PHOTO given\n${USAGE}`);
    if (args.positionals.length > 1) throw new Error(`${cmd}: one PHOTO at a time (or --in DIR for a folder), got ${args.positionals.length}: ${args.positionals.join(' ')}`);
  }

  const backend = await initBackend({ backend: stringOption(args, 'backend'), inference: true });
  process.stderr.write(`backend: ${describeBackend(backend)}; image codec: ${codecName()}\n`);
  const T = await loadTranslator(runDir ?? modelDir ?? DEFAULT_TRANSLATOR_DIR);
  const { judge, reason } = await loadJudge();
  if (!judge) process.stderr.write(`note: ${reason}; edits are not judged\n`);
  try {
    const labels = T.spec.labels;
    const targets = parseTargets(toRaw, labels);
    const fromName = stringOption(args, 'from');
    const from = fromName !== undefined ? parseTargets(fromName, labels, '--from') : undefined;
    if (from && from.length !== 1) throw new Error(`${cmd}: --from takes one expression, got "${fromName}"`);
    const tools = await loadPhotoTools(T, judge);
    process.stderr.write(`translator: ${T.name}; faces: ${tools.detector.name}\n`);
    if (inDir) {
      if (from) throw new Error(`${cmd}: --from is for one photo; batch mode lets the translator judge each face`);
      const outDir = path.resolve(out!);
      const r = await editPhotoFolder(tools, path.resolve(inDir), outDir, {
        targets, labels, strength, smooth, quality, overwrite: !!args.options.overwrite, skipExisting: !!args.options['skip-existing'],
        log: (l) => process.stderr.write(l + '\n'),
      });
      const hits = r.rows.filter((row) => row.verdict === row.target).length;
      process.stderr.write(
        `${r.edited} of ${r.inputs} photo(s) x ${targets.length} expression(s): ${r.rows.length} face edits in ${outDir}` +
          (r.kept ? `; ${r.kept} left as they were (--skip-existing)` : '') +
          (judge ? `; the classifier reads the asked expression in ${hits} of ${r.rows.length}` : '') +
          (r.skipped.length ? `; ${r.skipped.length} skipped (no face or unreadable: skipped.csv)` : '') + `\nreport: ${r.report}\n`,
      );
      if (r.skipped.length) process.exitCode = EXIT_NO_FACE;
      return void console.log(outDir);
    }

    const file = args.positionals[0];
    let t = performance.now();
    const photo = await readPhoto(file);
    const decodeMs = performance.now() - t;
    const stem = path.basename(file).replace(/\.[^.]+$/, '');
    const ext = path.extname(file).toLowerCase() === '.jpeg' ? '.jpeg' : photo.format === 'jpeg' ? '.jpg' : '.png';
    const outputs = targets.length === 1
      ? [path.resolve(out ?? path.join('edited', `${stem}-${labels[targets[0]]}${ext}`))]
      : targets.map((c) => path.resolve(out ?? 'edited', `${stem}-${labels[c]}${ext}`));
    if (targets.length > 1 && out && /\.(jpe?g|png)$/i.test(out)) throw new Error(`${cmd}: with several expressions --out is a folder (got ${out})`);
    const formats = outputs.map((o) => formatForFile(o));
    const notes = [
      photo.orientation !== 1 ? `EXIF orientation ${photo.orientation} applied` : '',
      photo.alphaOverWhite ? 'transparent pixels composited over white' : '',
    ].filter(Boolean);
    process.stderr.write(`${file}: ${photo.image.width}x${photo.image.height} ${photo.gray ? 'gray' : 'colour'} ${photo.format.toUpperCase()}${notes.length ? ` (${notes.join('; ')})` : ''}\n`);
    let r;
    try {
      r = await editPhoto(photo.image, { detector: tools.detector, editor: tools.editor, targets, strength, smooth, face, from: from?.[0] });
    } catch (e) {
      if (e instanceof NoFaceError) {
        throw Object.assign(new Error(`${file}: no face found (the detector needs a face at least about 40 pixels wide, not turned more than about 45 degrees)`), { exitCode: EXIT_NO_FACE });
      }
      throw e;
    }
    const verdicts = await judgeEdits(tools, r, labels);
    let encodeMs = 0;
    for (let e = 0; e < r.edits.length; e++) {
      t = performance.now();
      const bytes = await encodePhoto(r.edits[e].image, formats[e], { quality, gray: photo.gray });
      encodeMs += performance.now() - t;
      writeFileAtomic(outputs[e], bytes);
    }
    process.stderr.write(`${r.detected.length} face(s) found${face !== undefined ? `, editing face ${face}` : ''}:\n`);
    for (const [j, f] of r.faces.entries()) {
      process.stderr.write(`  face ${f.index}: box ${f.box.map((b) => Math.round(b)).join(',')} (x,y,w,h), score ${f.score.toFixed(2)}, now ${f.from.label} (${f.from.source})\n`);
      r.edits.forEach((e, k) => {
        const v = verdicts[k][j];
        process.stderr.write(`    -> ${e.target.padEnd(8)} ${v ? `classifier reads ${v.predicted} (p(${e.target}) = ${v.pTarget.toFixed(2)})` : judge ? 'face not re-detected in the edit' : reason}; ${e.faces[j].changedPixels} pixels changed\n`);
      });
    }
    const ms = (v: number) => `${Math.round(v)} ms`;
    process.stderr.write(`time: decode ${ms(decodeMs)}, detect ${ms(r.timings.detect)}, align ${ms(r.timings.align)}, edit ${ms(r.timings.edit)}, paste ${ms(r.timings.paste)}, encode ${ms(encodeMs)}\n`);
    for (const o of outputs.slice(0, -1)) console.log(o);
    console.log(outputs[outputs.length - 1]);
  } finally {
    judge?.dispose();
    T.G.dispose();
  }
}
