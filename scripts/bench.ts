/**
 * `npm run bench [-- options]`: training and sampling throughput of the report's DCGANs (celeba64,
 * fer48) at batch 128 and 64 on every tfjs backend that loads, side by side with the same step in
 * PyTorch (bench/peer/dcgan_torch.py), plus the machine's fp32 matMul peak and a profile of
 * one step. Writes results/bench/bench.{md,json}; `--json FILE` writes the issue's schema.
 * `--soak N` instead runs the real trainer for N steps (fer48, batch 64) and records tensors and
 * RSS (results/bench/soak.{md,json}). See docs/bench.md.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs, intOption, stringOption, runMain } from '../tools/cli/args';
import { runBench, FULL_PLAN, QUICK_PLAN, BenchPlan, BenchRun } from '../tools/bench/run';
import { summarize } from '../tools/bench/summary';
import { benchMarkdown, mainTable, soakSection } from '../tools/bench/report';
import { runJob } from '../tools/bench/jobs';
import { NET_NAMES, netSpec, NetName } from '../tools/bench/nets';
import { SoakResult } from '../tools/bench/soak';
import { STEP_VARIANTS, StepVariant } from '../tools/bench/variants';
import { BACKEND_ORDER } from '../lib/backend';
import { REPO_ROOT } from '../lib/native/paths';

const USAGE = `usage: npm run bench [-- options]
  --quick             one round, batch 64, 2 timed steps, no profile (a few minutes)
  --steps N           timed steps per measurement (default ${FULL_PLAN.steps}; warm-up --warmup N, default ${FULL_PLAN.warmup})
  --rounds N          interleaved rounds of ours vs PyTorch (default ${FULL_PLAN.rounds})
  --nets a,b          ${NET_NAMES.join(',')} (default both)
  --batches a,b       default ${FULL_PLAN.batches.join(',')}
  --variants a,b      training steps to measure: lean (the trainer's, default), plain (G forward twice),
                      unfused (lean with tfjs's stock layers, without lib/kernels/fused-layers.ts),
                      eigen (lean with libtensorflow's oneDNN kernels off: TF_ENABLE_ONEDNN_OPTS=0)
  --backends a,b      of ${BACKEND_ORDER.join(',')} (default all; those that do not load are skipped)
  --cpu-batch N       batch for the slow pure-JS cpu backend (default ${FULL_PLAN.cpuBatch}; --cpu-steps N, default ${FULL_PLAN.cpuSteps})
  --no-peer           skip PyTorch      --no-profile   skip the per-phase profile
  --out DIR           results folder (default results/bench)
  --json FILE         also write {machine, peak_matmul_gflops, runs, peer, ratios} to FILE
  --soak N            instead: N steps of the real trainer (fer48, batch 64), tensors and RSS over time
  --from FILE         instead: rewrite bench.md (and --json) from an earlier bench.json, measuring nothing
  --data PATH         FER2013 for --soak (default ../shared/data/fer2013; synthetic images if missing)
  --soak-images N     soak on a random subset of N images (more epoch ends: grids, plots, checkpoints)
  --translator        instead: the translator v2's training iteration vs the same in PyTorch
                      (bench/peer/translator_torch.py), batch 16 (--batch N), --steps/--warmup/--rounds as above;
                      results/bench/translator.{md,json}; --lazy-r1 N also measures lazy R1 (losses.r1Every N) on both sides
env: FACEGAN_PYTHON (python with torch for the peer; default .venv-bench/bin/python; bench/peer/README.md),
     FACEGAN_PEER_SCRIPT (default bench/peer/dcgan_torch.py)`;

function list(v: string | undefined, what: string, allowed?: readonly string[]): string[] | undefined {
  if (v === undefined) return undefined;
  const items = v.split(',').map((x) => x.trim()).filter(Boolean);
  if (items.length === 0) throw new Error(`bench: --${what} is empty`);
  if (allowed) for (const i of items) if (!allowed.includes(i)) throw new Error(`bench: --${what} "${i}": expected one of ${allowed.join(', ')}`);
  return items;
}

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

async function soakMode(n: number, out: string, data: string | undefined, command: string, images: number | undefined): Promise<void> {
  const dataPath = data ?? path.resolve(REPO_ROOT, '..', 'shared', 'data', 'fer2013');
  process.stdout.write(`soak: ${n} steps of the real trainer, fer48 batch 64, data ${dataPath} (readings every 10 steps)\n`);
  const { backend, result } = await runJob({ kind: 'soak', backend: 'auto', steps: n, batch: 64, data: dataPath, images }, { timeoutMs: 24 * 3_600_000 });
  const date = new Date().toISOString();
  writeJson(path.join(out, 'soak.json'), { date, command, backend, result });
  const md = `# facegan soak\n\n- command: \`${command}\`\n- backend: ${backend.name} (${backend.tfBackend})\n\n${soakSection(result, date)}\n`;
  fs.writeFileSync(path.join(out, 'soak.md'), md);
  process.stdout.write(`${md}\nwrote ${path.join(out, 'soak.md')} and soak.json\n`);
  if (!result.tensors_flat || !result.rss_flat) process.exitCode = 2;
}

function readSoak(out: string): { result: SoakResult; date: string } | null {
  const file = path.join(out, 'soak.json');
  if (!fs.existsSync(file)) return null;
  try {
    const j = JSON.parse(fs.readFileSync(file, 'utf8')) as { date: string; result: SoakResult };
    return { result: j.result, date: j.date };
  } catch {
    return null;
  }
}

/** Rebuilds bench.md / the summary from an earlier bench.json (e.g. after a report change). */
function rerender(file: string, out: string, jsonFile: string | undefined): void {
  let j: { details?: { command: string; run: BenchRun } };
  try {
    j = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`bench --from ${file}: cannot read it (${(e as Error).message})`);
  }
  if (!j.details?.run?.train) throw new Error(`bench --from ${file}: not a bench.json written by npm run bench (no details.run)`);
  const { run, command } = j.details;
  const summary = summarize(run);
  fs.writeFileSync(path.join(out, 'bench.md'), benchMarkdown(run, summary, command, readSoak(out)));
  writeJson(path.join(out, 'bench.json'), { ...summary.json, details: { command, run, rows: summary.rows } });
  if (jsonFile) writeJson(jsonFile, summary.json);
  process.stdout.write(`${mainTable(run, summary)}\n\nrewrote ${path.join(out, 'bench.md')} and bench.json from ${file}\n`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const args = parseArgs(
    argv,
    { flags: ['quick', 'no-peer', 'no-profile', 'translator'], options: ['lazy-r1', 'batch', 'steps', 'warmup', 'rounds', 'nets', 'batches', 'variants', 'backends', 'cpu-batch', 'cpu-steps', 'out', 'json', 'soak', 'data', 'from', 'soak-images'] },
    'npm run bench',
  );
  const command = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  const out = path.resolve(stringOption(args, 'out') ?? path.join(REPO_ROOT, 'results', 'bench'));
  fs.mkdirSync(out, { recursive: true });

  const soakSteps = intOption(args, 'soak', 'npm run bench', 10);
  if (soakSteps !== undefined) return soakMode(soakSteps, out, stringOption(args, 'data'), command, intOption(args, 'soak-images', 'npm run bench', 1));

  if (args.options.translator) {
    const { initBackend, describeBackend } = await import('../lib/backend');
    const { runTranslatorBench, writeTranslatorBench } = await import('../tools/bench/translator-bench');
    const { ferTranslateV2 } = await import('../experiments/translate');
    const { LOSS_CLASSIFIER_EXPERIMENT } = await import('../experiments/translate-classifier');
    process.stdout.write(`backend: ${describeBackend(await initBackend())}\n`);
    const r = await runTranslatorBench({ experiment: ferTranslateV2, lossArch: LOSS_CLASSIFIER_EXPERIMENT.presets.paper.arch }, {
      batch: intOption(args, 'batch', 'npm run bench', 2) ?? 16, warmup: intOption(args, 'warmup', 'npm run bench', 0) ?? 2,
      steps: intOption(args, 'steps', 'npm run bench', 1) ?? 10, rounds: intOption(args, 'rounds', 'npm run bench', 1) ?? 2, peer: !args.options['no-peer'],
      lazyR1: intOption(args, 'lazy-r1', 'npm run bench', 2),
    }, (l) => process.stdout.write(`${l}\n`));
    process.stdout.write(writeTranslatorBench(out, r, command));
    return;
  }
  const from = stringOption(args, 'from');
  if (from) return rerender(from, out, stringOption(args, 'json'));

  const base = args.options.quick ? QUICK_PLAN : FULL_PLAN;
  const plan: BenchPlan = {
    ...base,
    steps: intOption(args, 'steps', 'npm run bench', 1) ?? base.steps,
    warmup: intOption(args, 'warmup', 'npm run bench', 0) ?? base.warmup,
    rounds: intOption(args, 'rounds', 'npm run bench', 1) ?? base.rounds,
    cpuBatch: intOption(args, 'cpu-batch', 'npm run bench', 1) ?? base.cpuBatch,
    cpuSteps: intOption(args, 'cpu-steps', 'npm run bench', 1) ?? base.cpuSteps,
    nets: (list(stringOption(args, 'nets'), 'nets', NET_NAMES) as NetName[] | undefined) ?? base.nets,
    backends: list(stringOption(args, 'backends'), 'backends', BACKEND_ORDER) ?? base.backends,
    variants: (list(stringOption(args, 'variants'), 'variants', STEP_VARIANTS) as StepVariant[] | undefined) ?? base.variants,
    peer: !args.options['no-peer'],
    profile: !args.options['no-profile'] && base.profile,
  };
  const batches = list(stringOption(args, 'batches'), 'batches');
  if (batches) {
    plan.batches = batches.map((b) => {
      const n = Number(b);
      if (!Number.isInteger(n) || n < 1) throw new Error(`bench: --batches "${b}": expected positive integers`);
      return n;
    });
  }
  plan.nets.forEach(netSpec);

  const run = await runBench(plan);
  const summary = summarize(run);
  const soak = readSoak(out);
  const md = benchMarkdown(run, summary, command, soak);
  fs.writeFileSync(path.join(out, 'bench.md'), md);
  writeJson(path.join(out, 'bench.json'), { ...summary.json, details: { command, run, rows: summary.rows } });
  const jsonFile = stringOption(args, 'json');
  if (jsonFile) writeJson(jsonFile, summary.json);
  process.stdout.write(`\n${mainTable(run, summary)}\n\nwrote ${path.join(out, 'bench.md')} and bench.json${jsonFile ? ` and ${jsonFile}` : ''} (${(run.seconds / 60).toFixed(1)} min)\n`);
}

runMain(main);
