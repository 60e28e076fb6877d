/**
 * CelebA loading: Pillow-exact Resize + CenterCrop, the uint8 cache (reused, rebuilt when the
 * file list changes or the cache is damaged), bad files, worker decoding, grayscale, limit.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { loadCelebA, toGrayscale, decodeImage, resizeBilinearAA, resizeShortSideCenterCrop, formatSkips } from '../../lib/data';
import type { DecodedImage } from '../../lib/data';
import { decodeFiles } from '../../lib/data/decode-pool';
import { copyCelebaFolder, tempDir, truncatedJpeg } from '../fixtures/data-fixtures';

const dirs: string[] = [];
function tmp(): string {
  const d = tempDir();
  dirs.push(d);
  return d;
}
test.after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function cacheFiles(dir: string): string[] {
  const c = path.join(dir, '.facegan-cache');
  return fs.existsSync(c) ? fs.readdirSync(c).filter((f) => f.endsWith('.u8')).sort() : [];
}

interface PillowCase {
  op: 'resize' | 'resize_center_crop';
  mode: 'L' | 'RGB';
  in_size: [number, number];
  input: string;
  out_size?: [number, number];
  size?: number;
  output: string;
}

test('resize equals Pillow BILINEAR and torchvision Resize+CenterCrop bit for bit (test/fixtures/pillow-resize.json)', () => {
  const fx = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'pillow-resize.json'), 'utf8')) as { cases: PillowCase[] };
  assert.ok(fx.cases.length >= 10);
  for (const c of fx.cases) {
    const img: DecodedImage = { width: c.in_size[0], height: c.in_size[1], channels: c.mode === 'L' ? 1 : 3, data: new Uint8Array(Buffer.from(c.input, 'base64')) };
    const out = c.op === 'resize' ? resizeBilinearAA(img, c.out_size![0], c.out_size![1]) : resizeShortSideCenterCrop(img, c.size!);
    const want = new Uint8Array(Buffer.from(c.output, 'base64'));
    assert.equal(out.data.length, want.length, JSON.stringify({ ...c, input: undefined, output: undefined }));
    assert.deepEqual(out.data, want, `${c.op} ${c.in_size} -> ${c.out_size ?? c.size}`);
  }
});

test('CelebA 178x218 -> 64x64: resize to 64x78 and keep rows 7..70 (PyTorch Resize(64) + CenterCrop(64))', async () => {
  const dir = tmp();
  const names = copyCelebaFolder(dir, 3);
  const set = await loadCelebA({ path: dir, cache: false, workers: 0 });
  assert.deepEqual([set.n, set.height, set.width, set.channels], [3, 64, 64, 3]);
  names.forEach((n, i) => {
    const img = decodeImage(fs.readFileSync(path.join(dir, 'img_align_celeba', n)));
    assert.deepEqual([img.width, img.height], [178, 218]);
    const full = resizeBilinearAA(img, 64, 78);
    const rowBytes = 64 * 3;
    assert.deepEqual(set.data.subarray(i * 64 * rowBytes, (i + 1) * 64 * rowBytes), full.data.subarray(7 * rowBytes, 71 * rowBytes));
  });
  const gray = await loadCelebA({ path: dir, cache: false, workers: 0, grayscale: true });
  assert.equal(gray.channels, 1);
  assert.deepEqual(gray.data, toGrayscale(set).data);
});

test('CelebA cache: written once, reused on the next load, rebuilt when the file list changes', async () => {
  const dir = tmp();
  const names = copyCelebaFolder(dir, 13);
  const img = (n: string) => path.join(dir, 'img_align_celeba', n);
  const spare = fs.readFileSync(img(names[12]));
  fs.rmSync(img(names[12]));
  const first = await loadCelebA({ path: dir, workers: 0 });
  assert.equal(first.n, 12);
  assert.equal(cacheFiles(dir).length, 1, 'default cache folder: <dataset>/.facegan-cache');
  assert.match(cacheFiles(dir)[0], /^celeba-64-[0-9a-f]{16}\.u8$/);
  // Overwrite every image with same-size garbage: a second load can only succeed from the cache.
  const originals = names.slice(0, 12).map((n) => fs.readFileSync(img(n)));
  names.slice(0, 12).forEach((n, i) => fs.writeFileSync(img(n), Buffer.alloc(originals[i].length, 7)));
  const second = await loadCelebA({ path: dir, workers: 0 });
  assert.equal(second.skipped.length, 0);
  assert.deepEqual(second.data, first.data);
  assert.deepEqual(second.sources, first.sources);
  names.slice(0, 12).forEach((n, i) => fs.writeFileSync(img(n), originals[i]));
  // A new file changes the list: a new cache with 13 images.
  fs.writeFileSync(img(names[12]), spare);
  const third = await loadCelebA({ path: dir, workers: 0 });
  assert.equal(third.n, 13);
  assert.equal(cacheFiles(dir).length, 2);
  assert.deepEqual(third.data.subarray(0, first.data.length), first.data);
  // A removed file too.
  fs.rmSync(img(names[0]));
  const fourth = await loadCelebA({ path: dir, workers: 0 });
  assert.equal(fourth.n, 12);
  assert.equal(cacheFiles(dir).length, 3);
  assert.deepEqual(fourth.data.subarray(0, 64 * 64 * 3), third.data.subarray(64 * 64 * 3, 2 * 64 * 64 * 3));
});

test('CelebA cache: a damaged cache file is rebuilt; cacheDir puts it elsewhere; limit selects a seeded subset', async () => {
  const dir = tmp();
  copyCelebaFolder(dir, 10);
  const cacheDir = tmp();
  const a = await loadCelebA({ path: dir, cacheDir, limit: 6, seed: 2, workers: 0 });
  assert.equal(a.n, 6);
  assert.equal(cacheFiles(dir).length, 0);
  const [file] = cacheFiles(cacheDir);
  const full = path.join(cacheDir, '.facegan-cache', file);
  const size = fs.statSync(full).size;
  assert.equal(size > 6 * 64 * 64 * 3, true);
  fs.truncateSync(full, size - 100);
  const b = await loadCelebA({ path: dir, cacheDir, limit: 6, seed: 2, workers: 0 });
  assert.deepEqual(b.data, a.data);
  assert.equal(fs.statSync(full).size, size, 'the damaged cache was rewritten');
  const c = await loadCelebA({ path: dir, cacheDir, limit: 6, seed: 2, workers: 0 });
  assert.deepEqual(c.data, a.data, 'the rebuilt cache reads back');
  const other = await loadCelebA({ path: dir, cacheDir, limit: 6, seed: 3, workers: 0 });
  assert.notDeepEqual(other.sources, a.sources);
  assert.equal(cacheFiles(cacheDir).length, 2);
});

test('CelebA: truncated and non-image files are skipped, counted and remembered by the cache', async () => {
  const dir = tmp();
  copyCelebaFolder(dir, 5);
  fs.writeFileSync(path.join(dir, 'img_align_celeba', '999998.jpg'), truncatedJpeg(500));
  fs.writeFileSync(path.join(dir, 'img_align_celeba', 'notes.txt'), 'hello');
  for (let pass = 0; pass < 2; pass++) {
    const set = await loadCelebA({ path: dir, workers: 0 });
    assert.equal(set.n, 5);
    assert.deepEqual(set.skipped.map((s) => path.basename(s.source)), ['999998.jpg', 'notes.txt']);
    assert.match(set.skipped[1].reason, /not a JPEG or PNG file/);
    assert.match(formatSkips(set), /skipped 2 bad inputs and loaded 5 images/);
  }
  const bad = tmp();
  fs.mkdirSync(path.join(bad, 'img_align_celeba'));
  fs.writeFileSync(path.join(bad, 'img_align_celeba', 'a.jpg'), 'x');
  await assert.rejects(loadCelebA({ path: bad, cache: false, workers: 0 }), /all 1 inputs are bad.*a\.jpg: not a JPEG or PNG/);
});

test('CelebA: decoding in worker threads gives the same pixels as the main thread', async () => {
  const dir = tmp();
  copyCelebaFolder(dir, 300);
  const one = await loadCelebA({ path: dir, cache: false, workers: 0, limit: 40 });
  const two = await loadCelebA({ path: dir, cache: false, workers: 2, limit: 40, progress: false });
  assert.equal(two.n, 40);
  assert.deepEqual(two.sources, one.sources);
  assert.deepEqual(two.data, one.data);
  // decodeFiles really used the threads, and reports per-file errors from them
  const files = one.sources!.slice(0, 20);
  const broken = path.join(dir, 'broken.jpg');
  fs.writeFileSync(broken, truncatedJpeg(200));
  const r = await decodeFiles([...files, broken], { size: 64, channels: 3, workers: 2, progress: false });
  assert.equal(r.threads, 2);
  assert.deepEqual(r.data.subarray(0, 20 * 64 * 64 * 3), one.data.subarray(0, 20 * 64 * 64 * 3));
  assert.equal(r.errors.filter((e) => e !== null).length, 1);
  assert.match(r.errors[20]!, /JPEG/);
});

test('CelebA paths: Kaggle nested img_align_celeba/img_align_celeba; an unwritable cache folder falls back to the OS temp folder', async () => {
  const dir = tmp();
  const nested = path.join(dir, 'img_align_celeba');
  copyCelebaFolder(nested, 4);
  const set = await loadCelebA({ path: dir, cache: false, workers: 0 });
  assert.equal(set.n, 4);
  assert.ok(set.sources!.every((s) => s.startsWith(path.join(nested, 'img_align_celeba'))));

  const ro = tmp();
  const roNames = copyCelebaFolder(ro, 4);
  fs.writeFileSync(path.join(ro, '.facegan-cache'), 'a file where the cache folder would go');
  const tmpRoot = tmp();
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = tmpRoot;
  try {
    const a = await loadCelebA({ path: ro, workers: 0 });
    assert.equal(a.n, 4);
    const written = fs.readdirSync(path.join(tmpRoot, 'facegan-cache'));
    assert.equal(written.length, 1);
    assert.match(written[0], /^celeba-64-[0-9a-f]{16}\.u8$/);
    // same-size garbage in the images: only the fallback cache can give the same pixels back
    for (const n of roNames) {
      const f = path.join(ro, 'img_align_celeba', n);
      fs.writeFileSync(f, Buffer.alloc(fs.statSync(f).size, 1));
    }
    const b = await loadCelebA({ path: ro, workers: 0 });
    assert.equal(b.skipped.length, 0);
    assert.deepEqual(b.data, a.data);
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
});
