/**
 * Signals however the trainer is started (docs/reliability.md):
 * - SIGTERM to `npm run experiment` (npm signals its child; the package.json scripts `exec` node,
 *   so the child is the trainer, not a `sh -c` that dies and leaves node training on);
 * - the same with npm as PID 1 of its own PID namespace (`unshare --pid --fork`, as in a container
 *   whose command is npm): before, npm exited with sh and the kernel SIGKILLed node (no checkpoint,
 *   status running, the lock left);
 * - SIGTERM while the data loads (before the first step) of a --max-steps 1 run: interrupted, 143
 *   (before: lost, exit 0, `stopped`);
 * - the container and Kubernetes files run node under tini and give time for a checkpoint.
 * Each interrupted run has a checkpoint of its step, no lock, and resumes bit-identically.
 */
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import { parseAllDocuments } from 'yaml';
import { tempDir } from '../helpers';
import { ROOT, TINY_SPEC, cli, cliAsync, tinyArgs, referenceRun, checkComplete, diffRuns, waitStopped, faultEnv } from './harness';

const summaryOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
const npmArgs = (dir: string) => ['run', '--silent', 'experiment', '--', '--spec', TINY_SPEC, '--preset', 'smoke', '--out', dir, '--no-progress', '--no-eval'];
const canUnshare = process.getuid?.() === 0 && spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;

/** Every launcher started here is killed at the end (a failed assertion while the trainer is paused). */
const started: ReturnType<typeof spawn>[] = [];
after(() => {
  for (const c of started) c.kill('SIGKILL');
  for (const pid of trainers) try { process.kill(pid, 'SIGKILL'); } catch { /* ended */ }
});
const trainers: number[] = [];

/** Starts `cmd`, waits until the trainer below it pauses (FACEGAN_FAULT_PAUSE_AT), returns the trainer's pid here. */
async function startPaused(cmd: string, args: string[], dir: string, pauseAt: number) {
  const child = spawn(cmd, args, { cwd: ROOT, env: faultEnv({ ...process.env, CI: '1', FACEGAN_FAULT_PAUSE_AT: String(pauseAt) }) });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null }>((r) => child.on('close', (code) => r({ code })));
  started.push(child);
  const t0 = Date.now();
  while (!/facegan-fault: paused/.test(stderr)) {
    if (Date.now() - t0 > 120_000 || child.exitCode !== null) throw new Error(`the run did not pause: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const ps = spawnSync('pgrep', ['-f', '--', `--out ${dir} --no-progress`], { encoding: 'utf8' }).stdout.trim().split('\n').map(Number);
  const trainer = ps.find((p) => fs.readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'node' && fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('scripts/experiment.ts'));
  assert.ok(trainer, `the trainer process of ${dir}`);
  trainers.push(trainer!);
  return { child, done, trainer: trainer!, stderr: () => stderr };
}

/** An interrupted run: status interrupted (SIGTERM), a checkpoint of its last step, no lock; --resume completes bit-identically. */
function checkInterruptedThenResume(dir: string, ref: string): void {
  const s = summaryOf(dir);
  assert.equal(s.status, 'interrupted');
  assert.equal(s.signal, 'SIGTERM');
  const latest = JSON.parse(fs.readFileSync(path.join(dir, 'checkpoints', 'latest.json'), 'utf8'));
  assert.equal(latest.step, s.steps, 'a checkpoint of the step it stopped at');
  assert.ok(!fs.existsSync(path.join(dir, '.lock')), 'the lock is released');
  const r = cli(['--resume', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(checkComplete(dir), []);
  assert.deepEqual(diffRuns(dir, ref), []);
}

test('SIGTERM to `npm run experiment` reaches the trainer: checkpoint, interrupted, npm exits 143', { timeout: 5 * 60_000 }, async () => {
  const ref = referenceRun();
  const dir = path.join(tempDir('facegan-npmsig-'), 'run');
  const p = await startPaused('npm', npmArgs(dir), dir, 12);
  p.child.kill('SIGTERM'); // npm itself
  await new Promise((r) => setTimeout(r, 300));
  process.kill(p.trainer, 'SIGCONT');
  const r = await p.done;
  assert.equal(r.code, 143, p.stderr());
  assert.match(p.stderr(), /Interrupted \(SIGTERM\)/);
  await new Promise((r) => setTimeout(r, 200));
  assert.throws(() => process.kill(p.trainer, 0), 'no trainer left running behind npm');
  checkInterruptedThenResume(dir, ref);
});

test('SIGTERM to npm as PID 1 of a PID namespace (a container running npm) reaches the trainer', { skip: canUnshare ? false : 'needs root and unshare --pid', timeout: 5 * 60_000 }, async () => {
  const ref = referenceRun();
  const dir = path.join(tempDir('facegan-pid1-'), 'run');
  const p = await startPaused('unshare', ['--pid', '--fork', '--mount-proc', 'npm', ...npmArgs(dir)], dir, 12);
  const npm = Number(fs.readFileSync(`/proc/${p.child.pid}/task/${p.child.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
  assert.match(fs.readFileSync(`/proc/${npm}/status`, 'utf8'), /^NSpid:\s+\d+\s+1$/m, 'npm is PID 1 in its namespace');
  process.kill(npm, 'SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  process.kill(p.trainer, 'SIGCONT');
  const r = await p.done;
  assert.equal(r.code, 143, p.stderr());
  checkInterruptedThenResume(dir, ref);
});

test('SIGTERM while the data loads, before the first step of a --max-steps 1 run: interrupted, exit 143', { timeout: 5 * 60_000 }, async () => {
  const ref = referenceRun();
  const dir = path.join(tempDir('facegan-early-'), 'run');
  // write 1 is config.json, right after the data is loaded
  const p = cliAsync([...tinyArgs(dir), '--max-steps', '1'], { FACEGAN_FAULT_PAUSE_AT: '1' });
  await waitStopped(p.child);
  p.child.kill('SIGTERM');
  p.child.kill('SIGCONT');
  const r = await p.done;
  assert.equal(r.code, 143, r.stderr);
  checkInterruptedThenResume(dir, ref);
});

test('the container and the Kubernetes Job run node under tini, with a grace period for a checkpoint', () => {
  const docker = fs.readFileSync(path.join(ROOT, 'deploy', 'Dockerfile'), 'utf8');
  assert.match(docker, /^ENTRYPOINT \["\/usr\/bin\/tini", "--"\]$/m);
  assert.match(docker, /^CMD \["node", /m);
  assert.doesNotMatch(docker, /^CMD \["npm"/m);
  const job = parseAllDocuments(fs.readFileSync(path.join(ROOT, 'deploy', 'kubernetes', 'study-job.yaml'), 'utf8')).map((d) => d.toJSON()).find((d) => d.kind === 'Job');
  const pod = job.spec.template.spec;
  assert.deepEqual(pod.containers[0].command.slice(0, 3), ['/usr/bin/tini', '--', 'node']);
  assert.ok(pod.terminationGracePeriodSeconds >= 120, `terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} covers a step and a checkpoint`);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  for (const [name, line] of Object.entries(pkg.scripts as Record<string, string>)) {
    if (/^(exec )?node --import tsx scripts\//.test(line)) assert.match(line, /^exec node /, `npm run ${name} execs node (signals reach it)`);
  }
});
