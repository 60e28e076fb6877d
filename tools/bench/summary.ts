/**
 * Condenses a benchmark run into the figures the issue asks for (`--json FILE` schema):
 * `{machine, peak_matmul_gflops, runs, peer, ratios}`, medians over rounds, ratios per round.
 */
import { BenchRun, TrainMeasurement, variantLabel } from './run';
import { NetName } from './nets';
import { median } from './machine';

/** The schema, exactly. */
export interface BenchJson {
  machine: string;
  peak_matmul_gflops: number;
  runs: { backend: string; net: NetName; batch: number; train_images_per_s: number; gflops: number; sample_images_per_s: number | null; peak_rss_mb: number }[];
  peer: { framework: 'pytorch'; version: string; net: NetName; batch: number; train_images_per_s: number }[];
  ratios: { backend: string; net: NetName; batch: number; vs_pytorch: number }[];
}

/** Per (backend, net, batch): the figures of the table, with the spread over rounds. */
export interface SummaryRow {
  /** backend, with the step variant when it is not the trainer's lean step: 'node', 'node+unfused' */
  backend: string;
  net: NetName;
  batch: number;
  rounds: number;
  train_images_per_s: number;
  gflops: number;
  pct_of_matmul_peak: number;
  sample_images_per_s: number | null;
  peak_rss_mb: number;
  /** RSS after loading the backend, before building the nets */
  base_rss_mb: number;
  tensors: string;
  data_share: number;
  cpu_s_per_image: number;
  load_avg_1m: number;
  other_cpu_cores: number;
  peer_images_per_s: number | null;
  peer_gflops: number | null;
  peer_peak_rss_mb: number | null;
  peer_cpu_s_per_image: number | null;
  /** median of the per-round ratios ours/PyTorch, and their range */
  vs_pytorch: number | null;
  vs_pytorch_min: number | null;
  vs_pytorch_max: number | null;
}

export interface BenchSummary {
  json: BenchJson;
  rows: SummaryRow[];
  peak: { gflops: number; who: string };
}

/** One-line machine description for the JSON. */
export function machineLine(run: BenchRun): string {
  const m = run.machine;
  return `${m.cpu}, ${m.cores} cores (${m.simd.join(' ') || 'no AVX'}), ${m.memory_gb} GB, ${m.os}, Node ${m.node}`;
}

const key = (t: { backend: string; variant: string; net: string; batch: number }) => `${t.backend}|${t.variant}|${t.net}|${t.batch}`;

/** Builds the summary of a run. */
export function summarize(run: BenchRun): BenchSummary {
  const peakEntry = run.matmul.reduce<{ gflops: number; who: string }>((a, m) => (m.best_gflops > a.gflops ? { gflops: m.best_gflops, who: m.who } : a), { gflops: -Infinity, who: 'none' });
  const ours = run.train.filter((t): t is TrainMeasurement & { ours: NonNullable<TrainMeasurement['ours']> } => t.who === 'ours' && !!t.ours);
  const peers = run.train.filter((t): t is TrainMeasurement & { peer: NonNullable<TrainMeasurement['peer']> } => t.who === 'pytorch' && !!t.peer);
  const groups = new Map<string, typeof ours>();
  for (const t of ours) groups.set(key(t), [...(groups.get(key(t)) ?? []), t]);

  const rows: SummaryRow[] = [];
  for (const g of groups.values()) {
    const { net, batch } = g[0];
    const backend = variantLabel(g[0].backend, g[0].variant);
    const ps = peers.filter((p) => p.net === net && p.batch === batch);
    const ratios = g
      .map((t) => {
        const p = ps.find((q) => q.round === t.round);
        return p ? t.ours.train_images_per_s / p.peer.images_per_s : NaN;
      })
      .filter(Number.isFinite);
    const med = (f: (r: (typeof g)[number]['ours']) => number) => median(g.map((t) => f(t.ours)));
    const gflops = med((r) => r.gflops);
    const samples = g.map((t) => t.ours.sample_images_per_s).filter((x): x is number => x !== null);
    rows.push({
      backend,
      net,
      batch,
      rounds: g.length,
      train_images_per_s: med((r) => r.train_images_per_s),
      gflops,
      pct_of_matmul_peak: (100 * gflops) / peakEntry.gflops,
      sample_images_per_s: samples.length ? median(samples) : null,
      peak_rss_mb: Math.max(...g.map((t) => t.ours.peak_rss_mb)),
      base_rss_mb: med((r) => r.base_rss_mb),
      tensors: [...new Set(g.map((t) => `${t.ours.tensors_after_warmup} -> ${t.ours.tensors_after_steps}`))].join(', '),
      data_share: med((r) => r.data_share),
      cpu_s_per_image: med((r) => r.cpu_s_per_image),
      load_avg_1m: med((r) => r.load_avg_1m),
      other_cpu_cores: med((r) => r.other_cpu_cores),
      peer_images_per_s: ps.length ? median(ps.map((p) => p.peer.images_per_s)) : null,
      peer_gflops: ps.length ? median(ps.map((p) => p.peer.gflops_per_s)) : null,
      peer_peak_rss_mb: ps.length ? Math.max(...ps.map((p) => p.peer.peak_rss_mb)) : null,
      // The peer reports its CPU use over the timed loop as cores; times the median step gives CPU s per step.
      peer_cpu_s_per_image: ps.length ? median(ps.map((p) => (p.peer.own_cpu_cores * p.peer.s_per_step_median) / p.peer.batch)) : null,
      vs_pytorch: ratios.length ? median(ratios) : null,
      vs_pytorch_min: ratios.length ? Math.min(...ratios) : null,
      vs_pytorch_max: ratios.length ? Math.max(...ratios) : null,
    });
  }
  const peerKeys = new Map<string, typeof peers>();
  for (const p of peers) peerKeys.set(`${p.net}|${p.batch}`, [...(peerKeys.get(`${p.net}|${p.batch}`) ?? []), p]);
  const json: BenchJson = {
    machine: machineLine(run),
    peak_matmul_gflops: peakEntry.gflops,
    runs: rows.map((r) => ({
      backend: r.backend,
      net: r.net,
      batch: r.batch,
      train_images_per_s: r.train_images_per_s,
      gflops: r.gflops,
      sample_images_per_s: r.sample_images_per_s,
      peak_rss_mb: r.peak_rss_mb,
    })),
    peer: [...peerKeys.values()].map((ps) => ({
      framework: 'pytorch' as const,
      version: ps[0].peer.torch,
      net: ps[0].net,
      batch: ps[0].batch,
      train_images_per_s: median(ps.map((p) => p.peer.images_per_s)),
    })),
    ratios: rows.filter((r) => r.vs_pytorch !== null).map((r) => ({ backend: r.backend, net: r.net, batch: r.batch, vs_pytorch: r.vs_pytorch! })),
  };
  return { json, rows, peak: Number.isFinite(peakEntry.gflops) ? peakEntry : { gflops: NaN, who: 'none' } };
}
