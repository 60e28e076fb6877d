/**
 * npm run study -- --preset paper|quick|smoke --celeba DIR --fer DIR --out DIR [--only a,b] [--shard i/n]
 *                  [--eval-n N] [--no-eval] [--max-steps N] [--backend B] [--no-progress] [--no-charts]
 * npm run study -- --export DEST --out DIR      copy the completed runs' reference artefacts into DEST
 * The study's nine runs into <out>/<experiment>/; the same command again continues the campaign.
 * See docs/study.md.
 */
import * as path from 'path';
import { parseArgs, intOption, stringOption, runMain } from '../tools/cli/args';
import { SIGNAL_EXIT_CODES, warnUnhandledRejections } from '../tools/cli/stop';
import { stopSignalOf } from '../lib/train/event-loop';
import { getExperiment } from '../experiments';
import { studyCampaign } from '../experiments/study';
import { PRESETS, PresetName } from '../lib/runs/experiment';
import { runCampaign } from '../lib/orchestrate/campaign';
import { resolveShard } from '../lib/runs/shard';
import { initBackend, describeBackend } from '../lib/backend';
import { LOCKED_EXIT_CODE } from '../lib/io/lock';
import { REPO_ROOT } from '../lib/runs/versions';

const USAGE = `usage: npm run study -- --preset P --out DIR [options]
  --preset P        ${PRESETS.filter((p) => p !== 'sample').join(' | ')} (paper: the study's settings)
  --out DIR         the campaign's folder: one run folder per experiment, <out>/<experiment>/
  --celeba DIR      CelebA folder (with img_align_celeba/); default $FACEGAN_CELEBA, else the bundled sample
  --fer DIR         FER2013 folder (train/ test/ image folders, or fer2013.csv); default $FACEGAN_FER2013, else the sample
  --only a,b        only these runs: ${studyCampaign.runs.join(', ')}
  --shard i/n       this machine takes runs i, i+n, i+2n, ... (0-based) of the list; also read from
                    SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT, or from JOB_COMPLETION_INDEX (Kubernetes)
                    with the count from --shards N or FACEGAN_SHARDS
  --eval-n N        images per set for metrics.json after each run (default ${studyCampaign.evalN.paper} at paper, else ${studyCampaign.evalN.default})
  --no-eval         no metrics after training (npm run evaluate -- RUN_DIR later)
  --max-steps N     stop the current run after N iterations (checkpointed); run again to continue
  --backend B       node-gpu | node | wasm | cpu (default: fastest that loads)
  --no-progress     no progress bars (the campaign still prints a line per run)
  --no-charts       compare's tables without its charts
  --dry-run         say what would be done with each run folder (train, skip, resume, restart); write nothing
  --export DEST     instead of training: copy each completed run of --out into DEST/<experiment>/
                    (config, summary, metrics, loss.png, final.png, epoch strip, samples-256.png) plus tables
  --notebooks       with --export: also execute the campaign's notebooks over its completed runs (showing
                    them, training nothing) into DEST/notebooks/, machine folders made relative
Running the same command again continues: completed runs are skipped, interrupted ones resume from
their last checkpoint; a run folder another process holds (its run lock) is left to it, untouched.
Exit status: 0 done (or stopped at --max-steps), 75 done except runs left to other processes (run
again once they end), 130 Ctrl-C, 1 a run failed.`;

runMain(async (signal) => {
  const cmd = 'study';
  const args = parseArgs(process.argv.slice(2), {
    flags: ['help', 'no-eval', 'no-progress', 'no-charts', 'dry-run', 'notebooks'],
    options: ['preset', 'out', 'celeba', 'fer', 'only', 'shard', 'shards', 'eval-n', 'max-steps', 'backend', 'export'],
  }, cmd);
  if (args.options.help) return void console.log(USAGE);
  if (args.positionals.length) throw new Error(`${cmd}: unexpected arguments: ${args.positionals.join(' ')}\n${USAGE}`);
  const out = stringOption(args, 'out');
  if (!out) throw new Error(`${cmd}: --out DIR is required (the campaign's folder)\n${USAGE}`);
  const presetRaw = stringOption(args, 'preset');
  if (presetRaw !== undefined && !PRESETS.includes(presetRaw as PresetName)) {
    throw new Error(`${cmd}: --preset must be one of ${PRESETS.join(', ')}, got "${presetRaw}"`);
  }
  const only = stringOption(args, 'only')?.split(',').map((s) => s.trim()).filter(Boolean);

  const exportTo = stringOption(args, 'export');
  if (exportTo) {
    const { exportReference } = await import('../lib/orchestrate/export-reference');
    const backend = await initBackend({ backend: stringOption(args, 'backend') });
    process.stderr.write(`backend: ${describeBackend(backend)}\n`);
    const r = await exportReference({ campaign: studyCampaign, from: out, to: exportTo, only, preset: presetRaw as PresetName | undefined });
    process.stderr.write(`exported ${r.exported.length} run(s) into ${path.resolve(exportTo)}` +
      (r.skipped.length ? `; skipped ${r.skipped.map((s) => s.experiment).join(', ')}` : '') + '\n');
    if (args.options.notebooks) {
      const { exportNotebooks } = await import('../lib/notebook/export-notebooks');
      const unwarn = warnUnhandledRejections();
      const nb = await exportNotebooks({ notebooks: studyCampaign.notebooks ?? [], from: out, to: exportTo, projectRoot: REPO_ROOT }).finally(unwarn);
      process.stderr.write(`notebooks: ${nb.written.length} written` + (nb.skipped.length ? `, ${nb.skipped.length} skipped (runs not completed)` : '') + '\n');
    }
    return void console.log(path.resolve(exportTo));
  }

  if (!presetRaw) throw new Error(`${cmd}: --preset is required (${PRESETS.filter((p) => p !== 'sample').join(' | ')})\n${USAGE}`);
  const shard = resolveShard({ shard: stringOption(args, 'shard'), shards: intOption(args, 'shards', cmd, 1) });
  const backend = await initBackend({ backend: stringOption(args, 'backend') });
  process.stderr.write(`backend: ${describeBackend(backend)}\n`);
  const r = await runCampaign({
    campaign: studyCampaign,
    getSpec: getExperiment,
    preset: presetRaw as PresetName,
    outDir: out,
    data: { celeba: stringOption(args, 'celeba'), fer2013: stringOption(args, 'fer') },
    only,
    shard,
    backend,
    evalN: args.options['no-eval'] ? false : intOption(args, 'eval-n', cmd, 2),
    maxSteps: intOption(args, 'max-steps', cmd, 1),
    progress: !args.options['no-progress'],
    charts: !args.options['no-charts'],
    dryRun: !!args.options['dry-run'],
    signal,
  });
  if (r.tables) {
    const fs = await import('fs');
    console.log(fs.readFileSync(r.tables.md, 'utf8'));
  }
  if (r.damaged.length) {
    process.stderr.write(`${r.damaged.length} damaged run(s) skipped: ${r.damaged.map((d) => `${d.experiment} (${d.runDir})`).join(', ')}; repair or move them, then run the same command again\n`);
  }
  // interrupted: 130 after Ctrl-C (143 SIGTERM, 129 SIGHUP), as shells report the signal
  if (r.status === 'interrupted') process.exitCode = SIGNAL_EXIT_CODES[stopSignalOf(signal) ?? 'SIGINT'];
  else if (r.leftToOthers.length) {
    process.stderr.write(`${r.leftToOthers.length} run(s) left to other processes that hold them: ${r.leftToOthers.join(', ')}; run the same command again once they end\n`);
    process.exitCode = LOCKED_EXIT_CODE;
  }
  console.log(path.resolve(out));
});
