/**
 * Steps the bench can time: 'lean' (the trainer's: G forward once, fused kernels), 'plain' (G
 * forward twice: trainStep's gForward 'twice'), 'unfused' (the trainer's step on tfjs's stock
 * layers, kernels 'stock'), 'eigen' (the trainer's step with libtensorflow's oneDNN kernels off,
 * TF_ENABLE_ONEDNN_OPTS=0, i.e. what TensorFlow's default gives on CPUs without AVX512_VNNI).
 */
export type StepVariant = 'lean' | 'plain' | 'unfused' | 'eigen';
export const STEP_VARIANTS: readonly StepVariant[] = ['lean', 'plain', 'unfused', 'eigen'];
