/**
 * The expression judge for edits and hit-rates: the FER2013 classifier of lib/eval (issue 5) when
 * its code and trained weights are present, else nothing (callers then say "classifier not
 * available" and carry on). Loaded at run time so lib/edit works without lib/eval.
 */
import * as fs from 'fs';
import * as path from 'path';

/** What the edit code needs from a classifier. */
export interface ExpressionJudge {
  /** Where the weights came from. */
  dir: string;
  /** Test accuracy recorded with the weights, when known. */
  accuracy: number | null;
  /** Class probabilities (n x 7, EMOTIONS order) of uint8 48x48x1 images. */
  classify(images: { data: Uint8Array; n: number; height: number; width: number; channels: number }): Promise<Float32Array>;
  dispose(): void;
}

interface ClassifierModule {
  loadClassifier(dir?: string): Promise<{ model: { dispose(): void }; heads: { dispose(): void }; dir: string; info: Record<string, unknown> | null }>;
  classify(clf: unknown, im: unknown, opts?: { tta?: boolean }): Promise<{ probs: Float32Array }>;
}

interface InputModule {
  toClassifierInput(im: { data: Uint8Array; n: number; height: number; width: number; channels: number }): { data: Uint8Array; n: number; height: number; width: number; channels: number };
}

const EVAL_DIR = path.join(__dirname, '..', 'eval');

function moduleExists(name: string): boolean {
  return ['.ts', '.js'].some((ext) => fs.existsSync(path.join(EVAL_DIR, name + ext)));
}

/** The classifier, or null with the reason ("classifier not available: ..."). */
export async function loadJudge(dir?: string): Promise<{ judge: ExpressionJudge | null; reason: string | null }> {
  if (!moduleExists('classifier')) return { judge: null, reason: 'classifier not available: lib/eval/classifier.ts is missing' };
  let mod: ClassifierModule;
  let input: InputModule | null = null;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(path.join(EVAL_DIR, 'classifier')) as ClassifierModule;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    if (moduleExists('classifier-input')) input = require(path.join(EVAL_DIR, 'classifier-input')) as InputModule;
  } catch (e) {
    return { judge: null, reason: `classifier not available: lib/eval/classifier.ts did not load (${(e as Error).message.split('\n')[0]})` };
  }
  let clf: Awaited<ReturnType<ClassifierModule['loadClassifier']>>;
  try {
    clf = await mod.loadClassifier(dir);
  } catch (e) {
    return { judge: null, reason: `classifier not available: ${(e as Error).message.split('\n')[0]}` };
  }
  const acc = clf.info?.accuracy;
  return {
    reason: null,
    judge: {
      dir: clf.dir,
      accuracy: typeof acc === 'number' ? acc : null,
      classify: async (im) => (await mod.classify(clf, input ? input.toClassifierInput(im) : im)).probs,
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
