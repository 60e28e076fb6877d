/** Markdown report of a benchmark run (results/bench/bench.md) and of a soak (soak.md). */
import { BenchRun, variantLabel } from './run';
import { BenchSummary, SummaryRow } from './summary';
import { SoakResult } from './soak';
import { StepProfile } from './profile';

const f = (x: number | null | undefined, d = 1) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d));
/** A rate with 3 significant digits (0.0123, 1.23, 12.3, 123). */
const sig = (x: number | null | undefined) => {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  if (x === 0 || Math.abs(x) >= 100) return x.toFixed(0);
  return x.toFixed(Math.max(0, 2 - Math.floor(Math.log10(Math.abs(x)))));
};
const table = (head: string[], rows: (string | number)[][]) =>
  [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

function ratioCell(r: SummaryRow): string {
  if (r.vs_pytorch === null) return '-';
  const range = r.rounds > 1 ? ` (${sig(r.vs_pytorch_min)}-${sig(r.vs_pytorch_max)})` : '';
  return `**${sig(r.vs_pytorch)}x**${range}`;
}

/** The main table: ours vs PyTorch per backend, net and batch. */
export function mainTable(run: BenchRun, s: BenchSummary): string {
  const rows = s.rows.map((r) => [
    r.backend === 'cpu' ? 'cpu (pure JS, small batch)' : r.backend,
    r.net,
    r.batch,
    sig(r.train_images_per_s),
    sig(r.peer_images_per_s),
    ratioCell(r),
    sig(r.gflops),
    `${sig(r.pct_of_matmul_peak)}%`,
    sig(r.sample_images_per_s),
    `${f(r.peak_rss_mb, 0)} (${f(r.base_rss_mb, 0)}) / ${f(r.peer_peak_rss_mb, 0)}`,
    r.tensors,
    `${f(r.load_avg_1m)} / ${f(r.other_cpu_cores, 2)}`,
  ]);
  return table(
    ['backend', 'net', 'batch', 'ours img/s', 'PyTorch img/s', 'ours/PyTorch', 'GFLOP/s', '% of matMul peak', 'sample img/s', 'peak RSS MB ours (after backend load) / PyTorch', 'tensors (warm-up -> end)', 'load avg / other cores'],
    rows,
  );
}

function targets(s: BenchSummary, soak: SoakResult | null): string[] {
  const out: string[] = [];
  const native = s.rows.filter((r) => /^node(-gpu)?$/.test(r.backend) && r.batch === 128);
  for (const r of native) {
    const ok = r.vs_pytorch !== null && r.vs_pytorch >= 1;
    const byCpu = r.peer_cpu_s_per_image !== null ? `; by CPU time per image ${f(r.peer_cpu_s_per_image / r.cpu_s_per_image, 2)}x` : '';
    out.push(`- ${r.backend} ${r.net} batch 128 >= 1.0x PyTorch: ${r.vs_pytorch === null ? 'no peer' : `${f(r.vs_pytorch, 2)}x`} -> ${ok ? 'met' : 'NOT met'}${byCpu}`);
  }
  for (const r of native) {
    out.push(`- ${r.backend} ${r.net} batch 128 >= 50% of matMul peak (${f(s.peak.gflops)} GFLOP/s, ${s.peak.who}): ${f(r.pct_of_matmul_peak, 0)}% -> ${r.pct_of_matmul_peak >= 50 ? 'met' : 'NOT met'}`);
  }
  const leaky = s.rows.filter((r) => r.tensors.split(', ').some((t) => t.split(' -> ')[0] !== t.split(' -> ')[1]));
  out.push(`- tensor count unchanged from warm-up to the last timed step in every run: ${leaky.length ? `NO (${leaky.map((r) => `${r.backend} ${r.net} b${r.batch}`).join(', ')})` : 'yes'}`);
  if (soak) {
    out.push(
      `- soak (${soak.steps} steps, fer48 batch ${soak.batch}, real trainer): tensors ${soak.tensors_flat ? 'flat' : 'NOT flat'}, ` +
        `RSS ${sign(soak.rss_growth_after_first_epoch_mb)} MB after the first epoch end (${sign(soak.rss_growth_mb)} MB after step 100) -> ${soak.rss_flat ? 'flat' : 'NOT flat'}`,
    );
  }
  return out;
}

/** Phase and kernel tables of one profile. */
export function profileSection(backend: string, net: string, p: StepProfile): string {
  const phases = table(
    ['phase', 'ms', 'share'],
    p.phases.map((x) => [x.phase, f(x.ms, 0), `${f(x.share * 100, 1)}%`]),
  );
  const top = p.kernels.slice(0, 12);
  const kernels = table(
    ['kernel', 'calls', 'ms', 'share of kernel time'],
    top.map((k) => [k.kernel, k.calls, f(k.ms, 0), `${f((100 * k.ms) / p.kernel_ms, 1)}%`]),
  );
  const uploadMs = (p.uploads * p.upload_us) / 1000 + (p.upload_bytes / 2 ** 20) * (p.upload_ms_per_mb ?? 0);
  return [
    `### ${backend}, ${net}, batch ${p.batch} (median of ${p.steps} steps: ${f(p.step_ms / 1000, 2)} s)`,
    '',
    phases,
    '',
    `Kernels of one trainStep (tf.profile): ${p.kernel_calls} kernel calls, ${f(p.kernel_ms / 1000, 2)} s; ` +
      `convolutions ${f((100 * p.conv_ms) / p.kernel_ms, 0)}% of kernel time, everything else (BatchNorm, activations and their gradients, Adam, loss) ${f(100 - (100 * p.conv_ms) / p.kernel_ms, 0)}%.` +
      (p.fused ? ' (Fused layers: their TensorFlow gradient kernels are called directly and are not in this list; the phase times include them.)' : ''),
    '',
    kernels,
    '',
    `Allocations per step: ${p.tensors_created} tensors created, ${p.uploads} uploads from JS (constants, batch, noise, ` +
      `tfjs's ones-arrays: ${f(p.upload_bytes / 2 ** 20, 0)} MB; measured ${f(p.upload_us, 0)} us per small upload and ${f(p.upload_ms_per_mb, 2)} ms/MB ` +
      `=> ~${f(uploadMs, 0)} ms, ${f((100 * uploadMs) / p.step_ms, 1)}% of the step); ` +
      `live tensors after the step minus before: ${p.tensor_growth}; tf.profile peak ${f(p.peak_bytes / 2 ** 20, 0)} MB.`,
  ].join('\n');
}

const sign = (x: number | undefined) => (x === undefined ? '?' : `${x >= 0 ? '+' : ''}${f(x, 0)}`);

/** The soak table. */
export function soakSection(s: SoakResult, date?: string): string {
  return [
    `Soak${date ? ` (${date})` : ''}: the real training loop (lib/train/trainer.ts: loss log, grids, checkpoints) on ${s.data}, ` +
      `fer48, batch ${s.batch}, ${s.steps} steps (${s.epochs} epochs of ${s.steps_per_epoch ?? '?'} steps; each epoch end writes a grid, a loss plot and a checkpoint), ` +
      `${f(s.images_per_s, 1)} img/s over ${f(s.seconds / 60, 1)} min.`,
    '',
    table(
      ['step', 'live tensors', 'RSS MB', 'JS heap MB'],
      s.points.map((p) => [p.step, p.tensors, f(p.rss_mb, 0), f(p.heap_mb, 0)]),
    ),
    '',
    `Tensors ${s.tensors_flat ? 'identical at every reading' : 'CHANGED'} (${s.all.length} readings, every 10 steps and at epoch ends); ` +
      `RSS ${sign(s.rss_growth_mb)} MB from step 100 to the end, ${sign(s.rss_growth_after_first_epoch_mb)} MB from the first reading after the first epoch end ` +
      `(${s.rss_flat ? 'flat' : 'NOT flat'}: limit max(64 MB, 5%)); RSS range over all readings ` +
      `${f(Math.min(...s.all.map((p) => p.rss_mb)), 0)}-${f(Math.max(...s.all.map((p) => p.rss_mb)), 0)} MB.`,
  ].join('\n');
}

/** The whole markdown report. */
export function benchMarkdown(run: BenchRun, s: BenchSummary, command: string, soak: { result: SoakResult; date: string } | null): string {
  const m = run.machine;
  const lines: string[] = [];
  lines.push('# facegan benchmark: DCGAN training step, tfjs vs PyTorch (side by side)', '');
  lines.push(`- command: \`${command}\``);
  lines.push(`- date: ${run.date}, ${f(run.seconds / 60, 1)} min; ${run.plan.rounds} round(s), ${run.plan.warmup} warm-up + ${run.plan.steps} timed steps per measurement, ours and PyTorch interleaved per (net, batch), order alternating by round`);
  lines.push(`- machine: ${m.cpu}, ${m.cores} cores (${m.simd.join(' ')}), ${m.memory_gb} GB, ${m.os}, Node ${m.node}`);
  lines.push(`- load average (1/5/15 min): start ${run.load_avg_start.map((x) => f(x, 2)).join(' ')}, end ${run.load_avg_end.map((x) => f(x, 2)).join(' ')} (a shared machine: other jobs ran; "other cores" = CPU other processes used during the timed steps)`);
  lines.push(`- peer: ${run.peer.ok ? `PyTorch ${run.peer.torch} (CPU wheel from pip), ${m.cores} threads, OMP_WAIT_POLICY=PASSIVE, ${run.peer.script}` : `skipped: ${run.peer.detail}`}`);
  lines.push(`- fp32 matMul peak: **${f(s.peak.gflops)} GFLOP/s** (${s.peak.who}; best of ${run.plan.matmulReps}, ${run.plan.matmulN}x${run.plan.matmulN}, measured at start and end)`);
  lines.push('', '## Backends', '');
  lines.push(table(['backend', 'status'], run.backends.map((b) => [b.name, b.ok ? b.detail : `not measured: ${b.detail}`])));
  lines.push('', '## Training throughput', '');
  lines.push(mainTable(run, s));
  lines.push(
    '',
    'ours/PyTorch: median over rounds of (ours / PyTorch in the same round), range in brackets. GFLOP/s: the peer\'s analytic count ' +
      '(tutorial step, 9 fwdD - 2 fwdD1 + 3 fwdG - fwdG1 per image; tools/bench/flops.ts) / median step time, so the GFLOP/s ratio equals the img/s ratio. ' +
      `Sample img/s: G forward (training-mode BatchNorm, as the study) + conversion to uint8 and read-back, batch as in the row. ` +
      `The pure-JS cpu row uses batch ${run.plan.cpuBatch} and ${run.plan.cpuSteps} timed step(s) (PyTorch measured at the same batch).`,
  );
  if (run.plan.variants.includes('unfused')) {
    lines.push(
      '',
      "`+unfused` rows: the trainer's lean step with tfjs's stock layers instead of lib/kernels/fused-layers.ts (TensorFlow's fused BatchNorm / ReLU / " +
        "LeakyReLU gradient kernels, and convolutions without tf.fused.conv2d's always-computed input+filter gradients; same results to float32 " +
        'rounding, test/unit/fused-layers.test.ts), i.e. what the fused layers gain.',
    );
  }
  if (run.plan.variants.includes('eigen')) {
    lines.push(
      '',
      "`+eigen` rows: the trainer's lean step with libtensorflow's oneDNN kernels off (TF_ENABLE_ONEDNN_OPTS=0; the sub-pixel transposed " +
        'convolution of lib/kernels/conv-transpose.ts then takes the small maps), i.e. what TensorFlow runs by default on CPUs without ' +
        'AVX512_VNNI/BF16/AMX, and what oneDNN (facegan\'s default) gains.',
    );
  }
  lines.push('', '## Targets', '', ...targets(s, soak?.result ?? null));
  const cpuRows = s.rows.filter((r) => r.peer_cpu_s_per_image !== null && r.backend !== 'cpu');
  if (cpuRows.length) {
    lines.push('', '## CPU time per image (load-robust companion)', '');
    lines.push(
      table(
        ['backend', 'net', 'batch', 'ours CPU-s/img', 'PyTorch CPU-s/img', 'PyTorch/ours', 'data prep share of our step'],
        cpuRows.map((r) => [r.backend, r.net, r.batch, f(r.cpu_s_per_image, 3), f(r.peer_cpu_s_per_image, 3), `${f(r.peer_cpu_s_per_image! / r.cpu_s_per_image, 2)}x`, `${f(r.data_share * 100, 2)}%`]),
      ),
    );
    lines.push('', 'CPU seconds the process used per trained image (user + system, all threads). A thread pool that spins while waiting counts here, so this is a companion figure, not the target.');
  }
  lines.push('', '## fp32 matMul', '');
  lines.push(table(['who', 'n', 'best GFLOP/s', 'median GFLOP/s', 'when'], run.matmul.map((x) => [x.who, x.n, f(x.best_gflops), f(x.median_gflops), x.when])));
  if (run.profiles.length) {
    lines.push('', '## Where the time of one step goes', '');
    lines.push(
      'Phases: the lean step timed phase by phase (tools/bench/profile.ts; CPU backends run ops synchronously), median of the profiled steps. ' +
        'Kernels: tf.profile of one trainStep, measured separately (so its total differs from the phases under load).',
      '',
    );
    for (const p of run.profiles) lines.push(profileSection(variantLabel(p.backend, p.variant), p.net, p.profile), '');
  }
  if (soak) lines.push('', '## Soak: tensors and memory over a long run', '', soakSection(soak.result, soak.date));
  lines.push('', '## Every measurement', '');
  lines.push(
    table(
      ['round', 'who', 'net', 'batch', 'img/s', 's/step median (min-max)', 'GFLOP/s', 'peak RSS MB', 'own / other cores', 'load avg'],
      run.train.map((t) =>
        t.ours
          ? [t.round, `ours ${variantLabel(t.backend, t.variant)}`, t.net, t.batch, sig(t.ours.train_images_per_s), `${f(t.ours.s_per_step_median, 2)} (${f(t.ours.s_per_step_min, 2)}-${f(t.ours.s_per_step_max, 2)})`, sig(t.ours.gflops), f(t.ours.peak_rss_mb, 0), `${f(t.ours.own_cpu_cores, 2)} / ${f(t.ours.other_cpu_cores, 2)}`, f(t.ours.load_avg_1m)]
          : [t.round, 'pytorch', t.net, t.batch, sig(t.peer!.images_per_s), `${f(t.peer!.s_per_step_median, 2)} (${f(t.peer!.s_per_step_min, 2)}-${f(t.peer!.s_per_step_max, 2)})`, f(t.peer!.gflops_per_s), f(t.peer!.peak_rss_mb, 0), `${f(t.peer!.own_cpu_cores, 2)} / ${f(t.peer!.other_cpu_cores, 2)}`, f(t.peer!.load_avg_1m)],
      ),
    ),
  );
  if (run.errors.length) lines.push('', '## Errors', '', ...run.errors.map((e) => `- ${e}`));
  return `${lines.join('\n')}\n`;
}
