/**
 * TensorFlow ops called by name on tfjs-node's backend, for the fused kernels (fused-layers.ts,
 * translator-layers.ts): the backend when it is the active one, and the ops' attributes.
 */
import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-node's backend the kernels use. */
export interface NativeBackend {
  binding: { TF_ATTR_TYPE: number; TF_ATTR_FLOAT: number; TF_ATTR_STRING: number; TF_ATTR_BOOL: number; TF_FLOAT: number };
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: tf.Tensor[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: OpAttr[], inputs: tf.Tensor[], numOutputs: number): tf.Tensor[];
}
export interface OpAttr {
  name: string;
  type: number;
  value: number | string | boolean;
}

/** The native backend when it is the active one, else null. */
export function native(): NativeBackend | null {
  if (tf.getBackend() !== 'tensorflow') return null;
  const be = tf.backend() as unknown as Partial<NativeBackend>;
  return be.binding && be.executeMultipleOutputs ? (be as NativeBackend) : null;
}

export const floatT = (be: NativeBackend, name = 'T'): OpAttr => ({ name, type: be.binding.TF_ATTR_TYPE, value: be.binding.TF_FLOAT });
export const num = (be: NativeBackend, name: string, value: number): OpAttr => ({ name, type: be.binding.TF_ATTR_FLOAT, value });
export const str = (be: NativeBackend, name: string, value: string): OpAttr => ({ name, type: be.binding.TF_ATTR_STRING, value });
export const bool = (be: NativeBackend, name: string, value: boolean): OpAttr => ({ name, type: be.binding.TF_ATTR_BOOL, value });

/** TensorFlow's LeakyReluGrad: dy * (x > 0 ? 1 : alpha), one kernel. */
export function leakyReluGrad(be: NativeBackend, dy: tf.Tensor, x: tf.Tensor, alpha: number): tf.Tensor {
  return be.executeSingleOutput('LeakyReluGrad', [floatT(be), num(be, 'alpha', alpha)], [dy, x]);
}
