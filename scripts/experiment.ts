/**
 * npm run experiment -- <name> [--preset P] [--data DIR] [--out RUN_DIR] [--epochs N] [--limit N]
 *                       [--batch N] [--seed S] [--backend B] [--resume RUN_DIR] [--max-steps N] [--list]
 * Trains one experiment of the study and prints its run directory as the last line.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs as nodeParseArgs } from 'util';
import { readJson } from '../lib/io/files';
import { parseArgs, intOption, stringOption, runMain } from '../tools/cli/args';
import { EXPERIMENTS, getExperiment } from '../experiments';
import { PRESETS, PresetName, ExperimentSpec } from '../lib/runs/experiment';
import { SIGNAL_EXIT_CODES, StopSignal } from '../tools/cli/stop';
import { runExperiment, resumeExperiment, runSequence } from '../lib/orchestrate/run-experiment';
import { initBackend, describeBackend } from '../lib/backend';
import { resolveShard } from '../lib/runs/shard';

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
  --resume RUN_DIR    continue a stopped run from its newest intact checkpoint, with its recorded settings
                      (only --max-steps, --data, which must give the same images, --extend --epochs N and
                      --override may be given)
  --extend --epochs N on --resume: train the run longer, to N epochs (more than recorded); recorded in config.json
  --override F[,F]    on --resume: accept config.json field(s) F (e.g. settings.lr) that differ from what the
                      checkpoint was trained under; recorded in config.json's history
  --max-steps N       stop after N iterations (with a checkpoint; continue later with --resume)
  --spec FILE         train the experiment spec in FILE (JSON, as in config.json's "spec") instead of a named one
  --force-unlock      take over the run folder's lock although it comes from another host (see docs/reliability.md)
  --eval-n N          images per set for the metrics written to metrics.json after training (default 1000)
  --no-eval           skip the metrics at the end of training (npm run evaluate -- RUN_DIR later)
  --shard i/n         sequences (fer-all, fer-remedies): this machine runs members i, i+n, ... into the
                      same --out (also from SLURM_ARRAY_TASK_ID/COUNT, or JOB_COMPLETION_INDEX + --shards N)
  --list              list experiments and presets
exit status: 0 completed (or stopped at --max-steps), 1 error/failed/diverged, 75 the run folder is in use
  by another process (nothing changed), 130/143/129 interrupted by Ctrl-C/SIGTERM/SIGHUP (checkpoint saved)`;

// Experiments with their own options (scripts/cli/): the expression classifier and the
// study's two questions. `npm run experiment -- fer-classifier --help` / `study-questions --help`.
const OWN_COMMANDS: Record<string, () => Promise<(argv: string[], signal: AbortSignal) => Promise<void>>> = {
  'fer-classifier': async () => (await import('./cli/fer-classifier')).classifierCli,
  'study-questions': async () => (await import('./cli/study-questions')).studyQuestionsCli,
  // the expression translator (experiments/translate.ts, scripts/cli/fer-translate.ts)
  'fer-translate': async () => (await import('./cli/fer-translate')).translateCli,
  // the translator v2's frozen loss classifier (experiments/translate-classifier.ts; never the evaluation classifier)
  'fer-loss-classifier': async () => (await import('./cli/fer-loss-classifier')).lossClassifierCli,
  // the identity embedding for the translator's identity measure (experiments/identity.ts)
  'identity-embed': async () => (await import('./cli/identity-embed')).identityCli,
};

runMain(async (signal) => {
  const own = OWN_COMMANDS[process.argv[2]];
  if (own) return (await own())(process.argv.slice(3), signal);
  // A translator run resumes with its own command (its config.json says kind: 'translator').
  // (only --resume is read here, every other option is left to the parser below or the translator's)
  const peek = nodeParseArgs({ args: process.argv.slice(2), options: { resume: { type: 'string' } }, strict: false, allowPositionals: true }).values.resume;
  const resumeDir = typeof peek === 'string' ? peek : undefined;
  if (resumeDir && isTranslatorRun(resumeDir)) return (await OWN_COMMANDS['fer-translate']())(process.argv.slice(2), signal);
  const cmd = 'experiment';
  const args = parseArgs(process.argv.slice(2), {
    flags: ['list', 'help', 'no-progress', 'no-eval', 'force-unlock', 'extend'],
    options: ['preset', 'data', 'out', 'epochs', 'limit', 'batch', 'seed', 'backend', 'resume', 'max-steps', 'eval-n', 'spec', 'shard', 'shards', 'override'],
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
  const resume = stringOption(args, 'resume');
  if (resume) refuseChangesOnResume(args, resume);
  else if (args.options.extend || args.options.override !== undefined) throw new Error('--extend and --override apply to --resume RUN_DIR only');
  const evalN = intOption(args, 'eval-n', cmd, 2) ?? 1000;
  const backend = await initBackend({ backend: stringOption(args, 'backend') });
  process.stderr.write(`backend: ${describeBackend(backend)}\n`);
  const common = {
    backend,
    maxSteps: intOption(args, 'max-steps', cmd, 1),
    progress: !args.options['no-progress'],
    evaluate: args.options['no-eval'] ? (false as const) : { n: evalN },
    forceUnlock: !!args.options['force-unlock'],
    dataPath: stringOption(args, 'data'),
    command: process.argv.slice(1),
    signal,
  };
  if (resume) {
    const seqFile = path.join(resume, 'sequence.json');
    if (fs.existsSync(seqFile)) {
      const index = readJson<{ experiment: string; preset: PresetName }>(seqFile, 'sequence index');
      const spec = getExperiment(index.experiment);
      const r = await runSequence(spec, getExperiment, { ...common, preset: index.preset, parentDir: resume, shard: sequenceShard(args) });
      exitForStatus(r.runs.at(-1)?.summary);
      return void console.log(r.parentDir);
    }
    const override = stringOption(args, 'override')?.split(',').map((f) => f.trim()).filter(Boolean);
    const r = await resumeExperiment(resume, { ...common, epochs: intOption(args, 'epochs', cmd, 1), extend: !!args.options.extend, override });
    printSummary(r.summary);
    exitForStatus(r.summary);
    return void console.log(r.runDir);
  }
  const name = args.positionals[0];
  const specFile = stringOption(args, 'spec');
  if (!name && !specFile) throw new Error(`no experiment named\n${USAGE}`);
  if (args.positionals.length > 1) throw new Error(`unexpected arguments: ${args.positionals.slice(1).join(' ')}`);
  const spec = specFile ? readSpecFile(specFile, name) : getExperiment(name);
  if (!spec.sequence && (args.options.shard !== undefined || args.options.shards !== undefined)) {
    throw new Error(`--shard applies to sequences of experiments (e.g. fer-all); ${spec.name} is one run (see npm run study for the study's campaign)`);
  }
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
  };
  if (spec.sequence) {
    const r = await runSequence(spec, getExperiment, { ...request, parentDir: stringOption(args, 'out'), shard: sequenceShard(args) });
    exitForStatus(r.runs.at(-1)?.summary);
    return void console.log(r.parentDir);
  }
  const r = await runExperiment({ ...request, spec, outDir: stringOption(args, 'out') });
  printSummary(r.summary);
  exitForStatus(r.summary);
  console.log(r.runDir);
});

/** The shard of a sequence: --shard i/n, or a Slurm / Kubernetes array index (lib/runs/shard.ts). */
function sequenceShard(args: ReturnType<typeof parseArgs>) {
  return resolveShard({ shard: stringOption(args, 'shard'), shards: intOption(args, 'shards', 'experiment', 1) });
}

/** Whether runDir holds a translator run (its config.json says kind: 'translator'). */
function isTranslatorRun(runDir: string): boolean {
  const file = path.join(runDir, 'config.json');
  return fs.existsSync(file) && readJson<{ kind?: string }>(file, 'run config').kind === 'translator';
}

/**
 * Exit status for scripts: 0 when the run completed or stopped at --max-steps as asked; 130, 143
 * or 129 when Ctrl-C, SIGTERM or SIGHUP interrupted it (as shells report those signals; the
 * checkpoint is saved); 1 when it diverged or failed. The run directory is still printed last, so
 * `--resume $(...)` works either way.
 */
function exitForStatus(summary: { status: string; signal?: string } | undefined): void {
  if (summary?.status === 'interrupted') process.exitCode = SIGNAL_EXIT_CODES[(summary.signal ?? 'SIGINT') as StopSignal] ?? 130;
  else if (summary?.status === 'diverged' || summary?.status === 'failed') process.exitCode = 1;
}

/** Options that would change a run being resumed are refused, each with the reason. */
function refuseChangesOnResume(args: ReturnType<typeof parseArgs>, runDir: string): void {
  const why: Record<string, string> = {
    preset: 'the preset fixed its settings',
    batch: 'the checkpoint\'s data order, RNG and optimizer state belong to its batch size',
    seed: 'the seed fixed its initial weights, noise and data order',
    limit: 'the image subset is part of the run (and of its dataset fingerprint)',
    out: 'a resumed run stays in its own folder',
    spec: 'the run keeps the spec recorded in its config.json',
  };
  const given = Object.keys(why).filter((k) => args.options[k] !== undefined);
  if (args.positionals.length) given.unshift(`experiment name "${args.positionals.join(' ')}"`);
  if (given.length === 0) return;
  const lines = given.map((k) => (k in why ? `  --${k}: ${why[k]}` : `  ${k}: the run keeps the experiment recorded in its config.json`));
  throw new Error(
    `--resume ${runDir} continues a run with the settings recorded in its config.json, so these cannot change:\n${lines.join('\n')}\n` +
      `Only --max-steps, --data (the same images, moved), --extend --epochs N and --override may be given; start a new run (--out) to change the others.`,
  );
}

/** An experiment spec from a JSON file (--spec); a positional name, if given, must match its name. */
function readSpecFile(file: string, name: string | undefined): ExperimentSpec {
  const spec = readJson<ExperimentSpec>(file, 'experiment spec');
  if (typeof spec.name !== 'string' || !spec.dataset || !spec.model || !spec.presets) {
    throw new Error(`experiment spec ${file} must have name, dataset, model and presets (as in a run's config.json "spec")`);
  }
  if (name && name !== spec.name) throw new Error(`--spec ${file} defines experiment "${spec.name}", not "${name}"`);
  return spec;
}

function printSummary(s: import('../lib/train/trainer').TrainSummary): void {
  const f = s.final;
  process.stderr.write(
    `${s.status}: ${s.steps} iterations, ${s.epochsCompleted} epochs, ${Number(s.imagesPerSecond).toFixed(1)} images/s` +
      // a diverged run's final losses are NaN (null in summary.json)
      (f ? `, final loss_D ${Number(f.loss_d).toFixed(3)} loss_G ${Number(f.loss_g).toFixed(3)}` : '') + '\n',
  );
}
