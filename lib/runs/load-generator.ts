/** Loading a trained run's generator from its latest checkpoint. */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { latestCheckpoint } from '../train/checkpoint';
import { loadModelDir } from '../train/model-io';
import { readRunConfig, RunConfig } from './run-dir';

export async function loadRunGenerator(runDir: string): Promise<{ G: tf.LayersModel; config: RunConfig; checkpoint: string }> {
  const config = readRunConfig(runDir);
  const checkpoint = latestCheckpoint(runDir);
  if (!checkpoint) throw new Error(`${runDir} has no checkpoint yet (checkpoints/latest.json): train it first`);
  const G = await loadModelDir(path.join(checkpoint, 'G'));
  return { G, config, checkpoint };
}
