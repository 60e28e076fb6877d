/**
 * Runs work as if no gradient tape were recording, although it is called inside a
 * tf.variableGrads: the trick behind the training step's single G forward pass (lib/train/step.ts
 * runs D's whole update inside the tape that records G(z)). It swaps two fields of tfjs-core's
 * engine state that are not in its public typings, so it lives here beside the other code that
 * reaches into tfjs (lib/kernels/fused-layers.ts, conv-transpose.ts).
 */
import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-core's engine state that `outsideTape` swaps (not in its public typings). */
interface TapeState {
  activeTape: unknown[] | null;
  gradientDepth: number;
}

/**
 * Runs `fn` (in the step: D's whole update) unrecorded by the active gradient tape. Without this,
 * tfjs records D's forward and backward kernels on G's tape too (for higher-order gradients nobody
 * asks for) and keeps every tensor they saved until G's gradients are done: at fer48 batch 128
 * that was 2.8 GB peak RSS instead of 1.6 GB. Nothing of D's update needs to be on G's tape: D's
 * gradients are taken w.r.t. D's variables only, and G's loss runs D again afterwards.
 * Falls back to a plain call if the engine does not look as expected.
 */
export function outsideTape<T>(fn: () => T): T {
  const state = (tf.engine() as unknown as { state?: Partial<TapeState> }).state;
  if (!state || !('activeTape' in state) || typeof state.gradientDepth !== 'number') return fn();
  const saved: TapeState = { activeTape: state.activeTape ?? null, gradientDepth: state.gradientDepth };
  state.activeTape = null;
  state.gradientDepth = 0;
  try {
    return fn();
  } finally {
    state.activeTape = saved.activeTape;
    state.gradientDepth = saved.gradientDepth;
  }
}
