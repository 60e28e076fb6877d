/**
 * Reference artefacts of a finished campaign, for committing (`npm run study -- --export DEST --out DIR`):
 * for each completed run `<DIR>/<experiment>/`, `DEST/<experiment>/` gets config.json, summary.json,
 * metrics.json (paths made portable: relative to the run folder, the dataset root or the checkout),
 * loss.png, final.png (the fixed-noise grid), epoch-strip.png (the fixed-noise samples across at most
 * ~12 epochs, labelled) and samples-256.png (256 samples of the final generator, 16 per row at
 * native resolution, 2-pixel gaps, no labels, noise from a fixed seed: experiments/study.ts).
 * Then compare's table.md/.csv/.html and expressions.md over all the campaign's runs in DEST (this
 * export's and earlier ones', e.g. other shards'), in DEST.
 * Runs that are not completed are skipped, saying so. No checkpoints or weights are copied.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CampaignSpec, ExportSpec } from '../runs/campaign-spec';
import { PresetName } from '../runs/experiment';
import { RunConfig, readRunConfig } from '../runs/run-dir';
import { REPO_ROOT } from '../runs/versions';
import { loadRunGenerator } from '../runs/load-generator';
import { portableJson, runPathRoots } from '../runs/portable-paths';
import { readJson, writeFileAtomic, writeJsonAtomic } from '../io/files';
import { Rng } from '../rng';
import { noiseTensor } from '../sample/noise';
import { generateImages } from '../sample/generate';
import { gridPng } from '../viz/grid';
import { epochStripPng } from '../runs/run-pictures';
import type { TrainSummary } from '../train/trainer';

export interface ExportRequest {
  campaign: CampaignSpec;
  /** The campaign's folder (run folders `<from>/<experiment>/`). */
  from: string;
  /** Where the reference goes, e.g. results/reference/paper. */
  to: string;
  only?: string[];
  /** Export only runs of this preset (others are skipped, saying so). */
  preset?: PresetName;
  log?: (line: string) => void;
}

export interface ExportResult {
  exported: { experiment: string; dir: string; files: string[] }[];
  skipped: { experiment: string; reason: string }[];
  tables: string[];
}

export async function exportReference(req: ExportRequest): Promise<ExportResult> {
  const log = req.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const from = path.resolve(req.from);
  const to = path.resolve(req.to);
  if (!fs.existsSync(from)) throw new Error(`--out ${from} does not exist (the campaign's folder to export from)`);
  if (from === to) throw new Error(`--export ${to} is the campaign's own folder; export into another folder`);
  const names = req.only?.length ? req.campaign.runs.filter((n) => req.only!.includes(n)) : [...req.campaign.runs];
  const result: ExportResult = { exported: [], skipped: [], tables: [] };
  for (const name of names) {
    const runDir = path.join(from, name);
    const skip = (reason: string) => {
      result.skipped.push({ experiment: name, reason });
      log(`${name}: skipped, ${reason}`);
    };
    if (!fs.existsSync(path.join(runDir, 'config.json'))) {
      skip(`not started (no ${runDir}/config.json)`);
      continue;
    }
    const config = readRunConfig(runDir);
    const sumFile = path.join(runDir, 'summary.json');
    const summary = fs.existsSync(sumFile) ? readJson<TrainSummary>(sumFile, 'run summary') : null;
    if (config.experiment !== name) {
      skip(`${runDir} holds ${config.experiment}`);
      continue;
    }
    if (req.preset && config.preset !== req.preset) {
      skip(`preset ${config.preset}, not ${req.preset}`);
      continue;
    }
    if (summary?.status !== 'completed' || summary.epochsCompleted < config.settings.epochs) {
      skip(`not completed (status ${summary?.status ?? 'unknown'}, ${summary?.epochsCompleted ?? 0}/${config.settings.epochs} epochs)`);
      continue;
    }
    const dest = path.join(to, name);
    const files = await exportRun(runDir, config, dest, req.campaign.export);
    if (!fs.existsSync(path.join(runDir, 'metrics.json'))) log(`${name}: note: no metrics.json (npm run evaluate -- ${runDir}, then export again)`);
    result.exported.push({ experiment: name, dir: dest, files });
    log(`${name}: exported ${files.length} files into ${dest}`);
  }
  if (result.exported.length) {
    // the tables cover every run of the campaign in DEST, not only this export's: runs exported
    // earlier, or by other machines of a sharded campaign, stay in the table
    const inDest = req.campaign.runs.map((n) => path.join(to, n)).filter((d) => fs.existsSync(path.join(d, 'summary.json')));
    const { compareRuns } = await import('../eval/compare');
    const r = await compareRuns(inDest, to, { title: `${req.campaign.name} campaign (reference)`, charts: false });
    result.tables = [r.tables.md, r.tables.csv, r.tables.html, ...(r.expressions ? [r.expressions.md, r.expressions.csv] : [])];
  }
  return result;
}

/** Writes one run's reference files into `dest`; returns their names. */
async function exportRun(runDir: string, config: RunConfig, dest: string, spec: ExportSpec): Promise<string[]> {
  fs.mkdirSync(dest, { recursive: true });
  const roots = runPathRoots(runDir, config);
  const files: string[] = [];
  for (const f of ['config.json', 'summary.json', 'metrics.json']) {
    const src = path.join(runDir, f);
    if (!fs.existsSync(src)) continue;
    writeJsonAtomic(path.join(dest, f), portableJson(readJson<unknown>(src, f), roots));
    files.push(f);
  }
  for (const [src, name] of [['loss.png', 'loss.png'], [path.join('samples', 'final.png'), 'final.png']]) {
    const file = path.join(runDir, src);
    if (!fs.existsSync(file)) continue;
    writeFileAtomic(path.join(dest, name), fs.readFileSync(file));
    files.push(name);
  }
  writeFileAtomic(path.join(dest, 'epoch-strip.png'), epochStripPng(runDir, { maxEpochs: spec.stripEpochs, samples: spec.stripSamples }));
  files.push('epoch-strip.png');
  writeFileAtomic(path.join(dest, 'samples-256.png'), await samplesGridPng(runDir, spec));
  files.push('samples-256.png');
  return files;
}

/** `spec.samples` samples of the run's final generator from noise seeded with `spec.seed`, as an unlabelled grid. */
export async function samplesGridPng(runDir: string, spec: ExportSpec): Promise<Buffer> {
  const { G, config } = await loadRunGenerator(runDir);
  try {
    const z = noiseTensor(new Rng(spec.seed), spec.samples, config.spec.model.nz);
    try {
      const images = await generateImages(G, z);
      return gridPng(images, { nrow: spec.samplesPerRow, padding: spec.gap });
    } finally {
      z.dispose();
    }
  } finally {
    G.dispose();
  }
}

