/**
 * `npm run edit` on photos, as a user runs it: through npm from another folder, on CelebA photos of
 * the bundled sample and "phone" photos made from them; batch mode; the error paths.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import sharp from 'sharp';
import { tempDir } from '../helpers';
import { SAMPLE_DIR } from '../../lib/runs/dataset';
import { phonePhoto, background } from '../../lib/photo/compose';
import { readPhoto } from '../../lib/edit/photo-io';

const ROOT = path.resolve(__dirname, '..', '..');
const CELEBA = path.join(SAMPLE_DIR, 'celeba', 'img_align_celeba');
const photo = (i: number) => path.join(CELEBA, fs.readdirSync(CELEBA).sort()[i]);

/** `npm --prefix ROOT run edit -- ARGS` from `cwd` (the user's folder). */
function edit(cwd: string, args: string[]) {
  const r = spawnSync('npm', ['--prefix', ROOT, 'run', '--silent', 'edit', '--', ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, last: r.stdout.trim().split('\n').pop() ?? '' };
}

const raw = async (file: string) => sharp(file).raw().toBuffer({ resolveWithObject: true });

test('one CelebA photo from another folder: ./edited/<name>-<expression>.jpg, 178x218 colour JPEG, only the face changed', async () => {
  const cwd = tempDir();
  fs.copyFileSync(photo(0), path.join(cwd, 'me.jpg'));
  const r = edit(cwd, ['me.jpg', '--to', 'surprise', '--from', 'neutral']);
  assert.equal(r.code, 0, r.stderr);
  const out = path.join(cwd, 'edited', 'me-surprise.jpg');
  assert.equal(r.last, out);
  assert.match(r.stderr, /1 face\(s\) found/);
  assert.match(r.stderr, /time: decode \d+ ms, detect \d+ ms, align \d+ ms, edit \d+ ms, paste \d+ ms, encode \d+ ms/);
  const bytes = fs.readFileSync(out);
  assert.deepEqual([...bytes.subarray(0, 3)], [0xff, 0xd8, 0xff], 'JPEG bytes');
  const [a, b] = [await raw(path.join(cwd, 'me.jpg')), await raw(out)];
  assert.deepEqual([b.info.width, b.info.height, b.info.channels], [178, 218, 3]);
  // JPEG re-encoding touches every block a little; the face region changes a lot more than the corners
  const w = 178, mad = (x0: number, y0: number, x1: number, y1: number) => {
    let s = 0, n = 0;
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) for (let c = 0; c < 3; c++) { s += Math.abs(a.data[(y * w + x) * 3 + c] - b.data[(y * w + x) * 3 + c]); n++; }
    return s / n;
  };
  const face = mad(60, 110, 120, 170), corner = mad(0, 0, 30, 30);
  assert.ok(face > 3 * corner && face > 2, `face ${face.toFixed(2)} vs corner ${corner.toFixed(2)} grey levels`);
  assert.ok(!fs.existsSync(path.join(ROOT, 'edited')), 'nothing lands in the checkout');
});

test('--out x.png writes PNG; strength 0 gives the photo back exactly; a 1280x960 off-centre photo keeps its size', async () => {
  const cwd = tempDir();
  const src = await readPhoto(photo(1));
  const big = phonePhoto(src.image, { width: 1280, height: 960, scale: 2, x: 820, y: 120, seed: 5 });
  fs.writeFileSync(path.join(cwd, 'phone.png'), await sharp(Buffer.from(big.data), { raw: { width: 1280, height: 960, channels: 3 } }).png().toBuffer());
  let r = edit(cwd, ['phone.png', '--to', 'happy', '--strength', '0', '--out', 'same.png']);
  assert.equal(r.code, 0, r.stderr);
  const same = await raw(path.join(cwd, 'same.png'));
  assert.deepEqual([same.info.width, same.info.height], [1280, 960]);
  assert.ok(Buffer.from(big.data).equals(same.data), 'strength 0: every pixel as it was');
  r = edit(cwd, ['phone.png', '--to', 'surprise', '--from', 'neutral', '--out', 'out/x.jpg', '--quality', '80']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual([...fs.readFileSync(path.join(cwd, 'out', 'x.jpg')).subarray(0, 3)], [0xff, 0xd8, 0xff]);
  const m = await sharp(path.join(cwd, 'out', 'x.jpg')).metadata();
  assert.deepEqual([m.width, m.height, m.format], [1280, 960, 'jpeg']);
  const box = /face 0: box (\d+),(\d+),(\d+),(\d+)/.exec(r.stderr)!.slice(1).map(Number);
  assert.ok(box[0] > 820 && box[1] > 120, `face found where it was put: ${box}`);
  r = edit(cwd, ['phone.png', '--to', 'happy', '--out', 'x.gif']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--out .*x\.gif: the file name must end in \.jpg, \.jpeg or \.png/);
});

test('no face exits 2; a folder as PHOTO suggests --in; bad options name themselves', async () => {
  const cwd = tempDir();
  const bg = background(320, 240, 4);
  fs.writeFileSync(path.join(cwd, 'wall.jpg'), await sharp(Buffer.from(bg.data), { raw: { width: 320, height: 240, channels: 3 } }).jpeg().toBuffer());
  let r = edit(cwd, ['wall.jpg', '--to', 'happy']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /wall\.jpg: no face found/);
  fs.mkdirSync(path.join(cwd, 'album'));
  r = edit(cwd, ['album', '--to', 'happy']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /"album" is a folder, not an image: to edit every image in it, use --in album/);
  r = edit(cwd, ['wall.jpg', '--to', 'happy', '--strength', '2']);
  assert.match(r.stderr, /--strength must be a number from 0 to 1.5, got "2"/);
});

test('batch: OUT/<expression>/<same path and extension>, a row per face, skipped.csv and exit 2; never an overwrite', async () => {
  const cwd = tempDir();
  const inDir = path.join(cwd, 'photos');
  fs.mkdirSync(path.join(inDir, 'trip'), { recursive: true });
  fs.copyFileSync(photo(2), path.join(inDir, 'a.jpg'));
  fs.writeFileSync(path.join(inDir, 'a.png'), await sharp(photo(3)).png().toBuffer());
  fs.copyFileSync(photo(4), path.join(inDir, 'trip', 'b.jpg'));
  const bg = background(200, 200, 9);
  fs.writeFileSync(path.join(inDir, 'wall.png'), await sharp(Buffer.from(bg.data), { raw: { width: 200, height: 200, channels: 3 } }).png().toBuffer());
  fs.writeFileSync(path.join(inDir, 'broken.jpg'), 'not a photo');
  let r = edit(cwd, ['--in', 'photos', '--to', 'happy,sad', '--out', 'edits']);
  assert.equal(r.code, 2, r.stderr);
  const out = path.join(cwd, 'edits');
  assert.equal(r.last, out);
  for (const f of ['happy/a.jpg', 'happy/a.png', 'happy/trip/b.jpg', 'sad/a.jpg', 'sad/a.png', 'sad/trip/b.jpg']) {
    const m = await sharp(path.join(out, f)).metadata();
    assert.deepEqual([m.width, m.height, m.format], [178, 218, f.endsWith('.png') ? 'png' : 'jpeg'], f);
  }
  const rows = fs.readFileSync(path.join(out, 'report.csv'), 'utf8').trim().split('\n');
  assert.equal(rows[0], 'input,target,output,face,box,score,from,verdict,p_target');
  assert.equal(rows.length, 1 + 3 * 2);
  assert.equal(new Set(rows.slice(1).map((l) => l.split(',')[2])).size, 6, 'every output listed once');
  assert.match(rows[1], /^a\.jpg,happy,happy\/a\.jpg,0,\d+ \d+ \d+ \d+,(0?\.\d+|1),(angry|disgust|fear|happy|sad|surprise|neutral),(angry|disgust|fear|happy|sad|surprise|neutral|not re-detected),/);
  const skipped = fs.readFileSync(path.join(out, 'skipped.csv'), 'utf8');
  assert.match(skipped, /wall\.png,no face found/);
  assert.match(skipped, /broken\.jpg,.*not a readable JPEG\/PNG/);

  const before = fs.readFileSync(path.join(out, 'happy', 'a.jpg'));
  r = edit(cwd, ['--in', 'photos', '--to', 'happy', '--out', 'edits']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /output file\(s\) already exist \(first: happy\/a\.jpg\); nothing written\. Pass --skip-existing/);
  assert.ok(before.equals(fs.readFileSync(path.join(out, 'happy', 'a.jpg'))));
  r = edit(cwd, ['--in', 'photos', '--to', 'happy', '--out', 'edits', '--skip-existing']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /3 left as they were \(--skip-existing\)/);

  fs.copyFileSync(photo(5), path.join(inDir, 'A.jpg'));
  r = edit(cwd, ['--in', 'photos', '--to', 'happy', '--out', 'edits2']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /A\.jpg and a\.jpg would both be written to happy\/a\.jpg|a\.jpg and A\.jpg would both be written/);
  assert.ok(!fs.existsSync(path.join(cwd, 'edits2')), 'nothing written');
});
