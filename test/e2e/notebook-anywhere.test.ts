/**
 * Notebooks that show existing runs and rerun anywhere: notebook 02 over a completed run (run_dir)
 * trains nothing and writes nothing into it; its strip and GIF hold at most 12 epochs of a
 * 14-epoch run; the executed notebook, copied to a folder outside the project, runs again there
 * (the runner, and a plain copy with `jupyter nbconvert --execute` with the tslab kernel, registered
 * with scripts/tslab-kernel.js, where .venv-jupyter exists, see .ci/notebooks.sh); nbconvert's HTML shows the GIF; a misspelled -p parameter is an error
 * naming the notebook's parameters; the notebooks use the typed API only.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { setupBackend, tempDir } from '../helpers';
import { CodeCell, Notebook, joinText, readNotebook } from '../../lib/notebook/runner/nbformat';
import { getExperiment } from '../../experiments';
import { runExperiment } from '../../lib/orchestrate/run-experiment';
import { epochGrids, epochStripPng } from '../../lib/runs/run-pictures';
import { decodePng } from '../../lib/viz';

const ROOT = path.resolve(__dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'notebook.ts');
const NB02 = path.join(ROOT, 'notebooks', '02-fer-per-emotion.ipynb');
const JUPYTER = path.join(ROOT, '.venv-jupyter', 'bin', 'jupyter');
const KERNEL_JSON = path.join(ROOT, '.venv-jupyter', 'share', 'jupyter', 'kernels', 'tslab', 'kernel.json');
const hasTslabKernel = fs.existsSync(JUPYTER) && /\btslab\b/.test(spawnSync(JUPYTER, ['kernelspec', 'list'], { encoding: 'utf8' }).stdout ?? '');
/** The tslab kernel's binary is scripts/tslab-kernel.js (it links the package in the notebook's folder). */
const kernelIsLauncher = (): boolean => {
  try {
    const argv = (JSON.parse(fs.readFileSync(KERNEL_JSON, 'utf8')) as { argv?: string[] }).argv ?? [];
    return !!argv[0] && fs.realpathSync(argv[0]) === fs.realpathSync(path.join(ROOT, 'scripts', 'tslab-kernel.js'));
  } catch {
    return false;
  }
};
const noJupyter = !hasTslabKernel
  ? `no Jupyter with the tslab kernel in ${path.dirname(path.dirname(JUPYTER))} (run .ci/notebooks.sh)`
  : !kernelIsLauncher()
    ? `the tslab kernel in ${KERNEL_JSON} does not start scripts/tslab-kernel.js (register it as docs/notebooks.md shows, or run .ci/notebooks.sh)`
    : false;

function runner(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
}

function outputsOf(nb: Notebook, mime: string): string[] {
  return nb.cells
    .filter((c): c is CodeCell => c.cell_type === 'code')
    .flatMap((c) => c.outputs)
    .flatMap((o) => (o.output_type === 'display_data' && o.data[mime] !== undefined ? [joinText(o.data[mime] as string | string[])] : []));
}

/** Frames of a GIF (image descriptors), walking its block structure. */
function gifFrames(gif: Buffer): number {
  assert.equal(gif.subarray(0, 6).toString('latin1'), 'GIF89a');
  let p = 13;
  if (gif[10] & 0x80) p += 3 * (1 << ((gif[10] & 7) + 1));
  let frames = 0;
  const skipSubBlocks = () => {
    while (gif[p] !== 0) p += gif[p] + 1;
    p += 1;
  };
  for (;;) {
    const b = gif[p];
    if (b === 0x3b) return frames;
    if (b === 0x21) {
      p += 2;
      skipSubBlocks();
    } else if (b === 0x2c) {
      frames += 1;
      const packed = gif[p + 9];
      p += 10;
      if (packed & 0x80) p += 3 * (1 << ((packed & 7) + 1));
      p += 1; // LZW minimum code size
      skipSubBlocks();
    } else throw new Error(`GIF: unexpected block 0x${b.toString(16)} at ${p}`);
  }
}

/** Every file below `dir` with its modification time. */
function snapshot(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const f = path.join(d, e.name);
      if (e.isDirectory()) walk(f);
      else out[path.relative(dir, f)] = fs.statSync(f).mtimeMs;
    }
  };
  walk(dir);
  return out;
}

let runDir = '';
let executed = '';

test('notebook 02 shows a completed 14-epoch run without training: at most 12 epochs in the strip and the GIF, nothing written into the run', async () => {
  const backend = await setupBackend();
  const base = getExperiment('fer-happy');
  const spec = { ...base, model: { ...base.model, ngf: 4, ndf: 4 } };
  runDir = path.join(tempDir(), 'fer-happy');
  const r = await runExperiment({ spec, preset: 'smoke', overrides: { epochs: 14 }, backend, outDir: runDir, progress: false, log: () => {} });
  assert.equal(r.summary.status, 'completed');
  assert.equal(epochGrids(runDir).length, 14);
  const before = snapshot(runDir);

  executed = path.join(tempDir(), '02-shown.ipynb');
  const res = runner([NB02, '-p', `run_dir=${runDir}`, '-o', executed]);
  assert.equal(res.status, 0, res.stderr);
  assert.deepEqual(snapshot(runDir), before, 'the shown run folder is left exactly as it was');
  const nb = readNotebook(executed);
  const md = outputsOf(nb, 'text/markdown').join('\n');
  assert.match(md, /Showing the completed run `fer-happy`.*Nothing is trained/);
  const gifs = outputsOf(nb, 'image/gif').map((g) => Buffer.from(g, 'base64'));
  assert.equal(gifs.length, 1);
  assert.equal(gifFrames(gifs[0]), 12, 'the GIF holds 12 of the 14 epochs');
  const html = outputsOf(nb, 'text/html').filter((h) => h.startsWith('<img src="data:image/gif;base64,'));
  assert.equal(html.length, 1, 'the GIF output also carries text/html');
  assert.ok(html[0].includes(outputsOf(nb, 'image/gif')[0]), 'the same GIF');
  const strip = outputsOf(nb, 'text/plain').findIndex((t) => t.startsWith('fixed-noise samples across epochs of'));
  assert.ok(strip >= 0, 'the epoch strip is shown');
  const stripPng = decodePng(Buffer.from(outputsOf(nb, 'image/png').find((p) => decodePng(Buffer.from(p, 'base64')).height === decodePng(epochStripPng(runDir)).height)!, 'base64'));
  assert.ok(stripPng.height < decodePng(epochStripPng(runDir, { maxEpochs: 14 })).height, 'the strip has fewer rows than epochs');
});

test('an executed notebook copied to a folder outside the project runs again there (the runner)', () => {
  assert.ok(executed, 'the previous test executed the notebook');
  const away = tempDir('facegan-copy-');
  assert.ok(!path.resolve(away).startsWith(ROOT + path.sep), `${away} is outside the project`);
  const copy = path.join(away, '02-copy.ipynb');
  fs.copyFileSync(executed, copy);
  const res = runner([copy, '--cwd', away, '-o', path.join(away, '02-rerun.ipynb')]);
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stderr, /linked .*node_modules\/facegan/);
  assert.equal(fs.realpathSync(path.join(away, 'node_modules', 'facegan')), fs.realpathSync(ROOT));
  const nb = readNotebook(path.join(away, '02-rerun.ipynb'));
  assert.equal((nb.metadata.papermill as { status?: string }).status, 'completed');
  assert.equal(outputsOf(nb, 'image/gif').length, 1);
});

test('a plain copy runs with jupyter nbconvert --execute (tslab kernel) in its folder, and its HTML shows the GIF', { skip: noJupyter }, () => {
  assert.ok(executed, 'the first test executed the notebook');
  const away = tempDir('facegan-jupyter-');
  const copy = path.join(away, '02-copy.ipynb');
  // a plain copy (run_dir as injected): nothing links the package beforehand, the kernel launcher does
  fs.copyFileSync(executed, copy);
  assert.ok(!fs.existsSync(path.join(away, 'node_modules')));
  const ex = spawnSync(JUPYTER, ['nbconvert', '--to', 'notebook', '--execute', '--ExecutePreprocessor.kernel_name=tslab', '--ExecutePreprocessor.timeout=600', '--output', 'executed.ipynb', copy], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(ex.status, 0, `nbconvert --execute failed:\n${ex.stderr.slice(-3000)}`);
  assert.match(ex.stderr, /facegan kernel: linked .*node_modules\/facegan/);
  assert.equal(fs.realpathSync(path.join(away, 'node_modules', 'facegan')), fs.realpathSync(ROOT));
  const nb = readNotebook(path.join(away, 'executed.ipynb'));
  const errors = nb.cells.filter((c): c is CodeCell => c.cell_type === 'code').flatMap((c) => c.outputs).filter((o) => o.output_type === 'error');
  assert.deepEqual(errors, []);
  assert.equal(outputsOf(nb, 'image/gif').length, 1, 'the GIF was displayed by the kernel');
  const html = spawnSync(JUPYTER, ['nbconvert', '--to', 'html', '--output', 'executed.html', path.join(away, 'executed.ipynb')], { cwd: away, encoding: 'utf8' });
  assert.equal(html.status, 0, html.stderr);
  const page = fs.readFileSync(path.join(away, 'executed.html'), 'utf8');
  assert.match(page, /<img[^>]*src="data:image\/gif;base64,R0lGOD/, 'the HTML page shows the animated GIF');
});

test('a misspelled -p parameter is an error naming the notebook\'s parameters; --allow-unknown injects it', () => {
  const out = path.join(tempDir(), 'x.ipynb');
  const bad = runner([NB02, '-p', 'preset=smoke', '-p', 'epoch=3', '-o', out]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /unknown parameter "epoch"; the notebook's parameters are preset, emotion, data_dir, epochs, seed, backend, out_dir, run_dir, runs_root \(--allow-unknown/);
  assert.ok(!fs.existsSync(out), 'nothing written');
  const ok = runner([NB02, '-p', 'epoch=3', '--allow-unknown', '--prepare-only', '-o', out]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stderr, /warning: parameter "epoch" is not declared/);
  assert.match(joinText(readNotebook(out).cells.find((c) => (c.metadata.tags ?? []).includes('injected-parameters'))!.source), /epoch = 3/);
});

test('the notebooks use the typed package API: no relative ./facegan import, no require, no any', () => {
  const dir = path.join(ROOT, 'notebooks');
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.ipynb'))) {
    const code = readNotebook(path.join(dir, f)).cells.filter((c) => c.cell_type === 'code').map((c) => joinText(c.source)).join('\n');
    assert.match(code, /import fg from 'facegan';/, `${f} imports the package`);
    assert.doesNotMatch(code, /from '\.\/facegan'|require\(|\bany\b/, `${f}: only the typed API`);
  }
  // the package entry resolves to the notebook API from inside the project
  const main = require.resolve('facegan');
  assert.equal(main, path.join(ROOT, 'notebooks', 'api', 'facegan.js'));
});
