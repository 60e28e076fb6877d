/**
 * Where the translator v2 iteration's time goes (tools/bench/translator-bench.ts measures the whole):
 * the iteration's parts timed one by one, for several kernel variants of the same nets in one process,
 * interleaved in rounds (a shared machine: compare the variants of one run only), beside the same parts
 * in PyTorch (bench/peer/translator_torch.py --profile).
 *
 *   node --import tsx tools/bench/translator-profile.ts [--rounds 5] [--variants stock,fused,...] [--no-peer]
 *
 * Variants: 'stock' (tfjs-layers as built), 'fused' (useKernels('fused'), what training uses), and
 * 'fused-no-<Class>' (fused but the layer class left as built: InstanceNorm, AbsLeakyReLU, ..., or C: the loss classifier as built,
 * or bias: D's convolutions with a bias as built), 'fused-composed-IN' (fused, instance norm by tfjs ops instead of TensorFlow's batch
 * norm kernels).
 * Parts (ms, median of rounds):
 *   G forward        G(x, t) without a tape (the D step's edits)
 *   D fwd+bwd        D on real and edits, adversarial + classification, gradients of D's weights (no R1)
 *   R1               the D step minus the two above and Adam: the double backprop of R1
 *   D step           discriminatorStep (lib/train/translate-step.ts), whole
 *   G step           generatorStep, whole
 *   C fwd+bwd        the frozen classifier on the augmented edits, gradient to the edits
 *   D to image       D on the edits, gradient of G's adversarial term to the edits
 *   G 3x fwd+bwd     the G step minus the two above and Adam: G(x,t), G(G(x,t),s), G(x,s) and their backward
 *   Adam G, Adam D   one optimiser update
 *   iteration        translatorIteration (what training runs): G forward on (x, t) once for both steps, so it is
 *                    about D step + G step - G forward
 */
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'util';
import { initBackend, describeBackend } from '../../lib/backend';
import { buildTranslatorG, buildTranslatorD, translate, discriminate, domainScore } from '../../lib/models/translator';
import { buildClassifier } from '../../lib/eval/classifier-model';
import { makeTranslatorPair, discriminatorStep, generatorStep, translatorIteration, readTranslateSteps, augmentForClassifier, TranslatorPair, TranslateBatch } from '../../lib/train/translate-step';
import { useKernels } from '../../lib/kernels/kernels';
import { ferTranslateV2 } from '../../experiments/translate';
import { LOSS_CLASSIFIER_EXPERIMENT } from '../../experiments/translate-classifier';
import { Rng } from '../../lib/rng';
import { median, loadAverage1 } from './machine';
import { findPeerPython, peerEnv } from './peer';
import { peerTranslatorScript, randomTranslateBatch, disposeTranslateBatch } from './translator-bench';
import { exec } from '../../lib/native/exec';
import * as os from 'os';

export const PARTS = ['G forward', 'D fwd+bwd', 'R1', 'D step', 'C fwd+bwd', 'D to image', 'G 3x fwd+bwd', 'G step', 'Adam D', 'Adam G', 'iteration'] as const;
type Part = (typeof PARTS)[number];

function makePair(variant: string): TranslatorPair {
  const spec = ferTranslateV2.model;
  const G = buildTranslatorG(spec, 1);
  const D = buildTranslatorD(spec, 2);
  const C = buildClassifier(LOSS_CLASSIFIER_EXPERIMENT.presets.paper.arch, 3).model;
  C.trainable = false;
  const adam = { lr: 1e-4, beta1: 0.5, beta2: 0.999, eps: 1e-8 };
  const pair = makeTranslatorPair(G, D, adam, adam, 'stock');
  if (variant !== 'stock') {
    const skip = variant.startsWith('fused-no-') ? variant.slice('fused-no-'.length).split('+') : [];
    const composedInstanceNorm = variant === 'fused-composed-IN';
    if (variant !== 'fused' && !skip.length && !composedInstanceNorm) throw new Error(`unknown variant ${variant} (stock, fused, fused-composed-IN, fused-no-<Class>[+<Class>])`);
    useKernels('fused', [G], { skip, composedInstanceNorm });
    useKernels('fused', [D], { secondOrder: true, biasConv: !skip.includes('bias'), skip });
    if (!skip.includes('C')) useKernels('fused', [C], { frozenBatchNorm: true, skip });
  }
  pair.C = C;
  return pair;
}

/** One round of every part for one pair: ms per part. */
async function round(pair: TranslatorPair, b: TranslateBatch): Promise<Record<Part, number>> {
  const w = ferTranslateV2.losses;
  const ms = {} as Record<Part, number>;
  const time = async (p: Part, f: () => tf.Tensor | tf.Tensor[]) => {
    const t0 = performance.now();
    const out = f();
    const list = Array.isArray(out) ? out : [out];
    await Promise.all(list.map((t) => t.data()));
    ms[p] = performance.now() - t0;
    tf.dispose(list);
  };
  await time('G forward', () => tf.tidy(() => translate(pair.G, b.x, b.trg).image));
  const fake = tf.tidy(() => translate(pair.G, b.x, b.trg).image);
  await time('D fwd+bwd', () => {
    const { value, grads } = tf.variableGrads(() => {
      const r = discriminate(pair.D, b.x);
      const f = discriminate(pair.D, fake);
      const adv = tf.softplus(domainScore(r.src, b.src).neg()).mean().add(tf.softplus(domainScore(f.src, b.trg)).mean());
      return adv.add(tf.losses.softmaxCrossEntropy(b.src, r.cls)) as tf.Scalar;
    }, pair.optD.params);
    return [value, ...Object.values(grads)];
  });
  await time('C fwd+bwd', () => tf.grad((e: tf.Tensor) => tf.losses.softmaxCrossEntropy(b.trg, pair.C!.apply(augmentForClassifier(e as tf.Tensor4D, b.aug)) as tf.Tensor2D))(fake));
  await time('D to image', () => tf.grad((e: tf.Tensor) => tf.softplus(domainScore(discriminate(pair.D, e as tf.Tensor4D).src, b.trg).neg()).mean())(fake));
  fake.dispose();
  const zeros = (opt: TranslatorPair['optD']) => opt.params.map((p) => tf.zerosLike(p));
  for (const [p, opt] of [['Adam D', pair.optD], ['Adam G', pair.optG]] as const) {
    const g = zeros(opt);
    await time(p, () => {
      opt.apply(g);
      return opt.params[0].sum();
    });
    tf.dispose(g);
  }
  await time('D step', () => Object.values(discriminatorStep(pair, b, w)));
  await time('G step', () => Object.values(generatorStep(pair, b, w)));
  const t0 = performance.now();
  await readTranslateSteps([translatorIteration(pair, b, w, true)]);
  ms.iteration = performance.now() - t0;
  ms.R1 = ms['D step'] - ms['G forward'] - ms['D fwd+bwd'] - ms['Adam D'];
  ms['G 3x fwd+bwd'] = ms['G step'] - ms['C fwd+bwd'] - ms['D to image'] - ms['Adam G'];
  return ms;
}

export async function profileTranslator(variants: string[], rounds: number, batch: number, log: (l: string) => void): Promise<Record<string, Record<Part, number>>> {
  const pairs = variants.map(makePair);
  const rng = new Rng(1);
  const all: Record<string, Record<Part, number>[]> = Object.fromEntries(variants.map((v) => [v, []]));
  for (let r = 0; r < rounds + 1; r++) {
    for (let i = 0; i < variants.length; i++) {
      const b = randomTranslateBatch(rng, batch, 7, ferTranslateV2.losses.clsAugment!);
      const ms = await round(pairs[i], b);
      disposeTranslateBatch(b);
      if (r > 0) all[variants[i]].push(ms); // round 0 warms up
    }
    log(`round ${r}${r === 0 ? ' (warm-up)' : ''}: ${variants.map((v, i) => `${v} ${(r === 0 ? NaN : all[v][r - 1].iteration).toFixed(0)} ms`).join(', ')}${r === 0 ? ` (pair ${pairs.length})` : ''}`);
  }
  return Object.fromEntries(variants.map((v) => [v, Object.fromEntries(PARTS.map((p) => [p, median(all[v].map((m) => m[p]))])) as Record<Part, number>]));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, variants: { type: 'string', default: 'stock,fused' }, batch: { type: 'string', default: '16' }, 'no-peer': { type: 'boolean', default: false } } });
  process.stdout.write(`backend: ${describeBackend(await initBackend())}\n`);
  const variants = values.variants!.split(',');
  const rounds = Number(values.rounds);
  const batch = Number(values.batch);
  const load0 = loadAverage1();
  const ours = await profileTranslator(variants, rounds, batch, (l) => process.stdout.write(`${l}\n`));
  let peer: Record<string, number> | null = null;
  if (!values['no-peer']) {
    const py = await findPeerPython();
    if (py.ok) {
      const threads = os.availableParallelism();
      const r = await exec(py.python, [peerTranslatorScript(), '--batch', String(batch), '--threads', String(threads), '--steps', String(rounds), '--profile', '--json'], { env: peerEnv(threads), timeoutMs: 1_800_000 });
      const line = r.stdout.split('\n').find((l) => l.startsWith('JSON '));
      if (r.code !== 0 || !line) throw new Error(`peer failed: ${r.stderr.trim().split('\n').pop()}`);
      peer = JSON.parse(line.slice(5)).profile_ms;
    } else process.stdout.write(`peer skipped: ${py.why}\n`);
  }
  process.stdout.write(`\nbatch ${batch}, median of ${rounds} rounds, load average ${load0.toFixed(1)} at the start, ${loadAverage1().toFixed(1)} at the end\n\n`);
  process.stdout.write(`| part | ${variants.map((v) => `tfjs ${v} ms`).join(' | ')}${peer ? ' | torch ms' : ''} |\n|---|${variants.map(() => '---:|').join('')}${peer ? '---:|' : ''}\n`);
  for (const p of PARTS) process.stdout.write(`| ${p} | ${variants.map((v) => ours[v][p].toFixed(0)).join(' | ')}${peer ? ` | ${peer[p] !== undefined ? peer[p].toFixed(0) : ''}` : ''} |\n`);
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
    process.exitCode = 1;
  });
}
