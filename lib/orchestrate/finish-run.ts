/**
 * The one step after training, for every caller (npm run experiment, npm start, notebooks, the
 * study campaign): what the run was goes into summary.json (beside the status the trainer wrote),
 * then, for a completed run, the metrics: the conditional per-emotion hit-rates (lib/eval/hit-rate.ts)
 * and FD/KID/SWD/diversity via evaluateRun into metrics.json. A metric that fails is a note; it
 * never changes the run's status.
 */
import { TrainSummary } from '../train/trainer';
import { writeRunSummary } from '../train/run-summary';
import { isConditional } from '../models/conditional-spec';
import { evaluateConditionalRun } from '../eval/hit-rate';
import type { RunConfig } from '../runs/run-dir';
import { tensorboardMetrics } from '../train/tb-run';

export interface FinishOptions {
  /**
   * Metrics after a completed run: `{ n }` computes the conditional hit-rates and FD/KID/SWD with n
   * samples; `'hit-rate'` (the default) only the conditional hit-rates; false none.
   */
  evaluate?: { n: number } | 'hit-rate' | false;
  backend: string;
  log: (line: string) => void;
}

export async function finishRun(runDir: string, config: RunConfig, summary: TrainSummary, o: FinishOptions): Promise<void> {
  writeRunSummary(runDir, { experiment: config.experiment, preset: config.preset, backend: o.backend });
  const evaluate = o.evaluate ?? 'hit-rate';
  if (summary.status !== 'completed' || evaluate === false) return;
  if (isConditional(config.spec.model)) {
    // Expression hit-rate per target emotion (needs the FER classifier; skipped with a note without it).
    try {
      const r = await evaluateConditionalRun(runDir, { nPerClass: config.preset === 'smoke' ? 8 : 200, seed: config.seed, log: o.log });
      if (!r.values) o.log(`note: conditional hit-rate skipped: ${r.note}`);
      else tensorboardMetrics(runDir, r.values, o.log);
    } catch (e) {
      o.log(`note: conditional hit-rate failed: ${(e as Error).message}`);
    }
  }
  if (typeof evaluate !== 'object') return;
  try {
    const { evaluateRun } = await import('../eval/evaluate-run');
    const r = await evaluateRun(runDir, { n: evaluate.n, log: o.log });
    o.log(`metrics: ${r.file}`);
  } catch (e) {
    o.log(`warning: metrics not computed (${(e as Error).message}); run npm run evaluate -- ${runDir}`);
  }
}
