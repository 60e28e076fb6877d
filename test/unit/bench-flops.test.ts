/**
 * The benchmark's analytic FLOP count (tools/bench/flops.ts): it describes the nets we actually
 * build, and it gives the same count as the peer script (dcgan_torch.py) when a Python with torch
 * is available (FACEGAN_PYTHON or .venv-bench).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import { buildGenerator, buildDiscriminator } from '../../lib/models/dcgan';
import { convLayers, modelConvLayers, stepFlopsPerImage, executedStepFlopsPerImage, forwardFlops } from '../../tools/bench/flops';
import { BENCH_NETS, NET_NAMES, netSpec } from '../../tools/bench/nets';
import { findPeerPython, peerScript } from '../../tools/bench/peer';
import { exec } from '../../lib/native/exec';
import { setupBackend } from '../helpers';

test.before(setupBackend);

test('the FLOP model lists the conv layers of the G and D that lib/models/dcgan.ts builds', () => {
  for (const name of NET_NAMES) {
    const spec = BENCH_NETS[name];
    const G = buildGenerator(spec, 1);
    const D = buildDiscriminator(spec, 2);
    const want = convLayers(spec);
    assert.deepEqual(modelConvLayers(G), want.G, `${name} G`);
    assert.deepEqual(modelConvLayers(D), want.D, `${name} D`);
    // G ends at the image size, D at one logit.
    assert.equal(want.G[want.G.length - 1].hout, spec.size);
    assert.equal(want.D[want.D.length - 1].hout, 1);
    G.dispose();
    D.dispose();
  }
});

test('executed FLOPs: lean = tutorial - D weight gradients in G\'s update; plain adds a G forward; unfused adds D layer-1 input gradients', () => {
  for (const name of NET_NAMES) {
    const spec = BENCH_NETS[name];
    const f = forwardFlops(spec);
    assert.equal(executedStepFlopsPerImage(spec, 'unfused') - stepFlopsPerImage(spec), 2 * f.fwdD1);
    assert.equal(executedStepFlopsPerImage(spec, 'plain') - executedStepFlopsPerImage(spec, 'lean'), f.fwdG);
    assert.equal(stepFlopsPerImage(spec) - executedStepFlopsPerImage(spec, 'lean'), f.fwdD);
    // The tutorial step is ~9 D forwards + 3 G forwards.
    const approx = 9 * f.fwdD + 3 * f.fwdG;
    assert.ok(Math.abs(stepFlopsPerImage(spec) - approx) / approx < 0.02);
  }
  assert.throws(() => netSpec('celeba128'), /unknown net "celeba128", expected one of celeba64, fer48/);
});

test('the FLOP count equals the peer script\'s (dcgan_torch.py) for both nets', async (t) => {
  const py = await findPeerPython();
  if (!py.ok) return t.skip(`no peer Python: ${py.why}`);
  if (!fs.existsSync(peerScript())) return t.skip(`peer script not found: ${peerScript()}`);
  for (const name of NET_NAMES) {
    const r = await exec(py.python, [peerScript(), '--config', name, '--batch', '2', '--warmup', '0', '--steps', '1', '--threads', '1', '--json'], { timeoutMs: 300_000 });
    const line = r.stdout.split('\n').find((l) => l.startsWith('JSON '));
    assert.ok(line, `peer run failed: ${r.stderr.slice(-500)}`);
    const peer = JSON.parse(line.slice(5)) as { flops_per_step: number; fwd_mflop_per_image_G: number; fwd_mflop_per_image_D: number };
    const spec = BENCH_NETS[name];
    assert.equal(stepFlopsPerImage(spec) * 2, peer.flops_per_step, name);
    const f = forwardFlops(spec);
    assert.ok(Math.abs(f.fwdG / 1e6 - peer.fwd_mflop_per_image_G) < 1e-6, `${name} fwd G`);
    assert.ok(Math.abs(f.fwdD / 1e6 - peer.fwd_mflop_per_image_D) < 1e-6, `${name} fwd D`);
  }
});
