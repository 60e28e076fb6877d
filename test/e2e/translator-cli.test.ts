import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';
import { SAMPLE_DIR } from '../../lib/runs/dataset';
import { decodePng, encodePng } from '../../lib/viz/png';
import { loadTranslator, parseTargets } from '../../lib/edit/translator-model';
import { loadFace } from '../../lib/edit/face-image';
import { editWithTranslator } from '../../lib/edit/translate-edit';
import { EMOTIONS } from '../../lib/data';
import { REPO_ROOT } from '../../lib/runs/versions';
import { setupBackend, tempDir } from '../helpers';

test.before(setupBackend);

const ROOT = path.resolve(__dirname, '..', '..');
const FER_TEST = path.join(SAMPLE_DIR, 'fer2013', 'test');
const testFace = (emotion: string) => path.join(FER_TEST, emotion, fs.readdirSync(path.join(FER_TEST, emotion)).sort()[0]);

function cli(script: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', script), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: '1', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, last: r.stdout.trim().split('\n').pop() ?? '' };
}

const work = tempDir('facegan-translate-cli-');
const run = path.join(work, 'run');
const model = path.join(work, 'installed');
const env = { FACEGAN_TRANSLATOR: model };

test('experiment fer-translate: smoke run, --resume through the generic command, --install-run', () => {
  let r = cli('experiment.ts', ['fer-translate', '--preset', 'smoke', '--out', run, '--no-progress']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.last, run);
  for (const f of ['config.json', 'grid-faces.json', 'losses.csv', 'summary.json', 'samples/final.png', 'samples/step-0000002.png', 'checkpoints/latest.json']) {
    assert.ok(fs.existsSync(path.join(run, f)), `${f} missing`);
  }
  const config = JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8'));
  assert.equal(config.kind, 'translator');
  const header = fs.readFileSync(path.join(run, 'losses.csv'), 'utf8').split('\n')[0];
  assert.match(header, /^epoch,iter,loss_d,loss_g,d_x,d_g_z1,d_g_z2,seconds,d_adv,d_cls,d_gp,g_adv,g_cls,g_rec,g_mask,g_step,g_idt$/);
  // the identity-mapping term is on in the experiment (idt > 0): recorded at every G update
  const rows = fs.readFileSync(path.join(run, 'losses.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
  const col = (name: string) => header.split(',').indexOf(name);
  const gRows = rows.filter((r) => r[col('g_step')] === 1);
  assert.ok(gRows.length > 0 && gRows.every((r) => r[col('g_idt')] > 0), 'g_idt > 0 at every G update');
  const grid = decodePng(fs.readFileSync(path.join(run, 'samples', 'final.png')));
  assert.ok(grid.width > 8 * 48 && grid.height > 8 * 48, `grid is ${grid.width}x${grid.height}`);

  r = cli('experiment.ts', ['--resume', run, '--steps', '6', '--no-progress']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /completed: 6 iterations/);
  assert.equal(fs.readFileSync(path.join(run, 'losses.csv'), 'utf8').trim().split('\n').length, 7);

  r = cli('experiment.ts', ['fer-translate', '--install-run', run], env);
  assert.equal(r.code, 0, r.stderr);
  for (const f of ['model.json', 'weights.bin', 'translator.json', 'metrics.json']) assert.ok(fs.existsSync(path.join(model, f)), `${f} not installed`);
  const m = JSON.parse(fs.readFileSync(path.join(model, 'metrics.json'), 'utf8'));
  assert.match(m.command, /^npm run experiment -- fer-translate --preset smoke --data <FER2013 folder> .*--install$/);
  assert.equal(m.training.steps, 6);
  // the model folder is committed: no path of this machine in its records
  assert.doesNotMatch(JSON.stringify(m), new RegExp(work.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  assert.doesNotMatch(JSON.stringify(m.data), /"\//);
  assert.equal(m.run, `<run folder ${path.basename(run)}>`);
});

test('edit with the installed translator: one target writes the 48x48 edit, --all the strip; clear errors', () => {
  const out = path.join(work, 'edited.png');
  let r = cli('edit.ts', [testFace('sad'), '--crop', '--to', 'happy', '--out', out], env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.last, out);
  const png = decodePng(fs.readFileSync(out));
  assert.deepEqual([png.width, png.height, png.channels], [48, 48, 1]);
  const report = JSON.parse(fs.readFileSync(path.join(work, 'edited.json'), 'utf8'));
  assert.equal(report.edits[0].to, 'happy');
  assert.equal(report.method, 'translate');

  const strip = path.join(work, 'strip.png');
  r = cli('edit.ts', [testFace('angry'), '--crop', '--all', '--out', strip], env);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(decodePng(fs.readFileSync(strip)).width > 9 * 48);
  assert.equal(JSON.parse(fs.readFileSync(path.join(work, 'strip.json'), 'utf8')).edits.length, 7);

  r = cli('edit.ts', [testFace('sad'), '--crop', '--to', 'joy'], env);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--to: unknown expression "joy"; expected "all" or one or more of angry, disgust, fear, happy, sad, surprise, neutral/);
  const bad = path.join(work, 'bad.jpg');
  fs.writeFileSync(bad, 'not an image');
  r = cli('edit.ts', [bad, '--crop', '--to', 'happy'], env);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /bad\.jpg" is not a readable JPEG\/PNG image/);
});

test('batch mode: OUTDIR/<target>/<input-stem>.png for every image below DIR, report.csv, skipped.csv; empty folder is an error', () => {
  const inDir = path.join(work, 'faces');
  fs.mkdirSync(path.join(inDir, 'sub'), { recursive: true });
  fs.copyFileSync(testFace('happy'), path.join(inDir, 'a.jpg'));
  fs.copyFileSync(testFace('fear'), path.join(inDir, 'sub', 'b.jpg'));
  fs.writeFileSync(path.join(inDir, 'broken.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
  fs.writeFileSync(path.join(inDir, 'tiny.png'), encodePng(new Uint8Array(10 * 10), 10, 10, 1));
  fs.writeFileSync(path.join(inDir, 'notes.txt'), 'not an image');
  const outDir = path.join(work, 'edits');
  let r = cli('edit.ts', ['--in', inDir, '--crop', '--to', 'happy,sad', '--out', outDir], env);
  assert.equal(r.code, 0, r.stderr);
  for (const f of ['happy/a.png', 'sad/a.png', 'happy/sub/b.png', 'sad/sub/b.png']) {
    const p = decodePng(fs.readFileSync(path.join(outDir, f)));
    assert.deepEqual([p.width, p.height, p.channels], [48, 48, 1], f);
  }
  const rows = fs.readFileSync(path.join(outDir, 'report.csv'), 'utf8').trim().split('\n');
  assert.equal(rows[0], 'input,target,output,verdict,p_target');
  assert.equal(rows.length, 5);
  assert.ok(rows.slice(1).every((l) => /^(a\.jpg|sub\/b\.jpg),(happy|sad),(happy|sad)\/(sub\/)?[ab]\.png,(angry|disgust|fear|happy|sad|surprise|neutral),0?\.?\d/.test(l)), rows.join('\n'));
  const skipped = fs.readFileSync(path.join(outDir, 'skipped.csv'), 'utf8');
  assert.match(skipped, /broken\.png,.*not a readable JPEG\/PNG/);
  assert.match(skipped, /tiny\.png,.*too small: 10x10 pixels/);

  const empty = path.join(work, 'empty');
  fs.mkdirSync(path.join(empty, 'nested'), { recursive: true });
  r = cli('edit.ts', ['--in', empty, '--crop', '--to', 'all', '--out', path.join(work, 'e-out')], env);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--in .*empty: no JPEG or PNG images in this folder or below it/);
  assert.ok(!fs.existsSync(path.join(work, 'e-out', 'report.csv')));
});

test('evaluate on a translator run writes the edit metrics (hit share vs real recall, PSNR, regions)', () => {
  const r = cli('evaluate.ts', [run, '--n', '14']);
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(fs.readFileSync(path.join(run, 'metrics.json'), 'utf8'));
  assert.equal(m.edit_n, 14);
  for (const k of ['edit_hit_macro', 'edit_hit_real_macro', 'edit_rec_psnr', 'edit_change_inside', 'edit_change_outside']) assert.equal(typeof m[k], 'number', k);
  assert.ok(m.edit_hit_real_macro > 0 && m.edit_hit_real_macro <= 1);
  assert.match(fs.readFileSync(path.join(run, 'edit-metrics.md'), 'utf8'), /\| \*\*macro\*\* \|/);
});

test('--export-run writes the reference artefacts: portable records, metrics table, grid, one judged strip per emotion', () => {
  const dest = path.join(work, 'reference');
  const r = cli('experiment.ts', ['fer-translate', '--export-run', run, '--to', dest]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.last, dest);
  const files = fs.readdirSync(dest).sort();
  for (const f of ['config.json', 'summary.json', 'metrics.json', 'edit-metrics.md', 'loss.png', 'same-face-grid.png', 'edits.json']) assert.ok(files.includes(f), `${f} not exported (${files.join(', ')})`);
  const strips = files.filter((f) => /^edit-\w+\.png$/.test(f));
  assert.ok(strips.length >= 1, 'no edit strip');
  const strip = decodePng(fs.readFileSync(path.join(dest, strips[0])));
  assert.ok(strip.width > 9 * 48, `strip ${strip.width} px wide: input, reconstruction and 7 edits expected`);
  const edits = JSON.parse(fs.readFileSync(path.join(dest, 'edits.json'), 'utf8'));
  assert.equal(edits.strips.length, strips.length);
  assert.equal(edits.strips[0].edits.length, 7);
  for (const f of files.filter((x) => /\.(json|md)$/.test(x))) {
    const text = fs.readFileSync(path.join(dest, f), 'utf8');
    assert.ok(!text.includes(work) && !text.includes(ROOT + '/'), `${f} names a folder of this machine`);
  }
  assert.ok(!fs.readdirSync(dest).some((f) => f.endsWith('.bin') || f === 'checkpoints'), 'weights exported');
});

test('parseTargets: all, lists, case, unknown names', () => {
  assert.deepEqual(parseTargets('all', EMOTIONS), [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(parseTargets('Happy, sad,happy', EMOTIONS), [3, 4]);
  assert.throws(() => parseTargets('happy,joy', EMOTIONS), /unknown expression "joy"/);
  assert.throws(() => parseTargets(' , ', EMOTIONS), /no expression given/);
});

const SHIPPED = path.join(REPO_ROOT, 'models', 'fer-translate');
test('the shipped translator loads and edits a bundled face on every backend (pure-JS cpu and native), with the same result', async () => {
  const native = tf.getBackend();
  const backends = native === 'cpu' ? ['cpu'] : [native, 'cpu'];
  const edits: Uint8Array[] = [];
  try {
    for (const backend of backends) {
      await tf.setBackend(backend);
      const T = await loadTranslator(SHIPPED);
      try {
        const face = await loadFace(testFace('neutral'), T.spec);
        const [f] = await editWithTranslator(T, [face], [3], { from: [6] });
        assert.equal(f.images.edits[0].length, 48 * 48);
        assert.ok(f.reconstruction.psnr > 20, `${backend}: reconstruction PSNR ${f.reconstruction.psnr}`);
        const diff = f.images.edits[0].reduce((s, v, i) => s + Math.abs(v - face.bytes[i]), 0) / (48 * 48);
        assert.ok(diff > 0.5, `${backend}: the happy edit is the input (mean |diff| ${diff})`);
        edits.push(Uint8Array.from(f.images.edits[0]));
      } finally {
        T.G.dispose();
      }
    }
  } finally {
    await tf.setBackend(native);
  }
  if (edits.length === 2) {
    const gap = edits[0].reduce((s, v, i) => Math.max(s, Math.abs(v - edits[1][i])), 0);
    assert.ok(gap <= 2, `${backends.join(' vs ')}: the same edit differs by up to ${gap} gray levels`);
  }
});
