/**
 * The records of an expression-translator run (`fer-translate`): its config.json (`kind:
 * 'translator'`) and where the shipped translator is installed. Only reading; training, resuming and
 * installing a run are in lib/orchestrate/run-translate.ts.
 */
import * as path from 'path';
import type { BackendInfo } from '../backend';
import type { Kernels } from '../kernels/kernels';
import type { TranslateExperiment, TranslatePresetName, TranslateSettings } from '../train/translate-spec';
import { readRunConfig } from './run-dir';
import type { LossClassifierRecord } from '../train/translate-classifier';
import { REPO_ROOT } from './versions';

/** Where the shipped translator lives; $FACEGAN_TRANSLATOR overrides it. */
export const DEFAULT_TRANSLATOR_DIR = process.env.FACEGAN_TRANSLATOR ?? path.join(REPO_ROOT, 'models', 'fer-translate');

/** config.json of a translator run. */
export interface TranslateRunConfig {
  experiment: 'fer-translate';
  kind: 'translator';
  preset: TranslatePresetName;
  overrides: { steps?: number; limit?: number | null; batchSize?: number };
  settings: TranslateSettings;
  spec: TranslateExperiment;
  seed: number;
  data: { path: string; name: string; images: number; skipped: number; fingerprint?: string; relocated?: { from: string; at: string }[] };
  /** G's layer kernels (absent in runs written before it was recorded: fused). */
  kernels?: Kernels;
  backend: BackendInfo;
  versions: Record<string, string | null>;
  gitCommit: string | null;
  command: string[];
  createdAt: string;
  resumedAt?: string[];
  /** The spec variant (experiments/translate.ts TRANSLATE_VARIANTS) the run was started with; absent: v1. */
  variant?: string;
  /** Translator v2: the frozen loss classifier (folder, weights fingerprint, seed, architecture); never the evaluation classifier. */
  lossClassifier?: LossClassifierRecord;
  /** --choice-classifier: the checkpoint choice's own judge (trained here, in no loss, never the evaluation classifier). */
  choiceClassifier?: LossClassifierRecord;
  /** --init-from: the checkpoint whose G and D weights the run started from (fresh optimizers, step 0). */
  init?: { checkpoint: string; step: number | null };
}

export function isTranslateConfig(c: unknown): c is TranslateRunConfig {
  return !!c && typeof c === 'object' && (c as { kind?: unknown }).kind === 'translator';
}

/** The config of a translator run, or an error that says what the folder is instead. */
export function readTranslateConfig(runDir: string): TranslateRunConfig {
  const c = readRunConfig(runDir) as unknown;
  if (!isTranslateConfig(c)) {
    throw new Error(`${runDir} is not a translator run (config.json has experiment "${(c as { experiment?: string }).experiment}"); train one with \`npm run experiment -- fer-translate\``);
  }
  return c;
}
