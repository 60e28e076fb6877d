/** Loading a class-conditional run's generator for sampling and editing, with a clear error for other runs. */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { latestCheckpoint } from '../train/checkpoint';
import { loadModelDir } from '../train/model-io';
import { readRunConfig, RunConfig } from './run-dir';
import { ConditionalSpec, isConditional, checkConditionalSpec } from '../models/conditional-spec';

export interface ConditionalRun {
  G: tf.LayersModel;
  spec: ConditionalSpec;
  config: RunConfig;
  checkpoint: string;
}

/** The spec of a run if it is class-conditional; otherwise an error that says what to train instead. */
export function conditionalSpecOf(runDir: string, config: RunConfig = readRunConfig(runDir), command = 'this command'): ConditionalSpec {
  const model = config.spec.model;
  if (!isConditional(model)) {
    throw new Error(
      `${runDir} is not a conditional run: experiment "${config.experiment}" is an unconditional DCGAN (one model per ` +
        `expression cannot keep the face when the expression changes). ${command} needs a class-conditional run, e.g. ` +
        '`npm run experiment -- fer-conditional --preset quick --data /path/to/fer2013`',
    );
  }
  return checkConditionalSpec(model, `${path.join(runDir, 'config.json')}: spec.model`);
}

/** Loads the latest checkpoint's generator of a conditional run. */
export async function loadConditionalRun(runDir: string, command?: string): Promise<ConditionalRun> {
  const config = readRunConfig(runDir);
  const spec = conditionalSpecOf(runDir, config, command);
  const checkpoint = latestCheckpoint(runDir);
  if (!checkpoint) throw new Error(`${runDir} has no checkpoint yet (checkpoints/latest.json): train it first`);
  const G = await loadModelDir(path.join(checkpoint, 'G'));
  if (G.inputs.length !== 2) {
    G.dispose();
    throw new Error(`${checkpoint}/G/model.json has ${G.inputs.length} input(s); a conditional generator takes [z, label]`);
  }
  return { G, spec, config, checkpoint };
}
