/** The layer kernels option (lib/kernels/kernels.ts): explicit, validated, recorded in config.json. */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { useKernels, Kernels } from '../../lib/kernels/kernels';
import { buildGenerator } from '../../lib/models/dcgan';
import { DcganSpec } from '../../lib/models/spec';
import { runExperiment } from '../../lib/orchestrate/run-experiment';
import { readRunConfig } from '../../lib/runs/run-dir';
import { getExperiment } from '../../experiments';
import { setupBackend, tempDir } from '../helpers';

const small: DcganSpec = { size: 48, channels: 1, nz: 100, ngf: 4, ndf: 4 };

test("useKernels: 'stock' leaves a model as built, 'fused' patches it once, anything else is refused", async () => {
  await setupBackend();
  const G = buildGenerator(small, 1);
  assert.equal(useKernels('stock', [G]), 0);
  assert.equal(useKernels('fused', [G]), 12);
  assert.equal(useKernels('fused', [G]), 0, 'already patched');
  assert.throws(() => useKernels('fast' as Kernels, [G]), /kernels must be one of fused, stock, got "fast"/);
  G.dispose();
});

test('runExperiment records the kernels a run trains with in config.json', async () => {
  const backend = await setupBackend();
  const outDir = path.join(tempDir('facegan-kernels-'), 'run');
  const r = await runExperiment({ spec: getExperiment('fer-happy'), preset: 'smoke', backend, outDir, kernels: 'stock', progress: false, log: () => {} });
  assert.equal(r.summary.status, 'completed');
  assert.equal(readRunConfig(outDir).kernels, 'stock');
});
