import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import { tempDir, SHARED, hasShared } from '../helpers';

const ROOT = path.resolve(__dirname, '..', '..');

function cli(script: string, args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', script), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CI: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, last: r.stdout.trim().split('\n').pop() ?? '' };
}

function checkRunDir(dir: string, size: number, channels: number) {
  for (const f of ['config.json', 'losses.csv', 'noise.json', 'summary.json', 'samples/epoch-001.png', 'samples/final.png', 'checkpoints/latest.json', 'loss.svg', 'loss.png']) {
    assert.ok(fs.existsSync(path.join(dir, f)), `${f} missing in ${dir}`);
  }
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  assert.equal(config.preset, 'smoke');
  assert.ok(config.backend.name, 'config records the backend');
  assert.ok(config.versions['@tensorflow/tfjs']);
  assert.equal(config.spec.model.size, size);
  assert.equal(config.spec.model.channels, channels);
  const rows = fs.readFileSync(path.join(dir, 'losses.csv'), 'utf8').trim().split('\n');
  assert.equal(rows[0], 'epoch,iter,loss_d,loss_g,d_x,d_g_z1,d_g_z2,seconds');
  assert.equal(rows.length - 1, 2, 'smoke = 16 images in batches of 8 = 2 iterations');
  const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  assert.equal(summary.status, 'completed');
  assert.equal(summary.steps, 2);
  const noise = JSON.parse(fs.readFileSync(path.join(dir, 'noise.json'), 'utf8'));
  assert.equal(noise.values.length, 64 * 100);
}

test('experiment fer-happy --preset smoke on the bundled sample writes a complete run directory', () => {
  const out = path.join(tempDir(), 'run');
  const r = cli('experiment.ts', ['fer-happy', '--preset', 'smoke', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.last, out, 'the run directory is the last line');
  assert.match(r.stderr, /backend: /);
  checkRunDir(out, 48, 1);
});

test('experiment celeba --preset smoke on the bundled sample writes a complete run directory', () => {
  const out = path.join(tempDir(), 'run');
  const r = cli('experiment.ts', ['celeba', '--preset', 'smoke', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.last, out);
  checkRunDir(out, 64, 3);
});

test('experiment fer-happy --preset smoke on the full FER2013 folder', { skip: !hasShared('fer2013') && 'no ../shared/data/fer2013' }, () => {
  const out = path.join(tempDir(), 'run');
  const r = cli('experiment.ts', ['fer-happy', '--preset', 'smoke', '--data', path.join(SHARED, 'fer2013'), '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  checkRunDir(out, 48, 1);
});

test('a stopped run resumes with --resume and completes', () => {
  const out = path.join(tempDir(), 'run');
  const r1 = cli('experiment.ts', ['fer-sad', '--preset', 'smoke', '--out', out, '--max-steps', '1']);
  assert.equal(r1.code, 0, r1.stderr);
  assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')).status, 'stopped');
  const r2 = cli('experiment.ts', ['--resume', out]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.equal(r2.last, out);
  checkRunDir(out, 48, 1);
});

test('Ctrl-C stops a run with a checkpoint, prints its folder last and exits 130; --resume completes it', async () => {
  const out = path.join(tempDir(), 'run');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'experiment.ts'), 'fer-sad', '--preset', 'smoke', '--epochs', '400', '--out', out, '--no-eval'], {
    cwd: ROOT, env: { ...process.env, CI: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  // interrupt once training has written some loss rows
  const losses = path.join(out, 'losses.csv');
  const started = () => fs.existsSync(losses) && fs.readFileSync(losses, 'utf8').trim().split('\n').length > 3;
  for (let i = 0; i < 1800 && !started(); i++) await new Promise((r) => setTimeout(r, 100));
  if (!started()) {
    child.kill('SIGKILL');
    assert.fail(`no training after 3 minutes: ${stderr}`);
  }
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 130, stderr);
  assert.equal(stdout.trim().split('\n').pop(), out);
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
  assert.equal(summary.status, 'interrupted');
  assert.ok(summary.steps > 0 && summary.steps < 800, `steps ${summary.steps}`);
  const r = cli('experiment.ts', ['--resume', out, '--max-steps', String(summary.steps + 1)]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')).steps, summary.steps + 1);
});

test('CLI errors are clear: unknown experiment, bad preset, missing data, existing run', () => {
  let r = cli('experiment.ts', ['fer-joy', '--preset', 'smoke']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /unknown experiment "fer-joy"; available: .*fer-happy/);
  r = cli('experiment.ts', ['fer-happy', '--preset', 'huge']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--preset must be one of/);
  r = cli('experiment.ts', ['celeba', '--preset', 'smoke', '--data', '/nonexistent/celeba']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\/nonexistent\/celeba/);
  assert.match(r.stderr, /CelebA/);
  r = cli('experiment.ts', ['fer-happy', '--preset', 'smoke', '--epochs', 'x']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--epochs must be an integer/);
});

test('study-questions at the paper preset asks for exactly the datasets its runs need', () => {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: '1' };
  delete env.FACEGAN_CELEBA;
  delete env.FACEGAN_FER2013;
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'experiment.ts'), 'study-questions', '--preset', 'paper', '--out', path.join(tempDir(), 'sq'), ...args], { cwd: ROOT, encoding: 'utf8', env });
  let r = run([]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /needs the real datasets.*give --celeba DIR .* and --fer DIR/);
  r = run(['--only', 'fer-surprise,fer-pooled']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /give --fer DIR/);
  assert.doesNotMatch(r.stderr, /--celeba/, 'the FER pair needs no CelebA');
});
