/**
 * config.json of a run, checked again when the run is resumed (or evaluated) with the checks the
 * command line applies to a new run: a hand-edited or damaged field is an error naming config.json
 * and the field, never a run that quietly does something else.
 */
import * as fs from 'fs';
import * as path from 'path';
import { PRESETS, checkSettings, TrainSettings } from './experiment';
import type { RunConfig } from './run-dir';

function fail(file: string, field: string, want: string, got: unknown): never {
  throw new Error(`run config ${file}: "${field}" must be ${want}, got ${got === undefined ? 'nothing (the field is missing)' : JSON.stringify(got)}`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const posInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;

/** Validates a parsed config.json; returns it typed, or throws naming `file` and the field. */
export function checkRunConfig(raw: unknown, file: string): RunConfig {
  if (!isObject(raw)) fail(file, '(top level)', 'an object', raw);
  const c = raw;
  if (typeof c.experiment !== 'string' || !c.experiment) fail(file, 'experiment', 'an experiment name', c.experiment);
  if (!PRESETS.includes(c.preset as never)) fail(file, 'preset', `one of ${PRESETS.join(', ')}`, c.preset);
  if (!Number.isInteger(c.seed) || (c.seed as number) < 0) fail(file, 'seed', 'an integer >= 0', c.seed);
  if (!isObject(c.settings)) fail(file, 'settings', 'an object', c.settings);
  try {
    checkSettings(c.settings as unknown as TrainSettings, `run config ${file}: settings`);
  } catch (e) {
    throw new Error((e as Error).message.replace(/settings: (\w+) must/, 'settings: "settings.$1" must'));
  }
  if (!isObject(c.spec)) fail(file, 'spec', 'an object (the experiment spec)', c.spec);
  const spec = c.spec;
  if (!isObject(spec.dataset)) fail(file, 'spec.dataset', 'an object', spec.dataset);
  if (spec.dataset.kind !== 'fer2013' && spec.dataset.kind !== 'celeba') fail(file, 'spec.dataset.kind', '"fer2013" or "celeba"', spec.dataset.kind);
  if (!isObject(spec.model)) fail(file, 'spec.model', 'an object', spec.model);
  for (const k of ['size', 'nz', 'ngf', 'ndf']) if (!posInt(spec.model[k])) fail(file, `spec.model.${k}`, 'a positive integer', spec.model[k]);
  if (spec.model.channels !== 1 && spec.model.channels !== 3) fail(file, 'spec.model.channels', '1 or 3', spec.model.channels);
  if (!isObject(c.data)) fail(file, 'data', 'an object (the dataset the run was started with)', c.data);
  if (typeof c.data.path !== 'string' || !c.data.path) fail(file, 'data.path', 'the dataset folder', c.data.path);
  if (!Number.isInteger(c.data.images) || (c.data.images as number) < 1) fail(file, 'data.images', 'the number of training images', c.data.images);
  if (c.data.fingerprint !== undefined && typeof c.data.fingerprint !== 'string') fail(file, 'data.fingerprint', 'a string', c.data.fingerprint);
  if (!isObject(c.backend) || typeof c.backend.name !== 'string') fail(file, 'backend.name', 'a backend name', isObject(c.backend) ? c.backend.name : c.backend);
  return c as unknown as RunConfig;
}

/** Reads and validates `<runDir>/config.json`. */
export function readCheckedRunConfig(runDir: string): RunConfig {
  const file = path.join(runDir, 'config.json');
  if (!fs.existsSync(file)) throw new Error(`${runDir} is not a run directory: config.json is missing`);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`run config ${file} is not valid JSON: ${(e as Error).message}`);
  }
  return checkRunConfig(raw, file);
}
