/**
 * What a checkpoint was trained under: every field of config.json that changes the computation
 * (seed, batch size, image subset, Adam's lr/beta1/beta2, the dataset selection, the model, the
 * remedies, the layer kernels). The trainer stores it in each checkpoint's state.json
 * (`trainedUnder`); --resume compares config.json with the newest intact checkpoint's and refuses a
 * difference, naming the field and both values, unless the user accepts it with `--override FIELD`
 * (recorded in config.json `history`). Checkpoints written before this record existed are not
 * compared (a note says so). settings.epochs is not part of it: --extend changes it on purpose.
 */
import * as path from 'path';
import type { RunConfig, ConfigChange } from './run-dir';
import { findCheckpoint } from '../train/checkpoint';
import { readJson } from '../io/files';

export type TrainedUnder = Record<string, unknown>;

/** The computation-relevant fields of a run config (absent optional fields as null, so they compare). */
export function trainedUnder(config: RunConfig): TrainedUnder {
  const s = config.settings;
  return {
    seed: config.seed,
    settings: { batchSize: s.batchSize, limit: s.limit ?? null, lr: s.lr, beta1: s.beta1, beta2: s.beta2 },
    spec: { dataset: config.spec.dataset, model: config.spec.model, remedies: config.spec.remedies ?? null },
    kernels: config.kernels ?? 'fused',
  };
}

/** Leaf fields of a record as dotted paths ("spec.model.ngf") with JSON values. */
function leaves(v: unknown, at = '', out = new Map<string, string>()): Map<string, string> {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) leaves(x, at ? `${at}.${k}` : k, out);
  } else {
    out.set(at, JSON.stringify(v ?? null));
  }
  return out;
}

export interface FieldDifference {
  field: string;
  /** JSON of the checkpoint's value ("null" when it had none). */
  checkpoint: string;
  /** JSON of config.json's value. */
  config: string;
}

export function differences(checkpoint: TrainedUnder, config: TrainedUnder): FieldDifference[] {
  const a = leaves(checkpoint);
  const b = leaves(config);
  const fields = [...new Set([...a.keys(), ...b.keys()])].sort();
  return fields.filter((f) => a.get(f) !== b.get(f)).map((f) => ({ field: f, checkpoint: a.get(f) ?? 'null', config: b.get(f) ?? 'null' }));
}

/**
 * Compares config.json with the record of the run's newest intact checkpoint. A difference not
 * named in `override` throws (naming config.json, the field, both values and the checkpoint);
 * returns the accepted changes (for config.json's history) and notes. Without an intact checkpoint
 * there is nothing to compare (loading reports that).
 */
export function checkTrainedUnder(runDir: string, config: RunConfig, override: string[], say: (line: string) => void): ConfigChange[] {
  let dir: string | null;
  try {
    dir = findCheckpoint(runDir)?.dir ?? null;
  } catch {
    return [];
  }
  if (!dir) return [];
  const state = readJson<{ trainedUnder?: TrainedUnder }>(path.join(dir, 'state.json'), 'checkpoint state');
  if (!state.trainedUnder) {
    say(`note: checkpoint ${dir} was written before checkpoints recorded their settings: config.json's settings cannot be checked against it`);
    return [];
  }
  const diffs = differences(state.trainedUnder, trainedUnder(config));
  const refused = diffs.filter((d) => !override.includes(d.field));
  const file = path.join(runDir, 'config.json');
  if (refused.length) {
    const lines = refused.map((d) => `  ${d.field}: config.json has ${d.config}, the checkpoint was trained with ${d.checkpoint}`);
    throw new Error(
      `cannot resume ${runDir}: ${file} differs from what its checkpoint ${path.basename(dir)} was trained under:\n${lines.join('\n')}\n` +
        `Restore the value(s) in config.json, start a new run to change them, or accept on purpose with --override ${refused.map((d) => d.field).join(',')} (recorded in config.json's history).`,
    );
  }
  for (const f of override) if (!diffs.some((d) => d.field === f)) say(`note: --override ${f}: config.json and the checkpoint agree on it; nothing to accept`);
  const at = new Date().toISOString();
  return diffs.map((d) => {
    say(`note: --override ${d.field}: resuming with ${d.config} (the checkpoint was trained with ${d.checkpoint}); recorded in config.json's history`);
    return { at, change: 'override', field: d.field, from: JSON.parse(d.checkpoint), to: JSON.parse(d.config) };
  });
}
