/**
 * The photo pipeline (lib/photo) on real faces: CelebA photos from the bundled sample, the shipped
 * translator and the face detector from node_modules. Phone-like photos are made from them
 * (enlarged, off-centre on a bigger background, rotated by EXIF, two faces).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { setupBackend, tempDir } from '../helpers';
import { SAMPLE_DIR } from '../../lib/runs/dataset';
import { loadTranslator } from '../../lib/edit/translator-model';
import { loadPhotoTools, PhotoTools } from '../../lib/edit/photo-edit';
import { alignTransform } from '../../lib/photo/align';
import { ALIGN_INDICES } from '../../lib/photo/landmarks';
import { readPhoto, encodePhoto, loadSharp, codecName } from '../../lib/edit/photo-io';
import { editPhoto } from '../../lib/photo/edit-photo';
import { maskImage } from '../../lib/photo/paste';
import { FER_TEMPLATE } from '../../lib/photo/template';
import { phonePhoto, place, background, resizeRgb, storeWithOrientation } from '../../lib/photo/compose';
import { applyOrientation, readExifOrientation } from '../../lib/photo/exif';
import { fitSimilarity, applySimilarity, invertSimilarity } from '../../lib/photo/transform';
import { RgbImage, NoFaceError } from '../../lib/photo/types';
import { EMOTIONS } from '../../lib/data';

const CELEBA = path.join(SAMPLE_DIR, 'celeba', 'img_align_celeba');
const photos = fs.readdirSync(CELEBA).sort();
let tools: PhotoTools;
const happy = EMOTIONS.indexOf('happy');
/** Tests that need a change name the current expression, so the residual G(x, to) - G(x, from) cannot be zero. */
const surprise = EMOTIONS.indexOf('surprise');
const neutral = EMOTIONS.indexOf('neutral');

test.before(async () => {
  await setupBackend();
  const T = await loadTranslator();
  tools = await loadPhotoTools(T, null);
});

const celeba = async (i: number): Promise<RgbImage> => (await readPhoto(path.join(CELEBA, photos[i]))).image;

/** Pixels of b that differ from a, and those of them where the union of masks is 0. */
function diffOutside(a: RgbImage, b: RgbImage, mask: Float32Array): { changed: number; outside: number } {
  let changed = 0, outside = 0;
  for (let i = 0; i < a.width * a.height; i++) {
    const d = a.data[i * 3] !== b.data[i * 3] || a.data[i * 3 + 1] !== b.data[i * 3 + 1] || a.data[i * 3 + 2] !== b.data[i * 3 + 2];
    if (d) { changed++; if (mask[i] === 0) outside++; }
  }
  return { changed, outside };
}

test('similarity fit recovers a known rotation, scale and shift; its inverse undoes it', () => {
  const t = { a: 0.8 * Math.cos(0.3), b: 0.8 * Math.sin(0.3), tx: 5, ty: -7 };
  const src = [{ x: 1, y: 2 }, { x: 40, y: 9 }, { x: 13, y: 33 }, { x: 25, y: 25 }];
  const fit = fitSimilarity(src, src.map((p) => applySimilarity(t, p)));
  for (const k of ['a', 'b', 'tx', 'ty'] as const) assert.ok(Math.abs(fit[k] - t[k]) < 1e-9, k);
  const back = applySimilarity(invertSimilarity(fit), applySimilarity(fit, src[1]));
  assert.ok(Math.abs(back.x - 40) < 1e-9 && Math.abs(back.y - 9) < 1e-9);
});

test('a CelebA photo: one face found, only pixels inside its mask change, size and colour kept', async () => {
  const img = await celeba(0);
  const r = await editPhoto(img, { detector: tools.detector, editor: tools.editor, targets: [surprise], from: neutral });
  assert.equal(r.detected.length, 1);
  const [x, y, w, h] = r.faces[0].box;
  assert.ok(x > 0 && y > 20 && w > 80 && h > 80 && x + w < 178 && y + h < 218, `box ${r.faces[0].box}`);
  const out = r.edits[0].image;
  assert.deepEqual([out.width, out.height], [178, 218]);
  const d = diffOutside(img, out, maskImage(img.width, img.height, r.faces[0].transform, FER_TEMPLATE));
  assert.ok(d.changed > 1000, `the edit changed ${d.changed} pixels`);
  assert.equal(d.outside, 0, 'no pixel outside the face mask changes');
  // chroma kept: every changed pixel moved R, G and B by the same amount (unless clipped at 0/255)
  let sameShift = 0, total = 0;
  for (let i = 0; i < img.data.length; i += 3) {
    const dr = out.data[i] - img.data[i], dg = out.data[i + 1] - img.data[i + 1], db = out.data[i + 2] - img.data[i + 2];
    const clipped = [0, 1, 2].some((c) => out.data[i + c] === 0 || out.data[i + c] === 255);
    if ((dr || dg || db) && !clipped) { total++; if (dr === dg && dg === db) sameShift++; }
  }
  assert.ok(total > 1000);
  assert.equal(sameShift, total, `${sameShift}/${total} changed pixels (not clipped at 0 or 255) moved in luma only`);
});

test('strength 0 returns the photo bit-exact; strength scales the change', async () => {
  const img = await celeba(1);
  const zero = await editPhoto(img, { detector: tools.detector, editor: tools.editor, targets: [happy], strength: 0 });
  assert.deepEqual(zero.edits[0].image.data, img.data);
  const half = await editPhoto(img, { detector: tools.detector, editor: tools.editor, targets: [surprise], from: neutral, strength: 0.5, faces: zero.detected });
  const full = await editPhoto(img, { detector: tools.detector, editor: tools.editor, targets: [surprise], from: neutral, strength: 1, faces: zero.detected });
  const mad = (a: RgbImage) => a.data.reduce((s, v, i) => s + Math.abs(v - img.data[i]), 0);
  const ratio = mad(half.edits[0].image) / mad(full.edits[0].image);
  assert.ok(ratio > 0.35 && ratio < 0.65, `half strength moves ${ratio.toFixed(2)} of full`);
  await assert.rejects(editPhoto(img, { detector: tools.detector, editor: tools.editor, targets: [happy], strength: 2 }), /strength must be in 0..1.5/);
});

test('an off-centre face on a 1280x960 photo is found where it is and edited there only', async () => {
  const face = await celeba(2);
  const img = phonePhoto(face, { width: 1280, height: 960, scale: 2.5, x: 760, y: 300, seed: 3 });
  const r = await editPhoto(img, { detector: tools.detector, editor: tools.editor, targets: [surprise], from: neutral });
  assert.equal(r.detected.length, 1);
  const [x, y, w, h] = r.faces[0].box;
  const cx = x + w / 2, cy = y + h / 2;
  assert.ok(cx > 760 && cx < 760 + 178 * 2.5 && cy > 300 && cy < 300 + 218 * 2.5, `face centre ${cx},${cy}`);
  const d = diffOutside(img, r.edits[0].image, maskImage(img.width, img.height, r.faces[0].transform, FER_TEMPLATE));
  assert.equal(d.outside, 0);
  assert.ok(d.changed > 5000);
  // the enlarged face is aligned as the original photo's: the same face points land within a pixel of the crop
  const small = (await tools.detector.detect(face))[0];
  const tSmall = alignTransform(small.landmarks, FER_TEMPLATE);
  let se = 0;
  for (const i of ALIGN_INDICES) {
    const p = applySimilarity(tSmall, small.landmarks[i]);
    const q = applySimilarity(r.faces[0].transform, r.detected[0].landmarks[i]);
    se += (p.x - q.x) ** 2 + (p.y - q.y) ** 2;
  }
  const rms = Math.sqrt(se / ALIGN_INDICES.length);
  assert.ok(rms < 1, `alignment points differ by ${rms.toFixed(2)} crop pixels between the two sizes`);
});

test('two faces: both found and edited; face 0 (the larger) alone leaves the other untouched', async () => {
  const img = background(900, 500, 7);
  place(img, resizeRgb(await celeba(3), 267, 327), 40, 100);
  place(img, await celeba(4), 600, 150);
  const all = await editPhoto(img, { detector: tools.detector, editor: tools.editor, targets: [surprise], from: neutral });
  assert.equal(all.detected.length, 2);
  assert.ok(all.detected[0].box[0] < 400 && all.detected[1].box[0] > 500, 'largest first');
  assert.equal(all.edits[0].faces.length, 2);
  assert.ok(all.edits[0].faces.every((f) => f.changedPixels > 500));
  const one = await editPhoto(img, { detector: tools.detector, editor: tools.editor, targets: [surprise], from: neutral, face: 0, faces: all.detected });
  const m1 = maskImage(img.width, img.height, all.faces[1].transform, FER_TEMPLATE);
  let touched = 0;
  for (let i = 0; i < m1.length; i++) if (m1[i] > 0 && one.edits[0].image.data[i * 3] !== img.data[i * 3]) touched++;
  assert.equal(touched, 0, 'the smaller face is not edited with face: 0');
  await assert.rejects(editPhoto(img, { detector: tools.detector, editor: tools.editor, targets: [happy], face: 2, faces: all.detected }), /face 2 asked for, but 2 face\(s\) found/);
});

test('no face: NoFaceError', async () => {
  await assert.rejects(editPhoto(background(400, 300, 2), { detector: tools.detector, editor: tools.editor, targets: [happy] }), NoFaceError);
});

test('EXIF orientations 1-8 land upright (sharp and the pure-JS path)', async () => {
  const dir = tempDir();
  const upright = await celeba(5);
  for (const codec of ['sharp', 'js']) {
    for (let o = 1; o <= 8; o++) {
      const stored = storeWithOrientation(upright, o);
      assert.deepEqual(applyOrientation(stored, o).data, upright.data, `orientation ${o} round trip`);
      const file = path.join(dir, `o${o}.jpg`);
      fs.writeFileSync(file, await sharp(Buffer.from(stored.data), { raw: { width: stored.width, height: stored.height, channels: 3 } }).jpeg({ quality: 98 }).withMetadata({ orientation: o }).toBuffer());
      assert.equal(readExifOrientation(fs.readFileSync(file)), o);
      process.env.FACEGAN_CODEC = codec;
      loadSharp.reset();
      const p = await readPhoto(file).finally(() => {
        delete process.env.FACEGAN_CODEC;
        loadSharp.reset();
      });
      assert.equal(p.orientation, o);
      assert.deepEqual([p.image.width, p.image.height], [178, 218], `${codec} orientation ${o}`);
      const mae = p.image.data.reduce((s, v, i) => s + Math.abs(v - upright.data[i]), 0) / p.image.data.length;
      assert.ok(mae < 4, `${codec} orientation ${o}: ${mae.toFixed(2)} grey levels from upright`);
    }
  }
});

test('a transparent PNG is composited over white; a gray photo stays gray', async () => {
  const dir = tempDir();
  const rgba = Buffer.alloc(64 * 48 * 4);
  for (let i = 0; i < 64 * 48; i++) { rgba[i * 4] = 200; rgba[i * 4 + 1] = 10; rgba[i * 4 + 2] = 10; rgba[i * 4 + 3] = i % 64 < 32 ? 0 : 255; }
  const file = path.join(dir, 'alpha.png');
  fs.writeFileSync(file, await sharp(rgba, { raw: { width: 64, height: 48, channels: 4 } }).png().toBuffer());
  const p = await readPhoto(file);
  assert.equal(p.alphaOverWhite, true);
  assert.deepEqual(Array.from(p.image.data.subarray(0, 3)), [255, 255, 255], 'transparent -> white, not black');
  assert.deepEqual(Array.from(p.image.data.subarray(40 * 3, 40 * 3 + 3)), [200, 10, 10]);
  const gray = path.join(dir, 'gray.jpg');
  fs.writeFileSync(gray, await sharp(path.join(CELEBA, photos[0])).grayscale().jpeg().toBuffer());
  const g = await readPhoto(gray);
  assert.equal(g.gray, true);
  assert.match(codecName(), /^sharp/);
  const bytes = await encodePhoto(g.image, 'jpeg', { gray: true });
  assert.equal((await sharp(bytes).metadata()).channels, 1);
});

test('the residual filter: one [1 2 1] pass removes a period-2 checkerboard, keeps a flat change; v2 decoders get none', async () => {
  const { binomialSmooth } = await import('../../lib/photo/edit-photo');
  const { smoothFor } = await import('../../lib/photo/editor');
  const n = 48;
  const board = new Float32Array(n * n).map((_, i) => 10 + (((i % n) + Math.floor(i / n)) % 2 ? 8 : -8));
  const once = binomialSmooth(board, n, 1);
  for (let y = 1; y < n - 1; y++) for (let x = 1; x < n - 1; x++) assert.ok(Math.abs(once[y * n + x] - 10) < 1e-5, `(${x},${y}) ${once[y * n + x]}`);
  assert.deepEqual(binomialSmooth(board, n, 0), board);
  assert.equal(smoothFor({}), 2);
  assert.equal(smoothFor({ upsample: 'transpose' }), 2);
  assert.equal(smoothFor({ upsample: 'resize' }), 0);
});
