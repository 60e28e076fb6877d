/** G and D with their Adam optimizers: what a training step updates and a checkpoint saves. */
import * as tf from '@tensorflow/tfjs';
import { Adam } from './adam';
import { trainableVariables } from '../models/dcgan';

export interface GanPair {
  G: tf.LayersModel;
  D: tf.LayersModel;
  optG: Adam;
  optD: Adam;
}

/**
 * G and D with one Adam optimizer each (the given settings, else Adam's defaults). The models are
 * used as they are: the faster kernels are a separate, explicit call (useKernels in lib/kernels/kernels.ts).
 */
export function makeGanPair(G: tf.LayersModel, D: tf.LayersModel, adam?: ConstructorParameters<typeof Adam>[1]): GanPair {
  return { G, D, optG: new Adam(trainableVariables(G), adam), optD: new Adam(trainableVariables(D), adam) };
}
