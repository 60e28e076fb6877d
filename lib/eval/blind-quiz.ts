/**
 * A blind naming quiz for a translator (issue #23's "expressions a person can name without the labels"): real
 * faces, each edited to every expression, shown with each row's edits in a seeded random order and no labels. A
 * person writes down what they see (and what the real face shows); `scoreQuiz` compares that with the hidden key.
 *
 * The score is the same kind of number as the classifier's: the share of edits named as their target, set against
 * the share of real faces named as their own label by the same person (FER2013's labels are noisy: people agree with
 * them about 65% of the time). The edit to the face's own expression is left out of the edit score (it should be the
 * face unchanged, so naming it only repeats the real face's reading).
 *
 * Answers file: one line per row, in row order: the real face's expression, then the expression of each numbered
 * cell 1..k; names or unambiguous prefixes (an, di, fe, ha, sa, su, ne), "?" for "cannot tell" (counted wrong).
 * Blank lines and lines starting with # are skipped; "3:" or "row 3:" in front of a line is allowed.
 */
import { Rng } from '../rng';

export interface QuizRow {
  /** The real face's label (FER2013) and where it came from. */
  label: number;
  source?: string;
  /** order[j] = the target of cell j + 1. */
  order: number[];
}

export interface QuizKey {
  classes: string[];
  rows: QuizRow[];
  /** What was quizzed (translator, gain, split, seed): recorded for the score's report. */
  about: Record<string, unknown>;
}

/** Picks `perClass` faces of each label (seeded, in a random row order) and a random cell order for each row. */
export function makeQuizKey(labels: ArrayLike<number>, classes: readonly string[], perClass: number, seed: number, sources?: readonly string[]): { key: QuizKey; faces: number[] } {
  const rng = new Rng(seed);
  const byClass: number[][] = classes.map(() => []);
  for (const i of rng.permutation(labels.length)) {
    const l = labels[i];
    if (l >= 0 && l < classes.length && byClass[l].length < perClass) byClass[l].push(i);
  }
  const short = byClass.map((f, c) => (f.length < perClass ? `${classes[c]} (${f.length})` : '')).filter(Boolean);
  if (short.length) throw new Error(`blind quiz: fewer than ${perClass} faces of ${short.join(', ')} in the faces given`);
  const faces = Array.from(rng.shuffle(byClass.flat()));
  const rows = faces.map((i) => ({ label: labels[i], ...(sources ? { source: sources[i] } : {}), order: Array.from(rng.permutation(classes.length)) }));
  return { key: { classes: [...classes], rows, about: {} }, faces };
}

/** Parses an answers file's text against a key; errors name the file, the line and the problem. */
export function parseQuizAnswers(text: string, key: QuizKey, file = 'answers'): number[][] {
  const k = key.classes.length;
  const rows: number[][] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, ln) => {
    const line = raw.replace(/^\s*(row\s*)?\d+\s*:/i, '').trim();
    if (!line || raw.trim().startsWith('#')) return;
    const words = line.split(/[\s,]+/).filter(Boolean);
    if (words.length !== k + 1) throw new Error(`${file}:${ln + 1}: expected ${k + 1} names (the real face, then cells 1..${k}), got ${words.length}: "${raw.trim()}"`);
    rows.push(words.map((w) => {
      if (w === '?') return -1;
      const hits = key.classes.map((c, i) => (c.startsWith(w.toLowerCase()) ? i : -1)).filter((i) => i >= 0);
      if (hits.length !== 1) throw new Error(`${file}:${ln + 1}: "${w}" ${hits.length ? `could be ${hits.map((i) => key.classes[i]).join(' or ')}` : 'is not an expression'} (one of ${key.classes.join(', ')}, or ?)`);
      return hits[0];
    }));
  });
  if (rows.length !== key.rows.length) throw new Error(`${file}: ${rows.length} answer lines for ${key.rows.length} quiz rows`);
  return rows;
}

export interface QuizScore {
  rows: number;
  /** Share of real faces named as their label. */
  real: number;
  realPerClass: number[];
  /** Share of edits (own target left out) named as their target. */
  edits: number;
  editsPerTarget: number[];
  /** Edits named as their target / real faces named as their label (the classifier's hit ratio, read by a person). */
  ratio: number;
  /** confusion[target][named] of the edits (own target left out); named -1 ("?") in the last column. */
  confusion: number[][];
}

export function scoreQuiz(key: QuizKey, answers: number[][]): QuizScore {
  const k = key.classes.length;
  const realHit = new Array(k).fill(0), realN = new Array(k).fill(0);
  const hit = new Array(k).fill(0), n = new Array(k).fill(0);
  const confusion = Array.from({ length: k }, () => new Array(k + 1).fill(0));
  key.rows.forEach((row, r) => {
    const a = answers[r];
    realN[row.label]++;
    if (a[0] === row.label) realHit[row.label]++;
    row.order.forEach((t, j) => {
      if (t === row.label) return;
      n[t]++;
      if (a[j + 1] === t) hit[t]++;
      confusion[t][a[j + 1] >= 0 ? a[j + 1] : k]++;
    });
  });
  const sum = (v: number[]) => v.reduce((s, x) => s + x, 0);
  const real = sum(realHit) / sum(realN);
  const edits = sum(hit) / sum(n);
  return {
    rows: key.rows.length, real, realPerClass: realHit.map((h, c) => (realN[c] ? h / realN[c] : NaN)),
    edits, editsPerTarget: hit.map((h, t) => (n[t] ? h / n[t] : NaN)), ratio: real > 0 ? edits / real : NaN, confusion,
  };
}

export function quizScoreMarkdown(key: QuizKey, s: QuizScore): string {
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
  const k = key.classes.length;
  return [
    `## Blind naming quiz: ${Object.entries(key.about).map(([a, b]) => `${a} ${b}`).join(', ')}`,
    '',
    `${s.rows} real faces x ${k} edits, cells shuffled per row, named without labels (tools/blind-quiz.ts). Chance: ${f(1 / k)}.`,
    '',
    `| | named as their target |`,
    '|---|---:|',
    `| real faces (their FER2013 label) | ${f(s.real)} |`,
    `| edits (own expression left out) | ${f(s.edits)} |`,
    `| **ratio edits / real** | **${f(s.ratio)}** |`,
    '',
    `| target | ${key.classes.join(' | ')} |`,
    `|---|${key.classes.map(() => '---:').join('|')}|`,
    `| real faces | ${s.realPerClass.map(f).join(' | ')} |`,
    `| edits | ${s.editsPerTarget.map(f).join(' | ')} |`,
    '',
    'Edits: target (rows) named as (columns):',
    '',
    `| target | ${key.classes.join(' | ')} | ? |`,
    `|---|${key.classes.map(() => '---:').join('|')}|---:|`,
    ...s.confusion.map((r, t) => `| ${key.classes[t]} | ${r.join(' | ')} |`),
    '',
  ].join('\n');
}
