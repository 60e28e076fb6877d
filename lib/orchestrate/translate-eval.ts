/**
 * `npm run evaluate -- RUN_DIR` for a translator run (or an installed translator folder): FER2013
 * test faces (default all 3,589 PrivateTest; --n takes a seeded subset), every face to each of the
 * 7 expressions and to its own, judged by the shipped classifier (edit-metrics.ts). Writes
 * RUN_DIR/metrics.json (flat `edit_*` numbers for `npm run compare`, and the full record under
 * `edits`) and RUN_DIR/edit-metrics.md. `evaluateInversionEdits` measures the same numbers for a
 * class-conditional run's inversion path, so compare can show both methods side by side.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as crypto from 'crypto';
import { loadFer2013 } from '../data';
import { ImageSet, EMOTIONS } from '../data/types';
import { resolveDataPath } from '../runs/dataset';
import { writeJsonAtomic, writeFileAtomic, readJson } from '../io/files';
import { loadTranslator, LoadedTranslator } from '../edit/translator-model';
import { translateImages } from '../models/translator-apply';
import { residualLayer } from '../models/translator-residual';
import { FerClassifier, classify } from '../eval/classifier';
import { EditImages, EditMetrics, editMetrics, editMetricsMarkdown, flatEditMetrics } from '../eval/edit-metrics';
import { loadConditionalRun } from '../runs/load-conditional';
import { loadIdentityModel, embedFaces, cosine } from '../eval/identity';
import { editFaces } from '../edit/edit-faces';
import { faceFromBytes } from '../edit/face-image';
import { highFrequencyShare } from '../eval/spectrum';
import { fingerprints } from '../train/translate-classifier';

/** Images per set the checkerboard check looks at (a DFT per image; the first N edits and faces). */
const SPECTRUM_IMAGES = 2000;
/**
 * Its band: max(|u|, |v|) >= this share of the Nyquist frequency. 1 = the Nyquist lines themselves, where a
 * stride-2 transposed conv's period-2 pattern lies: the shipped v1's edits carry 3.8x the real faces' share
 * there (0.49% vs 0.13%, 60 PrivateTest faces), but only 1.08x over the wider band >= 0.75 (blur offsets it).
 */
const SPECTRUM_BAND = 1;

/** The checkerboard check (lib/eval/spectrum.ts): high-frequency share of the edits vs the real faces. */
export function editSpectrum(im: EditImages): { edits: number; real: number; ratio: number; band: number; images: number } {
  const k = EMOTIONS.length;
  const n = im.labels.length;
  const sz = { height: im.size, width: im.size, channels: im.channels };
  const edits = highFrequencyShare({ data: im.edits, n: n * k, ...sz }, SPECTRUM_BAND, SPECTRUM_IMAGES);
  const real = highFrequencyShare({ data: im.inputs, n, ...sz }, SPECTRUM_BAND, SPECTRUM_IMAGES);
  return { edits, real, ratio: real > 0 ? edits / real : NaN, band: SPECTRUM_BAND, images: Math.min(SPECTRUM_IMAGES, n * k) };
}

export interface EditEvalOptions {
  /** Faces (seeded subset of the split); default all. */
  n?: number;
  seed?: number;
  /** FER2013 folder or csv; default the run's data path, else $FACEGAN_FER2013, else the bundled sample. */
  dataPath?: string;
  /** FER2013 split of the faces (default PrivateTest). */
  split?: 'PrivateTest' | 'PublicTest' | 'test';
  classifier: FerClassifier;
  /** Identity embedding folder (default models/identity-embed; absent: identity not measured). */
  identityDir?: string;
  log?: (line: string) => void;
}

/** The evaluation faces: a split of FER2013, optionally a seeded subset. */
export async function evaluationFaces(dataPath: string, o: Pick<EditEvalOptions, 'n' | 'seed' | 'split'>): Promise<ImageSet> {
  return loadFer2013({ path: dataPath, split: o.split ?? 'PrivateTest', limit: o.n, seed: o.seed ?? 0 });
}

/** --data, else the run's dataset (config.json at `source`, or above it for best/ and snapshots/step-N/), else the default. */
export function dataPathFor(source: string, explicit?: string): string {
  if (explicit) return path.resolve(explicit);
  for (const cfg of [path.join(source, 'config.json'), path.join(source, '..', 'config.json'), path.join(source, '..', '..', 'config.json')]) {
    if (!fs.existsSync(cfg)) continue;
    const p = readJson<{ data?: { path?: string } }>(cfg, 'run config').data?.path;
    if (p && fs.existsSync(p)) return p;
    break;
  }
  return resolveDataPath({ kind: 'fer2013', split: 'test', emotions: 'all' }).path;
}

async function judge(clf: FerClassifier, data: Uint8Array, n: number, size: number): Promise<Float32Array> {
  return (await classify(clf, { data, n, height: size, width: size, channels: 1 })).probs;
}

/** Edits `faces` with the translator: reconstructions (own label) and every target. */
export async function translatorEditImages(T: LoadedTranslator, faces: ImageSet): Promise<EditImages> {
  const k = T.spec.labels.length;
  const own = await translateImages(T.G, faces, Array.from(faces.labels!, (l, i) => ({ face: i, target: l })), k);
  const all = await translateImages(T.G, faces, Array.from({ length: faces.n * k }, (_, j) => ({ face: Math.floor(j / k), target: j % k })), k);
  return { size: T.spec.size, channels: T.spec.channels, inputs: faces.data, labels: faces.labels!, reconstructions: own.images.data, edits: all.images.data };
}

async function measure(im: EditImages, clf: FerClassifier, identityDir?: string): Promise<EditMetrics> {
  const n = im.labels.length;
  const k = EMOTIONS.length;
  const pr = await judge(clf, im.inputs, n, im.size);
  const pe = await judge(clf, im.edits, n * k, im.size);
  const m = editMetrics(im, pr, pe);
  const id = await loadIdentityModel(identityDir);
  if (!id) return { ...m, identity: null };
  try {
    const sz = { height: im.size, width: im.size };
    const ein = await embedFaces(id.net, { data: im.inputs, n, ...sz });
    const erec = await embedFaces(id.net, { data: im.reconstructions, n, ...sz });
    const eed = await embedFaces(id.net, { data: im.edits, n: n * k, ...sz });
    let sEdit = 0, cEdit = 0, sRec = 0, sDiff = 0;
    for (let i = 0; i < n; i++) {
      sRec += cosine(ein.data, i, erec.data, i, ein.d);
      if (n > 1) sDiff += cosine(ein.data, i, ein.data, (i + 1) % n, ein.d);
      for (let t = 0; t < k; t++) {
        if (t === im.labels[i]) continue;
        sEdit += cosine(ein.data, i, eed.data, i * k + t, ein.d);
        cEdit++;
      }
    }
    const num = (v: unknown) => (typeof v === 'number' ? v : null);
    return {
      ...m,
      identity: {
        similarity: sEdit / cEdit, similarity_reconstruction: sRec / n, different_faces: n > 1 ? sDiff / n : NaN,
        verification_auc: num(id.metrics?.verification_auc), same_person: num(id.metrics?.same_mean), different_person: num(id.metrics?.diff_mean), model: id.dir,
      },
    };
  } finally {
    id.net.dispose();
  }
}

function record(dir: string, m: EditMetrics, extra: Record<string, unknown>, title: string): { file: string; md: string } {
  const file = path.join(dir, 'metrics.json');
  const prev = fs.existsSync(file) ? readJson<Record<string, unknown>>(file, 'run metrics') : {};
  writeJsonAtomic(file, { ...prev, ...flatEditMetrics(m), edits: { ...m, ...extra } });
  const md = path.join(dir, 'edit-metrics.md');
  writeFileAtomic(md, editMetricsMarkdown(m, title));
  return { file, md };
}

/**
 * Evaluation honesty (issue #23): a translator trained against a frozen loss classifier (v2) is never judged by
 * that classifier. Its run's config.json (at `source`, or above it for the chosen snapshot best/ and the scored
 * snapshots/step-N/) records the loss classifier's weights fingerprint (each member's, for an ensemble); the judging
 * classifier must not have those weights.
 */
export function refuseLossClassifierAsJudge(source: string, judgeDir: string): void {
  for (const cfg of [path.join(source, 'config.json'), path.join(source, '..', 'config.json'), path.join(source, '..', '..', 'config.json')]) {
    if (!fs.existsSync(cfg)) continue;
    type Rec = { sha256: string; dir: string; members?: { sha256: string }[] };
    const rec = readJson<{ kind?: string; lossClassifier?: Rec; choiceClassifier?: Rec }>(cfg, 'run config');
    if (rec.kind !== 'translator' || !judgeDir) return;
    const w = path.join(judgeDir, 'weights.bin');
    if (!fs.existsSync(w)) return;
    const judge = crypto.createHash('sha256').update(fs.readFileSync(w)).digest('hex');
    const seen: [Rec | undefined, string][] = [[rec.lossClassifier, 'the loss classifier the translator was trained against'], [rec.choiceClassifier, "the classifier that chose the translator's checkpoint"]];
    for (const [r, what] of seen) {
      if (r && fingerprints(r).includes(judge)) {
        throw new Error(`refusing to evaluate ${source} with ${judgeDir}: that is ${what} (${r.dir}); use the evaluation classifier (models/fer-classifier)`);
      }
    }
    return;
  }
}

/** Evaluates a translator run (or installed folder) and writes its metrics.json and edit-metrics.md. */
export async function evaluateTranslator(source: string, o: EditEvalOptions): Promise<{ metrics: EditMetrics; file: string; md: string }> {
  const log = o.log ?? (() => {});
  refuseLossClassifierAsJudge(source, o.classifier.dir);
  const dataPath = dataPathFor(source, o.dataPath);
  const faces = await evaluationFaces(dataPath, o);
  log(`${source}: ${faces.n} faces (${faces.name}) x ${EMOTIONS.length + 1} renderings with the translator`);
  const T = await loadTranslator(source);
  try {
    const t0 = Date.now();
    const im = await translatorEditImages(T, faces);
    const seconds = (Date.now() - t0) / 1000;
    const m = await measure(im, o.classifier, o.identityDir);
    const spectrum = editSpectrum(im);
    log(`checkerboard check: high-frequency share of the edits ${(100 * spectrum.edits).toFixed(3)}% vs real faces ${(100 * spectrum.real).toFixed(3)}% (x${spectrum.ratio.toFixed(2)})`);
    // a chosen or scored snapshot (best/, snapshots/step-N/) records its step: install and export check best/'s reports by it
    const chosen = fs.existsSync(path.join(source, 'translator.json'))
      ? readJson<{ chosen?: { step?: number } }>(path.join(source, 'translator.json'), 'translator record').chosen : undefined;
    const gain = residualLayer(T.G)?.gain ?? 1;
    const r = record(source, m, { spectrum, method: 'translate', ...(chosen?.step !== undefined ? { snapshot_step: chosen.step } : {}), gain, faces: faces.name, data: dataPath, classifier: o.classifier.dir, model: T.source, seconds_editing: seconds, evaluated_at: new Date().toISOString() }, `Translator edits (${T.name}${gain !== 1 ? `, residual gain ${gain}` : ''})`);
    fs.appendFileSync(r.md, `\nCheckerboard check (high-frequency share of the spectrum, max(|u|,|v|) >= ${spectrum.band} x Nyquist, first ${spectrum.images} images): edits ${(100 * spectrum.edits).toFixed(3)}%, real faces ${(100 * spectrum.real).toFixed(3)}%, ratio ${spectrum.ratio.toFixed(2)}\n`);
    return { metrics: m, ...r };
  } finally {
    T.G.dispose();
  }
}

/**
 * The same numbers for a class-conditional run's inversion path (edit-faces.ts): each face is
 * inverted under its own label (`steps` Adam steps), then rendered under every expression.
 * Much slower than the translator (an optimisation per face), hence its own smaller default n.
 */
export async function evaluateInversionEdits(runDir: string, o: EditEvalOptions & { steps?: number; chunk?: number }): Promise<{ metrics: EditMetrics; file: string; md: string }> {
  const log = o.log ?? (() => {});
  const dataPath = dataPathFor(runDir, o.dataPath);
  const faces = await evaluationFaces(dataPath, o);
  const run = await loadConditionalRun(runDir, '`npm run evaluate -- --edits`');
  const spec = run.spec;
  const k = spec.classes;
  const px = spec.size * spec.size * spec.channels;
  const rec = new Uint8Array(faces.n * px);
  const edits = new Uint8Array(faces.n * k * px);
  const chunk = o.chunk ?? 64;
  try {
    for (let i = 0; i < faces.n; i += chunk) {
      const idx = Array.from({ length: Math.min(chunk, faces.n - i) }, (_, j) => i + j);
      const fs_ = idx.map((j) => faceFromBytes(faces.data.subarray(j * px, (j + 1) * px), spec, faces.sources?.[j] ?? `#${j}`));
      const r = await editFaces(run.G, spec, fs_, { to: spec.classNames.map((_, t) => t), from: idx.map((j) => faces.labels![j]), invert: { steps: o.steps ?? 300, seed: o.seed ?? 0 } });
      r.faces.forEach((f, j) => {
        rec.set(f.images.reconstruction, (i + j) * px);
        f.images.edits.forEach((e, t) => edits.set(e, ((i + j) * k + t) * px));
      });
      log(`inversion: ${Math.min(i + chunk, faces.n)}/${faces.n} faces`);
    }
  } finally {
    run.G.dispose();
  }
  const m = await measure({ size: spec.size, channels: spec.channels, inputs: faces.data, labels: faces.labels!, reconstructions: rec, edits }, o.classifier, o.identityDir);
  const r = record(runDir, m, { method: 'invert', steps: o.steps ?? 300, faces: faces.name, data: dataPath, classifier: o.classifier.dir, evaluated_at: new Date().toISOString() }, `Conditional DCGAN inversion edits (${path.basename(runDir)})`);
  return { metrics: m, ...r };
}
