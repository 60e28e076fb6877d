/** Loading a trained run's generator from its newest intact checkpoint. */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { findCheckpoint } from '../train/checkpoint';
import { loadModelDir } from '../train/model-io';
import { readRunConfig, RunConfig } from './run-dir';

export async function loadRunGenerator(runDir: string): Promise<{ G: tf.LayersModel; config: RunConfig; checkpoint: string }> {
  const config = readRunConfig(runDir);
  // the newest intact checkpoint (checked against its manifest); a damaged newest one is skipped with a note
  const found = findCheckpoint(runDir);
  if (!found) throw new Error(`${runDir} has no checkpoint yet (checkpoints/latest.json): train it first`);
  for (const n of found.notes) process.stderr.write(`note: ${n}\n`);
  const checkpoint = found.dir;
  const G = await loadModelDir(path.join(checkpoint, 'G'));
  return { G, config, checkpoint };
}
