/**
 * The benchmark run: which measurements, in which order, and their collection. Ours and the
 * PyTorch peer are interleaved per (net, batch) and the order alternates between rounds, so load
 * from other processes on a shared machine hits both; ratios are taken per round (side by side)
 * and then their median. Each measurement runs in a fresh process (tools/bench/jobs.ts).
 */
import * as os from 'os';
import { BACKEND_ORDER, BackendInfo, describeBackend } from '../../lib/backend';
import { runJob } from './jobs';
import { NetName } from './nets';
import { TrainBenchResult } from './train-bench';
import { StepVariant } from './variants';
import { MatMulResult } from './matmul';
import { StepProfile } from './profile';
import { findPeerPython, runPeerTraining, runPeerMatMul, PeerTrainResult, PeerMatMul, peerScript } from './peer';
import { machineInfo, MachineInfo } from './machine';

/** What to run. */
export interface BenchPlan {
  /** backends to try, fastest first (default: every backend facegan knows; those that do not load are skipped) */
  backends: string[];
  nets: NetName[];
  batches: number[];
  /** training steps measured on the fast backends: 'lean' (the trainer's), 'plain', 'unfused' (stock tfjs layers) */
  variants: StepVariant[];
  rounds: number;
  warmup: number;
  steps: number;
  sampleReps: number;
  /** the pure-JS cpu backend is ~3000x slower per FLOP on this step: it is measured once per net at this batch and step count */
  cpuBatch: number;
  cpuWarmup: number;
  cpuSteps: number;
  peer: boolean;
  profile: boolean;
  matmulN: number;
  matmulReps: number;
}

export const FULL_PLAN: BenchPlan = {
  backends: [...BACKEND_ORDER],
  nets: ['celeba64', 'fer48'],
  batches: [128, 64],
  variants: ['lean'],
  rounds: 2,
  warmup: 2,
  steps: 5,
  sampleReps: 3,
  cpuBatch: 2,
  cpuWarmup: 0,
  cpuSteps: 1,
  peer: true,
  profile: true,
  matmulN: 2048,
  matmulReps: 5,
};

export const QUICK_PLAN: BenchPlan = {
  ...FULL_PLAN,
  batches: [64],
  rounds: 1,
  warmup: 1,
  steps: 2,
  sampleReps: 2,
  cpuBatch: 1,
  cpuSteps: 1,
  profile: false,
  matmulN: 1024,
  matmulReps: 3,
};

/** One training measurement of ours (`backend`) or the peer, in a round. */
export interface TrainMeasurement {
  round: number;
  who: 'ours' | 'pytorch';
  backend: string;
  /** the step variant ('lean' for the peer) */
  variant: StepVariant;
  net: NetName;
  batch: number;
  ours?: TrainBenchResult;
  peer?: PeerTrainResult;
}

export interface BackendStatus {
  name: string;
  ok: boolean;
  /** describeBackend() line, or why it does not load */
  detail: string;
  info?: BackendInfo;
}

/** Everything a run measured (the report is built from this). */
export interface BenchRun {
  date: string;
  seconds: number;
  plan: BenchPlan;
  machine: MachineInfo;
  load_avg_start: number[];
  load_avg_end: number[];
  backends: BackendStatus[];
  peer: { ok: boolean; detail: string; torch?: string; numpy?: string | null; python?: string; script: string };
  matmul: { who: string; n: number; best_gflops: number; median_gflops: number; when: 'start' | 'end' }[];
  train: TrainMeasurement[];
  profiles: { backend: string; net: NetName; variant: StepVariant; profile: StepProfile }[];
  errors: string[];
}

type Log = (line: string) => void;

function fmt(x: number, d = 1): string {
  return Number.isFinite(x) ? x.toFixed(d) : '-';
}

/** Runs the plan; `log` receives one line per finished measurement. Never throws for one failed measurement. */
export async function runBench(plan: BenchPlan, log: Log = (l) => process.stdout.write(`${l}\n`)): Promise<BenchRun> {
  const t0 = Date.now();
  const run: BenchRun = {
    date: new Date().toISOString(),
    seconds: 0,
    plan,
    machine: machineInfo(),
    load_avg_start: os.loadavg(),
    load_avg_end: [],
    backends: [],
    peer: { ok: false, detail: 'not requested (--no-peer)', script: peerScript() },
    matmul: [],
    train: [],
    profiles: [],
    errors: [],
  };
  const m = run.machine;
  log(`machine: ${m.cpu}, ${m.cores} cores (${m.simd.join(' ')}), ${m.memory_gb} GB; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);

  // Peer first: it decides whether rounds interleave.
  let python: string | null = null;
  if (plan.peer) {
    const p = await findPeerPython();
    if (p.ok) {
      python = p.python;
      run.peer = { ok: true, detail: `torch ${p.torch}, numpy ${p.numpy ?? 'none'} (${p.python})`, torch: p.torch, numpy: p.numpy, python: p.python, script: peerScript() };
    } else {
      run.peer = { ok: false, detail: p.why, script: peerScript() };
    }
    log(`peer: ${run.peer.ok ? run.peer.detail : `skipped: ${run.peer.detail}`}`);
  }

  const matmul = async (when: 'start' | 'end', backends: string[]) => {
    for (const b of backends) {
      const n = b === 'cpu' ? Math.min(plan.matmulN, 512) : plan.matmulN;
      try {
        const { backend, result } = await runJob({ kind: 'matmul', backend: b, n, reps: plan.matmulReps });
        record(b, backend);
        run.matmul.push({ who: `tfjs ${b}`, ...pick(result), when });
        log(`matMul ${n}x${n} on ${b}: best ${fmt(result.best_gflops)} GFLOP/s (median ${fmt(result.median_gflops)})`);
      } catch (e) {
        if (when === 'start') record(b, null, (e as Error).message);
        else run.errors.push((e as Error).message);
      }
    }
    if (python) {
      try {
        const r: PeerMatMul = await runPeerMatMul(python, plan.matmulN, plan.matmulReps);
        run.matmul.push({ who: 'torch', n: r.n, ...r.torch, when });
        if (r.numpy) run.matmul.push({ who: 'numpy', n: r.n, ...r.numpy, when });
        log(`matMul ${r.n}x${r.n}: torch best ${fmt(r.torch.best_gflops)}, numpy best ${fmt(r.numpy?.best_gflops ?? NaN)} GFLOP/s`);
      } catch (e) {
        run.errors.push((e as Error).message);
      }
    }
  };
  const pick = (r: MatMulResult) => ({ n: r.n, best_gflops: r.best_gflops, median_gflops: r.median_gflops });
  const record = (name: string, info: BackendInfo | null, why?: string) => {
    if (run.backends.some((b) => b.name === name)) return;
    run.backends.push(info ? { name, ok: true, detail: describeBackend(info), info } : { name, ok: false, detail: shortWhy(why ?? '') });
    log(`backend ${name}: ${info ? describeBackend(info) : `not measured: ${shortWhy(why ?? '')}`}`);
  };

  await matmul('start', plan.backends);
  const usable = run.backends.filter((b) => b.ok).map((b) => b.name);
  const fast = usable.filter((b) => b !== 'cpu');

  const ours = async (round: number, backend: string, net: NetName, batch: number, warmup: number, steps: number, variant: StepVariant = 'lean') => {
    const label = variantLabel(backend, variant);
    try {
      const { result } = await runJob({ kind: 'train', backend, net, batch, warmup, steps, sampleReps: plan.sampleReps, variant }, { env: variantEnv(variant) });
      run.train.push({ round, who: 'ours', backend, variant, net, batch, ours: result });
      log(
        `  ours ${label} ${net} b${batch}: ${fmt(result.train_images_per_s, 2)} img/s, ${fmt(result.gflops)} GFLOP/s, ` +
          `sample ${fmt(result.sample_images_per_s ?? NaN)} img/s, RSS ${fmt(result.peak_rss_mb, 0)} MB, ` +
          `tensors ${result.tensors_after_warmup}->${result.tensors_after_steps}, cores own ${fmt(result.own_cpu_cores, 2)} other ${fmt(result.other_cpu_cores, 2)}`,
      );
    } catch (e) {
      run.errors.push((e as Error).message);
      log(`  ours ${label} ${net} b${batch}: FAILED ${(e as Error).message}`);
    }
  };
  const peer = async (round: number, net: NetName, batch: number, warmup: number, steps: number) => {
    if (!python) return;
    try {
      const r = await runPeerTraining(python, { net, batch, warmup, steps });
      run.train.push({ round, who: 'pytorch', backend: 'pytorch', variant: 'lean', net, batch, peer: r });
      log(
        `  pytorch ${net} b${batch}: ${fmt(r.images_per_s, 2)} img/s, ${fmt(r.gflops_per_s)} GFLOP/s, RSS ${fmt(r.peak_rss_mb, 0)} MB, ` +
          `cores own ${fmt(r.own_cpu_cores, 2)} other ${fmt(r.other_cpu_cores, 2)}`,
      );
    } catch (e) {
      run.errors.push((e as Error).message);
      log(`  pytorch ${net} b${batch}: FAILED ${(e as Error).message}`);
    }
  };

  for (let round = 1; round <= plan.rounds; round++) {
    log(`round ${round}/${plan.rounds} (load average ${os.loadavg()[0].toFixed(2)})`);
    for (const net of plan.nets) {
      for (const batch of plan.batches) {
        // Alternate who goes first, so a load trend does not favour one side.
        const peerFirst = round % 2 === 0;
        if (peerFirst) await peer(round, net, batch, plan.warmup, plan.steps);
        for (const b of fast) for (const v of plan.variants) await ours(round, b, net, batch, plan.warmup, plan.steps, v);
        if (!peerFirst) await peer(round, net, batch, plan.warmup, plan.steps);
      }
    }
  }
  if (usable.includes('cpu')) {
    log(`pure-JS cpu backend: batch ${plan.cpuBatch}, ${plan.cpuSteps} timed step(s) (minutes per step)`);
    for (const net of plan.nets) {
      await ours(1, 'cpu', net, plan.cpuBatch, plan.cpuWarmup, plan.cpuSteps);
      await peer(1, net, plan.cpuBatch, 1, 3);
    }
  }
  if (plan.profile && fast.length > 0) {
    const backend = fast[0];
    const batch = Math.max(...plan.batches);
    const variants = plan.variants.filter((v) => v !== 'plain');
    for (const net of plan.nets) for (const variant of variants.length ? variants : (['lean'] as StepVariant[])) {
      try {
        const { result } = await runJob({ kind: 'profile', backend, net, batch, steps: 2, fused: variant !== 'unfused' }, { env: variantEnv(variant) });
        run.profiles.push({ backend, net, variant, profile: result });
        const top = result.phases.slice().sort((a, b) => b.ms - a.ms).slice(0, 3);
        log(`profile ${variantLabel(backend, variant)} ${net} b${batch}: ${top.map((p) => `${p.phase} ${fmt(p.share * 100, 0)}%`).join(', ')}; conv ${fmt((result.conv_ms / result.kernel_ms) * 100, 0)}% of kernel time`);
      } catch (e) {
        run.errors.push((e as Error).message);
        log(`profile ${backend} ${net}: FAILED ${(e as Error).message}`);
      }
    }
  }
  await matmul('end', fast);
  run.load_avg_end = os.loadavg();
  run.seconds = (Date.now() - t0) / 1000;
  return run;
}

/** Environment of a variant's worker: 'eigen' switches libtensorflow's oneDNN kernels off. */
export function variantEnv(variant: StepVariant): NodeJS.ProcessEnv {
  return variant === 'eigen' ? { TF_ENABLE_ONEDNN_OPTS: '0' } : {};
}

/** How a backend and step variant are named in tables: 'node', 'node+unfused', 'node+plain', 'node+eigen'. */
export function variantLabel(backend: string, variant: StepVariant): string {
  return variant === 'lean' ? backend : `${backend}+${variant}`;
}

/** The reason part of an initBackend error, without the long fix text. */
function shortWhy(msg: string): string {
  const m = /cannot be used: (.*?)(\. Fix: .*)?$/.exec(msg);
  return m ? m[1] : msg;
}
