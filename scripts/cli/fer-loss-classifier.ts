/**
 * `npm run experiment -- fer-loss-classifier [--preset paper|deep|long|robust|smoke] [--data DIR] [--out DIR] [--resume DIR]
 *   [--init MODEL_DIR] [--epochs N] [--seed S] [--max-steps N] [--backend B] [--force-unlock]`
 * `npm run experiment -- fer-loss-classifier --ensemble DIR1,DIR2[,...] --out DIR`: an ensemble of trained ones.
 * Trains the translator v2's frozen loss classifier (experiments/translate-classifier.ts) with the
 * classifier trainer (lib/classify/classifier-experiment.ts). Never installs into models/fer-classifier:
 * the evaluation classifier is a different model. Point a v2 translator run at <run>/model with
 * `--loss-classifier`. Prints the run directory last.
 */
import * as path from 'path';
import { initBackend } from '../../lib/backend';
import { parseArgs, intOption, stringOption } from '../../tools/cli/args';
import { newRunDir } from '../../lib/runs/run-dir';
import { SIGNAL_EXIT_CODES } from '../../tools/cli/stop';
import { runClassifierExperiment } from '../../lib/classify/classifier-experiment';
import { LOSS_CLASSIFIER_EXPERIMENT } from '../../experiments/translate-classifier';
import { writeLossClassifierEnsemble, parseTargetWeights } from '../../lib/train/translate-classifier';
import { EMOTIONS } from '../../lib/data/types';
import { DEFAULT_CLASSIFIER_DIR } from '../../lib/eval/classifier';

const USAGE = `usage: npm run experiment -- fer-loss-classifier [options]
  --preset P        paper | deep | long | robust | smoke (default paper; deep: another architecture; long: 40
                    epochs of a wider net, trained as the evaluation classifier is, own architecture and seed;
                    robust: paper's net trained on L2 adversarial (PGD) perturbations of each batch)
  --init DIR        start from a trained loss classifier's model folder of the same architecture (a second
                    stage with its own schedule, e.g. robust from a paper model); never the evaluation classifier
  --data DIR        FER2013 (image folders or fer2013.csv); default $FACEGAN_FER2013, else the bundled sample
  --out DIR         run directory (default results/fer-loss-classifier/<time>-<preset>); the model is <run>/model
  --resume DIR      continue a stopped run
  --epochs N --seed S --max-steps N --backend B --force-unlock
  --ensemble D1,D2  no training: write an ensemble of trained loss classifiers (their <run>/model folders,
                    each with its own seed) into --out; G is then judged by the mean of their logits
  --target-weights W  with --ensemble: weigh members per target in G's loss, comma-separated MEMBER:TARGET=WEIGHT
                    (member from 1, every other weight 1), e.g. 1:disgust=0,2:disgust=0,3:disgust=0: member 4
                    alone judges edits to disgust
The model is the translator v2's loss classifier (--loss-classifier <run>/model); it is never installed
as the evaluation classifier (models/fer-classifier).`;

export async function lossClassifierCli(argv: string[], signal?: AbortSignal): Promise<void> {
  const cmd = 'experiment fer-loss-classifier';
  const a = parseArgs(argv, { flags: ['help', 'force-unlock'], options: ['preset', 'data', 'out', 'resume', 'init', 'epochs', 'seed', 'max-steps', 'backend', 'ensemble', 'target-weights'] }, cmd);
  if (a.options.help) return void console.log(USAGE);
  if (a.positionals.length) throw new Error(`${cmd}: unexpected arguments ${a.positionals.join(' ')}\n${USAGE}`);
  const ensemble = stringOption(a, 'ensemble');
  if (ensemble !== undefined) {
    const out = stringOption(a, 'out');
    if (!out) throw new Error(`${cmd}: --ensemble needs --out DIR (a new folder)\n${USAGE}`);
    const dirs = ensemble.split(',').filter(Boolean);
    const tw = stringOption(a, 'target-weights');
    const rec = writeLossClassifierEnsemble(dirs, out, DEFAULT_CLASSIFIER_DIR, tw !== undefined ? parseTargetWeights(tw, dirs.length, EMOTIONS) : undefined);
    console.error(`ensemble of ${rec.members!.length} loss classifiers (seeds ${rec.members!.map((m) => m.seed).join(', ')}): mean of their logits${rec.targetWeights ? ', weighed per target in G\'s loss' : ''}`);
    return void console.log(path.resolve(out));
  }
  if (stringOption(a, 'target-weights') !== undefined) throw new Error(`${cmd}: --target-weights goes with --ensemble\n${USAGE}`);
  const preset = stringOption(a, 'preset') ?? 'paper';
  const backend = await initBackend({ backend: stringOption(a, 'backend') });
  const resume = stringOption(a, 'resume');
  const init = stringOption(a, 'init');
  if (init && path.resolve(init) === path.resolve(DEFAULT_CLASSIFIER_DIR)) {
    throw new Error(`${cmd}: --init ${init} is the evaluation classifier; a loss classifier never starts from it (issue #23)`);
  }
  const r = await runClassifierExperiment({
    experiment: LOSS_CLASSIFIER_EXPERIMENT,
    preset, init, dataPath: stringOption(a, 'data'), outDir: resume ? undefined : (stringOption(a, 'out') ?? newRunDir('fer-loss-classifier', preset)), resume,
    seed: intOption(a, 'seed', cmd, 0), epochs: intOption(a, 'epochs', cmd, 1), maxSteps: intOption(a, 'max-steps', cmd, 1),
    backend, argv, forceUnlock: !!a.options['force-unlock'], signal,
  });
  // interrupted: the checkpoint is saved; exit as shells report the signal (130, 143, 129)
  if (r.signal) process.exitCode = SIGNAL_EXIT_CODES[r.signal];
  console.log(path.join(r.runDir, 'model'));
}
