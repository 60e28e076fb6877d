/**
 * npm run study at the smoke preset on the bundled sample: a campaign stopped with Ctrl-C (exit
 * 130) continues in two shards without training any finished run again, the shards split the nine
 * runs disjointly and together cover them, and the table lists all nine; a run folder started with
 * `npm run experiment --out` is adopted and resumed; a folder of another experiment or preset is
 * refused before anything trains; a run stopped before its first checkpoint starts again through
 * the library's resume; a folder whose run lock a live process holds is left untouched (exit 75);
 * --export writes the reference files with no absolute paths.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { setupBackend, tempDir } from '../helpers';
import { runCampaign, CampaignRequest } from '../../lib/orchestrate/campaign';
import { exportReference } from '../../lib/orchestrate/export-reference';
import { runExperiment } from '../../lib/orchestrate/run-experiment';
import { resolveRunDirs } from '../../lib/eval/compare';
import { evaluateRun } from '../../lib/eval/evaluate-run';
import { decodePng } from '../../lib/viz';
import { SAMPLE_DIR } from '../../lib/runs/dataset';
import { studyCampaign } from '../../experiments/study';
import { getExperiment } from '../../experiments';

const ROOT = path.resolve(__dirname, '..', '..');
const NINE = [...studyCampaign.runs].sort();
let backend: Awaited<ReturnType<typeof setupBackend>>;
test.before(async () => {
  backend = await setupBackend();
});

const readJson = (f: string) => JSON.parse(fs.readFileSync(f, 'utf8'));
const status = (dir: string) => (fs.existsSync(path.join(dir, 'summary.json')) ? readJson(path.join(dir, 'summary.json')).status : null);
const hash = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');
const lossIters = (dir: string) => fs.readFileSync(path.join(dir, 'losses.csv'), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));

function campaign(out: string, lines: string[], extra: Partial<CampaignRequest> = {}): CampaignRequest {
  return {
    campaign: studyCampaign, getSpec: getExperiment, preset: 'smoke', outDir: out, data: {}, backend,
    evalN: false, progress: false, charts: false, log: (l) => lines.push(l), ...extra,
  };
}

/** Node running a project script (no npm in between, so signals reach it). */
function script(name: string, args: string[]) {
  return spawn(process.execPath, ['--import', 'tsx', path.join('scripts', name), ...args], { cwd: ROOT, env: { ...process.env, CI: '1' } });
}

test('a campaign stopped with Ctrl-C continues in two shards: finished runs untouched, every run trained once', async () => {
  const out = path.join(tempDir('facegan-study-'), 'study');
  const child = script('study.ts', ['--preset', 'smoke', '--out', out, '--no-eval', '--no-progress', '--no-charts']);
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Ctrl-C once three runs are complete
  let sent = false;
  const timer = setInterval(() => {
    const done = NINE.filter((n) => status(path.join(out, n)) === 'completed').length;
    if (done >= 3 && !sent) {
      sent = true;
      child.kill('SIGINT');
    }
  }, 50);
  const code = await exited;
  clearInterval(timer);
  assert.ok(sent, `the campaign ended before it was interrupted:\n${output}`);
  assert.equal(code, 130, `exit status after Ctrl-C\n${output}`);
  assert.match(output, /study smoke: [3-8]\/9 runs done/, 'the campaign progress line');
  const finished = NINE.filter((n) => status(path.join(out, n)) === 'completed');
  assert.ok(finished.length >= 3 && finished.length < 9, `finished before Ctrl-C: ${finished.join(', ')}`);
  const before = new Map(finished.flatMap((n) => ['losses.csv', 'summary.json', 'noise.json'].map((f) => [path.join(out, n, f), hash(path.join(out, n, f))])));

  const lines: string[] = [];
  const a = await runCampaign({ ...campaign(out, lines), shard: { index: 0, count: 2, source: 'test' } });
  const b = await runCampaign({ ...campaign(out, lines), shard: { index: 1, count: 2, source: 'test' } });
  assert.equal(a.status, 'completed');
  assert.equal(b.status, 'completed');
  assert.deepEqual(a.planned.filter((n) => b.planned.includes(n)), [], 'the shards share no run');
  assert.deepEqual([...a.planned, ...b.planned].sort(), NINE, 'the shards together cover the campaign');
  for (const [file, h] of before) assert.equal(hash(file), h, `${file} changed: a finished run was trained again`);
  for (const n of finished) assert.ok(lines.includes(`${n}: already completed (1 epochs) in ${path.join(out, n)}, skipping`), lines.join('\n'));
  const trained = [...a.runs, ...b.runs].filter((r) => r.status !== 'skipped').map((r) => r.experiment).sort();
  assert.deepEqual(trained, NINE.filter((n) => !finished.includes(n)), 'each unfinished run trained by exactly one shard');
  for (const n of NINE) {
    const dir = path.join(out, n);
    const s = readJson(path.join(dir, 'summary.json'));
    assert.equal(s.status, 'completed', n);
    assert.equal(s.steps, 2, `${n}: smoke is 2 iterations`);
    assert.deepEqual(lossIters(dir), [0, 1], `${n}: losses.csv has each iteration once`);
  }
  // the last shard's table holds all nine runs, and compare merges the shards' folders given as <out>/*/
  const table = fs.readFileSync(path.join(out, 'table.md'), 'utf8');
  for (const n of NINE) assert.match(table, new RegExp(`^\\|${n}\\|${n}\\|`, 'm'), `table.md lists ${n}`);
  const globbed = fs.readdirSync(out, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => path.join(out, d.name) + '/');
  assert.deepEqual(resolveRunDirs(globbed, false).map((d) => path.basename(d)), NINE);
});

test('adopts a folder started by npm run experiment, refuses another experiment or preset, restarts one with no checkpoint', async () => {
  const out = path.join(tempDir('facegan-study-'), 'study');
  const happy = path.join(out, 'fer-happy');
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/experiment.ts', 'fer-happy', '--preset', 'smoke', '--out', happy, '--max-steps', '1', '--no-eval', '--no-progress'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readJson(path.join(happy, 'summary.json')).status, 'stopped');
  const happyConfig = readJson(path.join(happy, 'config.json'));

  // a folder holding another experiment, then another preset: refused before anything trains
  const sad = path.join(out, 'fer-sad');
  fs.mkdirSync(sad, { recursive: true });
  fs.writeFileSync(path.join(sad, 'config.json'), JSON.stringify(happyConfig));
  const lines: string[] = [];
  await assert.rejects(runCampaign(campaign(out, lines, { only: ['fer-happy', 'fer-sad'] })), /fer-sad holds a run of fer-happy at preset smoke \(config.json\), but this campaign puts fer-sad at preset smoke there/);
  fs.writeFileSync(path.join(sad, 'config.json'), JSON.stringify({ ...happyConfig, experiment: 'fer-sad', preset: 'quick' }));
  await assert.rejects(runCampaign(campaign(out, lines, { only: ['fer-sad'] })), /holds a run of fer-sad at preset quick/);
  assert.equal(readJson(path.join(happy, 'summary.json')).steps, 1, 'nothing trained by a refused campaign');

  // a run stopped before its first checkpoint (its checkpoints removed after one iteration, and its
  // summary.json as a process killed then, minutes ago, leaves it: running, no checkpoint): started
  // again from scratch by the library's resume. (checkpoints/ deleted from a run whose summary.json
  // names a checkpoint is damage instead: test/faults/campaign-damage.test.ts.)
  fs.rmSync(sad, { recursive: true, force: true });
  await runExperiment({ spec: getExperiment('fer-sad'), preset: 'smoke', outDir: sad, backend, maxSteps: 1, progress: false, log: () => {} });
  fs.rmSync(path.join(sad, 'checkpoints'), { recursive: true, force: true });
  fs.writeFileSync(path.join(sad, 'summary.json'), JSON.stringify({ ...readJson(path.join(sad, 'summary.json')), status: 'running', steps: 0, lastCheckpoint: null }));
  const killedAt = new Date(Date.now() - 10 * 60_000);
  for (const f of ['summary.json', 'losses.csv']) fs.utimesSync(path.join(sad, f), killedAt, killedAt);
  const res = await runCampaign(campaign(out, lines, { only: ['fer-happy', 'fer-sad', 'fer-angry'] }));
  assert.equal(res.status, 'completed');
  assert.deepEqual(res.runs.map((x) => [x.experiment, x.found, x.status]), [
    ['fer-angry', 'new', 'completed'], ['fer-happy', 'resume', 'completed'], ['fer-sad', 'restart', 'completed'],
  ]);
  assert.ok(lines.some((l) => l.startsWith('fer-happy: resuming') && l.includes('from step 1')), lines.join('\n'));
  assert.ok(lines.some((l) => /fer-sad: .* stopped before its first checkpoint; starting it again from scratch/.test(l)), lines.join('\n'));
  assert.deepEqual(lossIters(happy), [0, 1], 'the adopted run continued from its checkpoint, no iteration twice');
  assert.equal(readJson(path.join(happy, 'config.json')).command[0], happyConfig.command[0], 'the adopted folder keeps its own record');
  assert.equal(readJson(path.join(sad, 'config.json')).data.name.startsWith('fer2013 train/sad'), true, 'restarted with its own data');
  assert.equal(readJson(path.join(sad, 'config.json')).resumedAt.length, 1, 'restarted in place by resume (the folder was not deleted)');
  assert.deepEqual(lossIters(sad), lossIters(sad).map((_, i) => i), 'losses.csv holds each iteration once, from 0');

  // --export: the completed runs' reference files, tables, and no absolute path of this machine
  await runCampaign(campaign(out, lines, { only: ['fer-fear'], maxSteps: 1 }));
  assert.equal(status(path.join(out, 'fer-fear')), 'stopped');
  await evaluateRun(happy, { n: 8, log: () => {} });
  const ref = path.join(tempDir('facegan-ref-'), 'reference', 'smoke');
  const exp = await exportReference({ campaign: studyCampaign, from: out, to: ref, log: (l) => lines.push(l) });
  assert.deepEqual(exp.exported.map((e) => e.experiment), ['fer-angry', 'fer-happy', 'fer-sad']);
  assert.ok(exp.skipped.some((s) => s.experiment === 'fer-fear' && /not completed \(status stopped/.test(s.reason)), JSON.stringify(exp.skipped));
  assert.ok(exp.skipped.some((s) => s.experiment === 'celeba' && /not started/.test(s.reason)));
  for (const f of ['config.json', 'summary.json', 'loss.png', 'final.png', 'epoch-strip.png', 'samples-256.png']) {
    for (const n of ['fer-angry', 'fer-happy', 'fer-sad']) assert.ok(fs.existsSync(path.join(ref, n, f)), `${n}/${f}`);
  }
  assert.ok(fs.existsSync(path.join(ref, 'fer-happy', 'metrics.json')));
  assert.ok(!fs.readdirSync(path.join(ref, 'fer-happy')).some((f) => f === 'checkpoints' || f.endsWith('.bin')), 'no weights exported');
  for (const f of ['table.md', 'table.csv', 'table.html', 'expressions.md']) assert.ok(fs.existsSync(path.join(ref, f)), f);
  assert.match(fs.readFileSync(path.join(ref, 'table.html'), 'utf8'), /<img src="fer-happy\/final.png"/);
  // samples-256.png: 16 x 16 images of 48 px at native size with 2-pixel gaps, gray, no labels
  const grid = decodePng(fs.readFileSync(path.join(ref, 'fer-happy', 'samples-256.png')));
  assert.deepEqual([grid.width, grid.height, grid.channels], [16 * 50 + 2, 16 * 50 + 2, 1]);
  // the same seed gives the same picture
  const again = path.join(tempDir('facegan-ref-'), 'again');
  await exportReference({ campaign: studyCampaign, from: out, to: again, only: ['fer-sad'], log: () => {} });
  assert.equal(hash(path.join(again, 'fer-sad', 'samples-256.png')), hash(path.join(ref, 'fer-sad', 'samples-256.png')));
  const tableRuns = (dir: string) => fs.readFileSync(path.join(dir, 'table.csv'), 'utf8').trim().split('\n').length - 1;
  assert.equal(tableRuns(again), 1);
  // a later export of one run (another shard's, say) into the same DEST keeps the earlier runs in its tables
  await exportReference({ campaign: studyCampaign, from: out, to: ref, only: ['fer-sad'], log: () => {} });
  assert.equal(tableRuns(ref), 3, 'fer-angry, fer-happy and fer-sad stay in the table');
  const texts = walk(ref).filter((f) => /\.(json|md|csv|html)$/.test(f));
  assert.ok(texts.length >= 12);
  for (const f of texts) {
    const text = fs.readFileSync(f, 'utf8');
    for (const abs of [out, SAMPLE_DIR, ROOT, path.dirname(out)]) assert.ok(!text.includes(abs), `${f} contains ${abs}`);
    if (f.endsWith('.json')) {
      JSON.stringify(readJson(f), (_k, v) => {
        if (typeof v === 'string') assert.ok(!v.startsWith('/'), `${f}: absolute path ${v}`);
        return v;
      });
    }
  }
  const cfg = readJson(path.join(ref, 'fer-happy', 'config.json'));
  assert.equal(cfg.data.path, 'fer2013', 'the data path becomes the dataset folder name');
  assert.equal(readJson(path.join(ref, 'fer-happy', 'summary.json')).lastCheckpoint, 'checkpoints/step-0000002');
});

/** Every file below `dir` with its content hash and modification time. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(walk(dir).map((f) => [path.relative(dir, f), `${hash(f)} ${fs.statSync(f).mtimeMs}`]));
}

test('a run folder whose lock a live process holds is left to it untouched (npm run study exits 75); once that process is gone it resumes', async () => {
  const out = path.join(tempDir('facegan-study-'), 'study');
  const happy = path.join(out, 'fer-happy');
  await runExperiment({ spec: getExperiment('fer-happy'), preset: 'smoke', outDir: happy, backend, maxSteps: 1, progress: false, log: () => {} });
  // another live process on this host holds the folder (its lock as lib/io/lock.ts writes it)
  const holder = spawn('sleep', ['120'], { stdio: 'ignore' });
  const gone = new Promise((r) => holder.once('exit', r));
  try {
    await new Promise((r) => setTimeout(r, 50));
    fs.writeFileSync(path.join(happy, '.lock'), JSON.stringify({ pid: holder.pid, host: os.hostname(), startedAt: new Date().toISOString(), command: 'resume (another shell)' }) + '\n');
    const before = snapshot(happy);
    const lines: string[] = [];
    const r = await runCampaign(campaign(out, lines, { only: ['fer-happy', 'fer-sad'], maxSteps: 1 }));
    assert.deepEqual(r.runs.map((x) => [x.experiment, x.found, x.status]), [['fer-happy', 'busy', 'skipped'], ['fer-sad', 'new', 'stopped']]);
    assert.deepEqual(r.leftToOthers, ['fer-happy']);
    assert.ok(lines.some((l) => l.startsWith(`fer-happy: ${happy} is in use by pid ${holder.pid} on ${os.hostname()}`) && l.includes('untouched')), lines.join('\n'));
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/study.ts', '--preset', 'smoke', '--out', out, '--only', 'fer-happy', '--no-eval', '--no-progress', '--no-charts'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(cli.status, 75, cli.stderr);
    assert.match(cli.stderr, /1 run\(s\) left to other processes that hold them: fer-happy/);
    assert.deepEqual(snapshot(happy), before, 'nothing in the held folder changed, its lock included');
  } finally {
    holder.kill();
  }
  await gone;
  const lines: string[] = [];
  const r = await runCampaign(campaign(out, lines, { only: ['fer-happy'] }));
  assert.deepEqual(r.runs.map((x) => [x.experiment, x.found, x.status]), [['fer-happy', 'resume', 'completed']]);
  assert.deepEqual(r.leftToOthers, []);
  assert.ok(lines.some((l) => /taking over the stale lock of .*fer-happy: process \d+ is no longer running/.test(l)), lines.join('\n'));
  assert.equal(fs.existsSync(path.join(happy, '.lock')), false, 'the lock is released');
  assert.deepEqual(lossIters(happy), lossIters(happy).map((_, i) => i), 'resumed after the holder: each iteration once');
});

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name)) : [path.join(dir, d.name)]));
}
