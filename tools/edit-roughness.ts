/**
 * How finely drawn a translator's edits are: for each target, the change c = edit - input (faces in [-1, 1]) as
 * TV(c) / mean(c^2), its total variation (mean squared difference of neighbouring pixels, both axes; the measure of
 * the v2k loss term) per unit of its energy. Fine patterns score high (a checkerboard 8, stripes of period 2 px 4, of
 * period 4 px 2), broad changes low (a bump exp(-(r / 8 px)^2): 0.03). Also the change's energy (how much is edited).
 * A diagnostic for people comparing translators; no loss, choice or metrics.json reads it.
 *
 *   node --import tsx tools/edit-roughness.ts TRANSLATOR [--gain G] [--n 280] [--split PublicTest] [--data DIR]
 */
import { parseArgs } from 'util';
import * as tf from '@tensorflow/tfjs';
import { initBackend, describeBackend } from '../lib/backend';
import { loadTranslator } from '../lib/edit/translator-model';
import { evaluationFaces, dataPathFor } from '../lib/orchestrate/translate-eval';
import { translateImages, U8Images } from '../lib/models/translator-apply';
import { maskTv } from '../lib/train/translate-step';
import { withGain, gainOption } from '../lib/train/translate-gain';
import { residualLayer } from '../lib/models/translator-residual';

/** Per target: TV(c) / mean(c^2) and mean(c^2) of the changes c = edit - input over all faces (edits face-major: face i, target t at i * k + t). */
export function editRoughness(inputs: U8Images, edits: Uint8Array, classes: number): { roughness: number[]; energy: number[] } {
  const { n, height: h, width: w } = inputs;
  const px = h * w * inputs.channels;
  const roughness: number[] = [], energy: number[] = [];
  for (let t = 0; t < classes; t++) {
    const e = new Uint8Array(n * px);
    for (let i = 0; i < n; i++) e.set(edits.subarray((i * classes + t) * px, (i * classes + t + 1) * px), i * px);
    const [tv, en] = tf.tidy(() => {
      const c = tf.tensor4d(e, [n, h, w, inputs.channels], 'float32').sub(tf.tensor4d(inputs.data, [n, h, w, inputs.channels], 'float32')).div(127.5) as tf.Tensor4D;
      return [maskTv(c).dataSync()[0], c.square().mean().dataSync()[0]];
    });
    roughness.push(en > 0 ? tv / en : NaN);
    energy.push(en);
  }
  return { roughness, energy };
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { gain: { type: 'string' }, n: { type: 'string', default: '280' }, split: { type: 'string', default: 'PublicTest' }, data: { type: 'string' } } });
  const [source] = positionals;
  if (!source) throw new Error('usage: node --import tsx tools/edit-roughness.ts TRANSLATOR [--gain G] [--n 280] [--split PublicTest|PrivateTest] [--data DIR]');
  const split = values.split as 'PublicTest' | 'PrivateTest';
  if (split !== 'PrivateTest' && split !== 'PublicTest') throw new Error(`--split must be PrivateTest or PublicTest, got ${split}`);
  process.stderr.write(`backend: ${describeBackend(await initBackend({}))}\n`);
  const T = await loadTranslator(source);
  const gain = gainOption(T.G, values.gain);
  const faces = await evaluationFaces(dataPathFor(source, values.data), { n: Number(values.n), seed: 0, split });
  const k = T.spec.labels.length;
  const pairs = Array.from({ length: faces.n * k }, (_, j) => ({ face: Math.floor(j / k), target: j % k }));
  const { images } = await withGain(T.G, gain, () => translateImages(T.G, faces, pairs, k));
  const r = editRoughness(faces, images.data, k);
  const f = (v: number, d: number) => v.toFixed(d);
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  process.stdout.write([
    `${T.name}, gain ${gain ?? residualLayer(T.G)?.gain ?? 'n/a'}: ${faces.n} ${split} faces, edits to every expression (own included)`,
    `| | ${T.spec.labels.join(' | ')} | mean |`,
    `|---|${T.spec.labels.map(() => '---:').join('|')}|---:|`,
    `| roughness TV(c)/mean(c^2) | ${r.roughness.map((v) => f(v, 2)).join(' | ')} | ${f(mean(r.roughness), 2)} |`,
    `| energy mean(c^2) | ${r.energy.map((v) => f(v, 4)).join(' | ')} | ${f(mean(r.energy), 4)} |`,
    '',
  ].join('\n'));
  T.G.dispose();
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  });
}
