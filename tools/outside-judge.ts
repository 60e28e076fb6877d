/**
 * An outside check of whether edits read as their target expression: @vladmandic/human's emotion model (a
 * mini-Xception trained by oarriaga/face_classification on FER2013 48x48 faces, shipped inside the npm package, 64x64
 * grey input) reads the real faces and every edit of a translator, and the share of edits it reads as their target
 * is set against its recall on real faces of that expression (the same ratio as `npm run evaluate`, another judge).
 *
 * It is a second opinion for people, printed and written where asked, never a project metric: no loss, checkpoint
 * choice, metrics.json or edit-metrics.md reads it (issue #23: "no outside expression model may enter a loss, a
 * checkpoint choice or the project's own metrics"). It was trained on FER2013 itself, splits unknown, so it may have
 * seen these faces: its recall on real faces is printed beside every ratio.
 *
 *   node --import tsx tools/outside-judge.ts TRANSLATOR [--n 700] [--split PrivateTest] [--data DIR] [--gain G] [--out FILE.md]
 *
 * TRANSLATOR: a translator folder (models/fer-translate, RUN/best, RUN/snapshots/step-N). --gain: judge the residual
 * translator at another residual gain than its own (out = clip(x + gain d); lib/train/translate-gain.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import * as tf from '@tensorflow/tfjs';
import { initBackend, describeBackend } from '../lib/backend';
import { humanPackageDir, registerFileRouter } from '../lib/edit/human-node';
import { loadTranslator } from '../lib/edit/translator-model';
import { evaluationFaces, dataPathFor, translatorEditImages } from '../lib/orchestrate/translate-eval';
import { editMetrics, EditMetrics } from '../lib/eval/edit-metrics';
import { EMOTIONS } from '../lib/data';
import { withGain, gainOption } from '../lib/train/translate-gain';
import { residualLayer } from '../lib/models/translator-residual';
import { SAMPLE_DIR } from '../lib/runs/dataset';

/** Human's emotion classes, in its output order (the same as the project's EMOTIONS). */
const HUMAN_EMOTIONS = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'];

/** The emotion model's probabilities for n grey size x size uint8 faces, preprocessed as Human does (64x64, (v/255 - 0.5) * 2). */
export async function outsideProbs(model: tf.GraphModel, data: Uint8Array, n: number, size: number, batch = 256): Promise<Float32Array> {
  const out = new Float32Array(n * HUMAN_EMOTIONS.length);
  for (let i = 0; i < n; i += batch) {
    const m = Math.min(batch, n - i);
    const p = tf.tidy(() => {
      const x = tf.tensor4d(data.subarray(i * size * size, (i + m) * size * size), [m, size, size, 1], 'int32').toFloat();
      const r = tf.image.resizeBilinear(x.div(255) as tf.Tensor4D, [64, 64], false);
      return model.execute(r.sub(0.5).mul(2)) as tf.Tensor;
    });
    out.set(await p.data(), i * HUMAN_EMOTIONS.length);
    p.dispose();
  }
  return out;
}

export async function loadOutsideJudge(): Promise<tf.GraphModel> {
  registerFileRouter();
  return tf.loadGraphModel(`file://${path.join(humanPackageDir(), 'models', 'emotion.json')}`);
}

function markdown(m: EditMetrics, source: string, split: string, gain: number | null, sample: boolean): string {
  const f = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
  return [
    `## Outside judge: ${source}${gain !== null ? `, residual gain ${gain}` : ''}`,
    '',
    `${m.n} FER2013 ${split} faces${sample ? ' of the bundled sample (not the full split: pass --data)' : ''}, each edited to every other expression, read by @vladmandic/human's emotion model ` +
      '(oarriaga/face_classification mini-Xception, trained on FER2013; not a project metric, tools/outside-judge.ts).',
    '',
    '| target | edits read as target | its recall on real faces | ratio | mean p(target) |',
    '|---|---:|---:|---:|---:|',
    ...m.classes.map((c, t) => `| ${c} | ${f(m.hit[t])} | ${f(m.real[t])} | ${f(m.ratio[t])} | ${f(m.p_target[t])} |`),
    `| **macro** | ${f(m.hit_macro)} | ${f(m.real_macro)} | **${f(m.ratio_macro)}** | |`,
    `| macro, each ratio capped at 1 | | | ${f(m.ratio_macro_capped)} | |`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { n: { type: 'string' }, gain: { type: 'string' }, split: { type: 'string', default: 'PrivateTest' }, data: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string', default: '0' } },
  });
  const [source] = positionals;
  if (!source) throw new Error('usage: node --import tsx tools/outside-judge.ts TRANSLATOR [--n N] [--split PrivateTest|PublicTest] [--data DIR] [--out FILE.md]');
  const split = values.split as 'PrivateTest' | 'PublicTest';
  if (split !== 'PrivateTest' && split !== 'PublicTest') throw new Error(`--split must be PrivateTest or PublicTest, got ${split}`);
  const backend = await initBackend({});
  process.stderr.write(`backend: ${describeBackend(backend)}\n`);
  if (EMOTIONS.join() !== HUMAN_EMOTIONS.join()) throw new Error(`the project's expressions (${EMOTIONS}) are not in Human's order (${HUMAN_EMOTIONS})`);
  const judge = await loadOutsideJudge();
  const T = await loadTranslator(source);
  const dataPath = dataPathFor(source, values.data);
  const sample = path.resolve(dataPath).startsWith(path.resolve(SAMPLE_DIR));
  const faces = await evaluationFaces(dataPath, { n: values.n ? Number(values.n) : undefined, seed: Number(values.seed), split });
  process.stderr.write(`faces: ${faces.n} ${split} faces from ${dataPath}${sample ? ' (the bundled sample: give --data /path/to/fer2013 or set FACEGAN_FER2013 for the full split)' : ''}\n`);
  const gain = gainOption(T.G, values.gain);
  const im = await withGain(T.G, gain, () => translatorEditImages(T, faces));
  const k = EMOTIONS.length;
  const m = editMetrics(im, await outsideProbs(judge, im.inputs, faces.n, im.size), await outsideProbs(judge, im.edits, faces.n * k, im.size));
  const md = markdown(m, T.name, split, gain ?? residualLayer(T.G)?.gain ?? null, sample);
  process.stdout.write(md);
  if (values.out) {
    fs.mkdirSync(path.dirname(path.resolve(values.out)), { recursive: true });
    fs.writeFileSync(values.out, md);
  }
  T.G.dispose();
  judge.dispose();
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  });
}
