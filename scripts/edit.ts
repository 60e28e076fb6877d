/**
 * npm run edit -- IMAGE --run RUN_DIR [--to EMOTION | --all] [--from EMOTION] [--out FILE]
 *                 [--steps N] [--tune N] [--reference N] [--seed S] [--backend B]
 * Changes the expression of the face in IMAGE with a class-conditional run (fer-conditional):
 * inverts the face into the generator, renders the requested expression(s) with the same z, and
 * writes a before/after strip (FILE, default RUN_DIR/edits/<image>-edit.png) and a JSON report
 * beside it. Prints the strip's path as the last line.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs, intOption, stringOption, runMain } from '../lib/cli/args';
import { initBackend, describeBackend } from '../lib/backend';
import { readRunConfig } from '../lib/runs/run-dir';
import { writeJsonAtomic } from '../lib/io/files';
import { classIndex } from '../lib/models/conditional-spec';
import { conditionalSpecOf, loadConditionalRun } from '../lib/runs/load-conditional';
import { loadFace } from '../lib/edit/face-image';
import { loadJudge } from '../lib/eval/judge';
import { editFaces, editStripPng, formatEdit } from '../lib/edit/edit-faces';

const USAGE = `usage: npm run edit -- IMAGE --run RUN_DIR [options]
  IMAGE           a face photo (JPEG/PNG, any size, colour or gray; centre-cropped and resized to the model)
  --run RUN_DIR   a class-conditional run (npm run experiment -- fer-conditional)
  --to EMOTION    the expression to render (one of the run's classes), or
  --all           every expression (default)
  --from EMOTION  the face's current expression (default: the classifier's verdict, else the best-fitting one)
  --out FILE      the before/after strip (default RUN_DIR/edits/<image>-edit.png); a .json report goes beside it
  --steps N       inversion steps on z (default 300)
  --tune N        then fine-tune G on this face for N steps (default 0: off)
  --reference N   BatchNorm reference batch (default 32; 0 = moving averages)
  --seed S        seed of the random starting points (default 0)
  --backend B     node-gpu | node | wasm | cpu`;

runMain(async () => {
  const cmd = 'edit';
  const args = parseArgs(process.argv.slice(2), {
    flags: ['all', 'help'],
    options: ['run', 'to', 'from', 'out', 'steps', 'tune', 'reference', 'seed', 'backend'],
  }, cmd);
  if (args.options.help) return void console.log(USAGE);
  const image = args.positionals[0];
  if (!image) throw new Error(`${cmd}: no IMAGE given\n${USAGE}`);
  if (args.positionals.length > 1) throw new Error(`${cmd}: one IMAGE at a time, got ${args.positionals.length}: ${args.positionals.join(' ')}`);
  const runDir = stringOption(args, 'run');
  if (!runDir) throw new Error(`${cmd}: --run RUN_DIR is required (a class-conditional run)`);
  const to = stringOption(args, 'to');
  if (to && args.options.all) throw new Error(`${cmd}: give --to EMOTION or --all, not both`);

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
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, editStripPng(f, r.size, r.channels, `${path.basename(image)}: expression edits (${run.config.experiment})`));
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
});
