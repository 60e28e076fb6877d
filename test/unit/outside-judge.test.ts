/**
 * tools/outside-judge.ts: Human's emotion model (shipped in the npm package) reads real FER2013 faces of the bundled
 * sample far above chance, in the project's expression order, and its ratio report judges a translator's edits.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { loadOutsideJudge, outsideProbs } from '../../tools/outside-judge';
import { loadFer2013, EMOTIONS } from '../../lib/data';
import { SAMPLE_DIR } from '../../lib/runs/dataset';
import { setupBackend } from '../helpers';

test.before(setupBackend);

test('outside judge: probabilities per face sum to 1, and it reads the sample\'s real test faces far above chance', async () => {
  const faces = await loadFer2013({ path: path.join(SAMPLE_DIR, 'fer2013'), split: 'test' });
  const judge = await loadOutsideJudge();
  const k = EMOTIONS.length;
  const p = await outsideProbs(judge, faces.data, faces.n, 48, 32);
  let hits = 0;
  for (let i = 0; i < faces.n; i++) {
    const row = Array.from(p.subarray(i * k, (i + 1) * k));
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-3, `face ${i}: probabilities sum to ${row.reduce((a, b) => a + b, 0)}`);
    if (row.indexOf(Math.max(...row)) === faces.labels![i]) hits++;
  }
  // 7 expressions: chance is 1/7; the model was trained on FER2013 (so it may know these faces: an outside check only)
  assert.ok(hits / faces.n > 0.35, `outside judge accuracy ${hits}/${faces.n}`);
  judge.dispose();
});
