/**
 * A fixed check of a trained classifier that anyone can rerun: its accuracy on the bundled
 * sample's FER2013 test faces (data/sample/fer2013, 20 per emotion). Stored in the model's
 * metrics.json as `check`, so a test can confirm that shipped weights load and compute exactly
 * what they computed when they were trained.
 */
import * as path from 'path';
import { loadFer2013 } from '../data';
import { SAMPLE_DIR } from '../runs/dataset';
import { classify, FerClassifier } from './classifier';
import { confusion } from './confusion';

/** The check selection: the sample's test split, all 140 faces. */
export const CLASSIFIER_CHECK = { split: 'test' as const, limit: 140, seed: 0 };

/** Accuracy of `clf` on the check selection of the FER2013 folder `dataPath` (default: the bundled sample). */
export async function classifierCheck(clf: FerClassifier, dataPath = path.join(SAMPLE_DIR, 'fer2013')): Promise<{ selection: string; images: number; accuracy: number }> {
  const set = await loadFer2013({ path: dataPath, ...CLASSIFIER_CHECK });
  const { probs } = await classify(clf, set);
  return { selection: `${set.name} (data/sample/fer2013)`, images: set.n, accuracy: confusion(set.labels!, probs).accuracy };
}
