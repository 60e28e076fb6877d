/**
 * The expression judge for edits and hit-rates: the FER2013 classifier (lib/eval/classifier.ts)
 * with its trained weights, or nothing when the weights are absent (callers then say "classifier
 * not available" and carry on).
 */
import { loadClassifier, classify, FerClassifier, UImages } from './classifier';
import { toClassifierInput } from './classifier-input';

/** What the edit code and the hit-rates need from a classifier. */
export interface ExpressionJudge {
  /** Where the weights came from. */
  dir: string;
  /** Test accuracy recorded with the weights, when known. */
  accuracy: number | null;
  /** Class probabilities (n x 7, EMOTIONS order) of uint8 images (any size and channels: resized to the classifier's input). */
  classify(images: UImages): Promise<Float32Array>;
  dispose(): void;
}

/** The classifier, or null with the reason ("classifier not available: ..."). */
export async function loadJudge(dir?: string): Promise<{ judge: ExpressionJudge | null; reason: string | null }> {
  let clf: FerClassifier;
  try {
    clf = await loadClassifier(dir);
  } catch (e) {
    return { judge: null, reason: `classifier not available: ${(e as Error).message.split('\n')[0]}` };
  }
  const acc = clf.info?.accuracy;
  return {
    reason: null,
    judge: {
      dir: clf.dir,
      accuracy: typeof acc === 'number' ? acc : null,
      classify: async (im) => (await classify(clf, toClassifierInput(im))).probs,
      // `heads` is built from the same layers as `model` (lib/eval/classifier-model.ts): disposing
      // the model frees them; disposing both would dispose the layers twice.
      dispose: () => clf.model.dispose(),
    },
  };
}

/** Index of the largest value of row i of an n x k matrix. */
export function argmaxRow(probs: Float32Array, i: number, k: number): number {
  let best = 0;
  for (let c = 1; c < k; c++) if (probs[i * k + c] > probs[i * k + best]) best = c;
  return best;
}
