/**
 * `npm run experiment -- fer-classifier [--preset paper|finetune|quick|smoke] [--data DIR] [--out DIR]
 *   [--resume DIR] [--init MODEL_DIR] [--epochs N] [--seed S] [--max-steps N] [--backend B] [--install] [--force-unlock]`
 * The command line of runClassifierExperiment (lib/classify/classifier-experiment.ts) with the
 * experiment's presets (experiments/classifier.ts). Prints the run directory last.
 */
import * as path from 'path';
import { initBackend } from '../../lib/backend';
import { parseArgs, intOption, stringOption } from '../../tools/cli/args';
import { RESULTS_DIR } from '../../lib/runs/run-dir';
import { REPO_ROOT } from '../../lib/runs/versions';
import { DEFAULT_CLASSIFIER_DIR } from '../../lib/eval/classifier';
import { SIGNAL_EXIT_CODES } from '../../tools/cli/stop';
import { runClassifierExperiment } from '../../lib/classify/classifier-experiment';
import { CLASSIFIER_EXPERIMENT, ClassifierPreset } from '../../experiments/classifier';

const USAGE = `usage: npm run experiment -- fer-classifier [options]
  --preset P        paper | finetune | quick | smoke (default quick); the shipped model is paper (40 epochs)
  --data DIR        FER2013 (image folders or fer2013.csv); default $FACEGAN_FER2013, else the bundled sample
  --out DIR         run directory (default ${path.relative(REPO_ROOT, RESULTS_DIR)}/fer-classifier/<time>-<preset>)
  --resume DIR      continue a stopped classifier run
  --init DIR        start from a trained classifier (e.g. models/fer-classifier) instead of fresh weights:
                    a second stage (use --preset finetune); its stages are recorded in metrics.json
  --epochs N --seed S --max-steps N --backend B
  --install         copy the trained model to models/fer-classifier/ (or $FACEGAN_CLASSIFIER)
  --force-unlock    take over the run folder's lock although it comes from another host (docs/reliability.md)
exit status: 0 completed (or stopped at --max-steps), 1 error, 75 the run folder is in use by another
process (nothing was changed), 130 / 143 / 129 interrupted (a checkpoint was saved; continue with --resume)`;

/** Command-line entry (argv after the experiment name). Prints the run directory last. */
export async function classifierCli(argv: string[], signal?: AbortSignal): Promise<void> {
  const cmd = 'experiment fer-classifier';
  const a = parseArgs(argv, { flags: ['install', 'help', 'force-unlock'], options: ['preset', 'data', 'out', 'resume', 'init', 'epochs', 'seed', 'max-steps', 'backend'] }, cmd);
  if (a.options.help) return void console.log(USAGE);
  if (a.positionals.length) throw new Error(`${cmd}: unexpected arguments ${a.positionals.join(' ')}\n${USAGE}`);
  const preset = stringOption(a, 'preset') as ClassifierPreset | undefined;
  const backend = await initBackend({ backend: stringOption(a, 'backend') });
  const r = await runClassifierExperiment({
    experiment: CLASSIFIER_EXPERIMENT,
    preset, dataPath: stringOption(a, 'data'), outDir: stringOption(a, 'out'), resume: stringOption(a, 'resume'), init: stringOption(a, 'init'),
    seed: intOption(a, 'seed', cmd, 0), epochs: intOption(a, 'epochs', cmd, 1), maxSteps: intOption(a, 'max-steps', cmd, 1),
    installDir: a.options.install ? DEFAULT_CLASSIFIER_DIR : undefined, backend, argv, forceUnlock: !!a.options['force-unlock'], signal,
  });
  // interrupted: the checkpoint is saved; exit as shells report the signal (130, 143, 129)
  if (r.signal) process.exitCode = SIGNAL_EXIT_CODES[r.signal];
  console.log(r.runDir);
}
