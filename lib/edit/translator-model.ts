/**
 * Finding and loading a trained expression translator's G: the shipped one in models/fer-translate/
 * (model.json, weights.bin, translator.json, metrics.json; `npm run experiment -- fer-translate
 * --install`), or a translator run's latest checkpoint. Importing lib/models/translator registers
 * its custom layers (InstanceNorm, AbsLeakyReLU, AttentionBlend) before the model is read.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { loadModelDir } from '../train/model-io';
import { latestCheckpoint } from '../train/checkpoint';
import { readJson } from '../io/files';
import { TranslatorSpec, checkTranslatorSpec } from '../models/translator';
import { DEFAULT_TRANSLATOR_DIR, readTranslateConfig } from '../runs/translate-config';

export interface LoadedTranslator {
  G: tf.LayersModel;
  spec: TranslatorSpec;
  /** The model folder or checkpoint it came from. */
  source: string;
  /** A short name for titles and reports. */
  name: string;
}

export const INSTALL_HINT =
  'train and install one with `npm run experiment -- fer-translate --preset paper --data /path/to/fer2013 --install` ' +
  '(or --preset quick), or pass --run RUN_DIR (a fer-translate run, or a fer-conditional run for the inversion method)';

/** Is `dir` a translator run directory (config.json with kind 'translator')? */
export function isTranslatorRunDir(dir: string): boolean {
  const file = path.join(dir, 'config.json');
  return fs.existsSync(file) && readJson<{ kind?: string }>(file, 'run config').kind === 'translator';
}

/** Loads G from a translator run (its latest checkpoint) or an installed model folder (default: the shipped one). */
export async function loadTranslator(from: string = DEFAULT_TRANSLATOR_DIR): Promise<LoadedTranslator> {
  let dir: string;
  let spec: TranslatorSpec;
  let name: string;
  if (fs.existsSync(path.join(from, 'config.json'))) {
    const config = readTranslateConfig(from);
    const ckpt = latestCheckpoint(from);
    if (!ckpt) throw new Error(`${from} has no checkpoint yet (checkpoints/latest.json): train it first`);
    dir = path.join(ckpt, 'G');
    spec = config.spec.model;
    name = `${config.experiment} ${config.preset}, ${path.basename(ckpt)}`;
  } else {
    if (!fs.existsSync(path.join(from, 'model.json'))) {
      throw new Error(`no trained expression translator in ${from} (model.json is missing): ${INSTALL_HINT}`);
    }
    const infoFile = path.join(from, 'translator.json');
    if (!fs.existsSync(infoFile)) throw new Error(`${from} holds a model.json but no translator.json: it is not an installed translator (${INSTALL_HINT})`);
    dir = from;
    spec = readJson<{ spec: TranslatorSpec }>(infoFile, 'translator description').spec;
    name = path.basename(from);
  }
  checkTranslatorSpec(spec, `${dir}: translator spec`);
  const G = await loadModelDir(dir);
  if (G.inputs.length !== 2) {
    G.dispose();
    throw new Error(`${dir}/model.json has ${G.inputs.length} input(s); a translator G takes [image, target]`);
  }
  return { G, spec, source: dir, name };
}

/** Target indices from "all" or a comma-separated list of expression names (case-insensitive). */
export function parseTargets(value: string, labels: readonly string[], option = '--to'): number[] {
  if (value.trim().toLowerCase() === 'all') return labels.map((_, i) => i);
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new Error(`${option}: no expression given; expected "all" or one or more of ${labels.join(', ')} (comma-separated)`);
  const out: number[] = [];
  for (const n of names) {
    const i = labels.findIndex((l) => l.toLowerCase() === n.toLowerCase());
    if (i < 0) throw new Error(`${option}: unknown expression "${n}"; expected "all" or one or more of ${labels.join(', ')} (comma-separated)`);
    if (!out.includes(i)) out.push(i);
  }
  return out;
}
