/**
 * Adam (lib/train/adam.ts) keeps both moments of all parameters in two flat tensors: the same bits as the
 * per-parameter update it replaced (written out here), and getState / setState per parameter, as checkpoints hold them.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../../lib/train/adam';
import { Rng } from '../../lib/rng';
import { setupBackend } from '../helpers';

test.before(setupBackend);

const shapes = [[3, 3, 2, 4], [4], [7], [5, 6]];

let made = 0;
function params(seed: number): tf.Variable[] {
  made++;
  const rng = new Rng(seed);
  return shapes.map((s, i) => tf.variable(tf.tensor(rng.normals(s.reduce((a, b) => a * b, 1)), s), true, `adam_test_${made}_${i}`));
}

/** The per-parameter update (the code before the flat moments). */
function referenceAdam(ps: tf.Variable[], cfg: Adam['config']) {
  const m: tf.Tensor[] = ps.map((p) => tf.zerosLike(p));
  const v: tf.Tensor[] = ps.map((p) => tf.zerosLike(p));
  let step = 0;
  return (grads: tf.Tensor[]) => {
    step++;
    const bc1 = 1 - Math.pow(cfg.beta1, step);
    const bc2 = 1 - Math.pow(cfg.beta2, step);
    ps.forEach((p, i) => {
      const g = grads[i];
      const mi = tf.keep(m[i].mul(cfg.beta1).add(g.mul(1 - cfg.beta1)));
      const vi = tf.keep(v[i].mul(cfg.beta2).add(g.square().mul(1 - cfg.beta2)));
      m[i] = mi;
      v[i] = vi;
      p.assign(p.sub(mi.div(vi.div(bc2).sqrt().add(cfg.eps)).mul(cfg.lr / bc1)));
    });
    return { m, v };
  };
}

test('flat moments: the same bits as the per-parameter update, and per-parameter state', async () => {
  const cfg = { lr: 2e-3, beta1: 0.5, beta2: 0.999, eps: 1e-8 };
  const a = params(1);
  const b = params(1);
  const opt = new Adam(a, cfg);
  const ref = referenceAdam(b, cfg);
  const rng = new Rng(2);
  let refState = { m: [] as tf.Tensor[], v: [] as tf.Tensor[] };
  for (let it = 0; it < 4; it++) {
    const grads = shapes.map((s) => tf.tensor(rng.normals(s.reduce((x, y) => x * y, 1)).map((x) => x * 10 ** rng.int(4)), s));
    opt.apply(grads);
    refState = ref(grads);
    tf.dispose(grads);
  }
  a.forEach((p, i) => assert.deepEqual(Array.from(p.dataSync()), Array.from(b[i].dataSync()), `param ${i}`));
  const st = await opt.getState();
  assert.equal(st.step, 4);
  st.m.forEach((m, i) => assert.deepEqual(Array.from(m), Array.from(refState.m[i].dataSync()), `m ${i}`));
  st.v.forEach((v, i) => assert.deepEqual(Array.from(v), Array.from(refState.v[i].dataSync()), `v ${i}`));
  // a restored optimiser continues with the same bits
  const c = params(3);
  c.forEach((p, i) => p.assign(a[i]));
  const restored = new Adam(c, cfg);
  restored.setState(st);
  const g = shapes.map((s) => tf.ones(s));
  opt.apply(g);
  restored.apply(g);
  a.forEach((p, i) => assert.deepEqual(Array.from(c[i].dataSync()), Array.from(p.dataSync()), `restored param ${i}`));
  assert.throws(() => restored.setState({ step: 1, m: st.m.slice(1), v: st.v.slice(1) }), /holds 3 moments, the model has 4 parameters/);
  assert.throws(() => restored.setState({ step: 1, m: [st.m[1], st.m[0], ...st.m.slice(2)], v: st.v }), /first moment 0 has 4 values/);
  tf.dispose([...g, ...a, ...b, ...c]);
  opt.dispose();
  restored.dispose();
});
