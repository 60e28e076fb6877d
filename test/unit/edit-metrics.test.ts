import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { editMetrics, flatEditMetrics, editMetricsMarkdown, PSNR_CAP } from '../../lib/eval/edit-metrics';
import { writeEditTable } from '../../lib/eval/compare-edits';
import { regionMask } from '../../lib/eval/regions';
import { EMOTIONS } from '../../lib/data';
import { verification, loadIdentityModel, embedFaces, cosine } from '../../lib/eval/identity';
import { trainIdentity } from '../../lib/classify/identity-train';
import { IDENTITY_SPEC, IDENTITY_SMOKE } from '../../experiments/identity';
import { SAMPLE_DIR } from '../../lib/runs/dataset';
import { setupBackend, tempDir } from '../helpers';

const K = EMOTIONS.length;
const S = 48;
const PX = S * S;

/** probabilities: one-hot on class c (n rows). */
function onehots(classes: number[]): Float32Array {
  const p = new Float32Array(classes.length * K);
  classes.forEach((c, i) => (p[i * K + c] = 1));
  return p;
}

test('editMetrics: hit share per target over edits of other expressions, recall on the same real faces, PSNR, change by region', () => {
  const labels = Int32Array.from([3, 4]); // a happy and a sad face
  const inputs = new Uint8Array(2 * PX).fill(100);
  const reconstructions = inputs.slice();
  const mask = regionMask(S);
  const edits = new Uint8Array(2 * K * PX).fill(100);
  for (let j = 0; j < 2 * K; j++) for (let p = 0; p < PX; p++) if (mask[p]) edits[j * PX + p] = 100 + 51; // +0.2 inside only
  // real faces: happy recognised, sad taken for neutral
  const probsReal = onehots([3, 6]);
  // edits: face 0 (happy) -> every target classified as the target; face 1 (sad) -> always 'sad'
  const probsEdits = onehots([...EMOTIONS.map((_, t) => t), ...EMOTIONS.map(() => 4)]);
  const m = editMetrics({ size: S, channels: 1, inputs, labels, reconstructions, edits }, probsReal, probsEdits);
  assert.equal(m.n, 2);
  // target happy: only face 1's edit counts (face 0 is happy already) and it says sad -> 0
  assert.equal(m.hit[3], 0);
  // target sad: only face 0's edit counts, classified sad -> 1
  assert.equal(m.hit[4], 1);
  // target angry: both faces' edits count; face 0's is angry, face 1's says sad -> 0.5
  assert.equal(m.hit[0], 0.5);
  assert.equal(m.real[3], 1);
  assert.equal(m.real[4], 0);
  assert.ok(Number.isNaN(m.real[0])); // no real angry face among these
  assert.ok(Number.isNaN(m.ratio[4])); // recall 0 -> no ratio
  assert.equal(m.ratio[3], 0);
  // angry: no real angry face, so no ratio; the macro means average happy's 0 only
  assert.equal(m.ratio_macro, 0);
  assert.equal(m.ratio_macro_capped, 0);
  assert.equal(m.rec_psnr, PSNR_CAP);
  assert.ok(Math.abs(m.change_inside - 0.2) < 1e-9);
  assert.equal(m.change_outside, 0);
  const flat = flatEditMetrics(m);
  assert.equal(flat.edit_hit_sad, 1);
  assert.equal(flat.edit_n, 2);
  assert.match(editMetricsMarkdown(m, 'fixture'), /\| sad \| 1\.000 \| 0\.000 \| n\/a \|/);
});

test('editMetrics: over-producing one expression raises the plain macro ratio but not the capped one', () => {
  const labels = Int32Array.from([3, 3, 6, 6]); // two happy, two neutral faces
  const inputs = new Uint8Array(4 * PX).fill(90);
  const probsReal = onehots([3, 6, 6, 6]); // happy recall 0.5, neutral recall 1
  const probsEdits = onehots(new Array(4 * K).fill(3)); // every edit reads as happy
  const m = editMetrics({ size: S, channels: 1, inputs, labels, reconstructions: inputs.slice(), edits: new Uint8Array(4 * K * PX).fill(90) }, probsReal, probsEdits);
  assert.equal(m.ratio[3], 2); // both neutral faces' happy edits hit, against a recall of 0.5
  assert.equal(m.ratio[6], 0);
  assert.equal(m.ratio_macro, 1);
  assert.equal(m.ratio_macro_capped, 0.5);
  assert.equal(flatEditMetrics(m).edit_ratio_macro_capped, 0.5);
  assert.match(editMetricsMarkdown(m, 'fixture'), /\| macro, each ratio capped at 1 \| \| \| 0\.500 \|/);
});

test('compare: edits.md sets a translator run and an inversion run side by side with the same columns', () => {
  const dir = tempDir();
  const mk = (name: string, experiment: string, method: string, ratio: number) => {
    const d = path.join(dir, name);
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify({ experiment }));
    fs.writeFileSync(path.join(d, 'metrics.json'), JSON.stringify({ edit_n: 100, edit_ratio_macro: ratio, edit_ratio_macro_capped: Math.min(ratio, 0.8), edit_hit_macro: ratio / 2, edit_hit_real_macro: 0.5, edit_rec_psnr: 30.123, edit_change_inside: 0.05, edit_change_outside: 0.01, edit_ratio_happy: ratio, edits: { method, steps: 300 } }));
    return d;
  };
  const a = mk('t', 'fer-translate', 'translate', 0.9);
  const b = mk('c', 'fer-conditional', 'invert', 0.2);
  const none = path.join(dir, 'plain');
  fs.mkdirSync(none);
  fs.writeFileSync(path.join(none, 'metrics.json'), JSON.stringify({ fd_fer: 1 }));
  const r = writeEditTable([a, b, none], ['t', 'c', 'plain'], path.join(dir, 'out'))!;
  assert.equal(r.rows.length, 2);
  assert.deepEqual(r.rows.map((x) => x.method), ['translator', 'inversion (300 steps)']);
  assert.deepEqual(Object.keys(r.rows[0]), Object.keys(r.rows[1]));
  const md = fs.readFileSync(r.md, 'utf8');
  assert.match(md, /\|t\|fer-translate\|translator\|100\|0\.9\|0\.8\|0\.45\|0\.5\|30\.12\|5\|1\|/);
  assert.equal(writeEditTable([none], ['plain'], path.join(dir, 'out2')), null);
});

test('identity verification: AUC 1 and EER 0 for separable embeddings, 0.5-ish AUC for identical ones', () => {
  // two identities, embeddings pointing along x or y
  const d = 2;
  const data = Float32Array.from([1, 0, 0.99, 0.14, 0, 1, 0.14, 0.99]);
  const v = verification({ data, d }, Int32Array.from([1, 1, 2, 2]));
  assert.equal(v.auc, 1);
  assert.equal(v.eer, 0);
  assert.equal(v.pairs_same, 2);
  assert.equal(v.pairs_diff, 4);
  const same = verification({ data: new Float32Array(8).fill(0.5), d }, Int32Array.from([1, 1, 2, 2]));
  assert.equal(same.auc, 0.5);
  assert.throws(() => verification({ data, d }, Int32Array.from([1, 2, 3, 4])), /needs pairs of the same and of different identities/);
});

test('identity-embed trains on the bundled CelebA sample (tiny net) and saves a loadable model with its verification numbers', async () => {
  await setupBackend();
  const out = tempDir();
  const r = await trainIdentity(path.join(SAMPLE_DIR, 'celeba'), { ...IDENTITY_SPEC, ...IDENTITY_SMOKE }, out);
  for (const k of ['verification_auc', 'verification_eer', 'same_mean', 'diff_mean']) assert.equal(typeof r.metrics[k], 'number', k);
  assert.ok((r.metrics.held_out_faces as number) > 0);
  const m = await loadIdentityModel(out);
  assert.ok(m);
  const e = await embedFaces(m!.net, { data: new Uint8Array(2 * PX).fill(90), n: 2, height: S, width: S });
  assert.equal(e.data.length, 2 * e.d);
  assert.ok(Math.abs(cosine(e.data, 0, e.data, 1, e.d) - 1) < 1e-5);
  m!.net.dispose();
});
