/**
 * The editor page in a real browser (Debian's Chromium): a CelebA photo in, an expression pressed,
 * the download equal to `npm run edit`'s output for the same photo and settings (same pipeline:
 * within 2 grey levels on the face, exactly the photo elsewhere), on WebGL and on WebAssembly; no
 * request leaves localhost and none carries the photo; the no-face and bad-file messages.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import sharp from 'sharp';
import type { Browser } from 'playwright-core';
import { tempDir } from '../helpers';
import { noChromium, launch, listen, waitReady, choose, press } from '../../scripts/web-browser';
import { SAMPLE_DIR } from '../../lib/runs/dataset';
import { buildWeb } from '../../scripts/web-build';
import { staticServer } from '../../scripts/app';
import { background, storeWithOrientation } from '../../lib/photo/compose';
import { readPhoto } from '../../lib/edit/photo-io';

const ROOT = path.resolve(__dirname, '..', '..');
const skip = noChromium();
const CELEBA = path.join(SAMPLE_DIR, 'celeba', 'img_align_celeba');
const work = tempDir();
let url = '';
let browser: Browser;
let server: ReturnType<typeof staticServer>;

test.before(async () => {
  if (skip) return;
  const b = await buildWeb(path.join(work, 'dist'));
  assert.ok(b.bytes < 15e6, `page weight ${b.bytes} bytes`);
  server = staticServer(b.dir);
  url = await listen(server);
  browser = await launch();
});
test.after(async () => {
  await browser?.close();
  server?.close();
});

const raw = async (file: string) => (await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true }));

for (const backend of ['webgl', 'wasm']) {
  test(`${backend}: a CelebA photo edited in the page equals the CLI's edit; no request leaves localhost`, { skip, timeout: 600_000 }, async () => {
    const photo = path.join(work, `celeba-${backend}.png`);
    fs.writeFileSync(photo, await sharp(path.join(CELEBA, fs.readdirSync(CELEBA).sort()[8])).png().toBuffer());
    const page = await browser.newPage({ acceptDownloads: true });
    const requests: { method: string; url: string; body: number }[] = [];
    page.on('request', (r) => requests.push({ method: r.method(), url: r.url(), body: r.postDataBuffer()?.length ?? 0 }));
    await page.goto(`${url}?backend=${backend}`);
    const ready = await waitReady(page);
    assert.equal(ready.error, null);
    assert.equal(ready.backend, backend);
    assert.match(await page.textContent('#privacy') ?? '', /never leaves this device/);
    const loaded = requests.length;
    const s = await choose(page, photo);
    assert.ok(s.faces! >= 1);
    const after = await press(page, 'surprise');
    assert.equal(after.error, null);
    const dl = page.waitForEvent('download');
    await page.click('#download');
    const file = path.join(work, `page-${backend}.png`);
    await (await dl).saveAs(file);
    assert.equal((await dl).suggestedFilename(), `celeba-${backend}-surprise.png`);
    await page.close();
    assert.equal(requests.length, loaded, `requests after the page loaded: ${requests.slice(loaded).map((r) => r.url).join(', ')}`);
    for (const r of requests) {
      assert.equal(new URL(r.url).hostname, '127.0.0.1', r.url);
      assert.equal(r.method, 'GET', `${r.method} ${r.url}`);
      assert.equal(r.body, 0);
    }

    const cli = path.join(work, `cli-${backend}.png`);
    // The CLI on WebAssembly, the page's fallback (it gives the pure-JS cpu backend's result bit for bit). Native
    // TensorFlow's float rounding moves face-mesh points by hundredths of a pixel, enough to shift a rounded crop value.
    const c = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'edit.ts'), photo, '--to', 'surprise', '--out', cli, '--backend', 'wasm'], { encoding: 'utf8' });
    assert.equal(c.status, 0, c.stderr);
    assert.match(c.stderr, new RegExp(`${s.faces} face\\(s\\) found`), 'the page and the CLI find the same faces');
    const cliFrom = [...c.stderr.matchAll(/now (\w+) \(reconstruction\)/g)].map((m) => m[1]);
    assert.deepEqual(after.from, cliFrom, 'the same current expression');
    const [inp, web, ref] = [await raw(photo), await raw(file), await raw(cli)];
    assert.deepEqual([web.info.width, web.info.height], [inp.info.width, inp.info.height]);
    let max = 0, outside = 0, changed = 0;
    const w = inp.info.width;
    // the CLI's changed region, grown by 2 px: "the face"; everything else must be the photo in both
    const face = new Uint8Array(w * inp.info.height);
    for (let i = 0; i < face.length; i++) if (ref.data[i * 3] !== inp.data[i * 3] || ref.data[i * 3 + 1] !== inp.data[i * 3 + 1] || ref.data[i * 3 + 2] !== inp.data[i * 3 + 2]) {
      const x = i % w, y = Math.floor(i / w);
      for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) if (x + dx >= 0 && x + dx < w && y + dy >= 0 && y + dy < inp.info.height) face[(y + dy) * w + x + dx] = 1;
    }
    for (let i = 0; i < web.data.length; i++) {
      const d = Math.abs(web.data[i] - ref.data[i]);
      max = Math.max(max, d);
      if (web.data[i] !== inp.data[i]) changed++;
      if (!face[Math.floor(i / 3)] && web.data[i] !== inp.data[i]) outside++;
    }
    assert.ok(changed > 1000, `the page changed ${changed} values`);
    assert.ok(max <= 2, `page vs CLI: at most ${max} grey levels apart`);
    assert.equal(outside, 0, 'outside the face the page returns the photo exactly');
  });
}

test('no face, a file that is not an image, a broken JPEG: clear messages; an EXIF-rotated photo lands upright', { skip, timeout: 300_000 }, async () => {
  const page = await browser.newPage();
  await page.goto(url);
  const ready = await waitReady(page);
  // choosing by itself, the page skips the software WebGL (SwiftShader: the browser runs without a GPU here)
  assert.equal(ready.backend, 'wasm');
  assert.match(await page.textContent('#backend') ?? '', /^WebAssembly \(WebGL is a software renderer here \(.*SwiftShader.*\), slower than WebAssembly\)$/);
  const wall = path.join(work, 'wall.jpg');
  const bg = background(300, 200, 3);
  fs.writeFileSync(wall, await sharp(Buffer.from(bg.data), { raw: { width: 300, height: 200, channels: 3 } }).jpeg().toBuffer());
  let s = await choose(page, wall);
  assert.equal(s.faces, 0);
  assert.match(await page.textContent('#message') ?? '', /No face found in "wall\.jpg"/);
  const text = path.join(work, 'notes.jpg');
  fs.writeFileSync(text, 'this is a text file');
  s = await choose(page, text);
  assert.match(s.error ?? '', /"notes\.jpg" is not a JPEG or PNG image/);
  assert.ok(await page.isVisible('#message'));
  const cut = path.join(work, 'cut.jpg');
  fs.writeFileSync(cut, fs.readFileSync(path.join(CELEBA, fs.readdirSync(CELEBA).sort()[0])).subarray(0, 300));
  s = await choose(page, cut);
  assert.match(s.error ?? '', /"cut\.jpg" could not be read/);
  const upright = (await readPhoto(path.join(CELEBA, fs.readdirSync(CELEBA).sort()[9]))).image;
  const stored = storeWithOrientation(upright, 6);
  const rot = path.join(work, 'rotated.jpg');
  fs.writeFileSync(rot, await sharp(Buffer.from(stored.data), { raw: { width: stored.width, height: stored.height, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer());
  s = await choose(page, rot);
  assert.equal(s.faces, 1);
  assert.match(await page.textContent('#info') ?? '', /178 x 218, 1 face found; turned upright \(EXIF orientation 6\)/);
  await page.close();
});

test('a browser without WebGL and WebAssembly gets a message saying what is missing', { skip, timeout: 120_000 }, async () => {
  const bare = await launch(['--disable-webgl', '--disable-3d-apis']);
  try {
    const page = await bare.newPage();
    // an old or locked-down browser: no WebAssembly object, no WebGL context
    await page.addInitScript(() => {
      delete (globalThis as { WebAssembly?: unknown }).WebAssembly;
      for (const C of [HTMLCanvasElement, OffscreenCanvas] as { prototype: { getContext: (...a: unknown[]) => unknown } }[]) {
        const get = C.prototype.getContext;
        C.prototype.getContext = function (this: unknown, type: unknown, ...rest: unknown[]) {
          return /webgl/.test(String(type)) ? null : get.call(this, type, ...rest);
        };
      }
    });
    await page.goto(url);
    const s = await waitReady(page);
    assert.equal(s.ready, false, JSON.stringify(s));
    assert.match(s.error ?? '', /This browser can run neither WebGL nor WebAssembly .*Try a current Chrome, Firefox, Safari or Edge/);
    assert.ok(await page.isVisible('#message'));
  } finally {
    await bare.close();
  }
});
