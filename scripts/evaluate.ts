/**
 * npm run evaluate -- RUN_DIR|FOLDER... [--n 2000] [--seed S] [--data DIR] [--kid-subsets K] [--no-classifier]
 *                     [--classifier DIR] [--backend B]
 * Computes sample-quality metrics for trained run directories and writes each run's metrics.json
 * (fd_fer, kid_fer, swd, diversity, expression hit-rate, each with its real-vs-real floor). For a
 * conditional run it also measures the per-emotion hit-rates again (cond_hit_*, lib/eval/hit-rate.ts)
 * with the same classifier, so every classifier number in metrics.json comes from one classifier.
 * See lib/eval/evaluate-run.ts and docs/metrics.md.
 */
import * as path from 'path';
import { parseArgs, intOption, stringOption, runMain } from '../tools/cli/args';
import { initBackend, describeBackend } from '../lib/backend';
import { evaluateRun } from '../lib/eval/evaluate-run';
import { acquireRunLock } from '../lib/io/lock';
import { loadClassifier, DEFAULT_CLASSIFIER_DIR } from '../lib/eval/classifier';
import { resolveRunDirs } from '../lib/eval/compare';
import { readRunConfig } from '../lib/runs/run-dir';
import { isConditional } from '../lib/models/conditional-spec';
import * as fs from 'fs';
import { evaluateConditionalRun } from '../lib/eval/hit-rate';
import { loadJudge, ExpressionJudge } from '../lib/eval/judge';
import { isTranslatorRunDir } from '../lib/edit/translator-model';
import { evaluateTranslator, evaluateInversionEdits } from '../lib/orchestrate/translate-eval';

const USAGE = `usage: npm run evaluate -- RUN_DIR... [options]     (a folder of runs, e.g. a fer-all sequence, evaluates each)
  --n N              samples and images per real set (default 2000; capped at half the real images)
  --seed S           seed of noise, real-set draws, KID subsets and SWD (default 0)
  --data DIR         read real images from DIR instead of the path in the run's config.json
  --kid-subsets K    KID subsets (default 50)
  --classifier DIR   expression classifier (default ${path.relative(process.cwd(), DEFAULT_CLASSIFIER_DIR)})
  --no-classifier    only the classifier-free metrics (SWD)
  --inception PATH   standard FID with InceptionV3 weights in TF.js format (see docs/metrics.md)
  --backend B        node-gpu | node | wasm | cpu
translator runs (fer-translate) and installed translators (a folder with translator.json), and --edits:
  --n N              FER2013 test faces, each edited to every expression (default: all 3,589 PrivateTest faces)
  --edits N          conditional runs: also measure editing by inversion on N test faces, same numbers as a translator (slow)
  --steps N          inversion steps per face for --edits (default 300)`;

runMain(async () => {
  const cmd = 'evaluate';
  const a = parseArgs(process.argv.slice(2), {
    flags: ['help', 'no-classifier'],
    options: ['n', 'seed', 'data', 'kid-subsets', 'classifier', 'backend', 'inception', 'steps', 'edits'],
  }, cmd);
  if (a.options.help) return void console.log(USAGE);
  if (a.positionals.length === 0) throw new Error(`${cmd}: give one or more run directories\n${USAGE}`);
  // An installed translator folder (translator.json, no config.json) is evaluated as it is.
  const modelDirs = a.positionals.filter((p) => fs.existsSync(path.join(p, 'translator.json')) && !fs.existsSync(path.join(p, 'config.json')));
  // A folder of runs (e.g. a fer-all sequence or a study) evaluates every run in it.
  const runDirs = [...resolveRunDirs(a.positionals.filter((p) => !modelDirs.includes(p)), false), ...modelDirs];
  const backend = await initBackend({ backend: stringOption(a, 'backend') });
  process.stderr.write(`backend: ${describeBackend(backend)}\n`);
  const classifier = a.options['no-classifier'] ? null : await loadClassifier(stringOption(a, 'classifier') ?? DEFAULT_CLASSIFIER_DIR);
  const inception = stringOption(a, 'inception');
  // The expression judge for conditional runs' per-emotion hit-rates: loaded once, on the first one.
  let judge: ExpressionJudge | null = null;
  try {
    for (const runDir of runDirs) {
      // the run folder's lock for both writes of metrics.json (refused with exit 75 while it trains);
      // an installed translator (models/fer-translate) is no run folder and takes no lock
      const isModelDir = modelDirs.includes(runDir);
      const lock = isModelDir ? null : acquireRunLock(runDir, { command: process.argv.slice(1).join(' ') });
      try {
        if (isModelDir || isTranslatorRunDir(runDir)) {
          if (!classifier) throw new Error(`${runDir}: a translator is judged by the expression classifier; drop --no-classifier`);
          const r = await evaluateTranslator(runDir, {
            n: intOption(a, 'n', cmd, 1), seed: intOption(a, 'seed', cmd, 0), dataPath: stringOption(a, 'data'), classifier,
            log: (l) => process.stderr.write(l + '\n'),
          });
          process.stderr.write(fs.readFileSync(r.md, 'utf8'));
          console.log(r.file);
          continue;
        }
        const r = await evaluateRun(runDir, {
          n: intOption(a, 'n', cmd, 2),
          seed: intOption(a, 'seed', cmd, 0),
          dataPath: stringOption(a, 'data'),
          kidSubsets: intOption(a, 'kid-subsets', cmd, 1),
          classifier,
          inception,
        });
        const config = readRunConfig(runDir);
        if (classifier && isConditional(config.spec.model)) {
          if (!judge) {
            const loaded = await loadJudge(classifier.dir);
            if (!loaded.judge) throw new Error(`${runDir}: conditional hit-rate: ${loaded.reason}`);
            judge = loaded.judge;
          }
          // Same images as the hit-rate at the end of training (the run's seed) unless --seed is given.
          await evaluateConditionalRun(runDir, { judge, seed: intOption(a, 'seed', cmd, 0) ?? config.seed, dataPath: stringOption(a, 'data') });
          if (a.options.edits !== undefined) {
            const e = await evaluateInversionEdits(runDir, {
              n: intOption(a, 'edits', cmd, 1), seed: intOption(a, 'seed', cmd, 0), dataPath: stringOption(a, 'data'), classifier,
              steps: intOption(a, 'steps', cmd, 1), log: (l) => process.stderr.write(l + '\n'),
            });
            process.stderr.write(fs.readFileSync(e.md, 'utf8'));
          }
        }
        console.log(r.file);
      } finally {
        lock?.release();
      }
    }
  } finally {
    judge?.dispose();
  }
});
