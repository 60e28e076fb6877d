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
import { tempDir } from './helpers';
import { findNbformatPython, pythonValidate } from './notebook-python';
import { CodeCell, Notebook, readNotebook } from '../lib/notebook/runner/nbformat';
import { notebookParameters } from '../lib/notebook/runner/inject';
import { validateNotebook } from '../lib/notebook/runner/validate';
import { readScraps } from '../lib/notebook/runner/scrap';
import { decodePng } from '../lib/viz';

const ROOT = path.resolve(__dirname, '..');
const NB_DIR = path.join(ROOT, 'notebooks');
const tmp = tempDir('facegan-notebooks-');
const RESULTS = path.join(tmp, 'results');
const notebooks = fs.readdirSync(NB_DIR).filter((f) => f.endsWith('.ipynb')).sort();
const written: string[] = [];

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
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'notebook.ts'), path.join(NB_DIR, name), ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, FACEGAN_RESULTS: RESULTS },
    });
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
  });
}

test('the executed notebooks are valid for Python nbformat', (t) => {
  const py = findNbformatPython();
  if (!py) return t.skip('Python nbformat is not installed (see docs/notebooks.md; or set FACEGAN_PYTHON)');
  assert.equal(written.length, notebooks.length);
  const r = pythonValidate(py, written);
  for (const f of written) assert.equal(r[f], null, `${f}: ${r[f]}`);
});
