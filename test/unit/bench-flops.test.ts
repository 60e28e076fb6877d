/**
 * The benchmark's analytic FLOP count (tools/bench/flops.ts): it describes the nets we actually
 * build, and it gives the same count as the peer script (bench/peer/dcgan_torch.py) when a Python
 * with torch is available (FACEGAN_PYTHON or .venv-bench: bench/peer/README.md).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { buildGenerator, buildDiscriminator, countTrainable } from '../../lib/models/dcgan';
import { convLayers, modelConvLayers, stepFlopsPerImage, executedStepFlopsPerImage, forwardFlops } from '../../tools/bench/flops';
import { BENCH_NETS, NET_NAMES, netSpec } from '../../tools/bench/nets';
import { findPeerPython, peerScript } from '../../tools/bench/peer';
import { exec } from '../../lib/native/exec';
import { REPO_ROOT } from '../../lib/native/paths';
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

test('the peer is the repository\'s bench/peer/dcgan_torch.py unless FACEGAN_PEER_SCRIPT names another', () => {
  const before = process.env.FACEGAN_PEER_SCRIPT;
  try {
    delete process.env.FACEGAN_PEER_SCRIPT;
    assert.equal(peerScript(), path.join(REPO_ROOT, 'bench', 'peer', 'dcgan_torch.py'));
    process.env.FACEGAN_PEER_SCRIPT = '/elsewhere/peer.py';
    assert.equal(peerScript(), '/elsewhere/peer.py');
  } finally {
    if (before === undefined) delete process.env.FACEGAN_PEER_SCRIPT;
    else process.env.FACEGAN_PEER_SCRIPT = before;
  }
});

test('the peer script (bench/peer/dcgan_torch.py) builds the same nets: FLOP count and parameter counts for both nets', async (t) => {
  const py = await findPeerPython();
  if (!py.ok) return t.skip(`no peer Python: ${py.why}`);
  for (const name of NET_NAMES) {
    const r = await exec(py.python, [peerScript(), '--config', name, '--batch', '2', '--warmup', '0', '--steps', '1', '--threads', '1', '--json'], { timeoutMs: 300_000 });
    const line = r.stdout.split('\n').find((l) => l.startsWith('JSON '));
    assert.ok(line, `peer run failed: ${r.stderr.slice(-500)}`);
    const peer = JSON.parse(line.slice(5)) as { flops_per_step: number; fwd_mflop_per_image_G: number; fwd_mflop_per_image_D: number; params_G: number; params_D: number; memory_format: string };
    const spec = BENCH_NETS[name];
    const G = buildGenerator(spec, 1);
    const D = buildDiscriminator(spec, 2);
    assert.deepEqual([peer.params_G, peer.params_D], [countTrainable(G), countTrainable(D)], `${name} parameters`);
    G.dispose();
    D.dispose();
    assert.equal(peer.memory_format, 'channels_last', 'PyTorch\'s fastest CPU layout by default');
    assert.equal(stepFlopsPerImage(spec) * 2, peer.flops_per_step, name);
    const f = forwardFlops(spec);
    assert.ok(Math.abs(f.fwdG / 1e6 - peer.fwd_mflop_per_image_G) < 1e-6, `${name} fwd G`);
    assert.ok(Math.abs(f.fwdD / 1e6 - peer.fwd_mflop_per_image_D) < 1e-6, `${name} fwd D`);
  }
});
