/**
 * Notebook 05 (expression editing) in a few calls: same-face grids of a conditional run, editing
 * FER2013 test faces of every emotion, the table of reconstruction errors and verdicts, and the
 * per-emotion hit-rate. Part of the notebook API (`fg.showSameFace`, `fg.editTestFaces`, ...),
 * notebooks/api/api.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadFer2013 } from '../../data';
import { resolveDataPath } from '../../runs/dataset';
import { readRunConfig } from '../../runs/run-dir';
import { writeFileAtomic, writeJsonAtomic } from '../../io/files';
import { generateSameFace, sameFaceGridPng } from '../../sample/conditional';
import { Rng } from '../../rng';
import { labelledGridPng } from '../../viz/labelled';
import { showPng, showMarkdown, showTable } from './show';
import { glue } from '../runner/scrap';
import { conditionalSpecOf, loadConditionalRun } from '../../runs/load-conditional';
import { FaceImage, faceFromBytes } from '../../edit/face-image';
import { editFaces, EditResult, FaceEdit } from '../../edit/edit-faces';
import { loadJudge } from '../../eval/judge';
import { evaluateConditionalRun } from '../../eval/hit-rate';

/** Shows the run's final same-face grid (from training) and a fresh one from `rows` new noise vectors. */
export async function showSameFace(runDir: string, opts: { rows?: number; seed?: number } = {}): Promise<void> {
  const spec = conditionalSpecOf(runDir, readRunConfig(runDir), 'showSameFace');
  const final = path.join(runDir, 'samples', 'same-face-final.png');
  if (fs.existsSync(final)) showPng(fs.readFileSync(final), { alt: 'same-face grid of the fixed noise (end of training)' });
  const run = await loadConditionalRun(runDir);
  try {
    const rows = opts.rows ?? 6;
    const imgs = await generateSameFace(run.G, spec, new Rng(opts.seed ?? 1).normals(rows * spec.nz), rows);
    const png = sameFaceGridPng(imgs, spec, `new noise (seed ${opts.seed ?? 1}): one row per face, one column per expression`);
    writeFileAtomic(path.join(runDir, 'samples', 'same-face-new-noise.png'), png);
    showPng(png, { alt: 'same-face grid from new noise' });
  } finally {
    run.G.dispose();
  }
}

/**
 * `perEmotion` FER2013 test faces of each class in `classNames` (a seeded pick per class: seed + class
 * index), named "<emotion>: <file>", with their dataset labels (indices into classNames).
 */
export async function loadTestFaces(
  dataDir: string,
  classNames: readonly string[],
  perEmotion: number,
  seed: number,
  spec: Parameters<typeof faceFromBytes>[1],
): Promise<{ faces: FaceImage[]; truth: number[] }> {
  if (!Number.isInteger(perEmotion) || perEmotion < 1) throw new Error(`perEmotion: expected a whole number >= 1, got ${perEmotion}`);
  const faces: FaceImage[] = [];
  const truth: number[] = [];
  for (let c = 0; c < classNames.length; c++) {
    const set = await loadFer2013({ path: dataDir, split: 'test', emotions: [classNames[c] as never], limit: perEmotion, seed: seed + c });
    const px = set.height * set.width * set.channels;
    for (let i = 0; i < set.n; i++) {
      faces.push(faceFromBytes(set.data.subarray(i * px, (i + 1) * px), spec, `${classNames[c]}: ${path.basename(set.sources?.[i] ?? `test image ${i}`)}`));
      truth.push(c);
    }
  }
  return { faces, truth };
}

export interface EditTestFacesOptions {
  runDir: string;
  /** FER2013 folder with the test split (null: the run's data, else $FACEGAN_FER2013, else the bundled sample). */
  dataDir?: string | null;
  /** Test faces per emotion (default 1). */
  perEmotion?: number;
  steps?: number;
  tune?: number;
  seed?: number;
  /** Where the picture and report go (default RUN_DIR/edits). */
  outDir?: string | null;
}

/**
 * Edits `perEmotion` FER2013 test faces of each emotion to every expression, shows one picture
 * (a row per face: input, reconstruction, the seven edits labelled with the classifier's verdict)
 * and writes it with a JSON report into outDir. Returns the edit result.
 */
export async function editTestFaces(o: EditTestFacesOptions): Promise<EditResult> {
  const config = readRunConfig(o.runDir);
  const spec = conditionalSpecOf(o.runDir, config, 'editTestFaces');
  const dataDir = o.dataDir ?? (fs.existsSync(config.data.path) ? config.data.path : resolveDataPath({ kind: 'fer2013', split: 'test', emotions: 'all' }).path);
  const per = o.perEmotion ?? 1;
  const seed = o.seed ?? 0;
  const { faces, truth } = await loadTestFaces(dataDir, spec.classNames, per, seed, spec);
  const run = await loadConditionalRun(o.runDir);
  const { judge, reason } = await loadJudge();
  try {
    showMarkdown(
      `Editing ${faces.length} FER2013 test faces (${per} per emotion) from \`${dataDir}\`: ${o.steps ?? 300} inversion steps on z` +
        `${o.tune ? `, then ${o.tune} steps fine-tuning G` : ''}; classifier: ${judge ? `\`${judge.dir}\`` : reason}.`,
    );
    const r = await editFaces(run.G, spec, faces, {
      to: spec.classNames.map((_, i) => i),
      from: truth, // the dataset's label of each test face
      invert: { steps: o.steps ?? 300, seed, fineTune: o.tune ? { steps: o.tune } : null, logEvery: 50 },
      judge,
    });
    const outDir = path.resolve(o.outDir ?? path.join(o.runDir, 'edits'));
    fs.mkdirSync(outDir, { recursive: true });
    const png = editGridPng(r, spec.classNames);
    writeFileAtomic(path.join(outDir, 'test-faces.png'), png);
    writeJsonAtomic(path.join(outDir, 'test-faces.json'), {
      run: o.runDir, checkpoint: run.checkpoint, dataDir, perEmotion: per, steps: o.steps ?? 300, tune: o.tune ?? 0, seed,
      classifier: judge ? judge.dir : reason, faces: r.faces.map(({ images: _i, ...f }) => f), history: r.inversion.history,
    });
    showPng(png, { alt: 'expression edits of FER2013 test faces' });
    glue('edits', path.join(outDir, 'test-faces.json'));
    return r;
  } finally {
    judge?.dispose();
    run.G.dispose();
  }
}

/**
 * One row per face: input, reconstruction (unless `reconstruction: false`), then one edit per class,
 * with the classifier's verdict under each edit ("yes 87%": it agrees, with p(target); else what it
 * sees). The inversion path and the translator (whose edit to the face's own expression is its
 * reconstruction) draw their results with it.
 */
export function editGridPng(
  r: Pick<EditResult, 'faces' | 'size' | 'channels'>,
  classNames: readonly string[],
  opts: { reconstruction?: boolean; title?: string } = {},
): Buffer {
  const withRec = opts.reconstruction ?? true;
  const px = r.size * r.size * r.channels;
  const lead = withRec ? 2 : 1;
  const cols = lead + classNames.length;
  const data = new Uint8Array(r.faces.length * cols * px);
  const cellLabels: string[] = [];
  r.faces.forEach((f, i) => {
    [f.images.input, ...(withRec ? [f.images.reconstruction] : []), ...f.images.edits].forEach((im, j) => data.set(im, (i * cols + j) * px));
    cellLabels.push(`(${f.from.cls})`, ...(withRec ? [`PSNR ${f.reconstruction.psnr.toFixed(1)}`] : []));
    for (const e of f.edits) cellLabels.push(e.verdict ? `${e.verdict.hit ? 'yes' : e.verdict.predicted} ${Math.round(e.verdict.pTarget * 100)}%` : '');
  });
  const judged = r.faces.some((f) => f.edits.some((e) => e.verdict));
  const verdicts = judged ? ' (under each edit: the classifier agrees, or what it sees, and p(target))' : ' (classifier not available)';
  return labelledGridPng(
    { data, n: r.faces.length * cols, height: r.size, width: r.size, channels: r.channels },
    {
      cols,
      colLabels: ['input', ...(withRec ? ['reconstr.'] : []), ...classNames],
      rowLabels: r.faces.map((f) => f.file.split(':')[0]),
      ...(judged ? { cellLabels } : { cellLabels: cellLabels.map((l, k) => (k % cols < lead ? l : '')) }),
      title: `${opts.title ?? 'Same z, new expression'}${verdicts}`,
    },
  );
}

/** Shows one row per face and edit: reconstruction error, verdict, and change outside the brow/mouth regions. */
export function showEditTable(r: EditResult): void {
  const rows = r.faces.flatMap((f) =>
    f.edits.map((e) => ({
      face: f.file,
      from: `${f.from.cls} (${f.from.source})`,
      psnr_db: round(f.reconstruction.psnr, 1),
      to: e.to,
      classifier: e.verdict ? (e.verdict.hit ? 'agrees' : e.verdict.predicted) : 'not available',
      p_target: e.verdict ? round(e.verdict.pTarget, 2) : null,
      change_brows_mouth_pct: round(e.change.inside * 100, 1),
      change_elsewhere_pct: round(e.change.outside * 100, 1),
    })),
  );
  showTable(rows, 'Edits: reconstruction quality, classifier verdict, and how much changed inside vs outside the brow/mouth regions');
  showMarkdown(editSummaryMarkdown(r.faces));
}

/**
 * One line on a set of edits: how many went to another expression, the mean change inside and
 * outside the brow/mouth regions, the mean reconstruction PSNR, and how often the classifier agrees.
 */
export function editSummaryMarkdown(faces: readonly FaceEdit[]): string {
  const edits = faces.flatMap((f) => f.edits.filter((e) => e.to !== f.from.cls));
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
  const hits: number[] = edits.filter((e) => e.verdict).map((e) => (e.verdict!.hit ? 1 : 0));
  return (
    `**${edits.length} edits** (to another expression): mean change in brows/mouth ${(mean(edits.map((e) => e.change.inside)) * 100).toFixed(1)}%, ` +
    `elsewhere ${(mean(edits.map((e) => e.change.outside)) * 100).toFixed(1)}% of the grey range; ` +
    `mean reconstruction PSNR ${mean(faces.map((f) => f.reconstruction.psnr)).toFixed(1)} dB` +
    (hits.length ? `; the classifier agrees with ${hits.reduce((a, b) => a + b, 0)} of ${hits.length} edits.` : '; classifier not available.')
  );
}

/** Computes (and records in metrics.json) the per-emotion hit-rate and shows it, or says why not. */
export async function showHitRates(runDir: string, opts: { nPerClass?: number; dataDir?: string | null } = {}): Promise<void> {
  const r = await evaluateConditionalRun(runDir, { nPerClass: opts.nPerClass ?? 200, dataPath: opts.dataDir ?? undefined, log: () => {} });
  if (!r.values) return showMarkdown(`*Hit-rate per target emotion skipped: ${r.note}.*`);
  showTable(
    r.perClass.map((p) => ({ emotion: p.emotion, generated_hit_rate: round(p.hitRate, 3), mean_p_target: round(p.pTarget, 3), real_test_faces_hit_rate: p.realHitRate === null ? null : round(p.realHitRate, 3) })),
    'Expression hit-rate per target emotion: generated images vs real test faces (the classifier\'s ceiling)',
  );
}

function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}
