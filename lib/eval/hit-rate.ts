/**
 * Expression hit-rate of a class-conditional run, per target emotion: generate n images per class
 * (in batches that mix all classes, as in training), ask the FER classifier which expression each
 * shows, and record the share that match the requested class and the mean probability of it.
 * Beside each number its ceiling: the classifier's hit-rate on real held-out FER2013 test faces of
 * that emotion (the classifier's recall), so "0.4" can be read against what real faces reach.
 * Written into the run's metrics.json (merged with what is there): `cond_hit_rate`,
 * `cond_hit_rate_real`, `cond_p_target`, and `cond_hit_<emotion>` / `cond_hit_<emotion>_real`.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../rng';
import { loadFer2013 } from '../data';
import { readJson, writeJsonAtomic } from '../io/files';
import { generateLabelled } from '../sample/conditional';
import { ExpressionJudge, argmaxRow, loadJudge } from './judge';
import { loadConditionalRun } from '../runs/load-conditional';

export interface HitRateOptions {
  /** Generated images per class (default 200). */
  nPerClass?: number;
  seed?: number;
  /** A loaded judge; null = skip; default: load the classifier (skip with a note when absent). */
  judge?: ExpressionJudge | null;
  /** FER2013 folder for the real reference (default: the run's data path). */
  dataPath?: string;
  dryRun?: boolean;
  log?: (line: string) => void;
}

export interface HitRateResult {
  /** null when skipped (see `note`). */
  values: Record<string, number> | null;
  perClass: { emotion: string; hitRate: number; pTarget: number; realHitRate: number | null; realN: number }[];
  note: string | null;
}

/** Share of rows whose argmax is `target`, and their mean probability of it (probs: n x k). */
export function hitRate(probs: Float32Array, k: number, target: number): { hitRate: number; pTarget: number } {
  const n = probs.length / k;
  if (!Number.isInteger(n) || n < 1) throw new Error(`hitRate: probs must hold n x ${k} values, n >= 1; got ${probs.length}`);
  let hits = 0, p = 0;
  for (let i = 0; i < n; i++) {
    if (argmaxRow(probs, i, k) === target) hits++;
    p += probs[i * k + target];
  }
  return { hitRate: hits / n, pTarget: p / n };
}

/** Per-emotion hit-rates of a conditional run; merges them into metrics.json unless dryRun. */
export async function evaluateConditionalRun(runDir: string, o: HitRateOptions = {}): Promise<HitRateResult> {
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const nPer = o.nPerClass ?? 200;
  const seed = o.seed ?? 0;
  let judge = o.judge;
  let owned = false;
  if (judge === undefined) {
    const j = await loadJudge();
    if (!j.judge) return { values: null, perClass: [], note: j.reason };
    judge = j.judge;
    owned = true;
  }
  if (judge === null) return { values: null, perClass: [], note: 'classifier not available' };
  const run = await loadConditionalRun(runDir, 'the conditional hit-rate');
  const { spec } = run;
  const k = spec.classes;
  try {
    const labels = Int32Array.from({ length: nPer * k }, (_, i) => i % k);
    const fake = await generateLabelled(run.G, spec, labels, seed);
    const probs = await judge.classify(fake);
    const dataPath = o.dataPath ?? run.config.data.path;
    let test: Awaited<ReturnType<typeof loadFer2013>> | null = null;
    let note: string | null = null;
    try {
      test = await loadFer2013({ path: dataPath, split: 'test' });
    } catch (e) {
      note = `no real reference (FER2013 test split not readable at ${dataPath}: ${(e as Error).message.split('\n')[0]})`;
      log(`note: ${note}`);
    }
    const perClass: HitRateResult['perClass'] = [];
    const values: Record<string, number> = {};
    for (let c = 0; c < k; c++) {
      const rows = new Float32Array(nPer * k);
      let m = 0;
      for (let i = 0; i < labels.length; i++) if (labels[i] === c) rows.set(probs.subarray(i * k, (i + 1) * k), k * m++);
      const h = hitRate(rows, k, c);
      let realHit: number | null = null;
      let realN = 0;
      if (test?.labels) {
        const idx = Array.from(test.labels.keys()).filter((i) => test!.labels![i] === c);
        const pick = new Rng(seed + 17 * c).permutation(idx.length).subarray(0, Math.min(nPer, idx.length));
        realN = pick.length;
        if (realN > 0) {
          const px = test.height * test.width * test.channels;
          const data = new Uint8Array(realN * px);
          pick.forEach((j, t) => data.set(test!.data.subarray(idx[j] * px, (idx[j] + 1) * px), t * px));
          realHit = hitRate(await judge.classify({ data, n: realN, height: test.height, width: test.width, channels: test.channels }), k, c).hitRate;
        }
      }
      const name = spec.classNames[c];
      perClass.push({ emotion: name, hitRate: h.hitRate, pTarget: h.pTarget, realHitRate: realHit, realN });
      values[`cond_hit_${name}`] = h.hitRate;
      if (realHit !== null) values[`cond_hit_${name}_real`] = realHit;
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    values.cond_hit_rate = mean(perClass.map((p) => p.hitRate));
    values.cond_p_target = mean(perClass.map((p) => p.pTarget));
    const reals = perClass.map((p) => p.realHitRate).filter((v): v is number => v !== null);
    if (reals.length === k) values.cond_hit_rate_real = mean(reals);
    if (!o.dryRun) {
      const file = path.join(runDir, 'metrics.json');
      const old = fs.existsSync(file) ? readJson<Record<string, unknown>>(file, 'run metrics') : {};
      writeJsonAtomic(file, {
        ...old,
        ...values,
        eval_conditional: {
          nPerClass: nPer, seed, checkpoint: path.relative(runDir, run.checkpoint), classifier: judge.dir,
          classifierAccuracy: judge.accuracy, backend: tf.getBackend(), note, perClass, evaluatedAt: new Date().toISOString(),
        },
      });
    }
    log(
      `expression hit-rate per target (generated vs real test faces): ` +
        perClass.map((p) => `${p.emotion} ${p.hitRate.toFixed(2)}${p.realHitRate !== null ? `/${p.realHitRate.toFixed(2)}` : ''}`).join(', '),
    );
    return { values, perClass, note };
  } finally {
    run.G.dispose();
    if (owned) judge.dispose();
  }
}
