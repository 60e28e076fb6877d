/**
 * `npm run bench -- --translator`: the translator v2's training iteration (experiments/translate.ts
 * ferTranslateV2 at its paper preset: one D step with R1 and one G step against the frozen loss
 * classifier, nCritic 1; lib/train/translate-step.ts) side by side with the same iteration in PyTorch
 * (bench/peer/translator_torch.py), interleaved in rounds on random faces, with each side's fp32 matMul
 * peak. FLOPs per iteration by the same analytic formula on both sides (see the peer script):
 *   per image  D step: 6 Df + 3 Df / r1Every     G step: 9 Gf + 3 Df + 3 Cf     (Xf = forward FLOPs of a net;
 *   G runs forward on (x, t) once for both steps: translatorIteration, and detach() in the peer).
 * With `lazyR1` N the lazy-R1 option is measured too (each round: ours, PyTorch, ours lazy, PyTorch lazy).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { buildTranslatorG, buildTranslatorD, oneHot } from '../../lib/models/translator';
import { buildClassifier } from '../../lib/eval/classifier-model';
import { makeTranslatorPair, translatorIteration, readTranslateSteps, TranslateBatch } from '../../lib/train/translate-step';
import type { TranslateExperiment } from '../../lib/train/translate-spec';
import type { ClassifierArch } from '../../lib/eval/classifier-model';
import { Rng } from '../../lib/rng';
import { useKernels } from '../../lib/kernels/kernels';
import { benchMatMul, MatMulResult } from './matmul';
import { median, machineInfo, loadAverage1 } from './machine';
import { findPeerPython, runPeerMatMul, peerEnv, PeerMatMul } from './peer';
import { exec } from '../../lib/native/exec';
import { REPO_ROOT } from '../../lib/native/paths';

export interface TranslatorBenchPlan {
  batch: number; warmup: number; steps: number; rounds: number; peer: boolean;
  /** Also measure lazy R1 (losses.r1Every N, an option off by default) on both sides: the mean over N x ceil(steps / N) iterations. */
  lazyR1?: number;
}

/** What is measured, passed in by scripts/bench.ts: the v2 experiment (experiments/translate.ts ferTranslateV2) and the loss classifier's architecture. */
export interface TranslatorBenchNets { experiment: TranslateExperiment; lossArch: ClassifierArch }

/** Forward FLOPs per image of every Conv2D / Conv2DTranspose / Dense layer (2 x multiply-adds). */
export function forwardFlops(model: tf.LayersModel): number {
  let f = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls !== 'Conv2D' && cls !== 'Conv2DTranspose' && cls !== 'Dense') continue;
    const k = layer.getWeights()[0].shape as number[];
    const kk = k.reduce((a, b) => a * b, 1);
    if (cls === 'Dense') { f += 2 * kk; continue; }
    const shape = ((cls === 'Conv2D' ? layer.output : layer.input) as tf.SymbolicTensor).shape as number[];
    f += 2 * kk * shape[1] * shape[2];
  }
  return f;
}

/**
 * A batch of random faces in [-1, 1] with random source and target classes (of k), alpha 0.5, and a random draw of
 * the classifier's augmentation `a` (shift, flip, noise), all from `rng` in that order.
 */
export function randomTranslateBatch(rng: Rng, batch: number, k: number, a: { shift: number; noise: number }): TranslateBatch {
  return {
    x: tf.tensor4d(Float32Array.from({ length: batch * 48 * 48 }, () => rng.uniform() * 2 - 1), [batch, 48, 48, 1]),
    src: oneHot(Array.from({ length: batch }, () => rng.int(k)), k),
    trg: oneHot(Array.from({ length: batch }, () => rng.int(k)), k),
    alpha: tf.fill([batch, 1, 1, 1], 0.5) as tf.Tensor4D,
    aug: {
      dy: rng.int(2 * a.shift + 1) - a.shift, dx: rng.int(2 * a.shift + 1) - a.shift, pad: a.shift,
      flip: tf.tensor4d(Float32Array.from({ length: batch }, () => (rng.uniform() < 0.5 ? 1 : 0)), [batch, 1, 1, 1]),
      noise: tf.tensor4d(rng.normals(batch * 48 * 48).map((v) => v * a.noise), [batch, 48, 48, 1]),
    },
  };
}

export const disposeTranslateBatch = (b: TranslateBatch) => tf.dispose([b.x, b.src, b.trg, b.alpha, b.aug!.flip!, b.aug!.noise!]);

export interface SideResult { s_per_step: number[]; median_s: number; images_per_s: number; gflops_per_s: number; flops_per_step: number }

/** Times the tfjs iteration: `steps` timed iterations after `warmup`, each read back (synchronised). */
export async function benchOurTranslatorStep(nets: TranslatorBenchNets, batch: number, warmup: number, steps: number, r1Every = 1): Promise<SideResult & { forward: { G: number; D: number; C: number } }> {
  const spec = nets.experiment.model;
  const w = { ...nets.experiment.losses, r1Every };
  if (!w.clsAugment || w.clsSource !== 'frozen') throw new Error('translator bench: the experiment must be the v2 one (losses.clsSource frozen with clsAugment)');
  const G = buildTranslatorG(spec, 1);
  const D = buildTranslatorD(spec, 2);
  const C = buildClassifier(nets.lossArch, 3).model;
  C.trainable = false;
  const pair = makeTranslatorPair(G, D, { lr: 1e-4, beta1: 0.5, beta2: 0.999, eps: 1e-8 }, { lr: 1e-4, beta1: 0.5, beta2: 0.999, eps: 1e-8 });
  pair.C = C;
  useKernels('fused', [C], { frozenBatchNorm: true }); // as lib/train/translate-trainer.ts does
  const rng = new Rng(1);
  const k = spec.labels.length;
  const a = w.clsAugment!;
  const iteration = async () => {
    const b = randomTranslateBatch(rng, batch, k, a);
    await readTranslateSteps([translatorIteration(pair, b, w, true)]);
    disposeTranslateBatch(b);
  };
  for (let i = 0; i < warmup; i++) await iteration();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await iteration();
    times.push((performance.now() - t0) / 1000);
  }
  const forward = { G: forwardFlops(G), D: forwardFlops(D), C: forwardFlops(C) };
  const flops = batch * (6 * forward.D + (3 * forward.D) / r1Every + 9 * forward.G + 3 * forward.D + 3 * forward.C);
  pair.optG.dispose();
  pair.optD.dispose();
  G.dispose();
  D.dispose();
  C.dispose();
  // lazy R1: the mean over whole periods (a median would be an iteration without R1)
  const med = r1Every === 1 ? median(times) : times.reduce((a, b) => a + b, 0) / times.length;
  return { s_per_step: times, median_s: med, images_per_s: batch / med, gflops_per_s: flops / med / 1e9, flops_per_step: flops, forward };
}

export function peerTranslatorScript(): string {
  return process.env.FACEGAN_TRANSLATOR_PEER ?? path.join(REPO_ROOT, 'bench', 'peer', 'translator_torch.py');
}

/** PyTorch's two CPU layouts; the peer runs in both and the faster one is the yardstick (its fastest is the honest one). */
export const PEER_MEMORY_FORMATS = ['channels_last', 'contiguous'] as const;
export type PeerMemoryFormat = (typeof PEER_MEMORY_FORMATS)[number];

/** Runs the PyTorch peer once, its nets and batches in `memoryFormat`. */
export async function benchPeerTranslatorStep(python: string, batch: number, warmup: number, steps: number, r1Every = 1, memoryFormat: PeerMemoryFormat = 'channels_last'): Promise<SideResult & { torch: string; forward: Record<string, number> }> {
  const threads = os.availableParallelism();
  const r = await exec(python, [peerTranslatorScript(), '--batch', String(batch), '--threads', String(threads), '--warmup', String(warmup), '--steps', String(steps), '--r1-every', String(r1Every), '--memory-format', memoryFormat, '--json'], { env: peerEnv(threads), timeoutMs: 1_800_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('JSON '));
  if (r.code !== 0 || !line) throw new Error(`peer ${peerTranslatorScript()} failed: ${r.stderr.trim().split('\n').pop() ?? r.code}`);
  const j = JSON.parse(line.slice(5));
  return { s_per_step: [j.s_per_step_min, j.s_per_step_median, j.s_per_step_max], median_s: j.s_per_step_median, images_per_s: j.images_per_s, gflops_per_s: j.gflops_per_s, flops_per_step: j.flops_per_step, torch: j.torch, forward: j.forward_flops };
}

export interface TranslatorBenchResult {
  date: string;
  machine: ReturnType<typeof machineInfo>;
  plan: TranslatorBenchPlan;
  ours: SideResult[];
  peer: (SideResult & { torch: string })[];
  peer_skipped?: string;
  matmul: { ours: MatMulResult; peer: PeerMatMul | null };
  ratio: number | null;
  /** The peer's median seconds per iteration in each layout (`peer` holds the faster layout's rounds). */
  peer_layouts?: Record<PeerMemoryFormat, number>;
  peer_layout?: PeerMemoryFormat;
  load_avg_1m: number;
  /** Lazy R1 (plan.lazyR1): both sides again with losses.r1Every N. */
  lazy?: { r1Every: number; ours: SideResult[]; peer: (SideResult & { torch: string })[]; ratio: number | null };
}

/** Runs the side-by-side benchmark (rounds of ours then PyTorch). */
export async function runTranslatorBench(nets: TranslatorBenchNets, plan: TranslatorBenchPlan, log: (l: string) => void): Promise<TranslatorBenchResult> {
  const py = plan.peer ? await findPeerPython() : { ok: false as const, why: '--no-peer' };
  if (!py.ok) log(`peer skipped: ${py.why}`);
  const ours: SideResult[] = [];
  const byLayout: Record<PeerMemoryFormat, (SideResult & { torch: string })[]> = { channels_last: [], contiguous: [] };
  const fastest = (): PeerMemoryFormat => PEER_MEMORY_FORMATS.reduce((a, b) => (median(byLayout[b].map((p) => p.median_s)) < median(byLayout[a].map((p) => p.median_s)) ? b : a));
  const lazyN = plan.lazyR1 && plan.lazyR1 > 1 ? plan.lazyR1 : null;
  const lazy = lazyN ? { r1Every: lazyN, ours: [] as SideResult[], peer: [] as (SideResult & { torch: string })[], ratio: null as number | null } : undefined;
  const lazySteps = lazyN ? lazyN * Math.ceil(plan.steps / lazyN) : 0;
  for (let r = 0; r < plan.rounds; r++) {
    const o = await benchOurTranslatorStep(nets, plan.batch, plan.warmup, plan.steps);
    ours.push(o);
    log(`round ${r + 1}: tfjs ${o.median_s.toFixed(3)} s/iteration (${o.gflops_per_s.toFixed(1)} GFLOP/s)`);
    if (py.ok) {
      for (const f of PEER_MEMORY_FORMATS) {
        const p = await benchPeerTranslatorStep(py.python, plan.batch, plan.warmup, plan.steps, 1, f);
        byLayout[f].push(p);
        log(`round ${r + 1}: torch ${f} ${p.median_s.toFixed(3)} s/iteration (${p.gflops_per_s.toFixed(1)} GFLOP/s)`);
      }
    }
    if (lazy) {
      const ol = await benchOurTranslatorStep(nets, plan.batch, plan.warmup, lazySteps, lazy.r1Every);
      lazy.ours.push(ol);
      log(`round ${r + 1}: tfjs, lazy R1 every ${lazy.r1Every}: ${ol.median_s.toFixed(3)} s/iteration (mean of ${lazySteps})`);
      if (py.ok) {
        const pl = await benchPeerTranslatorStep(py.python, plan.batch, plan.warmup, lazySteps, lazy.r1Every, fastest());
        lazy.peer.push(pl);
        log(`round ${r + 1}: torch, lazy R1 every ${lazy.r1Every}: ${pl.median_s.toFixed(3)} s/iteration (mean of ${lazySteps})`);
      }
    }
  }
  if (lazy && lazy.peer.length) lazy.ratio = median(lazy.peer.map((p) => p.median_s)) / median(lazy.ours.map((o) => o.median_s));
  const matOurs = await benchMatMul(2048, 5);
  const matPeer = py.ok ? await runPeerMatMul(py.python, 2048, 5) : null;
  const mo = median(ours.map((o) => o.median_s));
  const layout = py.ok ? fastest() : undefined;
  const peer = layout ? byLayout[layout] : [];
  const mp = peer.length ? median(peer.map((p) => p.median_s)) : null;
  return {
    date: new Date().toISOString(), machine: machineInfo(), plan, ours, peer, ...(py.ok ? {} : { peer_skipped: py.why }),
    matmul: { ours: matOurs, peer: matPeer }, ratio: mp === null ? null : mp / mo,
    ...(layout ? { peer_layout: layout, peer_layouts: { channels_last: median(byLayout.channels_last.map((p) => p.median_s)), contiguous: median(byLayout.contiguous.map((p) => p.median_s)) } } : {}),
    load_avg_1m: loadAverage1(), ...(lazy ? { lazy } : {}),
  };
}

/** bench/translator.md: the table. Speed ratio = PyTorch seconds / ours (>= 1: ours is as fast or faster). */
export function translatorBenchMarkdown(r: TranslatorBenchResult, command: string): string {
  const mo = median(r.ours.map((o) => o.median_s));
  const go = median(r.ours.map((o) => o.gflops_per_s));
  const peak = Math.max(r.matmul.ours.best_gflops, r.matmul.peer?.torch.best_gflops ?? 0);
  const lines = [
    `# Translator v2 training iteration: tfjs vs PyTorch`,
    '',
    `\`${command}\`, ${r.date}, ${r.machine.cores} cores (${r.machine.cpu}; ${r.machine.simd.join(" ")}), load average ${r.load_avg_1m.toFixed(1)} at the end (a shared machine: compare the sides of one run only).`,
    `One iteration = one D step (non-saturating + R1) + one G step (frozen loss classifier, cycle, identity), batch ${r.plan.batch}, median of ${r.plan.steps} timed iterations after ${r.plan.warmup} warm-up, ${r.plan.rounds} interleaved round(s).`,
    '',
    '| side | s / iteration (median of rounds) | faces / s | GFLOP/s | fraction of the fp32 matMul peak |',
    '|---|---:|---:|---:|---:|',
    `| ours (tfjs-node) | ${mo.toFixed(3)} | ${(r.plan.batch / mo).toFixed(1)} | ${go.toFixed(1)} | ${(go / peak).toFixed(2)} |`,
  ];
  if (r.peer.length) {
    const mp = median(r.peer.map((p) => p.median_s));
    const gp = median(r.peer.map((p) => p.gflops_per_s));
    lines.push(`| PyTorch ${r.peer[0].torch}${r.peer_layout ? `, ${r.peer_layout}` : ''} | ${mp.toFixed(3)} | ${(r.plan.batch / mp).toFixed(1)} | ${gp.toFixed(1)} | ${(gp / peak).toFixed(2)} |`);
    lines.push('', `**Speed ratio (PyTorch time / ours): ${(mp / mo).toFixed(2)}x** (goal >= 1.0x).`);
    if (r.peer_layouts) lines.push('', `PyTorch ran in both CPU layouts each round and the faster is the yardstick: channels_last ${r.peer_layouts.channels_last.toFixed(3)} s, contiguous (NCHW) ${r.peer_layouts.contiguous.toFixed(3)} s per iteration (medians of rounds).`);
  } else lines.push('', `PyTorch skipped: ${r.peer_skipped}`);
  if (r.lazy) {
    const lo = median(r.lazy.ours.map((o) => o.median_s));
    const lg = median(r.lazy.ours.map((o) => o.gflops_per_s));
    lines.push('', `Lazy R1 (losses.r1Every ${r.lazy.r1Every}, an option off by default: R1 on every ${r.lazy.r1Every}th D update, weighted ${r.lazy.r1Every}x; the mean over whole periods):`, '');
    lines.push('| side | s / iteration | faces / s | GFLOP/s | fraction of the fp32 matMul peak |', '|---|---:|---:|---:|---:|');
    lines.push(`| ours (tfjs-node), lazy R1 | ${lo.toFixed(3)} | ${(r.plan.batch / lo).toFixed(1)} | ${lg.toFixed(1)} | ${(lg / peak).toFixed(2)} |`);
    if (r.lazy.peer.length) {
      const lp = median(r.lazy.peer.map((p) => p.median_s));
      const lpg = median(r.lazy.peer.map((p) => p.gflops_per_s));
      lines.push(`| PyTorch, lazy R1 | ${lp.toFixed(3)} | ${(r.plan.batch / lp).toFixed(1)} | ${lpg.toFixed(1)} | ${(lpg / peak).toFixed(2)} |`);
      lines.push('', `**Speed ratio with lazy R1: ${(lp / lo).toFixed(2)}x**; lazy R1 vs every update: ours ${(mo / lo).toFixed(2)}x faster` + (r.peer.length ? `, PyTorch ${(median(r.peer.map((p) => p.median_s)) / lp).toFixed(2)}x` : '') + '.');
    }
  }
  lines.push('', `fp32 matMul peak (2048^2, best of 5): tfjs ${r.matmul.ours.best_gflops.toFixed(1)} GFLOP/s` + (r.matmul.peer ? `, torch ${r.matmul.peer.torch.best_gflops.toFixed(1)} GFLOP/s` : '') + `; the fraction above uses the higher (${peak.toFixed(1)}).`);
  lines.push(`FLOPs per iteration (analytic, see bench/peer/translator_torch.py): ours ${(r.ours[0].flops_per_step / 1e9).toFixed(1)} G` + (r.peer.length ? `, peer ${(r.peer[0].flops_per_step / 1e9).toFixed(1)} G` : '') + '.');
  lines.push(`Per-round seconds: ours ${r.ours.map((o) => o.median_s.toFixed(3)).join(', ')}` + (r.peer.length ? `; PyTorch ${r.peer.map((p) => p.median_s.toFixed(3)).join(', ')}` : '') + '.', '');
  return lines.join('\n');
}

export function writeTranslatorBench(out: string, r: TranslatorBenchResult, command: string): string {
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'translator.json'), `${JSON.stringify({ command, ...r }, null, 2)}\n`);
  const md = translatorBenchMarkdown(r, command);
  fs.writeFileSync(path.join(out, 'translator.md'), md);
  return md;
}
