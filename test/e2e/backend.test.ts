/**
 * Backend selection (lib/backend.ts) and the native setup (lib/native). Each selection runs in a
 * child process, since a tfjs engine can load a native backend only once.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BACKEND_ORDER, describeBackend, initBackend, BackendInfo } from '../../lib/backend';
import { bindingFile, packageDir } from '../../lib/native/paths';
import { probeNative } from '../../lib/native/probe';
import { setupNative } from '../../tools/native/setup';
import { tempDir } from '../helpers';

const ROOT = path.resolve(__dirname, '..', '..');

interface ChildResult {
  status: number | null;
  stderr: string;
  out: unknown;
}

/** Runs JS `code` (which may require ./lib/*.ts) in a fresh Node with tsx; parses its `RESULT {json}` line. */
function child(code: string, env: Record<string, string | undefined> = {}): ChildResult {
  const base = { ...process.env };
  delete base.FACEGAN_BACKEND; // the test runner's cpu phase sets it; each test decides
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], {
    cwd: ROOT,
    env: { ...base, TF_CPP_MIN_LOG_LEVEL: '2', ...env },
    encoding: 'utf8',
    timeout: 180_000,
  });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('RESULT '));
  return { status: r.status, stderr: r.stderr ?? '', out: line ? JSON.parse(line.slice(7)) : undefined };
}

const SELECT = `
  const tf = require('@tensorflow/tfjs');
  const { initBackend, describeBackend } = require('./lib/backend');
  initBackend().then(
    (info) => console.log('RESULT ' + JSON.stringify({ info, active: tf.getBackend(), line: describeBackend(info) })),
    (e) => console.log('RESULT ' + JSON.stringify({ error: e.message })),
  );`;

/** Whether tfjs-node's binding works here (checked once, in a child). */
const nativeOk = probeNative('@tensorflow/tfjs-node').then((p) => p.ok);

test('auto selection reports the backend it activated, and native when the binding works', async () => {
  const r = child(SELECT);
  const { info, active, line } = r.out as { info: BackendInfo; active: string; line: string };
  assert.ok(info, `child failed: ${r.stderr}`);
  assert.equal(info.tfBackend, active, 'tfBackend must be tf.getBackend() after selection');
  assert.ok(BACKEND_ORDER.includes(info.name));
  // Everything tried before the chosen one comes earlier in the order, with a reason.
  for (const t of info.tried) {
    assert.ok(BACKEND_ORDER.indexOf(t.name as never) < BACKEND_ORDER.indexOf(info.name));
    assert.ok(t.error.length > 0);
  }
  assert.match(line, new RegExp(`^${info.name} \\(tf '${active}'`));
  assert.ok(!line.includes('\n'));
  if (await nativeOk) {
    assert.ok(info.name === 'node' || info.name === 'node-gpu', `native works, but chose ${info.name}`);
    assert.equal(active, 'tensorflow');
    assert.match(info.versions.libtensorflow, /^\d+\.\d+/);
    assert.equal(info.threads, Number(process.env.TF_NUM_INTRAOP_THREADS || os.availableParallelism()));
    assert.doesNotMatch(r.stderr, /falling back to the slow pure-JS/);
  } else {
    assert.ok(info.name === 'wasm' || info.name === 'cpu');
    if (info.name === 'cpu') assert.match(r.stderr, /falling back to the slow pure-JS cpu backend.*npm run setup:native/);
  }
});

test('native runs with oneDNN on unless TF_ENABLE_ONEDNN_OPTS=0, says so, and takes the sub-pixel convT only without it', async (t) => {
  if (!(await nativeOk)) return t.skip('native binding not built here');
  const code = `
    const { initBackend, describeBackend, nativeOneDnn } = require('./lib/backend');
    const { fastConvTransposeApplies } = require('./lib/kernels/conv-transpose');
    initBackend({ backend: 'node' }).then((info) => console.log('RESULT ' + JSON.stringify({
      line: describeBackend(info), onednn: info.versions.onednn, flag: nativeOneDnn(), env: process.env.TF_ENABLE_ONEDNN_OPTS,
      subpixel: fastConvTransposeApplies([2, 3, 3, 8], [4, 4, 16, 8], 2, 'same'),
    })));`;
  const on = child(code, { TF_ENABLE_ONEDNN_OPTS: undefined }).out as Record<string, unknown>;
  assert.ok(on, 'child failed');
  assert.deepEqual([on.onednn, on.flag, on.env, on.subpixel], ['on', true, '1', false]);
  assert.match(on.line as string, /libtensorflow [\d.]+ \(oneDNN on\)/);
  const off = child(code, { TF_ENABLE_ONEDNN_OPTS: '0' }).out as Record<string, unknown>;
  assert.deepEqual([off.onednn, off.flag, off.env, off.subpixel], ['off', false, '0', true]);
  assert.match(off.line as string, /\(oneDNN off\)/);
});

test('FACEGAN_BACKEND=cpu forces the pure-JS backend, without the fallback warning', () => {
  const r = child(SELECT, { FACEGAN_BACKEND: 'cpu' });
  const { info, active } = r.out as { info: BackendInfo; active: string };
  assert.ok(info, `child failed: ${r.stderr}`);
  assert.equal(info.name, 'cpu');
  assert.equal(active, 'cpu');
  assert.equal(info.threads, 1);
  assert.match(info.reason, /FACEGAN_BACKEND=cpu/);
  assert.deepEqual(info.tried, []);
  assert.doesNotMatch(r.stderr, /falling back/);
});

test('an explicitly requested backend that cannot load is a clear error', async (t) => {
  const gpuDir = packageDir('@tensorflow/tfjs-node-gpu');
  const unavailable: string[] = [];
  try {
    require.resolve('@tensorflow/tfjs-backend-wasm');
  } catch {
    unavailable.push('wasm');
  }
  if (gpuDir === null || !fs.existsSync(bindingFile(gpuDir))) unavailable.push('node-gpu');
  if (!(await nativeOk)) unavailable.push('node');
  if (unavailable.length === 0) return t.skip('every backend loads here');
  for (const name of unavailable) {
    const r = child(SELECT, { FACEGAN_BACKEND: name });
    const { error } = (r.out ?? {}) as { error?: string };
    assert.ok(error, `FACEGAN_BACKEND=${name} should fail here; got ${JSON.stringify(r.out)} ${r.stderr}`);
    assert.match(error, new RegExp(`^FACEGAN_BACKEND=${name}: the ${name} backend cannot be used: .+\\. Fix: `));
    if (name === 'node') assert.match(error, /npm run setup:native/);
    if (name === 'node-gpu') assert.match(error, /CUDA 11\.2.*cuDNN 8\.1/);
  }
});

test('an unknown backend name is rejected with the allowed values', async () => {
  await assert.rejects(initBackend({ backend: 'tpu' }), /initBackend\(\{ backend \}\)="tpu": expected one of node-gpu, node, wasm, cpu/);
});

test('describeBackend is one line naming the backend, tf backend and reason', () => {
  const info: BackendInfo = {
    name: 'node',
    tfBackend: 'tensorflow',
    reason: 'fastest that loads',
    tried: [],
    threads: 2,
    versions: { tfjs: '4.22.0', libtensorflow: '2.21.0' },
  };
  assert.equal(describeBackend(info), "node (tf 'tensorflow', libtensorflow 2.21.0, tfjs 4.22.0, 2 threads): fastest that loads");
});

const GRADS = `
  const tf = require('@tensorflow/tfjs');
  const { initBackend } = require('./lib/backend');
  const det = (shape, seed) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return tf.tensor(Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed)), shape);
  };
  const grads = () => tf.tidy(() => {
    // DCGAN-shaped: 4x4 kernels, stride 2, 'same'.
    const [gx, gw] = tf.grads((x, w) => tf.conv2d(x, w, 2, 'same').square().sum())([det([2, 8, 8, 3], 1), det([4, 4, 3, 5], 2)]);
    const [gy, gwt] = tf.grads((y, w) => tf.conv2dTranspose(y, w, [2, 8, 8, 2], 2, 'same').square().sum())(
      [det([2, 4, 4, 5], 3), det([4, 4, 2, 5], 4)]);
    const [ga, gb] = tf.grads((a, b) => tf.matMul(a, b).square().sum())([det([6, 9], 5), det([9, 4], 6)]);
    const out = {};
    for (const [k, t] of Object.entries({ gx, gw, gy, gwt, ga, gb })) out[k] = Array.from(t.dataSync());
    return out;
  });
  (async () => {
    const info = await initBackend({ backend: 'node' });
    const native = grads();
    const nativeBackend = tf.getBackend();
    await tf.setBackend('cpu');
    console.log('RESULT ' + JSON.stringify({ name: info.name, nativeBackend, native, cpu: grads() }));
  })().catch((e) => console.log('RESULT ' + JSON.stringify({ error: e.message })));`;

test('conv2d, conv2dTranspose and matMul gradients on native equal the cpu backend', async (t) => {
  if (!(await nativeOk)) return t.skip('tfjs-node binding not available here (npm run setup:native)');
  const r = child(GRADS);
  const out = r.out as { error?: string; nativeBackend: string; native: Record<string, number[]>; cpu: Record<string, number[]> };
  assert.ok(out && !out.error, `child failed: ${out?.error ?? r.stderr}`);
  assert.equal(out.nativeBackend, 'tensorflow');
  for (const key of ['gx', 'gw', 'gy', 'gwt', 'ga', 'gb']) {
    const a = out.native[key];
    const b = out.cpu[key];
    assert.equal(a.length, b.length, key);
    const scale = Math.max(1, ...b.map(Math.abs));
    const maxDiff = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    assert.ok(b.some((v) => Math.abs(v) > 1e-3), `${key}: cpu gradient is all ~0, the check would be vacuous`);
    assert.ok(maxDiff / scale < 1e-4, `${key}: native vs cpu differ by ${maxDiff} (scale ${scale})`);
  }
});

test('setup:native is a fast no-op when the binding already works', async (t) => {
  if (!(await nativeOk)) return t.skip('tfjs-node binding not available here; a build is too slow for a unit test');
  const logFile = path.join(tempDir('facegan-setup-'), 'setup.log');
  const r = await setupNative({ offline: true, logFile });
  assert.equal(r.ok, true, r.error);
  assert.equal(r.route, 'already-working');
  assert.deepEqual(r.steps.map((s) => s.name), ['check existing binding']);
  assert.ok(r.totalMs < 60_000);
});

/**
 * `npm run --silent experiment` (one smoke iteration on the bundled sample) in a terminal, as a user
 * runs it: script(1) gives it a pty, and its output is the terminal's (stdout and stderr together).
 */
function inTerminal(env: Record<string, string>): { status: number | null; out: string } {
  const out = tempDir('facegan-tflog-');
  const cmd = `npm run --silent experiment -- fer-happy --preset smoke --max-steps 1 --no-eval --no-progress --out '${path.join(out, 'run')}'`;
  const base = { ...process.env };
  for (const k of ['FACEGAN_BACKEND', 'TF_CPP_MIN_LOG_LEVEL', 'FACEGAN_TF_LOG']) delete base[k];
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: ROOT, env: { ...base, ...env }, encoding: 'utf8', timeout: 180_000 });
  return { status: r.status, out: (r.stdout ?? '').replace(/\r\n/g, '\n') };
}
const ABSL_LINE = /WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR/;
const ONEDNN_LINE = /^I\d{4} [\d:.]+\s+\d+ port\.cc:\d+\] oneDNN custom operations are on/m;

test('a run on native prints its backend line (oneDNN on) but not libtensorflow\'s load-time lines; FACEGAN_TF_LOG=1 and TF_CPP_MIN_LOG_LEVEL=0 keep them', async (t) => {
  if (!(await nativeOk)) return t.skip('tfjs-node binding not available here (npm run setup:native)');
  const quiet = inTerminal({});
  assert.equal(quiet.status, 0, quiet.out);
  assert.match(quiet.out, /^backend: node \(tf 'tensorflow', libtensorflow [\d.]+ \(oneDNN on\)/m);
  assert.doesNotMatch(quiet.out, ABSL_LINE);
  assert.doesNotMatch(quiet.out, ONEDNN_LINE);
  assert.match(quiet.out, /stopped: 1 iterations/, 'the run went on writing to the terminal after the load');
  for (const env of [{ FACEGAN_TF_LOG: '1' }, { TF_CPP_MIN_LOG_LEVEL: '0' }] as Record<string, string>[]) {
    const loud = inTerminal(env);
    assert.equal(loud.status, 0, loud.out);
    assert.match(loud.out, ABSL_LINE, JSON.stringify(env));
    assert.match(loud.out, ONEDNN_LINE, JSON.stringify(env));
    assert.match(loud.out, /^backend: node \(tf 'tensorflow'.*\(oneDNN on\)/m);
  }
});
