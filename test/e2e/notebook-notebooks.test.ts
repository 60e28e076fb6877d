/**
 * Every notebook in notebooks/ runs headlessly at the smoke preset (parameters chosen from what
 * its parameters cell declares: preset=smoke, out_dir and results_dir in a temporary folder), is
 * written into the run directory it records, shows its pictures, and is valid nbformat 4.5.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { tempDir } from '../helpers';
import { findNbformatPython, pythonValidate } from '../notebook-python';
import { CodeCell, Notebook, joinText, readNotebook } from '../../lib/notebook/runner/nbformat';
import { notebookParameters } from '../../lib/notebook/runner/inject';
import { validateNotebook } from '../../lib/notebook/runner/validate';
import { readScraps } from '../../lib/notebook/runner/scrap';
import { decodePng } from '../../lib/viz';
import { EMOTIONS } from '../../lib/data';

const ROOT = path.resolve(__dirname, '..', '..');
const NB_DIR = path.join(ROOT, 'notebooks');
const tmp = tempDir('facegan-notebooks-');
const RESULTS = path.join(tmp, 'results');
const notebooks = fs.readdirSync(NB_DIR).filter((f) => f.endsWith('.ipynb')).sort();
const written: string[] = [];
/** Where the notebooks look for the shipped translator in the smoke runs: nothing there (notebook 05 notes it and goes on). */
const NO_TRANSLATOR = path.join(tmp, 'no-translator');
const EDITING = '05-expression-editing.ipynb';

function runNotebook(name: string, args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'notebook.ts'), path.join(NB_DIR, name), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, FACEGAN_RESULTS: RESULTS, FACEGAN_TRANSLATOR: NO_TRANSLATOR },
  });
}

/** The markdown the notebook's cells showed. */
function markdown(nb: Notebook): string[] {
  return nb.cells
    .filter((c): c is CodeCell => c.cell_type === 'code')
    .flatMap((c) => c.outputs)
    .flatMap((o) => (o.output_type === 'display_data' && o.data['text/markdown'] !== undefined ? [joinText(o.data['text/markdown'] as string | string[])] : []));
}

function images(nb: Notebook, mime: string): Buffer[] {
  return nb.cells
    .filter((c): c is CodeCell => c.cell_type === 'code')
    .flatMap((c) => c.outputs)
    .flatMap((o) => (o.output_type === 'display_data' && typeof o.data[mime] === 'string' ? [Buffer.from(o.data[mime] as string, 'base64')] : []));
}

test('the notebooks folder holds the study notebooks, each with one parameters cell', () => {
  for (const n of ['00-datasets', '01-celeba', '02-fer-per-emotion', '03-grayscale-vs-color', '04-compare-results']) {
    assert.ok(notebooks.includes(`${n}.ipynb`), `${n}.ipynb is missing`);
  }
  for (const n of notebooks) {
    const nb = readNotebook(path.join(NB_DIR, n));
    assert.equal(nb.cells.filter((c) => (c.metadata.tags ?? []).includes('parameters')).length, 1, `${n}: one parameters cell`);
    assert.equal(nb.metadata.kernelspec?.name, 'tslab', `${n}: tslab kernel`);
    assert.ok(nb.cells.every((c) => c.cell_type !== 'code' || (c.outputs.length === 0 && c.execution_count === null)), `${n} is committed without outputs`);
  }
});

for (const name of notebooks) {
  test(`${name} runs headlessly at the smoke preset`, () => {
    const declared = new Set(notebookParameters(readNotebook(path.join(NB_DIR, name))).map((p) => p.name));
    const stem = name.replace(/\.ipynb$/, '');
    const outDir = path.join(RESULTS, 'nb', stem);
    const args: string[] = [];
    if (declared.has('preset')) args.push('-p', 'preset=smoke');
    if (declared.has('out_dir')) args.push('-p', `out_dir=${outDir}`);
    if (declared.has('results_dir')) args.push('-p', `results_dir=${RESULTS}`);
    const r = runNotebook(name, args);
    assert.equal(r.status, 0, `${name} failed:\n${r.stderr}`);
    const out = r.stdout.trim().split('\n').pop()!;
    if (declared.has('out_dir')) assert.equal(out, path.join(outDir, name), 'written into the run directory it recorded');
    const nb = readNotebook(out);
    written.push(out);
    assert.deepEqual(validateNotebook(JSON.parse(fs.readFileSync(out, 'utf8'))), []);
    assert.equal((nb.metadata.papermill as { status: string }).status, 'completed');
    for (const c of nb.cells) assert.equal((c.metadata.papermill as { status: string }).status, 'completed');
    const scraps = readScraps(nb);
    if (declared.has('out_dir')) assert.equal(scraps.run_dir, outDir);
    const pngs = images(nb, 'image/png');
    assert.ok(pngs.length >= 1, 'shows at least one picture');
    for (const p of pngs) {
      const pic = decodePng(p);
      assert.ok(pic.width >= 100 && pic.height >= 50, `a real picture (${pic.width}x${pic.height})`);
    }
    if (declared.has('preset')) {
      // a training notebook: loss plot, latest grid, strip, real vs fake, final samples; the GIF; a run directory
      assert.ok(pngs.length >= 5, `training notebooks show >= 5 PNGs, got ${pngs.length}`);
      const gifs = images(nb, 'image/gif');
      assert.ok(gifs.length >= 1 && gifs.every((g) => g.subarray(0, 6).toString('latin1') === 'GIF89a'), 'an animated GIF of the grids across epochs');
      const runs = scraps.runs as { run_dir: string; status: string; steps: number }[];
      assert.ok(runs.length >= 1);
      for (const run of runs) {
        assert.equal(run.status, 'completed');
        assert.equal(run.steps, 2, 'smoke: 2 iterations');
        for (const f of ['config.json', 'losses.csv', 'samples/final.png', 'samples/epochs.gif', 'samples/epochs-strip.png', 'samples/real-vs-fake.png']) {
          assert.ok(fs.existsSync(path.join(run.run_dir, f)), `${f} in ${run.run_dir}`);
        }
      }
      const html = nb.cells.flatMap((c) => (c.cell_type === 'code' ? c.outputs : [])).some((o) => o.output_type === 'display_data' && 'text/html' in o.data);
      assert.ok(html, 'the summary table');
    }
    if (declared.has('results_dir')) {
      assert.ok((scraps.runs_compared as number) >= 1, 'the comparison finds the runs of the notebooks before it');
      for (const f of ['table.md', 'table.csv', 'table.html']) assert.ok(fs.existsSync(path.join(outDir, f)), f);
    }
    if (name === EDITING) {
      // no translator installed (FACEGAN_TRANSLATOR names an empty place): the translator part says how to get one, the rest runs
      const notes = markdown(nb).filter((m) => m.includes('No expression translator found'));
      assert.equal(notes.length, 1, 'one note for the translator part');
      assert.match(notes[0], /nothing is installed in `.*no-translator\/` yet/);
      assert.match(notes[0], /npm run experiment -- fer-translate --preset paper --data \/path\/to\/fer2013 --install/);
      assert.equal(scraps.translator_edits, null);
      assert.ok(!fs.existsSync(path.join(outDir, 'edits', 'translator-test-faces.png')));
    }
  });
}

test(`${EDITING}: the translator part edits 7 emotions x faces_per_emotion test faces to all 7 expressions with a smoke translator run`, () => {
  const work = path.join(tmp, 'translator');
  const run = path.join(work, 'fer-translate-smoke');
  const cli = (script: string, args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', script), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: '1' } });
  let r = cli('experiment.ts', ['fer-translate', '--preset', 'smoke', '--out', run, '--no-progress']);
  assert.equal(r.status, 0, r.stderr);
  r = cli('evaluate.ts', [run, '--n', '14']);
  assert.equal(r.status, 0, r.stderr);

  const per = 2;
  const outDir = path.join(work, 'nb');
  r = runNotebook(EDITING, ['-p', 'preset=smoke', '-p', `out_dir=${outDir}`, '-p', `translator=${run}`, '-p', `faces_per_emotion=${per}`]);
  assert.equal(r.status, 0, `${EDITING} failed:\n${r.stderr}`);
  const nb = readNotebook(r.stdout.trim().split('\n').pop()!);
  assert.equal((nb.metadata.papermill as { status: string }).status, 'completed');
  assert.deepEqual(validateNotebook(JSON.parse(fs.readFileSync(path.join(outDir, EDITING), 'utf8'))), []);
  const scraps = readScraps(nb);
  const md = markdown(nb);
  assert.ok(!md.some((m) => m.includes('No expression translator found')));

  // the report: every face of every emotion to every expression, with the classifier's verdict
  const reportFile = path.join(outDir, 'edits', 'translator-test-faces.json');
  assert.equal(scraps.translator_edits, reportFile);
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
  assert.equal(report.method, 'translate');
  assert.equal(report.translator, path.join(run, 'checkpoints', 'step-0000004', 'G'));
  assert.equal(report.training.complete, true);
  assert.equal(report.faces.length, EMOTIONS.length * per);
  EMOTIONS.forEach((e, c) => {
    const faces = report.faces.slice(c * per, (c + 1) * per);
    for (const f of faces) {
      assert.equal(f.from.cls, e, 'faces in emotion order, labelled from the dataset');
      assert.match(f.file, new RegExp(`^${e}: .+\\.(jpg|png)$`));
      assert.ok(Number.isFinite(f.reconstruction.psnr));
      assert.deepEqual(f.edits.map((x: { to: string }) => x.to), [...EMOTIONS]);
      for (const x of f.edits) {
        assert.ok((EMOTIONS as readonly string[]).includes(x.verdict.predicted), `a verdict for ${f.file} -> ${x.to}`);
        assert.ok(x.verdict.pTarget >= 0 && x.verdict.pTarget <= 1);
        assert.equal(x.verdict.hit, x.verdict.predicted === x.to);
        assert.ok(x.change.inside >= 0 && x.change.outside >= 0);
      }
    }
    assert.equal(new Set(faces.map((f: { file: string }) => f.file)).size, per, `${per} different ${e} faces`);
  });

  // the picture: one row per face, the input and the 7 edits at 2x (96 px), with labels; also shown in the notebook
  const png = fs.readFileSync(path.join(outDir, 'edits', 'translator-test-faces.png'));
  const pic = decodePng(png);
  assert.deepEqual([pic.width, pic.height], [report.picture.width, report.picture.height]);
  const rows = EMOTIONS.length * per;
  assert.ok(pic.width >= 8 * (96 + 8), `8 columns of 96 px: ${pic.width} px wide`);
  assert.ok(pic.height >= rows * (96 + 8 + 19), `${rows} rows of 96 px with a label line: ${pic.height} px high`);
  assert.ok(images(nb, 'image/png').some((p) => p.equals(png)), 'the notebook shows the same picture');

  // the measured numbers of the run (evaluated above on 14 faces), its training complete
  const metrics = md.find((m) => m.includes('| **macro** |'));
  assert.ok(metrics, 'the per-target table of the evaluation');
  for (const e of EMOTIONS) assert.match(metrics!, new RegExp(`\\| ${e} \\| `));
  assert.ok(md.some((m) => /^Training complete: 4 of 4 iterations \(checkpoint step-0000004\)\.\n\nTargets \(docs\/editing\.md\): macro hit ratio .* vs 0\.8: \*\*(not )?met\*\* \(each target's ratio capped at 1: [\d.]+\); reconstruction PSNR .* dB vs 30 dB/.test(m)));
  const recorded = scraps.translator as { dir: string; kind: string; complete: boolean; steps: number; planned: number; rec_psnr: number };
  assert.deepEqual([recorded.dir, recorded.kind, recorded.complete, recorded.steps, recorded.planned], [run, 'run', true, 4, 4]);
  assert.equal(recorded.rec_psnr, JSON.parse(fs.readFileSync(path.join(run, 'metrics.json'), 'utf8')).edit_rec_psnr);
});

test('the executed notebooks are valid for Python nbformat', (t) => {
  const py = findNbformatPython();
  if (!py) return t.skip('Python nbformat is not installed (see docs/notebooks.md; or set FACEGAN_PYTHON)');
  assert.equal(written.length, notebooks.length);
  const r = pythonValidate(py, written);
  for (const f of written) assert.equal(r[f], null, `${f}: ${r[f]}`);
});
