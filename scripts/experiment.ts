/**
 * npm run experiment -- <name> [--preset P] [--data DIR] [--out RUN_DIR] [--epochs N] [--limit N]
 *                       [--batch N] [--seed S] [--backend B] [--resume RUN_DIR] [--max-steps N] [--list]
 * Trains one experiment of the study and prints its run directory as the last line.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readJson } from '../lib/io/files';
import { parseArgs, intOption, stringOption, runMain } from '../lib/cli/args';
import { EXPERIMENTS, getExperiment } from '../experiments';
import { PRESETS, PresetName } from '../lib/runs/experiment';
import { runExperiment, resumeExperiment, runSequence } from '../lib/runs/run-experiment';
import { initBackend, describeBackend } from '../lib/backend';

const USAGE = `usage: npm run experiment -- <name> [options]
  <name>              ${Object.keys(EXPERIMENTS).join(', ')},
                      fer-classifier, study-questions, fer-translate, identity-embed
                      (own options: <name> --help)
  --preset P          ${PRESETS.join(' | ')} (default quick)
  --data DIR          dataset folder (FER2013: image folders or fer2013.csv; CelebA: folder with img_align_celeba/)
                      default: $FACEGAN_FER2013 / $FACEGAN_CELEBA, else the bundled sample in data/sample/
  --out DIR           run directory (default results/<name>/<time>-<preset>)
  --epochs N --limit N --batch N --seed S     override the preset
  --backend B         node-gpu | node | wasm | cpu (default: fastest that loads; or $FACEGAN_BACKEND)
  --resume RUN_DIR    continue a stopped run from its latest checkpoint
  --max-steps N       stop after N iterations (with a checkpoint; continue later with --resume)
  --eval-n N          images per set for the metrics written to metrics.json after training (default 1000)
  --no-eval           skip the metrics at the end of training (npm run evaluate -- RUN_DIR later)
  --list              list experiments and presets`;

// --- issue 5: experiments with their own options (lib/eval): the expression classifier and the
// study's two questions. `npm run experiment -- fer-classifier --help` / `study-questions --help`.
const OWN_COMMANDS: Record<string, () => Promise<(argv: string[]) => Promise<void>>> = {
  'fer-classifier': async () => (await import('../lib/eval/classifier-experiment')).classifierCli,
  'study-questions': async () => (await import('../lib/eval/study-questions')).studyQuestionsCli,
  // the expression translator (experiments/translate.ts, lib/runs/translate-cli.ts)
  'fer-translate': async () => (await import('../lib/runs/translate-cli')).translateCli,
  // the identity embedding for the translator's identity measure (experiments/identity.ts)
  'identity-embed': async () => (await import('../lib/eval/identity-cli')).identityCli,
};
// --- end issue 5

runMain(async () => {
  const own = OWN_COMMANDS[process.argv[2]];
  if (own) return (await own())(process.argv.slice(3));
  // A translator run resumes with its own command (its config.json says kind: 'translator').
  const resumeAt = process.argv.findIndex((a) => a === '--resume' || a.startsWith('--resume='));
  const resumeDir = resumeAt < 0 ? undefined : process.argv[resumeAt].includes('=') ? process.argv[resumeAt].split('=')[1] : process.argv[resumeAt + 1];
  if (resumeDir && isTranslatorRun(resumeDir)) return (await OWN_COMMANDS['fer-translate']())(process.argv.slice(2));
  const cmd = 'experiment';
  const args = parseArgs(process.argv.slice(2), {
    flags: ['list', 'help', 'no-progress', 'no-eval'],
    options: ['preset', 'data', 'out', 'epochs', 'limit', 'batch', 'seed', 'backend', 'resume', 'max-steps', 'eval-n'],
  }, cmd);
  if (args.options.help) return void console.log(USAGE);
  if (args.options.list) {
    for (const s of Object.values(EXPERIMENTS)) {
      console.log(`${s.name.padEnd(14)} ${s.description}`);
      for (const [p, v] of Object.entries(s.presets)) {
        console.log(`${''.padEnd(16)}${p.padEnd(7)} ${v!.epochs} epochs, batch ${v!.batchSize}, ${v!.limit ?? 'all'} images`);
      }
    }
    const { ferTranslate } = await import('../experiments/translate');
    console.log(`${ferTranslate.name.padEnd(14)} ${ferTranslate.description}`);
    for (const [p, v] of Object.entries(ferTranslate.presets)) {
      console.log(`${''.padEnd(16)}${p.padEnd(7)} ${v.steps} iterations (G every ${v.nCritic}), batch ${v.batchSize}, ${v.limit ?? 'all'} images`);
    }
    return;
  }
  const backend = await initBackend({ backend: stringOption(args, 'backend') });
  process.stderr.write(`backend: ${describeBackend(backend)}\n`);
  const common = {
    backend,
    maxSteps: intOption(args, 'max-steps', cmd, 1),
    progress: !args.options['no-progress'],
  };
  const resume = stringOption(args, 'resume');
  if (resume) {
    const seqFile = path.join(resume, 'sequence.json');
    if (fs.existsSync(seqFile)) {
      const index = readJson<{ experiment: string; preset: PresetName }>(seqFile, 'sequence index');
      const spec = getExperiment(index.experiment);
      const r = await runSequence(spec, getExperiment, { ...common, preset: index.preset, parentDir: resume });
      exitForStatus(r.runs.at(-1)?.summary.status);
      return void console.log(r.parentDir);
    }
    const r = await resumeExperiment(resume, { ...common, epochs: intOption(args, 'epochs', cmd, 1) });
    printSummary(r.summary);
    await evaluateAfterTraining(r.runDir, r.summary.status, args);
    exitForStatus(r.summary.status);
    return void console.log(r.runDir);
  }
  const name = args.positionals[0];
  if (!name) throw new Error(`no experiment named\n${USAGE}`);
  if (args.positionals.length > 1) throw new Error(`unexpected arguments: ${args.positionals.slice(1).join(' ')}`);
  const spec = getExperiment(name);
  const preset = (stringOption(args, 'preset') ?? 'quick') as PresetName;
  if (!PRESETS.includes(preset)) throw new Error(`--preset must be one of ${PRESETS.join(', ')}, got "${preset}"`);
  const limitRaw = stringOption(args, 'limit');
  const request = {
    ...common,
    preset,
    overrides: {
      epochs: intOption(args, 'epochs', cmd, 1),
      limit: limitRaw === 'all' ? null : intOption(args, 'limit', cmd, 1),
      batchSize: intOption(args, 'batch', cmd, 1),
    },
    seed: intOption(args, 'seed', cmd, 0),
    dataPath: stringOption(args, 'data'),
  };
  if (spec.sequence) {
    const r = await runSequence(spec, getExperiment, { ...request, parentDir: stringOption(args, 'out') });
    exitForStatus(r.runs.at(-1)?.summary.status);
    return void console.log(r.parentDir);
  }
  const r = await runExperiment({ ...request, spec, outDir: stringOption(args, 'out') });
  printSummary(r.summary);
  await evaluateAfterTraining(r.runDir, r.summary.status, args);
  exitForStatus(r.summary.status);
  console.log(r.runDir);
});

function isTranslatorRun(runDir: string): boolean {
  const file = path.join(runDir, 'config.json');
  return fs.existsSync(file) && readJson<{ kind?: string }>(file, 'run config').kind === 'translator';
}

/**
 * Exit status for scripts: 0 when the run completed or stopped at --max-steps as asked, 130 when
 * Ctrl-C interrupted it (as shells report SIGINT), 1 when it diverged. The run directory is still
 * printed last, so `--resume $(...)` works either way.
 */
function exitForStatus(status: string | undefined): void {
  if (status === 'interrupted') process.exitCode = 130;
  else if (status === 'diverged') process.exitCode = 1;
}

/** Fills metrics.json of a completed run (skipped with --no-eval); a metric failure does not fail the run. */
async function evaluateAfterTraining(runDir: string, status: string, args: ReturnType<typeof parseArgs>): Promise<void> {
  if (status !== 'completed' || args.options['no-eval']) return;
  const n = intOption(args, 'eval-n', 'experiment', 2) ?? 1000;
  try {
    const { evaluateRun } = await import('../lib/eval/evaluate-run');
    const r = await evaluateRun(runDir, { n });
    process.stderr.write(`metrics: ${r.file}\n`);
  } catch (e) {
    process.stderr.write(`warning: metrics not computed (${(e as Error).message}); run npm run evaluate -- ${runDir}\n`);
  }
}

function printSummary(s: import('../lib/train/trainer').TrainSummary): void {
  const f = s.final;
  process.stderr.write(
    `${s.status}: ${s.steps} iterations, ${s.epochsCompleted} epochs, ${s.imagesPerSecond.toFixed(1)} images/s` +
      (f ? `, final loss_D ${f.loss_d.toFixed(3)} loss_G ${f.loss_g.toFixed(3)}` : '') + '\n',
  );
}
