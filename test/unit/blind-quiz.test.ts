/**
 * The blind naming quiz (lib/eval/blind-quiz.ts, tools/blind-quiz.ts): each row shows every expression once in a
 * seeded order, the key scores a person's answers exactly, and bad answer files are refused by file and line; and the
 * edit-roughness diagnostic (tools/edit-roughness.ts) on patterns of known roughness.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { makeQuizKey, parseQuizAnswers, scoreQuiz, QuizKey } from '../../lib/eval/blind-quiz';
import { makeQuiz, scoreQuizDir } from '../../tools/blind-quiz';
import { editRoughness } from '../../tools/edit-roughness';
import { loadFer2013, EMOTIONS } from '../../lib/data';
import { SAMPLE_DIR } from '../../lib/runs/dataset';
import { setupBackend, tempDir } from '../helpers';

test.before(setupBackend);

const FER = path.join(SAMPLE_DIR, 'fer2013');
const names = (row: number[]) => row.map((t) => EMOTIONS[t]).join(' ');
/** The key's own answers: the real face's label, then each cell's target. */
const perfect = (key: QuizKey) => key.rows.map((r, i) => `${i + 1}: ${EMOTIONS[r.label]} ${names(r.order)}`).join('\n');

test('quiz key: per-class faces of the real labels, every row a permutation of the expressions, fixed by the seed', async () => {
  const faces = await loadFer2013({ path: FER, split: 'test' });
  const { key, faces: picked } = makeQuizKey(faces.labels!, EMOTIONS, 3, 11, faces.sources);
  assert.equal(key.rows.length, 21);
  for (let c = 0; c < EMOTIONS.length; c++) assert.equal(key.rows.filter((r) => r.label === c).length, 3, EMOTIONS[c]);
  key.rows.forEach((r, i) => {
    assert.equal(r.label, faces.labels![picked[i]]);
    assert.equal(r.source, faces.sources![picked[i]]);
    assert.deepEqual([...r.order].sort(), EMOTIONS.map((_, t) => t), `row ${i}`);
  });
  assert.equal(new Set(picked).size, picked.length, 'no face twice');
  assert.deepEqual(makeQuizKey(faces.labels!, EMOTIONS, 3, 11).key.rows.map((r) => r.order), key.rows.map((r) => r.order));
  assert.notDeepEqual(makeQuizKey(faces.labels!, EMOTIONS, 3, 12).key.rows.map((r) => r.order), key.rows.map((r) => r.order));
  assert.throws(() => makeQuizKey(faces.labels!, EMOTIONS, 21, 11), /fewer than 21 faces of angry \(20\)/);
});

test('quiz score: the key itself scores 1, one known mistake per row moves exactly its cells, own expression left out', () => {
  const labels = Int32Array.from({ length: 14 }, (_, i) => i % 7);
  const { key } = makeQuizKey(labels, EMOTIONS, 2, 5);
  const s1 = scoreQuiz(key, parseQuizAnswers(perfect(key), key));
  assert.equal(s1.real, 1);
  assert.equal(s1.edits, 1);
  assert.equal(s1.ratio, 1);
  // every row: the real face named "neutral", and the disgust cell named "angry"
  const A = EMOTIONS.indexOf('angry'), D = EMOTIONS.indexOf('disgust'), N = EMOTIONS.indexOf('neutral');
  const wrong = key.rows.map((r) => [N, ...r.order.map((t) => (t === D ? A : t))]);
  const s2 = scoreQuiz(key, wrong);
  assert.equal(s2.real, 2 / 14);
  assert.equal(s2.editsPerTarget[D], 0);
  assert.equal(s2.editsPerTarget[A], 1);
  // disgust edits of the 12 non-disgust faces (the disgust faces' own cell is left out); 14 x 6 edits in all
  assert.equal(s2.confusion[D][A], 12);
  assert.equal(s2.edits, (84 - 12) / 84);
  assert.ok(Math.abs(s2.ratio - s2.edits / s2.real) < 1e-12);
});

test('quiz answers: names, prefixes and "?" are read; a wrong count, an unknown or ambiguous name is refused by file and line', () => {
  const labels = Int32Array.from({ length: 7 }, (_, i) => i);
  const { key } = makeQuizKey(labels, EMOTIONS, 1, 3);
  const text = ['# a comment', '', ...key.rows.map((r, i) => `row ${i + 1}: ? ${r.order.map((t) => EMOTIONS[t].slice(0, 2)).join(',')}`)].join('\n');
  const a = parseQuizAnswers(text, key, 'my.txt');
  assert.equal(a.length, 7);
  assert.deepEqual(a.map((r) => r[0]), new Array(7).fill(-1));
  assert.equal(scoreQuiz(key, a).real, 0);
  assert.equal(scoreQuiz(key, a).edits, 1);
  const lines = text.split('\n');
  const bad = (i: number, line: string) => lines.map((l, j) => (j === i ? line : l)).join('\n');
  assert.throws(() => parseQuizAnswers(bad(3, '2: ha ha ha'), key, 'my.txt'), /my\.txt:4: expected 8 names .* got 3/);
  assert.throws(() => parseQuizAnswers(bad(3, '2: ha s ha ha ha ha ha ha'), key, 'my.txt'), /my\.txt:4: "s" could be sad or surprise/);
  assert.throws(() => parseQuizAnswers(bad(3, '2: ha joy ha ha ha ha ha ha'), key, 'my.txt'), /my\.txt:4: "joy" is not an expression/);
  assert.throws(() => parseQuizAnswers(lines.slice(0, 5).join('\n'), key, 'my.txt'), /my\.txt: 3 answer lines for 7 quiz rows/);
});

test('blind-quiz tool: makes pages and a key for the shipped translator, refuses to overwrite them, and scores an answers file', async () => {
  const dir = path.join(tempDir('quiz-'), 'q');
  await makeQuiz('models/fer-translate', { out: dir, 'per-class': '2', seed: '9', data: FER, split: 'test' });
  assert.deepEqual(fs.readdirSync(dir).sort(), ['answers.txt', 'key.json', 'quiz-1.png', 'quiz-2.png']);
  const png = fs.readFileSync(path.join(dir, 'quiz-1.png'));
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  const key = JSON.parse(fs.readFileSync(path.join(dir, 'key.json'), 'utf8')) as QuizKey;
  assert.equal(key.rows.length, 14);
  assert.equal(key.about.seed, 9);
  assert.equal(key.about.data, 'fer2013', 'the dataset by its folder name, no machine path');
  assert.ok(key.rows.every((r) => r.source && !path.isAbsolute(r.source) && r.source.startsWith('fer2013/')), key.rows[0].source);
  const keyBefore = fs.readFileSync(path.join(dir, 'key.json'), 'utf8');
  await assert.rejects(makeQuiz('models/fer-translate', { out: dir, seed: '10', data: FER, split: 'test' }), /key\.json exists/);
  assert.equal(fs.readFileSync(path.join(dir, 'key.json'), 'utf8'), keyBefore, 'the first key is kept');
  fs.appendFileSync(path.join(dir, 'answers.txt'), perfect(key));
  const md = scoreQuizDir(dir);
  assert.match(md, /\*\*ratio edits \/ real\*\* \| \*\*1\.00\*\*/);
  assert.equal(fs.readFileSync(path.join(dir, 'score.md'), 'utf8'), md);
});

test('edit roughness (tools/edit-roughness.ts): stripes of period 2 and 4 px score 4 and 2, a broad bump far less, per target', () => {
  const n = 2, k = 3, px = 48 * 48;
  const inputs = { data: new Uint8Array(n * px).fill(128), n, height: 48, width: 48, channels: 1 as const };
  const edits = new Uint8Array(n * k * px);
  for (let i = 0; i < n; i++) for (let y = 0; y < 48; y++) for (let x = 0; x < 48; x++) {
    const at = (t: number) => (i * k + t) * px + y * 48 + x;
    edits[at(0)] = x % 2 ? 148 : 108;
    edits[at(1)] = x % 4 < 2 ? 148 : 108;
    edits[at(2)] = Math.round(128 + 40 * Math.exp(-(((x - 24) ** 2 + (y - 24) ** 2) / 64)));
  }
  const r = editRoughness(inputs, edits, k);
  assert.ok(Math.abs(r.roughness[0] - 4) < 1e-3, `period 2: ${r.roughness[0]}`);
  assert.ok(Math.abs(r.roughness[1] - 2 * 46 / 47) < 1e-3, `period 4: ${r.roughness[1]}`); // 23 of the 47 neighbour pairs of a row differ
  assert.ok(r.roughness[2] < 0.06, `bump: ${r.roughness[2]}`);
  assert.ok(Math.abs(r.energy[0] - (20 / 127.5) ** 2) < 1e-6, `energy ${r.energy[0]}`);
});
