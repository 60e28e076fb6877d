/**
 * Notebook 05's translator part: the expression translator (`fer-translate`, the default editor of
 * `npm run edit`) on FER2013 test faces of every emotion, and its measured numbers. Part of the
 * notebook API (`fg.translateTestFaces`, `fg.showTranslatorMetrics`, notebooks/api/api.ts).
 *
 * `translator` is a translator run folder (its latest checkpoint), an installed model folder
 * (model.json, weights.bin, translator.json, metrics.json), or null for the shipped one
 * (models/fer-translate/, $FACEGAN_TRANSLATOR). When there is none the views show how to train or
 * install one and return null, so the notebook goes on.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readJson, writeFileAtomic, writeJsonAtomic } from '../../io/files';
import { latestCheckpoint } from '../../train/checkpoint';
import { resolveDataPath } from '../../runs/dataset';
import { newRunDir } from '../../runs/run-dir';
import { DEFAULT_TRANSLATOR_DIR, isTranslateConfig, readTranslateConfig } from '../../runs/translate-config';
import { REPO_ROOT } from '../../runs/versions';
import { loadTranslator } from '../../edit/translator-model';
import { editWithTranslator } from '../../edit/translate-edit';
import type { FaceEdit } from '../../edit/edit-faces';
import { loadJudge } from '../../eval/judge';
import { EDIT_TARGETS, EditMetrics, editMetricsMarkdown } from '../../eval/edit-metrics';
import { glue } from '../runner/scrap';
import { pngSize, showMarkdown, showPng } from './show';
import { editGridPng, editSummaryMarkdown, loadTestFaces } from './edit-views';

/** A translator found on disk: a run folder (its latest checkpoint) or an installed model folder. */
export interface TranslatorLocation {
  dir: string;
  kind: 'run' | 'model';
}

/** Where the translator is, or why there is none (`missing`: the folder and the reason). */
export function findTranslator(translator?: string | null): TranslatorLocation | { dir: string; missing: string } {
  const dir = path.resolve(translator ?? DEFAULT_TRANSLATOR_DIR);
  const shown = path.relative(REPO_ROOT, dir).startsWith('..') ? dir : path.relative(REPO_ROOT, dir) || '.';
  if (!fs.existsSync(dir)) {
    return { dir, missing: translator ? `\`${shown}\` does not exist` : `nothing is installed in \`${shown}/\` yet` };
  }
  if (fs.existsSync(path.join(dir, 'config.json'))) {
    const config = readJson<unknown>(path.join(dir, 'config.json'), 'run config');
    if (!isTranslateConfig(config)) readTranslateConfig(dir); // throws, naming what the folder is instead
    let ckpt: string | null;
    try {
      ckpt = latestCheckpoint(dir, () => {});
    } catch (e) {
      return { dir, missing: (e as Error).message };
    }
    if (!ckpt) return { dir, missing: `the run \`${shown}\` has no checkpoint yet (train it first)` };
    return { dir, kind: 'run' };
  }
  for (const f of ['model.json', 'translator.json']) {
    if (!fs.existsSync(path.join(dir, f))) return { dir, missing: `\`${shown}\` holds no ${f} (neither a translator run nor an installed translator)` };
  }
  return { dir, kind: 'model' };
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const readIf = <T>(file: string, what: string): T | null => (fs.existsSync(file) ? readJson<T>(file, what) : null);

/** The shipped translator's record (metrics.json, written at install): how long its run trained. */
export const SHIPPED_TRANSLATOR_METRICS = path.join(REPO_ROOT, 'models', 'fer-translate', 'metrics.json');

/**
 * How long the paper preset took, from a translator's install record (`metrics.json`: `preset` and
 * `training` {steps, trainSeconds}), e.g. "10,000 iterations in 81 min (2.06 it/s)"; null when the
 * file is missing, unreadable or not a completed paper run's.
 */
export function paperPresetTime(metricsFile = SHIPPED_TRANSLATOR_METRICS): string | null {
  let m: { preset?: unknown; training?: { steps?: unknown; trainSeconds?: unknown; status?: unknown } } | null;
  try {
    m = readIf(metricsFile, 'translator metrics');
  } catch {
    return null; // a damaged record: the note points to the docs instead
  }
  const steps = num(m?.training?.steps);
  const seconds = num(m?.training?.trainSeconds);
  if (m?.preset !== 'paper' || m.training?.status !== 'completed' || !steps || !seconds) return null;
  return `${steps.toLocaleString('en-US')} iterations in ${Math.round(seconds / 60)} min (${(steps / seconds).toFixed(2)} it/s)`;
}

/** The markdown note of a notebook section that has no translator to show. */
export function noTranslatorNote(missing: string, paperTime = paperPresetTime()): string {
  const took = paperTime
    ? `the paper preset: ${paperTime} for the shipped translator, as its \`models/fer-translate/metrics.json\` records`
    : 'the paper preset: docs/editing.md gives its measured time';
  return (
    `**No expression translator found** (${missing}), so this part is skipped; the rest of the notebook does not need it.\n\n` +
    `Train one and install it into \`models/fer-translate/\` (${took}; \`--preset quick\` takes a fraction of it; \`--preset smoke\` seconds, a try-out only):\n\n` +
    '```sh\nnpm run experiment -- fer-translate --preset paper --data /path/to/fer2013 --install\n' +
    'npm run experiment -- fer-translate --install-run results/fer-translate/<run>   # install a run trained before\n```\n\n' +
    'or set the parameter `translator` to a fer-translate run folder (`results/fer-translate/<run>`) or a model folder.'
  );
}

/** How far the translator's training got: complete, or a snapshot of an unfinished run. */
export interface TranslatorTraining {
  /** summary.json status of the run (for a model folder: as recorded at install), null when unknown. */
  status: string | null;
  /** Iterations trained, and iterations the run's settings ask for. */
  steps: number | null;
  planned: number | null;
  /** The checkpoint the weights come from (step-NNNNNNN), when known. */
  checkpoint: string | null;
  /** Status completed and steps >= planned. */
  complete: boolean;
  /** One markdown line saying which. */
  note: string;
}

/** Training status of a run folder (summary.json, config.json) or model folder (metrics.json, translator.json). */
export function translatorTraining(loc: TranslatorLocation): TranslatorTraining {
  let status: string | null;
  let steps: number | null;
  let planned: number | null;
  let checkpoint: string | null;
  if (loc.kind === 'run') {
    const summary = readIf<{ status?: string; steps?: number }>(path.join(loc.dir, 'summary.json'), 'run summary');
    status = summary?.status ?? null;
    steps = num(summary?.steps);
    planned = num(readTranslateConfig(loc.dir).settings.steps);
    const ckpt = latestCheckpoint(loc.dir, () => {});
    checkpoint = ckpt ? path.basename(ckpt) : null;
  } else {
    const m = readIf<{ training?: { status?: string; steps?: number }; checkpoint?: string }>(path.join(loc.dir, 'metrics.json'), 'translator metrics');
    const info = readJson<{ settings?: { steps?: number } }>(path.join(loc.dir, 'translator.json'), 'translator description');
    status = m?.training?.status ?? null;
    steps = num(m?.training?.steps);
    planned = num(info.settings?.steps);
    checkpoint = m?.checkpoint ?? null;
  }
  const complete = status === 'completed' && steps !== null && planned !== null && steps >= planned;
  const at = `${steps ?? '?'} of ${planned ?? '?'} iterations${checkpoint ? ` (checkpoint ${checkpoint})` : ''}`;
  const resume = loc.kind === 'run' ? `\`npm run experiment -- --resume ${loc.dir}\` continues it` : 'resume its run and install it again when it completes';
  const state = status === 'running' ? 'status `running` (still training, or stopped without a final status)' : status ? `status \`${status}\`` : 'status unknown (no summary recorded)';
  const note = complete ? `Training complete: ${at}.` : `**Interrupted snapshot, not the finished model**: training ${state} at ${at}; ${resume}.`;
  return { status, steps, planned, checkpoint, complete, note };
}

export interface TranslateTestFacesOptions {
  /** A translator run folder or model folder; null: the shipped models/fer-translate/. */
  translator?: string | null;
  /** FER2013 folder with the test split (null: the run's data, else $FACEGAN_FER2013, else the bundled sample). */
  dataDir?: string | null;
  /** Test faces per emotion (default 1). */
  perEmotion?: number;
  seed?: number;
  /** Where the picture and report go (default: a new results/translate-edits/<time>-notebook/). */
  outDir?: string | null;
}

/** What translateTestFaces returns: the edits, the translator's state, and the files it wrote. */
export interface TranslatorEditResult {
  /** The model folder or checkpoint the weights came from, and a short name. */
  translator: string;
  name: string;
  training: TranslatorTraining;
  faces: FaceEdit[];
  judgeNote: string | null;
  size: number;
  channels: 1 | 3;
  files: { png: string; json: string };
}

/**
 * Edits `perEmotion` FER2013 test faces of each emotion to all seven expressions with the translator
 * (one forward pass per face and target, editWithTranslator), shows one picture (a row per face:
 * the input, then the seven edits labelled with the classifier's verdict) and writes it with a JSON
 * report into outDir. Returns the result, or null (after a note) when no translator is found.
 */
export async function translateTestFaces(o: TranslateTestFacesOptions = {}): Promise<TranslatorEditResult | null> {
  const found = findTranslator(o.translator);
  if ('missing' in found) {
    showMarkdown(noTranslatorNote(found.missing));
    glue('translator_edits', null);
    return null;
  }
  const training = translatorTraining(found);
  const runData = found.kind === 'run' ? readTranslateConfig(found.dir).data.path : null;
  const dataDir = o.dataDir ?? (runData && fs.existsSync(runData) ? runData : resolveDataPath({ kind: 'fer2013', split: 'test', emotions: 'all' }).path);
  const per = o.perEmotion ?? 1;
  const seed = o.seed ?? 0;
  const T = await loadTranslator(found.dir);
  const { judge, reason } = await loadJudge();
  try {
    const labels = T.spec.labels;
    const { faces, truth } = await loadTestFaces(dataDir, labels, per, seed, T.spec);
    showMarkdown(
      `Translator **${T.name}** (\`${T.source}\`). ${training.note}\n\n` +
        `Editing ${faces.length} FER2013 test faces (${per} per emotion) from \`${dataDir}\` to all ${labels.length} expressions, ` +
        `one forward pass each; classifier: ${judge ? `\`${judge.dir}\`` : reason}.`,
    );
    const edited = await editWithTranslator(T, faces, labels.map((_, i) => i), { from: truth, judge });
    const result = { faces: edited, size: T.spec.size, channels: T.spec.channels };
    const png = editGridPng(result, labels, {
      reconstruction: false,
      title: `Translator ${T.name}${training.complete ? '' : ' (interrupted snapshot)'}`,
    });
    const outDir = path.resolve(o.outDir ?? newRunDir('translate-edits', 'notebook'));
    fs.mkdirSync(outDir, { recursive: true });
    const files = { png: path.join(outDir, 'translator-test-faces.png'), json: path.join(outDir, 'translator-test-faces.json') };
    writeFileAtomic(files.png, png);
    writeJsonAtomic(files.json, {
      method: 'translate', translator: T.source, name: T.name, training, dataDir, perEmotion: per, seed,
      classifier: judge ? judge.dir : reason, picture: { file: path.basename(files.png), ...pngSize(png) },
      faces: edited.map(({ images: _i, ...f }) => f),
    });
    showPng(png, { alt: 'expression edits of FER2013 test faces by the translator' });
    showMarkdown(`${editSummaryMarkdown(edited)} In each row the column of the face's own expression is G(face, own expression), the reconstruction.`);
    glue('translator_edits', files.json);
    return { translator: T.source, name: T.name, training, ...result, judgeNote: judge ? null : reason, files };
  } finally {
    judge?.dispose();
    T.G.dispose();
  }
}

/** What showTranslatorMetrics found: the training state and the evaluation (null: not evaluated yet). */
export interface TranslatorMetricsView {
  dir: string;
  kind: 'run' | 'model';
  training: TranslatorTraining;
  evaluation: (EditMetrics & { evaluated_at?: string; model?: string; faces?: string; classifier?: string }) | null;
}

type Evaluated = NonNullable<TranslatorMetricsView['evaluation']>;

const isEvaluation = (e: unknown): e is Evaluated => !!e && typeof e === 'object' && Array.isArray((e as EditMetrics).hit) && Array.isArray((e as EditMetrics).classes);

/**
 * The evaluation recorded for a translator (`npm run evaluate`, lib/orchestrate/translate-eval.ts):
 * a run folder's metrics.json `edits`; a model folder's metrics.json `evaluation.edits` (the run's,
 * copied at install) or its own `edits` (the folder evaluated directly), the later of the two.
 */
export function translatorEvaluation(loc: TranslatorLocation): Evaluated | null {
  const m = readIf<{ edits?: unknown; evaluation?: { edits?: unknown } | null }>(path.join(loc.dir, 'metrics.json'), 'translator metrics');
  if (!m) return null;
  const found = [m.edits, loc.kind === 'model' ? m.evaluation?.edits : undefined].filter(isEvaluation);
  if (found.length === 0) return null;
  return found.sort((a, b) => String(b.evaluated_at ?? '').localeCompare(String(a.evaluated_at ?? '')))[0];
}

/**
 * Shows the translator's measured numbers: whether its training is complete (or an interrupted
 * snapshot), then the per-target table of the evaluation (edit-metrics.ts's markdown: hit share vs
 * the classifier's recall on real faces, ratio, macro ratio vs 0.8, PSNR vs 30 dB, change inside /
 * outside the regions, identity) with the targets met or missed; or a note when not evaluated yet.
 */
export function showTranslatorMetrics(translator?: string | null): TranslatorMetricsView | null {
  const found = findTranslator(translator);
  if ('missing' in found) {
    showMarkdown(noTranslatorNote(found.missing));
    return null;
  }
  const training = translatorTraining(found);
  const evaluation = translatorEvaluation(found);
  const view: TranslatorMetricsView = { dir: found.dir, kind: found.kind, training, evaluation };
  glue('translator', { dir: found.dir, kind: found.kind, complete: training.complete, steps: training.steps, planned: training.planned, ratio_macro: evaluation?.ratio_macro ?? null, rec_psnr: evaluation?.rec_psnr ?? null });
  if (!evaluation) {
    const evalDir = found.kind === 'run' ? found.dir : '<its run folder>';
    showMarkdown(
      `${training.note}\n\n*Not evaluated yet*: no edit metrics in \`${path.join(found.dir, 'metrics.json')}\`. ` +
        `\`npm run evaluate -- ${evalDir}\` measures it on all 3,589 FER2013 PrivateTest faces (\`--n 500\` for a quicker subset)` +
        (found.kind === 'model' ? ', then `npm run experiment -- fer-translate --install-run <its run folder>` installs it with the numbers.' : '.'),
    );
    return view;
  }
  const met = (ok: boolean) => (ok ? '**met**' : '**not met**');
  const fmt = (v: number | null | undefined, d: number) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : 'n/a');
  const ratio = num(evaluation.ratio_macro);
  const psnr = num(evaluation.rec_psnr);
  const current = training.checkpoint && evaluation.model && !evaluation.model.includes(training.checkpoint) && found.kind === 'run'
    ? `\n\n*The evaluation was made on \`${evaluation.model}\`; the run's latest checkpoint is ${training.checkpoint}: run \`npm run evaluate -- ${found.dir}\` again for its numbers.*`
    : '';
  showMarkdown(
    `${training.note}\n\n` +
      `Targets (docs/editing.md): macro hit ratio ${fmt(ratio, 3)} vs ${EDIT_TARGETS.ratioMacro}: ${met(ratio !== null && ratio >= EDIT_TARGETS.ratioMacro)}` +
        (num(evaluation.ratio_macro_capped) !== null ? ` (each target's ratio capped at 1: ${fmt(evaluation.ratio_macro_capped, 3)})` : '') + '; ' +
      `reconstruction PSNR ${fmt(psnr, 2)} dB vs ${EDIT_TARGETS.recPsnr} dB: ${met(psnr !== null && psnr >= EDIT_TARGETS.recPsnr)}.` +
      (evaluation.evaluated_at ? ` Evaluated ${evaluation.evaluated_at}${evaluation.faces ? ` on ${evaluation.faces}` : ''}.` : '') +
      current,
  );
  showMarkdown(editMetricsMarkdown(evaluation, `Translator edits (${path.basename(found.dir)})`));
  return view;
}
