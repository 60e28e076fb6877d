/**
 * Chart fixes of the notebooks: counts labelled as plain thousands (7,215, not 7.22e+3) on bars as
 * wide as their labels; notebook 04's metrics in one faceted chart, titled in words, each metric
 * beside its floor (the same measure on real faces).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { barChartSpec, renderSvg, textWidth } from '../../lib/viz';
import { metricChartRows } from '../../lib/notebook/views/compare-views';
import type { RunRow } from '../../lib/runs/table';

test('bar labels of whole numbers are plain thousands, and each bar is at least as wide as its label', async () => {
  const rows = ['angry', 'disgust', 'happy'].flatMap((emotion, i) =>
    ['Training', 'PublicTest', 'PrivateTest'].map((split, j) => ({ emotion, split, images: [3995, 436, 7215][i] - j * 113 })),
  );
  const spec = barChartSpec(rows, { x: 'emotion', y: 'images', color: 'split' }) as unknown as { width: number };
  const svg = await renderSvg(spec as never);
  assert.match(svg, />7,215</, 'the count as 7,215');
  assert.doesNotMatch(svg, /e\+\d/, 'no exponent notation');
  const widest = textWidth('7,215', 10);
  assert.ok(spec.width / (3 * 3) >= widest, `bar width ${spec.width / 9} < label width ${widest}`);
  // fractions keep 3 significant digits
  assert.match(await renderSvg(barChartSpec([{ run: 'a', v: 0.123456 }, { run: 'b', v: 1234.5 }], { x: 'run', y: 'v' })), />0\.123<.*>1,230</s);
});

test('metric chart rows: names in words, each value beside its floor, spreads and counts left out', () => {
  const row = (run: string, fd: number): RunRow => ({ run, experiment: run, fd_fer: fd, fd_fer_real: 1.7, kid_fer: 300, kid_fer_std: 15, kid_fer_real: -0.6, hit_rate: 0.4, eval_n: 218 });
  const rows = metricChartRows([row('fer-happy', 20), row('fer-sad', 30)]);
  const metrics = [...new Set(rows.map((r) => r.metric))];
  assert.deepEqual(metrics, [
    'Fréchet distance (FER classifier features), lower is better',
    'Kernel distance KID x1000 (FER classifier features), lower is better',
    "Expression hit-rate (classifier agrees with the run's emotion)",
  ]);
  const fd = rows.filter((r) => r.metric === metrics[0]);
  assert.deepEqual(fd.map((r) => [r.run, r['measured on'], r.value]), [
    ['fer-happy', 'generated faces', 20], ['fer-happy', 'real faces (floor)', 1.7],
    ['fer-sad', 'generated faces', 30], ['fer-sad', 'real faces (floor)', 1.7],
  ]);
  assert.equal(rows.filter((r) => r.metric === metrics[2]).length, 2, 'hit-rate has no floor column here: generated only');
});
