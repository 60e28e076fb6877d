/**
 * A blind naming quiz for a translator: can a person name the expression of each edit without the labels?
 * (lib/eval/blind-quiz.ts explains the score.)
 *
 *   node --import tsx tools/blind-quiz.ts make TRANSLATOR --out DIR [--per-class 2] [--seed S] [--gain G] [--data DIR] [--split PrivateTest]
 *     writes DIR/quiz-1.png, quiz-2.png, ... (7 rows a page, one row per real face: the face, then its edits to every expression in a random order,
 *     numbered 1..7), DIR/key.json (the hidden answers: do not open it before answering) and DIR/answers.txt (a template)
 *   node --import tsx tools/blind-quiz.ts score DIR [--answers FILE]
 *     compares DIR/answers.txt (or FILE) with the key, prints the score and writes DIR/score.md
 *
 * Not a project metric (no loss, checkpoint choice or metrics.json reads it): a person's reading, for the note and docs.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { initBackend, describeBackend } from '../lib/backend';
import { loadTranslator } from '../lib/edit/translator-model';
import { evaluationFaces, dataPathFor } from '../lib/orchestrate/translate-eval';
import { translateImages } from '../lib/models/translator-apply';
import { withGain, gainOption } from '../lib/train/translate-gain';
import { residualLayer } from '../lib/models/translator-residual';
import { labelledGridPng } from '../lib/viz/labelled';
import { readJson, writeFileAtomic, writeJsonAtomic } from '../lib/io/files';
import { portableJson } from '../lib/runs/portable-paths';
import { REPO_ROOT } from '../lib/runs/versions';
import { makeQuizKey, parseQuizAnswers, scoreQuiz, quizScoreMarkdown, QuizKey } from '../lib/eval/blind-quiz';

const USAGE = 'usage: node --import tsx tools/blind-quiz.ts make TRANSLATOR --out DIR [--per-class N] [--seed S] [--gain G] [--data DIR] | score DIR [--answers FILE]';

/** Writes a quiz for the translator at `source` into v.out (options as on the command line). */
export async function makeQuiz(source: string, v: Record<string, string | undefined>): Promise<void> {
  const out = v.out;
  if (!out) throw new Error(`--out DIR is required\n${USAGE}`);
  const keyFile = path.join(out, 'key.json');
  if (fs.existsSync(keyFile)) throw new Error(`${keyFile} exists: a quiz is already there (score it, or choose another --out)`);
  const split = (v.split ?? 'PrivateTest') as 'PrivateTest' | 'PublicTest' | 'test';
  if (!['PrivateTest', 'PublicTest', 'test'].includes(split)) throw new Error(`--split must be PrivateTest, PublicTest or test, got ${split}`);
  const perClass = Number(v['per-class'] ?? 2);
  if (!Number.isInteger(perClass) || perClass < 1) throw new Error(`--per-class must be a positive integer, got ${v['per-class']}`);
  const seed = Number(v.seed ?? Date.now() % 100000);
  const backend = await initBackend({});
  process.stderr.write(`backend: ${describeBackend(backend)}\n`);
  const T = await loadTranslator(source);
  const gain = gainOption(T.G, v.gain);
  const dataPath = dataPathFor(source, v.data);
  const all = await evaluationFaces(dataPath, { split });
  const k = T.spec.labels.length;
  const { key, faces } = makeQuizKey(all.labels!, T.spec.labels, perClass, seed, all.sources);
  key.about = { translator: T.name, gain: gain ?? residualLayer(T.G)?.gain ?? 'n/a', split, seed, data: dataPath };
  const px = all.height * all.width * all.channels;
  const chosen = { ...all, n: faces.length, data: new Uint8Array(faces.length * px) };
  faces.forEach((f, i) => chosen.data.set(all.data.subarray(f * px, (f + 1) * px), i * px));
  const pairs = key.rows.flatMap((row, i) => row.order.map((t) => ({ face: i, target: t })));
  const { images } = await withGain(T.G, gain, () => translateImages(T.G, chosen, pairs, k));
  const grid = new Uint8Array(faces.length * (k + 1) * px);
  for (let i = 0; i < faces.length; i++) {
    grid.set(chosen.data.subarray(i * px, (i + 1) * px), i * (k + 1) * px);
    grid.set(images.data.subarray(i * k * px, (i + 1) * k * px), (i * (k + 1) + 1) * px);
  }
  fs.mkdirSync(out, { recursive: true });
  // pages of 7 rows at 3x, so that each face is big enough to read
  const perPage = 7;
  const pages = Math.ceil(faces.length / perPage);
  for (let p = 0; p < pages; p++) {
    const from = p * perPage, to = Math.min(faces.length, from + perPage);
    writeFileAtomic(path.join(out, `quiz-${p + 1}.png`), labelledGridPng(
      { data: grid.subarray(from * (k + 1) * px, to * (k + 1) * px), n: (to - from) * (k + 1), height: all.height, width: all.width, channels: all.channels },
      {
        scale: 3, colLabels: ['face', ...Array.from({ length: k }, (_, j) => String(j + 1))], rowLabels: key.rows.slice(from, to).map((_, i) => String(from + i + 1)),
        title: `Name each expression (page ${p + 1} of ${pages}; answers in answers.txt)`,
      },
    ));
  }
  // paths relative to the dataset root and the checkout: a quiz reads the same on every clone
  writeJsonAtomic(keyFile, portableJson(key, [{ from: path.resolve(dataPath), to: path.basename(dataPath) }, { from: REPO_ROOT, to: '' }]));
  writeFileAtomic(path.join(out, 'answers.txt'), [
    `# One line per row of quiz.png: the real face's expression, then cells 1..${k}.`,
    `# Names or prefixes: ${T.spec.labels.join(', ')}; ? = cannot tell. Example: "1: happy sad an su fe di ne ha"`,
    '',
  ].join('\n'));
  process.stderr.write(`quiz: ${faces.length} faces (${perClass} per expression) x ${k} edits -> ${path.join(out, 'quiz-*.png')}; answer in ${path.join(out, 'answers.txt')}, then: tools/blind-quiz.ts score ${out}\n`);
  T.G.dispose();
}

/** Scores DIR's answers against its key; writes DIR/score.md and returns the markdown. */
export function scoreQuizDir(dir: string, answersFile?: string): string {
  const key = readJson<QuizKey>(path.join(dir, 'key.json'), 'quiz key');
  const file = answersFile ?? path.join(dir, 'answers.txt');
  if (!fs.existsSync(file)) throw new Error(`${file}: no answers file`);
  const s = scoreQuiz(key, parseQuizAnswers(fs.readFileSync(file, 'utf8'), key, file));
  const md = quizScoreMarkdown(key, s);
  writeFileAtomic(path.join(dir, 'score.md'), md);
  return md;
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { out: { type: 'string' }, 'per-class': { type: 'string' }, seed: { type: 'string' }, gain: { type: 'string' }, data: { type: 'string' }, split: { type: 'string' }, answers: { type: 'string' } },
  });
  const [mode, target] = positionals;
  if (mode === 'make' && target) return makeQuiz(target, values as Record<string, string | undefined>);
  if (mode === 'score' && target) return void process.stdout.write(scoreQuizDir(target, values.answers));
  throw new Error(USAGE);
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  });
}
