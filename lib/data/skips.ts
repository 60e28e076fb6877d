/** Counting and reporting inputs that a loader skipped instead of failing on. */
import type { ImageSet, SkipReport } from './types';

/**
 * One paragraph about what was skipped while loading `set`: the total, the count per reason,
 * and the first few offending files/rows. Empty string when nothing was skipped.
 */
export function formatSkips(set: Pick<ImageSet, 'skipped' | 'name' | 'n'>, maxExamples = 5): string {
  const skipped = set.skipped;
  if (skipped.length === 0) return '';
  const byReason = new Map<string, number>();
  for (const s of skipped) {
    const key = reasonKind(s.reason);
    byReason.set(key, (byReason.get(key) ?? 0) + 1);
  }
  const reasons = [...byReason.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([r, c]) => `${c} x ${r}`)
    .join('; ');
  const examples = skipped
    .slice(0, maxExamples)
    .map((s) => `${s.source} (${s.reason})`)
    .join(', ');
  const more = skipped.length > maxExamples ? `, and ${skipped.length - maxExamples} more` : '';
  return `${set.name}: skipped ${skipped.length} bad input${skipped.length === 1 ? '' : 's'} and loaded ${set.n} image${set.n === 1 ? '' : 's'}. By reason: ${reasons}. First: ${examples}${more}.`;
}

/** The reason without its row/file specific details, for grouping ("wrong pixel count: 2303" -> "wrong pixel count"). */
function reasonKind(reason: string): string {
  const i = reason.indexOf(':');
  return i > 0 ? reason.slice(0, i) : reason;
}

/** Throws when every input was bad, naming the source and the first problems. */
export function assertSomeGood(good: number, skipped: SkipReport[], what: string): void {
  if (good > 0 || skipped.length === 0) return;
  const first = skipped
    .slice(0, 3)
    .map((s) => `${s.source}: ${s.reason}`)
    .join('; ');
  throw new Error(`${what}: all ${skipped.length} inputs are bad, nothing could be loaded. First problems: ${first}`);
}
