/**
 * From measurements to the benchmark's figures (tools/bench/summary.ts, report.ts): medians over
 * rounds, ours/PyTorch ratios taken per round, the matMul peak, the JSON schema, and the
 * markdown table. The measurements are constructed, so the expected figures follow by hand.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { summarize } from '../../tools/bench/summary';
import { benchMarkdown, soakSection } from '../../tools/bench/report';
import { BenchRun, FULL_PLAN, TrainMeasurement } from '../../tools/bench/run';
import { TrainBenchResult } from '../../tools/bench/train-bench';
import { StepVariant } from '../../tools/bench/variants';
import { PeerTrainResult } from '../../tools/bench/peer';
import { machineInfo } from '../../tools/bench/machine';
import { soakMarks, SoakResult } from '../../tools/bench/soak';
import { NetName } from '../../tools/bench/nets';

function ours(round: number, net: NetName, batch: number, imgs: number, rss: number, variant: StepVariant = 'lean'): TrainMeasurement {
  const s = batch / imgs;
  const r: TrainBenchResult = {
    net, variant, batch, warmup: 2, steps: 5, s_per_step_median: s, s_per_step_min: s, s_per_step_max: s,
    train_images_per_s: imgs, gflops: imgs * 2.5, flops_per_step: 2.5e9 * batch, executed_flops_per_step: 2.3e9 * batch,
    data_s_median: 0.01, data_share: 0.01 / s, cpu_s_per_image: 0.2, own_cpu_cores: 1.5, other_cpu_cores: 0.4, load_avg_1m: 2,
    sample_images_per_s: imgs * 10, sample_gflops: 1, tensors_after_warmup: 134, tensors_after_steps: 134,
    peak_rss_mb: rss, base_rss_mb: 400, last_losses: { loss_d: 1, loss_g: 2 },
  };
  return { round, who: 'ours', backend: 'node', variant, net, batch, ours: r };
}

function peer(round: number, net: NetName, batch: number, imgs: number): TrainMeasurement {
  const s = batch / imgs;
  const p: PeerTrainResult = {
    config: net, batch, threads: 2, timed_steps: 5, s_per_step_median: s, s_per_step_min: s, s_per_step_max: s,
    images_per_s: imgs, flops_per_step: 2.5e9 * batch, gflops_per_s: imgs * 2.5, torch: '2.13.0+cpu',
    own_cpu_cores: 1.8, other_cpu_cores: 0.2, peak_rss_mb: 900, load_avg_1m: 2,
  };
  return { round, who: 'pytorch', backend: 'pytorch', variant: 'lean', net, batch, peer: p };
}

function run(train: TrainMeasurement[]): BenchRun {
  return {
    date: '2026-01-01T00:00:00.000Z', seconds: 60, plan: FULL_PLAN, machine: machineInfo(), load_avg_start: [2, 2, 2], load_avg_end: [2, 2, 2],
    backends: [{ name: 'node', ok: true, detail: 'node (test)' }, { name: 'wasm', ok: false, detail: 'not installed' }],
    peer: { ok: true, detail: 'torch', torch: '2.13.0+cpu', script: 'dcgan_torch.py' },
    matmul: [
      { who: 'tfjs node', n: 2048, best_gflops: 80, median_gflops: 70, when: 'start' },
      { who: 'torch', n: 2048, best_gflops: 100, median_gflops: 90, when: 'start' },
      { who: 'tfjs node', n: 2048, best_gflops: 90, median_gflops: 85, when: 'end' },
    ],
    train, profiles: [], errors: [],
  };
}

test('ratios are taken per round (side by side), then their median; figures are medians over rounds', () => {
  // Per-round ratios 1.2, 1.2, 2.0 -> 1.2; the ratio of the medians (12 / 7 = 1.71) would let
  // round 3's quiet moment for ours decide.
  const s = summarize(run([
    ours(1, 'celeba64', 128, 12, 3000), peer(1, 'celeba64', 128, 10),
    ours(2, 'celeba64', 128, 6, 3100), peer(2, 'celeba64', 128, 5),
    ours(3, 'celeba64', 128, 14, 2900), peer(3, 'celeba64', 128, 7),
  ]));
  const row = s.rows[0];
  assert.equal(s.rows.length, 1);
  assert.equal(row.rounds, 3);
  assert.equal(row.train_images_per_s, 12);
  assert.equal(row.peer_images_per_s, 7);
  assert.ok(Math.abs(row.vs_pytorch! - 1.2) < 1e-12, `ratio ${row.vs_pytorch}`); // per round: 1.2, 1.2, 2.0
  assert.ok(Math.abs(row.vs_pytorch_max! - 2) < 1e-12);
  assert.equal(row.peak_rss_mb, 3100);
  assert.equal(s.peak.gflops, 100);
  assert.equal(s.peak.who, 'torch');
  assert.ok(Math.abs(row.pct_of_matmul_peak - 30) < 1e-9); // 12 img/s * 2.5 GFLOP / 100
});

test('the JSON has exactly the issue\'s schema', () => {
  const s = summarize(run([ours(1, 'fer48', 64, 40, 1500), peer(1, 'fer48', 64, 32)]));
  assert.deepEqual(Object.keys(s.json).sort(), ['machine', 'peak_matmul_gflops', 'peer', 'ratios', 'runs']);
  assert.equal(typeof s.json.machine, 'string');
  assert.deepEqual(Object.keys(s.json.runs[0]).sort(), ['backend', 'batch', 'gflops', 'net', 'peak_rss_mb', 'sample_images_per_s', 'train_images_per_s']);
  assert.deepEqual(s.json.peer, [{ framework: 'pytorch', version: '2.13.0+cpu', net: 'fer48', batch: 64, train_images_per_s: 32 }]);
  assert.deepEqual(s.json.ratios, [{ backend: 'node', net: 'fer48', batch: 64, vs_pytorch: 1.25 }]);
  // Without a peer there are runs but no ratios.
  const alone = summarize(run([ours(1, 'fer48', 64, 40, 1500)]));
  assert.deepEqual(alone.json.peer, []);
  assert.deepEqual(alone.json.ratios, []);
});

test('the markdown report has the table, the targets and every measurement', () => {
  const r = run([
    ours(1, 'celeba64', 128, 12, 3000), ours(1, 'celeba64', 128, 15, 2000, 'unfused'), peer(1, 'celeba64', 128, 10),
    ours(1, 'fer48', 128, 20, 2000), peer(1, 'fer48', 128, 25),
  ]);
  const s = summarize(r);
  const md = benchMarkdown(r, s, 'npm run bench', null);
  assert.match(md, /\| node \| celeba64 \| 128 \| 12\.0 \| 10\.0 \| \*\*1\.20x\*\* \|/);
  assert.match(md, /node celeba64 batch 128 >= 1\.0x PyTorch: 1\.20x -> met/);
  assert.match(md, /node fer48 batch 128 >= 1\.0x PyTorch: 0\.80x -> NOT met/);
  // A step variant is its own row, paired with the same PyTorch measurement.
  assert.match(md, /\| node\+unfused \| celeba64 \| 128 \| 15\.0 \| 10\.0 \| \*\*1\.50x\*\* \|/);
  // Targets are judged on the trainer's step only, not on a comparison variant.
  assert.doesNotMatch(md, /node\+unfused celeba64 batch 128 >= 1\.0x/);
  assert.match(md, /tensor count unchanged .*: yes/);
  assert.match(md, /\| wasm \| not measured: not installed \|/);
  assert.equal((md.match(/^\| 1 \| (ours node|ours node\+unfused|pytorch) \|/gm) ?? []).length, 5);
});

test('soak readings are quoted at 10/100/250/500 steps; the soak section says flat or not', () => {
  assert.deepEqual(soakMarks(500), [10, 100, 250, 500]);
  assert.deepEqual(soakMarks(50), [10, 30, 50]);
  const pt = (step: number, tensors: number, rss: number) => ({ step, tensors, rss_mb: rss, heap_mb: 100 });
  const s: SoakResult = {
    net: 'fer48', batch: 64, steps: 500, data: 'fer2013 train/happy', points: [pt(10, 134, 900), pt(500, 134, 990)],
    all: [pt(10, 134, 900), pt(100, 134, 950), pt(500, 134, 990)], steps_per_epoch: 113, tensors_flat: true,
    rss_growth_mb: 40, rss_growth_after_first_epoch_mb: 30, rss_flat: true,
    images_per_s: 30, seconds: 1000, epochs: 4,
  };
  const text = soakSection(s);
  assert.match(text, /Tensors identical at every reading \(3 readings/);
  assert.match(text, /RSS \+40 MB from step 100 to the end, \+30 MB from the first reading after the first epoch end \(flat/);
  assert.match(text, /4 epochs of 113 steps/);
});
