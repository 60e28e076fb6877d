/**
 * `npm run compare` on fixture run directories (test/fixtures/runs: config.json, summary.json,
 * metrics.json as a run writes them) gives the expected table, and the study verdicts follow
 * their documented rule.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { compareRuns, resolveRunDirs, runLabels } from '../../lib/eval/compare';
import { runRow } from '../../lib/runs/table';
import { comparePair, metricScore, verdictFor } from '../../lib/eval/study-verdict';
import { studyVerdicts } from '../../lib/orchestrate/study-questions';
import { studySettings, STUDY_SCALES, STUDY_EMOTION } from '../../experiments/study-questions';
import { tempDir } from '../helpers';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'runs');
const ROOT = path.resolve(__dirname, '..', '..');

const EXPECTED_CSV = `run,experiment,dataset,selection,colour,size,images,preset,epochs,iterations,backend,images_per_s,wall_min,loss_d,loss_g,status,fd_fer,fd_fer_real,kid_fer,kid_fer_real,kid_fer_std,kid_fer_real_std,swd,swd_real,diversity,diversity_real,eval_n
celeba-colour,celeba,celeba,"celeba 64x64 (3000 of 6000, seed 999)",colour,64x64x3,3000,quick,8,376,node,11.5,34.8,0.612,2.346,completed,30,5,20,0.1,1,1,41,10,0.8,1.01,1000
celeba-gray,celeba-gray,celeba,"celeba 64x64 (3000 of 6000, seed 999) (grayscale)",grayscale,64x64x1,3000,quick,8,376,node,13.25,30.2,0.7,1.9,completed,20,5,10,-0.1,1,1,40,10,0.9,0.99,1000
fer-happy,fer-happy,fer2013,"fer2013 train/happy (4000 of 7215, seed 999)",grayscale,48x48x1,4000,quick,3,200,node,25,8.5,1.1,0.9,stopped,,,,,,,,,,,
`;

test('compare finds the fixture runs (and skips a classifier run folder)', () => {
  const dirs = resolveRunDirs([FIXTURES], false);
  assert.deepEqual(dirs.map((d) => path.basename(d)), ['celeba-colour', 'celeba-gray', 'fer-happy']);
  assert.deepEqual(resolveRunDirs([path.join(FIXTURES, 'fer-happy'), FIXTURES], false).length, 3, 'no duplicates');
  assert.throws(() => resolveRunDirs([path.join(FIXTURES, 'not-a-gan-run')], false), /holds no run directory/);
  assert.throws(() => resolveRunDirs(['/nonexistent/runs'], false), /does not exist/);
  assert.deepEqual(runLabels(dirs.map(runRow)), ['celeba', 'celeba-gray', 'fer-happy']);
});

test('compare on fixture run directories gives the expected table.csv, table.md, table.html and charts', async () => {
  const out = tempDir();
  const dirs = resolveRunDirs([FIXTURES], false);
  const r = await compareRuns(dirs, out, { title: 'fixtures' });
  assert.equal(fs.readFileSync(r.tables.csv, 'utf8'), EXPECTED_CSV);
  const md = fs.readFileSync(r.tables.md, 'utf8').trim().split('\n');
  assert.equal(md[0], '# fixtures');
  assert.equal(md.length, 2 + 2 + 3, 'title, blank, header, rule, three rows');
  assert.equal(md[4], '|celeba-colour|celeba|celeba|celeba 64x64 (3000 of 6000, seed 999)|colour|64x64x3|3000|quick|8|376|node|11.5|34.8|0.612|2.346|completed|30|5|20|0.1|1|1|41|10|0.8|1.01|1000|');
  assert.match(md[6], /\|stopped\|\|\|\|\|\|\|\|\|\|\|\|$/, 'missing metrics are empty cells');
  const html = fs.readFileSync(r.tables.html, 'utf8');
  const imgs = html.match(/<img src="([^"]+)"/g) ?? [];
  assert.equal(imgs.length, 1, 'one run has a final grid');
  const src = /<img src="([^"]+)"/.exec(html)![1];
  assert.ok(fs.existsSync(path.resolve(out, src)), 'the thumbnail path resolves from the table folder');
  assert.equal((html.match(/<tr>/g) ?? []).length, 4, 'header + three rows');
  assert.deepEqual(r.charts.map((c) => path.basename(c)).sort(), ['chart-diversity.png', 'chart-fd_fer.png', 'chart-kid_fer.png', 'chart-swd.png']);
  for (const c of r.charts) assert.ok(fs.statSync(c).size > 1000);
});

test('npm run compare CLI writes the three tables and refuses an empty request', () => {
  const out = tempDir();
  const stdout = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/compare.ts', FIXTURES, '--out', out, '--no-charts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.deepEqual(stdout.trim().split('\n').map((l) => path.basename(l)), ['table.md', 'table.csv', 'table.html']);
  assert.equal(fs.readFileSync(path.join(out, 'table.csv'), 'utf8'), EXPECTED_CSV);
  assert.throws(
    () => execFileSync(process.execPath, ['--import', 'tsx', 'scripts/compare.ts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    (e: { stderr: string }) => /give run directories or --all/.test(e.stderr),
  );
});

test('verdict scores: fd_fer and swd relative to their floor, kid_fer above its floor', () => {
  const [colour, gray] = resolveRunDirs([FIXTURES], false).map(runRow);
  assert.equal(metricScore(colour, 'fd_fer'), 6);
  assert.equal(metricScore(gray, 'swd'), 4);
  assert.equal(metricScore(colour, 'kid_fer'), 19.9);
  assert.equal(metricScore({ fd_fer: 3 }, 'fd_fer'), null, 'no floor, no score');
  const o = comparePair(gray, colour);
  assert.deepEqual(o.comparisons.map((c) => [c.metric, c.better]), [['fd_fer', 'A'], ['kid_fer', 'A'], ['swd', 'tie']]);
  assert.equal(o.better, 'A');
  // The fixtures' gray run is closer to real data: that contradicts "grayscale made it worse".
  const v = studyVerdicts({ 'celeba-gray-6k': gray, 'celeba-colour-6k': colour }, STUDY_EMOTION)[0];
  assert.equal(v.finding, 'contradicts');
  assert.match(v.text, /the numbers contradict "grayscale images made the samples worse": gray is closer to real data than colour/);
  assert.equal(studyVerdicts({}, STUDY_EMOTION)[1].finding, 'no data');
});

test('verdict rule: one deciding metric out of three is not enough; KID differences within noise tie', () => {
  const base = { fd_fer: 10, fd_fer_real: 5, kid_fer: 5, kid_fer_real: 0, kid_fer_std: 0.5, kid_fer_real_std: 0.5, swd: 20, swd_real: 10 };
  const oneWin = { ...base, fd_fer: 5 };
  assert.equal(comparePair(oneWin, base).better, 'tie');
  assert.equal(verdictFor('q', 'x', { name: 'small', row: base }, { name: 'big', row: oneWin }).finding, 'does not support');
  const twoWins = { ...oneWin, swd: 12 };
  assert.equal(comparePair(twoWins, base).better, 'A');
  assert.equal(verdictFor('q', 'x', { name: 'small', row: base }, { name: 'big', row: twoWins }).finding, 'supports');
  const noisyKid = { ...base, kid_fer: 8, kid_fer_std: 3 };
  assert.equal(comparePair(noisyKid, base).comparisons.find((c) => c.metric === 'kid_fer')!.better, 'tie');
});

test('study presets give every run the same iteration budget', () => {
  for (const preset of ['paper', 'quick', 'smoke'] as const) {
    const steps = STUDY_SCALES[preset].steps;
    for (const images of [8, 100, 1000, 3171, 6000, 28709]) {
      const s = studySettings(preset, images);
      const perEpoch = Math.ceil(images / s.batchSize);
      assert.ok(s.epochs * perEpoch >= steps, `${preset}, ${images} images: ${s.epochs} epochs of ${perEpoch} < ${steps} iterations`);
      assert.ok((s.epochs - 1) * perEpoch < steps, `${preset}, ${images} images: one epoch too many`);
    }
  }
});

test('compare puts per-emotion and conditional runs side by side, emotion by emotion (expressions.md/.csv)', async () => {
  const runs = path.join(__dirname, '..', 'fixtures', 'expression-runs');
  const out = tempDir();
  const r = await compareRuns(resolveRunDirs([runs], false), out, { charts: false });
  assert.ok(r.expressions, 'expression table written');
  const csv = fs.readFileSync(r.expressions.csv, 'utf8').trim().split('\n');
  assert.equal(csv[0], 'emotion,model,run,experiment,training_images,iterations,hit_rate,hit_prob,hit_rate_real');
  assert.equal(csv.length, 1 + 7 + 1, 'seven conditional rows and one per-emotion row');
  // happy: the per-emotion run first, then the conditional model's happy column
  const happy = csv.filter((l) => l.startsWith('happy,'));
  assert.deepEqual(happy, [
    'happy,per-emotion,fer-happy,fer-happy,4000,200,0.357,0.25,0.857',
    'happy,conditional,fer-conditional,fer-conditional,28709,1796,0.625,0.413,0.875',
  ]);
  assert.deepEqual(csv.slice(1).map((l) => l.split(',')[0]), ['angry', 'disgust', 'fear', 'happy', 'happy', 'sad', 'surprise', 'neutral']);
  assert.match(fs.readFileSync(r.expressions.md, 'utf8'), /^# Expression hit-rate: per-emotion vs conditional models/);
  // runs without expression metrics (CelebA, a per-emotion run not yet evaluated) give no table
  const none = await compareRuns(resolveRunDirs([path.join(FIXTURES, 'celeba-gray'), path.join(FIXTURES, 'fer-happy')], false), tempDir(), { charts: false });
  assert.equal(none.expressions, null);
});
