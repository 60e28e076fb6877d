/**
 * `npm run experiment -- fer-translate [--preset paper|quick|smoke] [--data DIR] [--out DIR]
 *   [--steps N] [--limit N|all] [--batch N] [--seed S] [--max-steps N] [--backend B] [--install]`
 * `npm run experiment -- fer-translate --resume RUN_DIR [--steps N] [--max-steps N] [--install]`
 * `npm run experiment -- fer-translate --install-run RUN_DIR`  (install an already trained run)
 * `npm run experiment -- fer-translate --export-run RUN_DIR [--to DEST]`  (reference artefacts for committing)
 * `npm run experiment -- fer-translate --calibrate-run RUN_DIR`  (the checkpoint choice again, with the residual gain)
 * Trains the expression translator (experiments/translate.ts); prints the run directory last.
 */
import * as path from 'path';
import { parseArgs, intOption, stringOption } from '../../tools/cli/args';
import { REPO_ROOT } from '../../lib/runs/versions';
import { initBackend, describeBackend } from '../../lib/backend';
import { runTranslate, resumeTranslate, installTranslator } from '../../lib/orchestrate/run-translate';
import { DEFAULT_TRANSLATOR_DIR } from '../../lib/runs/translate-config';
import { TRANSLATE_PRESETS, TranslatePresetName, TRANSLATE_VARIANTS } from '../../experiments/translate';
import { TranslateSummary } from '../../lib/train/translate-trainer';
import { SIGNAL_EXIT_CODES } from '../../tools/cli/stop';

const USAGE = `usage: npm run experiment -- fer-translate [options]
  --preset P          ${TRANSLATE_PRESETS.join(' | ')} (default quick)
  --data DIR          FER2013 (image folders or fer2013.csv); default $FACEGAN_FER2013, else the bundled sample
  --out DIR           run directory (default results/fer-translate/<time>-<preset>)
  --variant V         ${Object.keys(TRANSLATE_VARIANTS).join(' | ')} (default v1: the shipped StarGAN; v2: issue #23;
                      the others are the ablation's arms, docs/editing.md)
  --loss-classifier DIR  the frozen loss classifier (variants other than v1; \`npm run experiment --
                      fer-loss-classifier\`, its <run>/model); never the evaluation classifier (refused)
  --choice-classifier DIR  the checkpoint choice's own judge (a \`fer-loss-classifier\` <run>/model that is not in
                      the loss, e.g. --preset long): the loss classifier's verdicts saturate as G fits it; never
                      the evaluation classifier (refused); default: the loss classifier
  --init-from DIR     start from another run's G and D (its run folder: newest checkpoint; or a checkpoints/step-N
                      folder) with fresh optimizers and this run's schedule: fine-tuning, e.g. with another
                      --loss-classifier; the model must be the same (recorded in config.json as init)
  --steps N --limit N|all --batch N --seed S     override the preset
  --resume RUN_DIR    continue a stopped run from its newest intact checkpoint (--steps N raises its total;
                      --data DIR relocates the same faces)
  --max-steps N       stop after N iterations in total (with a checkpoint; continue with --resume)
  --install           when training completes, copy G to ${DEFAULT_TRANSLATOR_DIR}
  --install-run DIR   copy an already trained run's G there (no training)
  --export-run DIR    write a trained run's reference artefacts (records with portable paths, edit metrics,
                      loss plot, same-face grid, one edit strip per emotion) into --to DEST
                      (default results/reference/translate; no weights)
  --calibrate-run DIR run a run's checkpoint choice again with the residual gain scan (every kept snapshot at
                      every gain, PublicTest selection faces, its loss classifier; docs/editing.md), as the
                      trainer now does as it goes; best/ is rewritten: evaluate RUN/best again, then install
  --force-unlock      take over the run folder's lock although it comes from another host (docs/reliability.md)
  --backend B         node-gpu | node | wasm | cpu
exit status: 0 completed (or stopped at --max-steps), 1 error/failed/diverged, 75 the run folder is in use
  by another process (nothing changed), 130/143/129 interrupted by Ctrl-C/SIGTERM/SIGHUP (checkpoint saved)`;

export async function translateCli(argv: string[], signal?: AbortSignal): Promise<void> {
  const cmd = 'fer-translate';
  const a = parseArgs(argv, {
    flags: ['help', 'install', 'no-progress', 'force-unlock'],
    options: ['preset', 'data', 'out', 'steps', 'limit', 'batch', 'seed', 'resume', 'max-steps', 'backend', 'install-run', 'export-run', 'calibrate-run', 'to', 'variant', 'loss-classifier', 'choice-classifier', 'init-from'],
  }, cmd);
  if (a.options.help) return void console.log(USAGE);
  if (a.positionals.length) throw new Error(`${cmd}: unexpected arguments: ${a.positionals.join(' ')}\n${USAGE}`);
  const installRun = stringOption(a, 'install-run');
  if (installRun) {
    const dest = installTranslator(installRun);
    process.stderr.write(`installed ${installRun} into ${dest}\n`);
    return void console.log(dest);
  }
  const backend = await initBackend({ backend: stringOption(a, 'backend') });
  process.stderr.write(`backend: ${describeBackend(backend)}\n`);
  const calibrateRun = stringOption(a, 'calibrate-run');
  if (calibrateRun) {
    const { calibrateChosenGain } = await import('../../lib/orchestrate/calibrate-translator');
    const { choicePsnr } = await import('../../lib/train/translate-select');
    const { before, after } = await calibrateChosenGain(calibrateRun, { dataPath: stringOption(a, 'data'), lossClassifier: stringOption(a, 'loss-classifier') });
    process.stderr.write(
      `${calibrateRun}/best: step ${before.step} at gain ${before.gain ?? 1} -> step ${after.step} at gain ${after.gain ?? 1}, PublicTest ratio (loss classifier) ${before.ratio.toFixed(3)} -> ${after.ratio.toFixed(3)}, ` +
        `${choicePsnr(before).toFixed(2)} -> ${choicePsnr(after).toFixed(2)} dB per face (the floor's measure)\nnext: npm run evaluate -- ${path.join(calibrateRun, 'best')}\n`,
    );
    return void console.log(path.join(calibrateRun, 'best'));
  }
  const exportRun = stringOption(a, 'export-run');
  if (exportRun) {
    const { exportTranslator } = await import('../../lib/orchestrate/export-translator');
    const r = await exportTranslator(exportRun, path.resolve(stringOption(a, 'to') ?? path.join(REPO_ROOT, 'results', 'reference', 'translate')));
    for (const n of r.notes) process.stderr.write(`note: ${n}\n`);
    process.stderr.write(`exported ${r.files.length} files: ${r.files.join(', ')}\n`);
    return void console.log(r.dest);
  }
  const common = { backend, maxSteps: intOption(a, 'max-steps', cmd, 1), progress: !a.options['no-progress'], forceUnlock: !!a.options['force-unlock'], command: process.argv.slice(1), signal };
  const resume = stringOption(a, 'resume');
  let r: { runDir: string; summary: TranslateSummary };
  if (resume) {
    for (const o of ['preset', 'out', 'limit', 'batch', 'seed', 'variant', 'init-from', 'choice-classifier']) {
      if (a.options[o] !== undefined) throw new Error(`${cmd}: --${o} cannot change a run being resumed (its config.json holds the settings); only --steps, --max-steps, --data (the same faces, moved) and --loss-classifier (the same model, moved) may be given`);
    }
    r = await resumeTranslate(resume, { ...common, steps: intOption(a, 'steps', cmd, 1), dataPath: stringOption(a, 'data'), lossClassifier: stringOption(a, 'loss-classifier') });
  } else {
    const preset = (stringOption(a, 'preset') ?? 'quick') as TranslatePresetName;
    const limitRaw = stringOption(a, 'limit');
    const variant = stringOption(a, 'variant') ?? 'v1';
    const spec = TRANSLATE_VARIANTS[variant];
    if (!spec) throw new Error(`${cmd}: --variant must be one of ${Object.keys(TRANSLATE_VARIANTS).join(', ')}, got "${variant}"`);
    r = await runTranslate({
      ...common,
      spec,
      ...(variant !== 'v1' ? { variant } : {}),
      lossClassifier: stringOption(a, 'loss-classifier'),
      choiceClassifier: stringOption(a, 'choice-classifier'),
      initFrom: stringOption(a, 'init-from'),
      preset,
      overrides: {
        ...(a.options.steps !== undefined ? { steps: intOption(a, 'steps', cmd, 1) } : {}),
        ...(limitRaw !== undefined ? { limit: limitRaw === 'all' ? null : intOption(a, 'limit', cmd, 1) } : {}),
        ...(a.options.batch !== undefined ? { batchSize: intOption(a, 'batch', cmd, 2) } : {}),
      },
      seed: intOption(a, 'seed', cmd, 0),
      dataPath: stringOption(a, 'data'),
      outDir: stringOption(a, 'out'),
    });
  }
  printSummary(r.summary);
  if (r.summary.status === 'interrupted') process.exitCode = SIGNAL_EXIT_CODES[r.summary.signal ?? 'SIGINT'];
  else if (r.summary.status === 'diverged' || r.summary.status === 'failed') process.exitCode = 1;
  if (a.options.install) {
    if (r.summary.status !== 'completed') process.stderr.write(`not installed: the run is ${r.summary.status} (finish it with --resume ${r.runDir} --install)\n`);
    else process.stderr.write(`installed into ${installTranslator(r.runDir)}\n`);
  }
  console.log(r.runDir);
}

export function printSummary(s: TranslateSummary): void {
  const f = s.final;
  process.stderr.write(
    `${s.status}: ${s.steps} iterations, ${s.stepsPerSecond.toFixed(2)} it/s, ${s.imagesPerSecond.toFixed(1)} faces/s` +
      (f ? `, final loss_D ${f.loss_d.toFixed(3)} loss_G ${f.loss_g.toFixed(3)} rec ${f.g_rec.toFixed(3)} cls_G ${f.g_cls.toFixed(3)} cls_D ${f.d_cls.toFixed(3)}` : '') + '\n',
  );
}
