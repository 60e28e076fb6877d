/**
 * The study questions (command line: `npm run experiment -- study-questions`, scripts/cli/study-questions.ts).
 *
 * Trains the runs of a StudyDesign (experiments/study-questions.ts) (runExperiment, into <study>/<key>/), evaluates
 * each (evaluateRun: fd_fer, kid_fer, swd, diversity, hit-rate, each with its real-vs-real floor),
 * and writes <study>/study.md (verdicts, caveat, table), study.csv, study.json and compare/ (the
 * common table with thumbnails and charts). Every step is skipped when already done, so
 * `--resume DIR` continues an interrupted study.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as aq from 'arquero';
import { BackendInfo, initBackend, describeBackend } from '../backend';
import { ExperimentSpec } from '../runs/experiment';
import { resolveDataPath, loadDataset } from '../runs/dataset';
import { runExperiment, resumeExperiment, DEFAULT_SEED } from './run-experiment';
import { newRunDir } from '../runs/run-dir';
import { readJson, writeJsonAtomic, writeFileAtomic } from '../io/files';
import { runRow } from '../runs/table';
import type { StudyDesign, StudyPreset, StudyRun } from '../runs/spec-types';
import { FerClassifier, loadClassifierIfAny } from '../eval/classifier';
import { evaluateRun } from '../eval/evaluate-run';
import { compareRuns } from '../eval/compare';
import { Verdict, verdictFor, MetricRow } from '../eval/study-verdict';

export interface StudyOptions {
  /** The runs, scales and settings (experiments/study-questions.ts STUDY_DESIGN). */
  design: StudyDesign;
  preset?: StudyPreset;
  /** CelebA folder (default $FACEGAN_CELEBA, else the bundled sample: smoke only). */
  celebaPath?: string;
  /** FER2013 folder (default $FACEGAN_FER2013, else the bundled sample: smoke only). */
  ferPath?: string;
  /** Study directory (default results/study-questions/<time>-<preset>). */
  outDir?: string;
  /** Continue this study directory. */
  resume?: string;
  /** Evaluation size (default: the preset's). */
  n?: number;
  /** Only these run keys (default all). */
  only?: string[];
  backend?: BackendInfo;
  /** The command line, recorded in each run's config.json. */
  command?: string[];
  /** Default: models/fer-classifier (classifier metrics skipped with a note when absent). */
  classifier?: FerClassifier | null;
  /** Stops the run in training after its step, with a checkpoint (and the runs after it at their start). */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface StudyResult {
  dir: string;
  runDirs: Record<string, string>;
  verdicts: Verdict[];
  files: { md: string; csv: string; json: string };
  seconds: number;
}

interface StudyIndex {
  preset: StudyPreset;
  data: { celeba: string; fer2013: string };
  n: number;
  startedAt: string;
  seconds: number;
  runs: Record<string, { dir: string; trainSeconds?: number; evalSeconds?: number }>;
}

function summaryOf(runDir: string): { status?: string; steps?: number; trainSeconds?: number } | null {
  const f = path.join(runDir, 'summary.json');
  return fs.existsSync(f) ? readJson(f, 'run summary') : null;
}

/** Trains one study run unless it already reached the preset's iteration budget. */
async function trainStudyRun(
  design: StudyDesign, run: StudyRun, runDir: string, preset: StudyPreset, dataPath: string, backend: BackendInfo, log: (l: string) => void, command?: string[], signal?: AbortSignal,
): Promise<void> {
  const steps = design.scales[preset].steps;
  const s = summaryOf(runDir);
  if (s && (s.steps ?? 0) >= steps) return log(`${run.key}: already trained (${s.steps} iterations), skipping`);
  const common = { backend, maxSteps: steps, progress: false, log, command, signal };
  if (fs.existsSync(path.join(runDir, 'checkpoints', 'latest.json'))) {
    await resumeExperiment(runDir, common);
    return;
  }
  if (fs.existsSync(path.join(runDir, 'config.json'))) fs.rmSync(runDir, { recursive: true, force: true });
  const limit = run.limit[preset];
  const probe = await loadDataset(run.spec.dataset, dataPath, { limit, seed: DEFAULT_SEED, size: run.spec.model.size });
  if (limit !== null && probe.n < limit && preset !== 'smoke') {
    throw new Error(`study-questions: ${run.key} needs ${limit} training images, ${dataPath} has ${probe.n} (${probe.name})`);
  }
  const spec: ExperimentSpec = { ...run.spec, presets: { [preset]: { ...design.settings(preset, probe.n), limit } } };
  await runExperiment({ ...common, spec, preset, outDir: runDir, dataPath });
}

/** One row of the study table. */
function studyRow(run: StudyRun, runDir: string): Record<string, string | number | null> {
  const r = runRow(runDir);
  const s = summaryOf(runDir) as Record<string, number> | null;
  const pick = (k: string) => (typeof r[k] === 'number' ? (r[k] as number) : null);
  return {
    question: run.questions.join(', '),
    run: run.key,
    colour: r.colour,
    train_images: r.images,
    iterations: r.iterations,
    images_seen: s?.imagesSeen ?? null,
    train_min: r.wall_min,
    images_per_s: r.images_per_s,
    fd_fer: pick('fd_fer'), fd_fer_real: pick('fd_fer_real'),
    kid_fer: pick('kid_fer'), kid_fer_real: pick('kid_fer_real'),
    swd: pick('swd'), swd_real: pick('swd_real'),
    diversity: pick('diversity'), diversity_real: pick('diversity_real'),
    hit_rate: pick('hit_rate'), hit_rate_real: pick('hit_rate_real'),
  };
}

/** The three verdicts from the runs' metrics (study-verdict.ts). */
/** The verdicts of the study's questions from the runs' metric rows; `emotion`: question (b)'s one-emotion FER2013 run. */
export function studyVerdicts(rows: Record<string, MetricRow>, emotion: string): Verdict[] {
  const get = (k: string, name: string) => (rows[k] ? { name, row: rows[k] } : undefined);
  return [
    verdictFor('(a) grayscale vs colour (same CelebA images)', 'grayscale images made the samples worse',
      get('celeba-gray-6k', 'gray'), get('celeba-colour-6k', 'colour')),
    verdictFor('(b) CelebA 1,000 vs 6,000 images', 'too few training images made the samples worse',
      get('celeba-colour-1k', '1,000 images'), get('celeba-colour-6k', '6,000 images')),
    verdictFor(`(b) FER2013 one emotion (${emotion}) vs all 28,709 faces`, 'too few training images made the samples worse',
      get(`fer-${emotion}`, `${emotion} only`), get('fer-pooled', 'all faces')),
  ];
}

/** study.md: verdicts, caveat, table, and how the verdicts are reached. */
function studyMarkdown(design: StudyDesign, preset: StudyPreset, table: aq.ColumnTable, verdicts: Verdict[], idx: StudyIndex, command: string): string {
  const lines = [
    `# The study's two explanations, tested (${preset} preset)`,
    '',
    `Command: \`${command}\``,
    '',
    `Scale: ${design.scales[preset].scale}.`,
    '',
    'Every run gets the same number of iterations (equal training compute), so the data-size runs differ only in the number of',
    'distinct images. Every metric is shown beside its real-vs-real floor (two disjoint real sets of the same size).',
    '',
    '## What the numbers support',
    '',
    ...verdicts.flatMap((v) => [`- **${v.text}.**`, `  Evidence (score vs real data: fd_fer and swd as multiples of their floor, kid_fer x1e3 minus its floor): ${v.evidence}.`]),
    '',
    `Caveat: ${caveat(design, preset)}. The FER pair is measured against different real sets (one emotion vs all faces); the floors`,
    'put them on one scale, but a blurry average face is nearer to the varied set of all faces than to one expression.',
    '',
    '## Runs',
    '',
    table.toMarkdown({ format: Object.fromEntries(table.columnNames().map((c) => [c, (v: unknown) => (v == null ? '' : String(v))])) }),
    '',
    `Evaluated on ${idx.n} samples per run. Total wall time ${(idx.seconds / 60).toFixed(1)} min.`,
    'Verdict rule (lib/eval/study-verdict.ts): a metric decides when the two runs\' scores differ by more than 10% (KID: and by more',
    'than 2 standard deviations); a run is closer to real data when it wins a majority of the three metrics and more than the other;',
    'otherwise the numbers "do not support" the explanation.',
    '',
  ];
  return lines.join('\n');
}

/** Trains, evaluates and tabulates the study questions; see the file comment. */
export async function runStudyQuestions(o: StudyOptions): Promise<StudyResult> {
  const { design } = o;
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const t0 = Date.now();
  const backend = o.backend ?? (await initBackend());
  let dir: string;
  let idx: StudyIndex;
  if (o.resume) {
    dir = path.resolve(o.resume);
    idx = readJson<StudyIndex>(path.join(dir, 'study.json'), 'study index');
  } else {
    const preset = o.preset ?? 'quick';
    if (!design.scales[preset]) throw new Error(`study-questions: unknown preset "${preset}", expected one of ${Object.keys(design.scales).join(', ')}`);
    const celeba = resolveDataPath({ kind: 'celeba', grayscale: false }, o.celebaPath);
    const fer = resolveDataPath({ kind: 'fer2013', split: 'train', emotions: 'all' }, o.ferPath);
    // only the datasets of the runs asked for (--only fer-surprise,fer-pooled needs no CelebA)
    const needed = new Set(design.runs.filter((r) => !o.only || o.only.includes(r.key)).map((r) => r.data));
    const missing = [
      needed.has('celeba') && celeba.source === 'sample' ? '--celeba DIR (or $FACEGAN_CELEBA)' : '',
      needed.has('fer2013') && fer.source === 'sample' ? '--fer DIR (or $FACEGAN_FER2013)' : '',
    ].filter(Boolean);
    if (preset !== 'smoke' && missing.length) {
      throw new Error(
        `study-questions --preset ${preset} needs the real datasets (the bundled sample has 300 CelebA faces and 100 per emotion): ` +
          `give ${missing.join(' and ')}`,
      );
    }
    dir = o.outDir ? path.resolve(o.outDir) : newRunDir('study-questions', preset);
    idx = { preset, data: { celeba: celeba.path, fer2013: fer.path }, n: o.n ?? design.scales[preset].evalN, startedAt: new Date().toISOString(), seconds: 0, runs: {} };
  }
  const preset = idx.preset;
  fs.mkdirSync(dir, { recursive: true });
  const save = () => writeJsonAtomic(path.join(dir, 'study.json'), idx);
  save();
  log(`study-questions (${preset}): ${dir}; backend ${describeBackend(backend)}`);
  const classifier = o.classifier !== undefined ? o.classifier : await loadClassifierIfAny((why) => log(`note: ${why}; only SWD is computed`));
  const runs = design.runs.filter((r) => !o.only || o.only.includes(r.key));
  if (runs.length === 0) throw new Error(`study-questions: --only matched no run; runs are ${design.runs.map((r) => r.key).join(', ')}`);
  const prior = idx.seconds;
  for (const run of runs) {
    const runDir = path.join(dir, run.key);
    idx.runs[run.key] = { ...idx.runs[run.key], dir: runDir };
    log(`\n== ${run.key} (${run.questions.join(', ')}) ==`);
    const t1 = Date.now();
    await trainStudyRun(design, run, runDir, preset, idx.data[run.data], backend, log, o.command, o.signal);
    idx.runs[run.key].trainSeconds = (idx.runs[run.key].trainSeconds ?? 0) + (Date.now() - t1) / 1000;
    save();
    const mf = path.join(runDir, 'metrics.json');
    const done = fs.existsSync(mf) && (readJson<{ eval?: { n?: number; requestedN?: number } }>(mf, 'run metrics').eval?.requestedN === idx.n);
    if (!done) {
      const t2 = Date.now();
      await evaluateRun(runDir, { n: idx.n, classifier, log });
      idx.runs[run.key].evalSeconds = (Date.now() - t2) / 1000;
    }
    idx.seconds = prior + (Date.now() - t0) / 1000;
    save();
  }
  const present = design.runs.filter((r) => idx.runs[r.key] && fs.existsSync(path.join(idx.runs[r.key].dir, 'config.json')));
  const rows = present.map((r) => studyRow(r, idx.runs[r.key].dir));
  const metricRows = Object.fromEntries(present.map((r) => [r.key, runRow(idx.runs[r.key].dir) as MetricRow]));
  const verdicts = studyVerdicts(metricRows, design.emotion);
  const table = aq.from(rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? round(v) : v]))));
  idx.seconds = prior + (Date.now() - t0) / 1000;
  save();
  const command = `npm run experiment -- study-questions --preset ${preset} --celeba ${idx.data.celeba} --fer ${idx.data.fer2013}`;
  const files = { md: path.join(dir, 'study.md'), csv: path.join(dir, 'study.csv'), json: path.join(dir, 'verdicts.json') };
  writeFileAtomic(files.md, studyMarkdown(design, preset, table, verdicts, idx, command));
  writeFileAtomic(files.csv, table.toCSV());
  writeJsonAtomic(files.json, { preset, scale: design.scales[preset].scale, verdicts, rows });
  await compareRuns(present.map((r) => idx.runs[r.key].dir), path.join(dir, 'compare'), { title: `study questions (${preset})` });
  for (const v of verdicts) log(v.text);
  log(`study table: ${files.md} (${(idx.seconds / 60).toFixed(1)} min)`);
  return { dir, runDirs: Object.fromEntries(present.map((r) => [r.key, idx.runs[r.key].dir])), verdicts, files, seconds: idx.seconds };
}

/** The scale caveat of a preset, relative to the paper preset's training length. */
function caveat(design: StudyDesign, preset: StudyPreset): string {
  if (preset === 'paper') return 'one seed per run; differences of a few percent are within noise';
  const p = design.scales.paper, s = design.scales[preset];
  const ratio = (p.steps * p.batchSize) / (s.steps * s.batchSize);
  return `at this scale (${s.scale}) the runs show how fast each setting starts to learn, not where it ends; the paper preset ` +
    `trains on ${Math.round(ratio)}x more images. One seed per run. Rerun with \`--preset paper\` for the study's scale`;
}

function round(v: number): number {
  return Math.abs(v) >= 100 ? Math.round(v * 10) / 10 : Math.round(v * 1000) / 1000;
}
