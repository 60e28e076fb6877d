/**
 * `npm run experiment -- study-questions [--preset quick|paper|smoke] [--celeba DIR] [--fer DIR]
 *   [--out DIR | --resume DIR] [--n N] [--only KEY,KEY] [--backend B]`
 * The command line of runStudyQuestions (lib/orchestrate/study-questions.ts) with the study's design
 * (experiments/study-questions.ts). Prints study.md's path last.
 */
import { initBackend } from '../../lib/backend';
import { parseArgs, intOption, stringOption } from '../../tools/cli/args';
import { runStudyQuestions } from '../../lib/orchestrate/study-questions';
import type { StudyPreset } from '../../lib/runs/spec-types';
import { STUDY_DESIGN, STUDY_RUNS } from '../../experiments/study-questions';

const USAGE = `usage: npm run experiment -- study-questions [options]
  --preset P       quick | paper | smoke (default quick; smoke runs on the bundled sample)
  --celeba DIR     CelebA folder (default $FACEGAN_CELEBA)
  --fer DIR        FER2013 folder (default $FACEGAN_FER2013)
  --out DIR        study directory (default results/study-questions/<time>-<preset>)
  --resume DIR     continue a study (skips what is done)
  --n N            samples per evaluation (default: quick 1000, paper 2000)
  --only K,K       only these runs: ${STUDY_RUNS.map((r) => r.key).join(', ')}
  --backend B`;

/** Command-line entry (argv after the experiment name). Prints study.md's path last. */
export async function studyQuestionsCli(argv: string[], signal?: AbortSignal): Promise<void> {
  const cmd = 'experiment study-questions';
  const a = parseArgs(argv, { flags: ['help'], options: ['preset', 'celeba', 'fer', 'out', 'resume', 'n', 'only', 'backend'] }, cmd);
  if (a.options.help) return void console.log(USAGE);
  if (a.positionals.length) throw new Error(`${cmd}: unexpected arguments ${a.positionals.join(' ')}\n${USAGE}`);
  const backend = await initBackend({ backend: stringOption(a, 'backend') });
  const r = await runStudyQuestions({
    design: STUDY_DESIGN,
    preset: stringOption(a, 'preset') as StudyPreset | undefined,
    celebaPath: stringOption(a, 'celeba'), ferPath: stringOption(a, 'fer'),
    outDir: stringOption(a, 'out'), resume: stringOption(a, 'resume'),
    n: intOption(a, 'n', cmd, 2), only: stringOption(a, 'only')?.split(','), backend, command: process.argv.slice(1), signal,
  });
  console.log(r.files.md);
}
