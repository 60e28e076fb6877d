/**
 * The 48x48 paths of `npm run edit` (lib/edit): `--crop` (the photo centre-cropped and resized to the
 * translator's input, edited, written at 48x48: the evaluation's view, and FER2013 faces as they
 * are) and `--method invert` (inversion into a class-conditional DCGAN). Photos at full size go
 * through scripts/cli/edit-photo.ts.
 */
import * as path from 'path';
import { intOption, stringOption, ParsedArgs } from '../../tools/cli/args';
import { initBackend, describeBackend } from '../../lib/backend';
import { readRunConfig } from '../../lib/runs/run-dir';
import { writeJsonAtomic, writeFileAtomic } from '../../lib/io/files';
import { classIndex } from '../../lib/models/conditional-spec';
import { conditionalSpecOf, loadConditionalRun } from '../../lib/runs/load-conditional';
import { loadFace } from '../../lib/edit/face-image';
import { loadJudge } from '../../lib/eval/judge';
import { editFaces, editStripPng, formatEdit } from '../../lib/edit/edit-faces';
import { loadTranslator, parseTargets } from '../../lib/edit/translator-model';
import { editWithTranslator, formatTranslatorEdit } from '../../lib/edit/translate-edit';
import { batchEdit } from '../../lib/edit/batch-edit';
import { DEFAULT_TRANSLATOR_DIR } from '../../lib/runs/translate-config';
import { encodePng } from '../../lib/viz/png';
import { USAGE } from './edit-usage';

export async function cropMain(args: ParsedArgs, cmd: string, runDir: string | undefined): Promise<void> {
  const inDir = stringOption(args, 'in');
  const modelDir = stringOption(args, 'model');
  if (runDir && modelDir) throw new Error(`${cmd}: give --run RUN_DIR or --model DIR, not both`);
  const toRaw = stringOption(args, 'to');
  const out = stringOption(args, 'out');
  if (inDir) {
    if (args.positionals.length) throw new Error(`${cmd}: --in DIR edits a folder; do not also name images (${args.positionals.join(' ')})`);
    if (!toRaw && !args.options.all) throw new Error(`${cmd}: batch mode needs --to all or --to EMOTION[,EMOTION...]`);
    if (!out) throw new Error(`${cmd}: batch mode needs --out OUTDIR (the folder the edits go to)`);
  } else {
    if (args.positionals.length === 0) throw new Error(`${cmd}: no IMAGE given\n${USAGE}`);
    if (args.positionals.length > 1) throw new Error(`${cmd}: one IMAGE at a time (or --in DIR for a folder), got ${args.positionals.length}: ${args.positionals.join(' ')}`);
  }
  const backend = await initBackend({ backend: stringOption(args, 'backend') });
  process.stderr.write(`backend: ${describeBackend(backend)}\n`);
  const T = await loadTranslator(runDir ?? modelDir ?? DEFAULT_TRANSLATOR_DIR);
  const { judge, reason } = await loadJudge();
  if (!judge) process.stderr.write(`note: ${reason}; edits are not judged\n`);
  try {
    const targets = args.options.all || !toRaw ? T.spec.labels.map((_, i) => i) : parseTargets(toRaw, T.spec.labels);
    const fromName = stringOption(args, 'from');
    const from = fromName !== undefined ? parseTargets(fromName, T.spec.labels, '--from') : undefined;
    if (from && from.length !== 1) throw new Error(`${cmd}: --from takes one expression, got "${fromName}"`);
    process.stderr.write(`translator: ${T.name} (${path.relative(process.cwd(), T.source) || T.source})\n`);
    if (inDir) {
      if (from) throw new Error(`${cmd}: --from is for one IMAGE; batch mode asks the classifier for each face's expression`);
      const t0 = Date.now();
      const r = await batchEdit(T, inDir, path.resolve(out!), targets, { judge, log: (l) => process.stderr.write(l + '\n') });
      const hits = r.rows.filter((row) => row.verdict === row.target).length;
      process.stderr.write(
        `${r.edited} image(s) x ${targets.length} expression(s) -> ${r.rows.length} edits in ${path.resolve(out!)} (${Math.round((Date.now() - t0) / 1000)} s)` +
          (judge ? `; the classifier agrees with ${hits} of ${r.rows.length}` : '') + (r.skipped.length ? `; ${r.skipped.length} skipped (skipped.csv)` : '') + `\nreport: ${r.report}\n`,
      );
      return void console.log(path.resolve(out!));
    }
    const image = args.positionals[0];
    const face = await loadFace(image, T.spec);
    const single = targets.length === 1 && !args.options.all;
    const stem = path.basename(image).replace(/\.[^.]+$/, '');
    const file = path.resolve(out ?? `${stem}-${single ? T.spec.labels[targets[0]] : 'edit'}.png`);
    const [f] = await editWithTranslator(T, [face], targets, { judge, from: [from?.[0]] });
    writeFileAtomic(
      file,
      single
        ? encodePng(f.images.edits[0], T.spec.size, T.spec.size, T.spec.channels)
        : editStripPng(f, T.spec.size, T.spec.channels, `${path.basename(image)}: expression edits (translator ${T.name})`),
    );
    const { images: _images, ...record } = f;
    writeJsonAtomic(file.replace(/\.png$/i, '') + '.json', {
      image: path.resolve(image), method: 'translate', translator: T.source, ...record,
      classifier: judge ? { dir: judge.dir, accuracy: judge.accuracy } : reason, output: file,
    });
    process.stderr.write(`${image}: ${face.original.width}x${face.original.height}x${face.original.channels} -> ${T.spec.size}x${T.spec.size}x${T.spec.channels}\n`);
    process.stderr.write(formatTranslatorEdit(f, judge ? null : reason) + '\n');
    console.log(file);
  } finally {
    judge?.dispose();
    T.G.dispose();
  }
}

/** The inversion method (a class-conditional run): today's path, unchanged. */
export async function invertMain(args: ParsedArgs, cmd: string): Promise<void> {
  const image = args.positionals[0];
  if (stringOption(args, 'in')) throw new Error(`${cmd}: batch mode (--in) uses the translator; the inversion method edits one IMAGE at a time`);
  if (!image) throw new Error(`${cmd}: no IMAGE given\n${USAGE}`);
  if (args.positionals.length > 1) throw new Error(`${cmd}: one IMAGE at a time, got ${args.positionals.length}: ${args.positionals.join(' ')}`);
  const runDir = stringOption(args, 'run');
  if (!runDir) throw new Error(`${cmd}: --method invert needs --run RUN_DIR (a class-conditional run, e.g. fer-conditional)`);
  const to = stringOption(args, 'to');

  // Cheap checks first: the run, the names, the image.
  const spec = conditionalSpecOf(runDir, readRunConfig(runDir), '`npm run edit`');
  const targets = to ? [classIndex(spec, to, '--to')] : spec.classNames.map((_, i) => i);
  const fromName = stringOption(args, 'from');
  const from = fromName !== undefined ? classIndex(spec, fromName, '--from') : undefined;
  const face = await loadFace(image, spec);
  const steps = intOption(args, 'steps', cmd, 0) ?? 300;
  const tune = intOption(args, 'tune', cmd, 0) ?? 0;
  const reference = intOption(args, 'reference', cmd, 0) ?? 32;
  const seed = intOption(args, 'seed', cmd, 0) ?? 0;
  const out = path.resolve(stringOption(args, 'out') ?? path.join(runDir, 'edits', `${path.basename(image).replace(/\.[^.]+$/, '')}-edit.png`));

  const backend = await initBackend({ backend: stringOption(args, 'backend') });
  process.stderr.write(`backend: ${describeBackend(backend)}\n`);
  const run = await loadConditionalRun(runDir, '`npm run edit`');
  const { judge, reason } = await loadJudge();
  if (!judge) process.stderr.write(`note: ${reason}; edits are not judged\n`);
  process.stderr.write(
    `${image}: ${face.original.width}x${face.original.height}x${face.original.channels} -> ${spec.size}x${spec.size}x${spec.channels}; ` +
      `model ${path.relative(process.cwd(), run.checkpoint) || run.checkpoint}\n`,
  );
  const t0 = Date.now();
  try {
    const r = await editFaces(run.G, spec, [face], {
      to: targets,
      from: [from],
      invert: { steps, seed, fineTune: tune > 0 ? { steps: tune } : null, logEvery: Math.max(10, Math.round(steps / 10)) },
      renderer: { reference },
      judge,
      log: (l) => process.stderr.write(l + '\n'),
    });
    const f = r.faces[0];
    writeFileAtomic(out, editStripPng(f, r.size, r.channels, `${path.basename(image)}: expression edits (${run.config.experiment})`));
    const report = {
      image: path.resolve(image),
      run: path.resolve(runDir),
      checkpoint: run.checkpoint,
      options: { steps, tune, reference, seed, to: targets.map((t) => spec.classNames[t]), from: fromName ?? null },
      from: f.from,
      reconstruction: f.reconstruction,
      edits: f.edits,
      classifier: judge ? { dir: judge.dir, accuracy: judge.accuracy } : reason,
      history: r.inversion.history,
      seconds: Math.round((Date.now() - t0) / 1000),
      strip: out,
    };
    writeJsonAtomic(out.replace(/\.png$/i, '') + '.json', report);
    process.stderr.write(formatEdit(f, r.judgeNote) + `\n(${report.seconds} s)\n`);
    console.log(out);
  } finally {
    judge?.dispose();
    run.G.dispose();
  }
}
