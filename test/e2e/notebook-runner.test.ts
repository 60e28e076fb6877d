/**
 * `npm run notebook` end to end on small fixture notebooks (test/fixtures/notebooks): typed
 * parameters, outputs and displays, scraps and where the notebook is written, rerunning an
 * executed notebook, a failing cell, a parameter of the wrong type, --prepare-only and Ctrl-C.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import { tempDir } from '../helpers';
import { findNbformatPython, pythonValidate } from '../notebook-python';
import { validateNotebook } from '../../lib/notebook/runner/validate';
import { CodeCell, Notebook, Output, cellTags, joinText, readNotebook } from '../../lib/notebook/runner/nbformat';
import { readScraps } from '../../lib/notebook/runner/scrap';

const ROOT = path.resolve(__dirname, '..', '..');
const FIX = path.join(ROOT, 'test', 'fixtures', 'notebooks');
const SCRIPT = path.join(ROOT, 'scripts', 'notebook.ts');
const tmp = tempDir('facegan-nb-runner-');
const ENV = { ...process.env, FACEGAN_RESULTS: path.join(tmp, 'results') };

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { cwd: ROOT, encoding: 'utf8', env: ENV });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, last: r.stdout.trim().split('\n').pop() ?? '' };
}

const code = (nb: Notebook) => nb.cells.filter((c): c is CodeCell => c.cell_type === 'code');
const text = (outs: Output[]) => outs.map((o) => (o.output_type === 'stream' ? joinText(o.text) : '')).join('');
const written: string[] = [];

function checkValid(file: string): Notebook {
  const nb = readNotebook(file);
  assert.deepEqual(validateNotebook(JSON.parse(fs.readFileSync(file, 'utf8'))), [], `${file} validates against the nbformat 4.5 schema`);
  written.push(file);
  return nb;
}

test('parameters are injected after the parameters cell, typed, and every cell runs with its outputs recorded', () => {
  const out = path.join(tmp, 'params-1.ipynb');
  const r = cli([path.join(FIX, 'params.ipynb'), '-p', 'name', 'moon', '-p', 'count=3', '-p', 'ratio=1e-3', '-p', 'flag=True', '-p', 'nothing=None', '-y', '{list: [1, 2]}', '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.last, out);
  const nb = checkValid(out);
  const cells = code(nb);
  assert.deepEqual(cellTags(cells[0]), ['parameters']);
  assert.deepEqual(cellTags(cells[1]), ['injected-parameters'], 'the injected cell comes right after the parameters cell');
  assert.match(joinText(cells[1].source), /count = 3;/);
  const values = JSON.parse(text(cells[2].outputs));
  assert.deepEqual(values, { name: 'moon', count: 3, ratio: 0.001, flag: true, nothing: null, list: [1, 2], types: ['string', 'number', 'number', 'boolean', 'null'] });
  // an updatable display keeps its last content, in one output
  const displays = cells[3].outputs.filter((o) => o.output_type === 'display_data');
  assert.equal(displays.length, 2);
  assert.deepEqual(displays.map((o) => o.output_type === 'display_data' && joinText(o.data['text/plain'] as string) + joinText(o.data['text/html'] as string)), ['step 3 of 3', '<b>bold</b>']);
  assert.deepEqual(readScraps(nb), { answer: 6, greeting: 'hello moon' });
  assert.deepEqual(cells[5].outputs.map((o) => o.output_type === 'stream' && [o.name, joinText(o.text)]), [['stderr', 'to stderr\n'], ['stdout', '42\n']]);
  // execution counts, per-cell and per-notebook records
  assert.deepEqual(cells.map((c) => c.execution_count), [1, 2, 3, 4, 5, 6]);
  for (const c of nb.cells) {
    const rec = c.metadata.papermill as { status: string; start_time: string; end_time: string; duration: number; exception: boolean };
    assert.equal(rec.status, 'completed');
    assert.ok(Date.parse(rec.end_time) >= Date.parse(rec.start_time));
    assert.ok(rec.duration >= 0 && rec.duration < 120);
  }
  assert.ok((cells[2].metadata.execution as Record<string, string>)['shell.execute_reply']);
  const pm = nb.metadata.papermill as Record<string, unknown>;
  assert.equal(pm.status, 'completed');
  assert.equal(pm.exception, false);
  assert.deepEqual(pm.parameters, { name: 'moon', count: 3, ratio: 0.001, flag: true, nothing: null, list: [1, 2] });
  assert.equal((pm.default_parameters as Record<string, string>).count, '1');
  assert.equal(pm.output_path, out);
  assert.ok((pm.duration as number) > 0 && Date.parse(pm.end_time as string) > Date.parse(pm.start_time as string));
  assert.equal((nb.metadata.language_info as { name: string }).name, 'typescript');
});

test('rerunning an executed notebook replaces the injected cell instead of adding one', () => {
  const first = path.join(tmp, 'params-1.ipynb');
  const out = path.join(tmp, 'params-2.ipynb');
  const r = cli([first, '-p', 'count', '5', '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const nb = checkValid(out);
  const injected = nb.cells.filter((c) => cellTags(c).includes('injected-parameters'));
  assert.equal(injected.length, 1);
  assert.equal(nb.cells.length, readNotebook(first).cells.length);
  assert.doesNotMatch(joinText(injected[0].source), /name/, 'the earlier values are gone with the old cell (papermill semantics)');
  const values = JSON.parse(text(code(nb)[2].outputs));
  assert.equal(values.count, 5);
  assert.equal(values.name, 'world', 'back to the default');
  assert.equal(code(nb)[2].outputs.length, 1, 'outputs are replaced, not accumulated');
  assert.deepEqual((nb.metadata.papermill as { parameters: object }).parameters, { count: 5 });
});

test('without -o the executed notebook goes into the run directory the notebook recorded', () => {
  const runDir = path.join(tmp, 'run-x');
  const r = cli([path.join(FIX, 'params.ipynb'), '-p', `out_dir=${runDir}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.last, path.join(runDir, 'params.ipynb'));
  assert.equal(readScraps(checkValid(r.last)).run_dir, runDir);
  // no run directory recorded: results/notebooks/<name>-<time>.ipynb
  const r2 = cli([path.join(FIX, 'params.ipynb')]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.last, new RegExp(`^${path.join(tmp, 'results', 'notebooks')}/params-\\d{8}-\\d{6}\\.ipynb$`));
  checkValid(r2.last);
});

test('a failing cell stops the run: exit 1, error output on that cell, a banner, earlier outputs kept', () => {
  const out = path.join(tmp, 'failing.ipynb');
  const r = cli([path.join(FIX, 'failing.ipynb'), '-o', out]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /In \[3\] failed: RangeError: deliberate failure/);
  assert.equal(r.last, out, 'the partial notebook is written');
  const nb = checkValid(out);
  // banner on top, marker right above the failing cell
  assert.deepEqual(cellTags(nb.cells[0]), ['papermill-error-cell-tag']);
  assert.match(joinText(nb.cells[0].source), /An Exception was encountered at .*In \[3\].*RangeError: deliberate failure/);
  const failedAt = nb.cells.findIndex((c) => c.cell_type === 'code' && c.execution_count === 3);
  assert.deepEqual(cellTags(nb.cells[failedAt - 1]), ['papermill-error-cell-tag']);
  const cells = code(nb);
  assert.equal(text(cells[1].outputs), 'before the failure\n', 'cells before the failure keep their outputs');
  const err = cells[2].outputs.find((o) => o.output_type === 'error');
  assert.ok(err && err.output_type === 'error');
  assert.equal(err.ename, 'RangeError');
  assert.equal(err.evalue, 'deliberate failure');
  assert.ok(err.traceback.some((l) => /at inner/.test(l)), 'the traceback has the stack');
  assert.ok(!err.traceback.some((l) => /tslab[\\/]dist/.test(l)), 'and not the runner\'s frames');
  assert.equal((cells[2].metadata.papermill as { status: string }).status, 'failed');
  assert.equal(cells[3].execution_count, null, 'nothing after the failure runs');
  assert.deepEqual(cells[3].outputs, []);
  assert.equal((cells[3].metadata.papermill as { status: string }).status, 'pending');
  assert.equal(text(cells.flatMap((c) => c.outputs)).includes('not reached'), false);
  const pm = nb.metadata.papermill as { status: string; exception: boolean };
  assert.equal(pm.status, 'failed');
  assert.equal(pm.exception, true);
  // the next run removes the banner cells again
  const again = path.join(tmp, 'failing-2.ipynb');
  const r2 = cli([out, '-p', 'fail=false', '-o', again]);
  assert.equal(r2.code, 0, r2.stderr);
  const nb2 = checkValid(again);
  assert.equal(nb2.cells.filter((c) => cellTags(c).includes('papermill-error-cell-tag')).length, 0);
  assert.equal(text(code(nb2)[4].outputs), 'after the failure\n');
});

test('a -p value of the wrong type fails in the injected cell, naming the parameter', () => {
  const out = path.join(tmp, 'params-bad.ipynb');
  const r = cli([path.join(FIX, 'params.ipynb'), '-p', 'count=many', '-o', out]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /parameter "count": Type 'string' is not assignable to type 'number'/);
  const nb = checkValid(out);
  const injected = code(nb)[1];
  assert.deepEqual(cellTags(injected), ['injected-parameters']);
  assert.ok(injected.outputs.some((o) => o.output_type === 'error' && o.ename === 'TSError'));
});

test('--prepare-only injects without executing; --help-notebook lists the parameters; other kernels are refused', () => {
  const out = path.join(tmp, 'prepared.ipynb');
  const r = cli([path.join(FIX, 'params.ipynb'), '-p', 'count=9', '--prepare-only', '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const nb = checkValid(out);
  assert.equal(code(nb).length, 6);
  assert.ok(code(nb).every((c) => c.execution_count === null && c.outputs.length === 0));
  assert.match(joinText(code(nb)[1].source), /count = 9;/);
  assert.match(cli([path.join(FIX, 'params.ipynb'), '--prepare-only']).stderr, /--prepare-only needs -o/);
  const help = cli([path.join(FIX, 'params.ipynb'), '--help-notebook']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /count: inferred \(default 1\) {2}a number/);
  assert.match(help.stdout, /nothing: string \| null \(default 'x'\)/);
  const py = JSON.parse(fs.readFileSync(path.join(FIX, 'params.ipynb'), 'utf8'));
  py.metadata.kernelspec = { name: 'python3', display_name: 'Python 3' };
  const pyFile = path.join(tmp, 'python.ipynb');
  fs.writeFileSync(pyFile, JSON.stringify(py));
  const bad = cli([pyFile]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /uses the "python3" kernel; the facegan runner executes tslab \(TypeScript\) notebooks only/);
});

/** Starts the runner on the interrupt fixture and sends SIGINT(s) once the long cell runs. */
function interrupted(args: string[], signals: number): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, path.join(FIX, 'interrupt.ipynb'), ...args], { cwd: ROOT, env: ENV });
    let stderr = '';
    let stdout = '';
    let sent = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`runner did not stop; stderr:\n${stderr}`));
    }, 90_000);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!sent && /console\.log\('waiting'\)/.test(stderr)) {
        sent = true;
        setTimeout(() => {
          child.kill('SIGINT');
          if (signals > 1) setTimeout(() => child.kill('SIGINT'), 500);
        }, 1500);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

test('Ctrl-C: the running cell may finish (as training does), then the run stops with a partial notebook', async () => {
  const out = path.join(tmp, 'interrupt-graceful.ipynb');
  const r = await interrupted(['-p', 'graceful=true', '-o', out], 1);
  assert.equal(r.code, 130, r.stderr);
  const nb = checkValid(out);
  const cells = code(nb);
  assert.equal(text(cells[3].outputs), 'waiting\nstopping gracefully\n');
  assert.equal((cells[3].metadata.papermill as { status: string }).status, 'completed');
  assert.equal(cells[4].execution_count, null);
  assert.equal((cells[4].metadata.papermill as { status: string }).status, 'pending');
  assert.equal((nb.metadata.papermill as { status: string }).status, 'interrupted');
  assert.match(joinText(nb.cells[0].source), /interrupted \(Ctrl-C\)/);
});

test('Ctrl-C twice stops at once and still writes the partial notebook', async () => {
  const out = path.join(tmp, 'interrupt-hard.ipynb');
  const r = await interrupted(['-o', out], 2);
  assert.equal(r.code, 130, r.stderr);
  assert.equal(r.stdout.trim().split('\n').pop(), out);
  const nb = checkValid(out);
  const cells = code(nb);
  assert.equal(text(cells[1].outputs), 'started\n');
  const err = cells[2].outputs.find((o) => o.output_type === 'error');
  assert.ok(err && err.output_type === 'error' && err.ename === 'KeyboardInterrupt');
  assert.equal((cells[2].metadata.papermill as { status: string }).status, 'interrupted');
  assert.equal((nb.metadata.papermill as { status: string }).status, 'interrupted');
});

test('every notebook the runner wrote is valid for Python nbformat', (t) => {
  const py = findNbformatPython();
  if (!py) return t.skip('Python nbformat is not installed (see docs/notebooks.md; or set FACEGAN_PYTHON)');
  assert.ok(written.length >= 8);
  const r = pythonValidate(py, written);
  for (const f of written) assert.equal(r[f], null, `${f}: ${r[f]}`);
});
