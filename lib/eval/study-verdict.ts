/**
 * Which of the study's two explanations the numbers support: pairwise comparisons of runs on the
 * sample-quality metrics, each judged against its real-vs-real floor.
 *
 * Per metric a run's distance from real data is scored as
 *   fd_fer, swd: value / floor   (both have a positive finite-sample floor; the ratio puts runs with
 *                                 different real sets, e.g. one emotion vs all faces, colour vs gray
 *                                 patches, on the same footing)
 *   kid_fer:     value - floor   (KID is unbiased, its floor is ~0 +- noise, so a ratio is meaningless)
 * A metric decides for the run with the lower score when the two scores differ by more than
 * `margin` (default 10%) of the larger, and for KID also by more than 2 combined standard
 * deviations; otherwise it is a tie. A run is closer to real data overall when it wins a majority
 * of all compared metrics (ties count against) and more than the other; otherwise the pair ties.
 */

export type MetricRow = Record<string, unknown>;

export const VERDICT_METRICS = ['fd_fer', 'kid_fer', 'swd'] as const;

export interface MetricComparison {
  metric: string;
  scoreA: number;
  scoreB: number;
  /** 'A' | 'B' = that run is closer to real data; 'tie' = within the margin/noise. */
  better: 'A' | 'B' | 'tie';
}

export interface PairOutcome {
  /** 'A' / 'B' = that run wins a majority of the compared metrics; 'tie' otherwise. */
  better: 'A' | 'B' | 'tie';
  comparisons: MetricComparison[];
}

const num = (r: MetricRow, k: string): number | null => (typeof r[k] === 'number' && Number.isFinite(r[k] as number) ? (r[k] as number) : null);

/** A run's score on one metric (lower = closer to real data), or null when missing. */
export function metricScore(r: MetricRow, metric: string): number | null {
  const v = num(r, metric), f = num(r, `${metric}_real`);
  if (v === null || f === null) return null;
  if (metric === 'kid_fer') return v - f;
  return f > 0 ? v / f : null;
}

/** Compares runs A and B on VERDICT_METRICS; see the file comment. */
export function comparePair(a: MetricRow, b: MetricRow, margin = 0.1): PairOutcome {
  const comparisons: MetricComparison[] = [];
  for (const m of VERDICT_METRICS) {
    const sa = metricScore(a, m), sb = metricScore(b, m);
    if (sa === null || sb === null) continue;
    const diff = sa - sb;
    let decided = Math.abs(diff) > margin * Math.max(Math.abs(sa), Math.abs(sb));
    if (m === 'kid_fer') {
      const sd = Math.hypot(num(a, 'kid_fer_std') ?? 0, num(b, 'kid_fer_std') ?? 0, num(a, 'kid_fer_real_std') ?? 0, num(b, 'kid_fer_real_std') ?? 0);
      decided = decided && Math.abs(diff) > 2 * sd;
    }
    comparisons.push({ metric: m, scoreA: sa, scoreB: sb, better: !decided ? 'tie' : diff < 0 ? 'A' : 'B' });
  }
  const wa = comparisons.filter((c) => c.better === 'A').length;
  const wb = comparisons.filter((c) => c.better === 'B').length;
  const need = Math.floor(comparisons.length / 2) + 1;
  return { better: wa >= need && wa > wb ? 'A' : wb >= need && wb > wa ? 'B' : 'tie', comparisons };
}

/** "fd_fer 3.10x vs 2.05x floor, kid_fer +12.3 vs +8.1, swd ..." */
export function describeComparisons(o: PairOutcome, nameA: string, nameB: string): string {
  const f = (m: string, s: number) => (m === 'kid_fer' ? `${s >= 0 ? '+' : ''}${s.toFixed(2)}` : `${s.toFixed(2)}x`);
  const parts = o.comparisons.map((c) => {
    const who = c.better === 'tie' ? 'tie' : c.better === 'A' ? `${nameA} closer` : `${nameB} closer`;
    return `${c.metric} ${f(c.metric, c.scoreA)} vs ${f(c.metric, c.scoreB)} (${who})`;
  });
  return parts.length ? parts.join('; ') : 'no metrics to compare';
}

/** The verdict on one question, in words. */
export interface Verdict {
  question: string;
  /** 'supports' | 'does not support' | 'contradicts' | 'no data' the explanation. */
  finding: 'supports' | 'does not support' | 'contradicts' | 'no data';
  text: string;
  evidence: string;
}

/**
 * Verdict on an explanation "X is worse than Y": `worse` is the run the explanation predicts to be
 * further from real data (grayscale; the smaller training set), `better` the other.
 */
export function verdictFor(
  question: string, explanation: string,
  worse: { name: string; row: MetricRow } | undefined, better: { name: string; row: MetricRow } | undefined,
  margin = 0.1,
): Verdict {
  if (!worse || !better) return { question, finding: 'no data', text: `${question}: runs missing, no verdict`, evidence: '' };
  const o = comparePair(worse.row, better.row, margin);
  const evidence = describeComparisons(o, worse.name, better.name);
  if (o.comparisons.length === 0) return { question, finding: 'no data', text: `${question}: no metrics computed yet (run npm run evaluate)`, evidence };
  const finding = o.better === 'B' ? 'supports' : o.better === 'A' ? 'contradicts' : 'does not support';
  const how =
    finding === 'supports' ? `${better.name} is closer to real data than ${worse.name}` :
    finding === 'contradicts' ? `${worse.name} is closer to real data than ${better.name}` :
    `${worse.name} and ${better.name} are equally far from real data (within ${Math.round(margin * 100)}% / noise)`;
  const verb = { supports: 'support', contradicts: 'contradict', 'does not support': 'do not support' }[finding];
  return { question, finding, text: `${question}: the numbers ${verb} "${explanation}": ${how}`, evidence };
}
