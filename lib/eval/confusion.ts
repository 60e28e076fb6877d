/** Accuracy and confusion matrices of a classifier's predictions. */
import { EMOTIONS } from '../data/types';

/** Row = true class, column = predicted class, counts. */
export interface Confusion {
  classes: string[];
  matrix: number[][];
  /** Correct / total. */
  accuracy: number;
  /** Per true class: correct / images of that class (NaN when the class has no images). */
  recall: number[];
  total: number;
}

/** Index of the largest of k values starting at row * k. */
export function argmaxRow(probs: ArrayLike<number>, row: number, k: number): number {
  let best = 0, bv = -Infinity;
  for (let c = 0; c < k; c++) {
    const v = probs[row * k + c];
    if (v > bv) (bv = v), (best = c);
  }
  return best;
}

/** Confusion matrix of `labels` (true) against the argmax of `probs` (n x k, row-major). */
export function confusion(labels: ArrayLike<number>, probs: ArrayLike<number>, classes: readonly string[] = EMOTIONS): Confusion {
  const k = classes.length;
  const n = labels.length;
  if (probs.length !== n * k) {
    throw new Error(`confusion: probs has ${probs.length} values, expected labels.length * classes = ${n} * ${k}`);
  }
  const matrix = classes.map(() => new Array<number>(k).fill(0));
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const t = labels[i];
    if (!Number.isInteger(t) || t < 0 || t >= k) throw new Error(`confusion: label ${t} of image ${i} is not a class index 0..${k - 1}`);
    const p = argmaxRow(probs, i, k);
    matrix[t][p]++;
    if (p === t) correct++;
  }
  const recall = matrix.map((row, c) => {
    const s = row.reduce((a, b) => a + b, 0);
    return s === 0 ? NaN : row[c] / s;
  });
  return { classes: [...classes], matrix, accuracy: n === 0 ? NaN : correct / n, recall, total: n };
}

/** Markdown table of a confusion matrix with per-class recall. */
export function confusionMarkdown(c: Confusion): string {
  const head = `| true \\ predicted | ${c.classes.join(' | ')} | recall |`;
  const sep = `|---|${c.classes.map(() => '---:').join('|')}|---:|`;
  const rows = c.matrix.map((row, i) => `| ${c.classes[i]} | ${row.join(' | ')} | ${(100 * c.recall[i]).toFixed(1)}% |`);
  return [head, sep, ...rows].join('\n');
}
