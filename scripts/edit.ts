/**
 * npm run edit -- IMAGE [--to EMOTION[,EMOTION...] | --all] [--out FILE] [--run RUN_DIR] [--method translate|invert]
 * npm run edit -- --in DIR --to all|EMOTION[,...] --out OUTDIR [--run RUN_DIR]
 *
 * Changes the expression of a face. By default with the expression translator (one forward pass):
 * the shipped one in models/fer-translate/, or a fer-translate run given with --run. One target
 * (--to happy) writes the edited face (FILE, default ./<image>-<target>.png); several targets or
 * --all write a before/after strip with the classifier's verdicts (default ./<image>-edit.png);
 * a JSON report goes beside either. Batch mode (--in DIR) edits every image below DIR into
 * OUTDIR/<target>/<input-stem>.png with OUTDIR/report.csv (lib/edit/batch-edit.ts).
 * With --run pointing at a class-conditional run (fer-conditional), or with --method invert, the
 * face is inverted into that generator and re-rendered with the new label (the older method).
 * Prints the written file (or OUTDIR) as the last line.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs, intOption, stringOption, runMain, ParsedArgs } from '../lib/cli/args';
import { initBackend, describeBackend } from '../lib/backend';
import { readRunConfig } from '../lib/runs/run-dir';
import { writeJsonAtomic, writeFileAtomic } from '../lib/io/files';
import { classIndex } from '../lib/models/conditional-spec';
import { conditionalSpecOf, loadConditionalRun } from '../lib/runs/load-conditional';
import { loadFace } from '../lib/edit/face-image';
import { loadJudge } from '../lib/eval/judge';
import { editFaces, editStripPng, formatEdit } from '../lib/edit/edit-faces';
import { isTranslatorRunDir, loadTranslator, parseTargets } from '../lib/edit/translator-model';
import { editWithTranslator, formatTranslatorEdit } from '../lib/edit/translate-edit';
import { batchEdit } from '../lib/edit/batch-edit';
import { DEFAULT_TRANSLATOR_DIR } from '../lib/runs/translate-config';
import { encodePng } from '../lib/viz/png';

const USAGE = `usage: npm run edit -- IMAGE [options]          (one face)
       npm run edit -- --in DIR --to all --out OUTDIR   (every image below DIR)
  IMAGE           a face photo (JPEG/PNG, any size, colour or gray; centre-cropped and resized to the model)
  --to EMOTIONS   the expression(s) to render: one name, a comma-separated list, or "all"
  --all           every expression (default for one IMAGE)
  --from EMOTION  the face's current expression (default: the classifier's verdict)
  --out PATH      IMAGE: the edited face (one target) or the before/after strip (default ./<image>-<target|edit>.png);
                  --in: the output folder (required)
  --in DIR        batch mode: edit every JPEG/PNG below DIR into OUTDIR/<target>/<input-stem>.png + OUTDIR/report.csv
  --run RUN_DIR   a trained run instead of the shipped translator (${path.relative(process.cwd(), DEFAULT_TRANSLATOR_DIR) || DEFAULT_TRANSLATOR_DIR}):
                  a fer-translate run, or a fer-conditional run (inversion method)
  --model DIR     an installed translator folder (model.json + translator.json)
  --method M      translate (default) | invert (needs --run with a class-conditional run)
  inversion only: --steps N (300)  --tune N (0)  --reference N (32)  --seed S (0)
  --backend B     node-gpu | node | wasm | cpu`;

runMain(async () => {
  const cmd = 'edit';
  const args = parseArgs(process.argv.slice(2), {
    flags: ['all', 'help'],
    options: ['run', 'to', 'from', 'out', 'in', 'model', 'method', 'steps', 'tune', 'reference', 'seed', 'backend'],
  }, cmd);
  if (args.options.help) return void console.log(USAGE);
  const runDir = stringOption(args, 'run');
  if (runDir && !fs.existsSync(path.join(runDir, 'config.json'))) throw new Error(`${cmd}: --run ${runDir} is not a run directory (config.json is missing)`);
  const method = stringOption(args, 'method') ?? (runDir && !isTranslatorRunDir(runDir) ? 'invert' : 'translate');
  if (method !== 'translate' && method !== 'invert') throw new Error(`${cmd}: --method must be translate or invert, got "${method}"`);
  if (stringOption(args, 'to') && args.options.all) throw new Error(`${cmd}: give --to EMOTION or --all, not both`);
  if (method === 'invert') return invertMain(args, cmd);
  for (const o of ['steps', 'tune', 'reference', 'seed']) {
    if (args.options[o] !== undefined) throw new Error(`${cmd}: --${o} belongs to the inversion method (--method invert --run <a fer-conditional run>)`);
  }
  return translateMain(args, cmd, runDir);
});

async function translateMain(args: ParsedArgs, cmd: string, runDir: string | undefined): Promise<void> {
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
async function invertMain(args: ParsedArgs, cmd: string): Promise<void> {
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
