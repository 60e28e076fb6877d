/**
 * Bad input to the loaders, on generated files in temp folders: skipped-and-counted rows/files
 * (named in ImageSet.skipped and formatSkips) and clear errors (bad header, unknown emotion
 * folder, empty selection, all inputs bad, missing dataset, bad options).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { loadFer2013, loadCelebA, formatSkips, EMOTIONS } from '../../lib/data';
import {
  copyFerFolder, encodeJpeg, encodePng, pixelString, sampleFerImages, tempDir, truncatedJpeg, writeFerCsv, type CsvRow,
} from '../fixtures/data-fixtures';

const dirs: string[] = [];
function tmp(): string {
  const d = tempDir();
  dirs.push(d);
  return d;
}
test.after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** Good csv rows made from real sample images: 2 Training + 1 PublicTest per emotion. */
function goodRows() {
  const train = sampleFerImages('train', 2).map((im) => ({ im, usage: 'Training' }));
  const test_ = sampleFerImages('test', 1).map((im) => ({ im, usage: 'PublicTest' }));
  return [...train, ...test_];
}

function rowsWithBad(): { rows: (CsvRow | string)[]; good: ReturnType<typeof goodRows>; badLines: Map<number, RegExp> } {
  const good = goodRows();
  const px = pixelString(good[0].im.pixels);
  const rows: (CsvRow | string)[] = good.map((g) => ({ emotion: g.im.emotion, pixels: pixelString(g.im.pixels), usage: g.usage }));
  const bad: [CsvRow | string, RegExp][] = [
    [{ emotion: 3, pixels: px.split(' ').slice(1).join(' '), usage: 'Training' }, /wrong pixel count: 2303 values, expected 2304/],
    [{ emotion: 3, pixels: px.replace(/^\d+ \d+/, '12 abc'), usage: 'Training' }, /non-numeric pixel: pixel 2 is "abc"/],
    [{ emotion: 3, pixels: px.replace(/^\d+/, '256'), usage: 'Training' }, /out of range 0\.\.255: pixel 1 is "256"/],
    [{ emotion: 7, pixels: px, usage: 'Training' }, /bad emotion value: "7"/],
    [{ emotion: 'happy', pixels: px, usage: 'Training' }, /bad emotion value: "happy"/],
    [{ emotion: 3, pixels: px, usage: 'Validation' }, /bad Usage value: "Validation"/],
    [`3,${px}`, /wrong number of columns: 2, expected 3/],
  ];
  // interleave: bad rows after every few good rows; remember their file line numbers (header = line 1)
  const badLines = new Map<number, RegExp>();
  const out: (CsvRow | string)[] = [];
  let b = 0;
  rows.forEach((r, i) => {
    out.push(r);
    if (i % 3 === 1 && b < bad.length) {
      out.push(bad[b][0]);
      badLines.set(out.length + 1, bad[b][1]);
      b++;
    }
  });
  while (b < bad.length) {
    out.push(bad[b][0]);
    badLines.set(out.length + 1, bad[b][1]);
    b++;
  }
  return { rows: out, good, badLines };
}

test('fer2013.csv: bad rows are skipped, counted and named by line; good rows load with their labels and pixels', async () => {
  const dir = tmp();
  const { rows, good, badLines } = rowsWithBad();
  for (const crlf of [false, true]) {
    const file = writeFerCsv(path.join(dir, crlf ? 'crlf' : 'lf', 'fer2013.csv'), rows, { crlf });
    const set = await loadFer2013({ path: file, split: 'all' });
    assert.equal(set.n, good.length);
    assert.deepEqual([set.height, set.width, set.channels], [48, 48, 1]);
    good.forEach((g, i) => {
      assert.equal(set.labels![i], g.im.emotion);
      assert.deepEqual(set.data.subarray(i * 2304, (i + 1) * 2304), g.im.pixels);
    });
    assert.equal(set.skipped.length, badLines.size);
    for (const s of set.skipped) {
      const m = /:line (\d+)$/.exec(s.source);
      assert.ok(m && s.source.startsWith(file), s.source);
      assert.match(s.reason, badLines.get(Number(m[1]))!, `line ${m[1]}: ${s.reason}`);
    }
    const report = formatSkips(set);
    assert.match(report, new RegExp(`skipped ${badLines.size} bad inputs and loaded ${good.length} images`));
    assert.match(report, /fer2013\.csv:line \d+/);
    // the folder holding fer2013.csv works too, and splits follow the Usage column
    const train = await loadFer2013({ path: path.dirname(file), split: 'train' });
    assert.equal(train.n, 14);
    const pub = await loadFer2013({ path: path.dirname(file), split: 'PublicTest', emotions: ['fear', 'sad'] });
    assert.deepEqual(Array.from(pub.labels!), [2, 4]);
  }
});

test('fer2013.csv: limit is a seeded subset; header columns in another order (icml_face_data.csv) work; parent folder with fer2013/', async () => {
  const dir = tmp();
  const good = goodRows();
  const file = writeFerCsv(path.join(dir, 'fer2013', 'fer2013.csv'), good.map((g) => ({ emotion: g.im.emotion, pixels: pixelString(g.im.pixels), usage: g.usage })));
  const a = await loadFer2013({ path: dir, split: 'all', limit: 5, seed: 4 });
  const b = await loadFer2013({ path: dir, split: 'all', limit: 5, seed: 4 });
  assert.equal(a.n, 5);
  assert.deepEqual(a.sources, b.sources);
  assert.ok(a.sources!.every((s) => s.startsWith(file)));
  const icml = path.join(dir, 'icml', 'icml_face_data.csv');
  writeFerCsv(icml, good.map((g) => `${g.im.emotion}, ${g.usage}, ${pixelString(g.im.pixels)}`), { header: 'emotion, Usage, pixels' });
  const c = await loadFer2013({ path: path.dirname(icml), split: 'test' });
  assert.equal(c.n, 7);
  assert.deepEqual(c.data.subarray(0, 2304), good[14].im.pixels);
});

test('fer2013.csv: bad header, empty file, no rows, every row bad and an empty selection are errors naming the file', async () => {
  const dir = tmp();
  const px = pixelString(sampleFerImages('train', 1)[0].pixels);
  const badHeader = writeFerCsv(path.join(dir, 'h', 'fer2013.csv'), [{ emotion: 0, pixels: px, usage: 'Training' }], { header: 'label,image,split' });
  await assert.rejects(loadFer2013({ path: badHeader }), (e: Error) => e.message.includes(badHeader) && /bad FER2013 csv header "label,image,split".*emotion,pixels,Usage/.test(e.message));
  const empty = path.join(dir, 'empty.csv');
  fs.writeFileSync(empty, '');
  await assert.rejects(loadFer2013({ path: empty }), /empty\.csv: empty file/);
  const noRows = writeFerCsv(path.join(dir, 'norows.csv'), []);
  await assert.rejects(loadFer2013({ path: noRows }), /norows\.csv: the csv has a header but no data rows/);
  const allBad = writeFerCsv(path.join(dir, 'allbad.csv'), [
    { emotion: 9, pixels: px, usage: 'Training' },
    { emotion: 1, pixels: '1 2 3', usage: 'Training' },
    { emotion: 1, pixels: px, usage: 'Nope' },
  ]);
  await assert.rejects(loadFer2013({ path: allBad, split: 'all' }), /allbad\.csv: all 3 inputs are bad.*line 2: bad emotion value/);
  const onlyTrain = writeFerCsv(path.join(dir, 'train-only.csv'), [{ emotion: 3, pixels: px, usage: 'Training' }, { emotion: 0, pixels: px, usage: 'Training' }]);
  await assert.rejects(
    loadFer2013({ path: onlyTrain, split: 'test', emotions: 'happy' }),
    /train-only\.csv: the selection split "test" \(usage PublicTest\+PrivateTest\), emotions happy is empty; the csv has Training: angry 1, disgust 0, fear 0, happy 1/,
  );
});

test('FER image folders: truncated, non-image and wrong-size files are skipped and named; colour and PNG 48x48 are converted', async () => {
  const dir = tmp();
  const copied = copyFerFolder(dir, 'train', 3);
  const happy = path.join(dir, 'train', 'happy');
  fs.writeFileSync(path.join(happy, 'Training_trunc.jpg'), truncatedJpeg(300));
  fs.writeFileSync(path.join(happy, 'Training_text.jpg'), 'this is not an image\n');
  fs.writeFileSync(path.join(happy, 'Training_big.jpg'), encodeJpeg(64, 64, 1, (x) => x * 3));
  fs.writeFileSync(path.join(happy, 'Training_colour.jpg'), encodeJpeg(48, 48, 3, (x, y, c) => (c === 0 ? 200 : c === 1 ? 100 : 50)));
  fs.writeFileSync(path.join(happy, 'Training_gray.png'), encodePng(48, 48, 1, (x, y) => (x + y) * 2));
  fs.writeFileSync(path.join(happy, '.DS_Store'), 'junk');
  const set = await loadFer2013({ path: dir });
  assert.equal(set.n, copied.length + 2);
  const bySource = new Map(set.skipped.map((s) => [path.basename(s.source), s.reason]));
  assert.equal(set.skipped.length, 3);
  assert.match(bySource.get('Training_trunc.jpg')!, /JPEG/);
  assert.match(bySource.get('Training_text.jpg')!, /not a JPEG or PNG file/);
  assert.match(bySource.get('Training_big.jpg')!, /unexpected image size: 64x64, expected 48x48/);
  assert.ok(set.skipped.every((s) => s.source.startsWith(happy)));
  const ci = set.sources!.findIndex((s) => s.endsWith('Training_colour.jpg'));
  const lum = Math.round(0.299 * 200 + 0.587 * 100 + 0.114 * 50);
  assert.ok(Math.abs(set.data[ci * 2304 + 1000] - lum) <= 3, `colour converted to luma ~${lum}, got ${set.data[ci * 2304 + 1000]}`);
  const pi = set.sources!.findIndex((s) => s.endsWith('Training_gray.png'));
  assert.equal(set.data[pi * 2304 + 10 * 48 + 7], (10 + 7) * 2);
  assert.equal(set.labels![pi], EMOTIONS.indexOf('happy'));
  const report = formatSkips(set);
  assert.match(report, /skipped 3 bad inputs and loaded 23 images/);
  assert.match(report, /unexpected image size/);
  // limit still returns `limit` good images when some picks are bad
  const lim = await loadFer2013({ path: dir, emotions: 'happy', limit: 5, seed: 0 });
  assert.equal(lim.n, 5);
});

test('FER image folders: unknown emotion folder, all files bad, empty selections and unknown options are errors', async () => {
  const dir = tmp();
  copyFerFolder(dir, 'train', 1, ['happy', 'sad']);
  fs.mkdirSync(path.join(dir, 'train', 'happpy'));
  await assert.rejects(loadFer2013({ path: dir }), (e: Error) => /happpy.*unknown emotion folder "happpy".*angry, disgust, fear, happy, sad, surprise, neutral/.test(e.message));
  fs.rmdirSync(path.join(dir, 'train', 'happpy'));
  // only train/ exists: the test split is empty, and the error says what exists
  await assert.rejects(loadFer2013({ path: dir, split: 'test' }), /selection split "test".*is empty; the image folders have train\/Training: angry 0, disgust 0, fear 0, happy 1, sad 1/);
  await assert.rejects(loadFer2013({ path: dir, emotions: ['fear'] }), /emotions fear is empty/);
  // test/ files without the PublicTest_/PrivateTest_ prefix cannot serve the finer splits
  fs.mkdirSync(path.join(dir, 'test', 'sad'), { recursive: true });
  fs.copyFileSync(copyFerFolder(tmp(), 'test', 1, ['sad'])[0], path.join(dir, 'test', 'sad', 'img001.jpg'));
  assert.equal((await loadFer2013({ path: dir, split: 'test' })).n, 1);
  await assert.rejects(loadFer2013({ path: dir, split: 'PublicTest' }), /test\/\(no usage prefix\): .*sad 1/);
  // every file bad
  const bad = tmp();
  fs.mkdirSync(path.join(bad, 'train', 'fear'), { recursive: true });
  fs.writeFileSync(path.join(bad, 'train', 'fear', 'a.jpg'), 'x');
  fs.writeFileSync(path.join(bad, 'train', 'fear', 'b.jpg'), truncatedJpeg(100));
  await assert.rejects(loadFer2013({ path: bad }), /all 2 inputs are bad.*a\.jpg: not a JPEG or PNG/);
  // options
  await assert.rejects(loadFer2013({ path: dir, emotions: ['happy', 'joy' as never] }), /unknown emotion "joy", expected one of angry, disgust/);
  await assert.rejects(loadFer2013({ path: dir, split: 'validation' as never }), /unknown split "validation"/);
  await assert.rejects(loadFer2013({ path: dir, limit: 0 }), /limit must be a positive integer, got 0/);
});

test('missing datasets: the error says where to get the data, where to put it, and the --data flag', async () => {
  const dir = tmp();
  const nowhere = path.join(dir, 'no-such-dir');
  await assert.rejects(loadFer2013({ path: nowhere }), (e: Error) =>
    e.message.includes(nowhere) && /no such file or folder/.test(e.message) &&
    e.message.includes('challenges-in-representation-learning-facial-expression-recognition-challenge') && e.message.includes('--data DIR'));
  await assert.rejects(loadFer2013({ path: dir }), /holds neither fer2013\.csv nor train\/ and test\/ image folders/);
  await assert.rejects(loadCelebA({ path: nowhere }), (e: Error) =>
    e.message.includes(nowhere) && e.message.includes('https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html') &&
    e.message.includes('Align&Cropped Images') && e.message.includes('img_align_celeba/') && e.message.includes('--data DIR'));
  fs.mkdirSync(path.join(dir, 'img_align_celeba'));
  await assert.rejects(loadCelebA({ path: dir }), /img_align_celeba\/ has no \.jpg\/\.png files/);
});
