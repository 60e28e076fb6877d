/**
 * Metric columns of metrics.json (lib/eval/sample-metrics.ts, lib/eval/hit-rate.ts) in words, for
 * chart titles, and how each pairs with its floor: `<name>_real`, the same measure on real faces
 * (real B vs real A), which is as good as a generator can get on that set.
 */
const WORDS: Record<string, string> = {
  fd_fer: 'Fréchet distance (FER classifier features), lower is better',
  kid_fer: 'Kernel distance KID x1000 (FER classifier features), lower is better',
  fd_inception: 'Fréchet inception distance, lower is better',
  kid_inception: 'Kernel inception distance x1000 (Inception), lower is better',
  swd: 'Sliced Wasserstein distance x1000 (image patches), lower is better',
  hit_rate: "Expression hit-rate (classifier agrees with the run's emotion)",
  hit_prob: "Classifier's probability of the run's emotion",
  cond_hit_rate: 'Conditional hit-rate, mean over the seven emotions',
  cond_p_target: "Conditional: classifier's probability of the asked emotion",
  diversity: 'Diversity (pairwise feature distance), real faces about 1',
};

/** Metric columns in reading order: the distances, then the expression measures, diversity, then the rest by name. */
export function metricOrder(names: readonly string[]): string[] {
  const known = Object.keys(WORDS);
  const rank = (n: string) => (known.includes(n) ? known.indexOf(n) : known.length);
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** A metric column in words (unknown names: underscores as spaces). */
export function metricTitle(name: string): string {
  if (WORDS[name]) return WORDS[name];
  const cond = /^cond_hit_([a-z]+)$/.exec(name);
  if (cond) return `Conditional hit-rate: ${cond[1]}`;
  return name.replace(/_/g, ' ');
}

/** Columns that are not a measure of their own: floors (`_real`), spreads (`_std`), sample counts. */
export function isAuxiliaryMetric(name: string, all: readonly string[]): boolean {
  return /_std$/.test(name) || name === 'eval_n' || (/_real$/.test(name) && all.includes(name.replace(/_real$/, '')));
}
