/**
 * The photo editor gives the same photo on the pure-JS cpu backend and on wasm (the browser's
 * fallback, and Node's when native TensorFlow is not built): same pipeline, so any difference is a bug.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/backend';
import { SAMPLE_DIR } from '../../lib/runs/dataset';
import { loadTranslator } from '../../lib/edit/translator-model';
import { loadPhotoTools } from '../../lib/edit/photo-edit';
import { readPhoto } from '../../lib/edit/photo-io';
import { editPhoto } from '../../lib/photo/edit-photo';
import { EMOTIONS } from '../../lib/data';

test('cpu and wasm edit a CelebA photo identically (inference mode takes wasm without training kernels)', async () => {
  const dir = path.join(SAMPLE_DIR, 'celeba', 'img_align_celeba');
  const img = (await readPhoto(path.join(dir, fs.readdirSync(dir).sort()[6]))).image;
  const out: Uint8Array[] = [];
  for (const backend of ['wasm', 'cpu']) {
    const b = await initBackend({ backend, inference: true });
    assert.equal(b.tfBackend, backend);
    const T = await loadTranslator();
    const tools = await loadPhotoTools(T, null);
    const r = await editPhoto(img, { detector: tools.detector, editor: tools.editor, targets: [EMOTIONS.indexOf('surprise')], from: EMOTIONS.indexOf('neutral') });
    assert.equal(tf.getBackend(), backend, 'the detector did not switch the backend');
    out.push(r.edits[0].image.data);
    T.G.dispose();
  }
  let diff = 0, max = 0;
  for (let i = 0; i < out[0].length; i++) {
    const d = Math.abs(out[0][i] - out[1][i]);
    if (d) diff++;
    max = Math.max(max, d);
  }
  assert.ok(max <= 1 && diff < 50, `wasm vs cpu: ${diff} values differ, at most by ${max}`);
  await assert.rejects(initBackend({ backend: 'wasm' }), /training needs them/);
});
