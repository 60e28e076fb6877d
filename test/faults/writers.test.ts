/**
 * Rival writers, signals and full disks, on the real CLI (child processes, tiny run):
 * - a second run with the same --out, or a second --resume, while the first holds the folder:
 *   exit 75 and nothing touched (the first one ends bit-identical to an uninterrupted run);
 * - SIGTERM / SIGHUP: the step finishes, a checkpoint is saved, status interrupted, exit 143 / 129,
 *   and --resume completes bit-identically;
 * - a failing write (injected ENOSPC at random writes, and a real full tmpfs where the test may
 *   mount one): the error names the file, summary.json says failed with the reason, no temporary
 *   file or folder remains, and once there is space again --resume completes bit-identically.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { tempDir } from '../helpers';
import { mountTmpfs, cli, cliAsync, tinyArgs, referenceRun, referenceWrites, checkComplete, diffRuns, waitStopped, snapshot, seeded } from './harness';

const summaryOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));

/** Temporary files or folders anywhere below `dir`. */
function leftovers(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name.endsWith('.tmp') || e.name.startsWith('.tmp-')) out.push(path.relative(dir, path.join(d, e.name)));
      if (e.isDirectory()) walk(path.join(d, e.name));
    }
  };
  walk(dir);
  return out;
}

test('a second run with the same --out, and a second --resume, get exit 75 and touch nothing', { timeout: 5 * 60_000 }, async () => {
  const ref = referenceRun();
  const dir = path.join(tempDir('facegan-lock-'), 'run');
  // the first run stops itself before its 20th write, holding the folder
  const first = cliAsync(tinyArgs(dir), { FACEGAN_FAULT_PAUSE_AT: '20' });
  await waitStopped(first.child);
  const before = snapshot(dir);
  const rival = cli(tinyArgs(dir));
  assert.equal(rival.code, 75, rival.stderr);
  assert.match(rival.stderr, /is in use by pid \d+ on .*nothing was changed/);
  const rivalResume = cli(['--resume', dir]);
  assert.equal(rivalResume.code, 75, rivalResume.stderr);
  assert.deepEqual(snapshot(dir), before, 'the refused commands changed nothing');
  first.child.kill('SIGCONT');
  const r = await first.done;
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(checkComplete(dir), []);
  assert.deepEqual(diffRuns(dir, ref), []);

  // two --resume at once: one resumes, the other is refused
  const stopped = path.join(tempDir('facegan-lock-'), 'run');
  assert.equal(cli([...tinyArgs(stopped), '--max-steps', '6']).code, 0);
  const a = cliAsync(['--resume', stopped], { FACEGAN_FAULT_PAUSE_AT: '4' });
  await waitStopped(a.child);
  const b = cli(['--resume', stopped]);
  assert.equal(b.code, 75, b.stderr);
  a.child.kill('SIGCONT');
  assert.equal((await a.done).code, 0);
  assert.deepEqual(diffRuns(stopped, ref), []);
  const latest = JSON.parse(fs.readFileSync(path.join(stopped, 'checkpoints', 'latest.json'), 'utf8'));
  assert.notEqual(latest.previous, latest.checkpoint);
  assert.ok(fs.existsSync(path.join(stopped, 'checkpoints', latest.previous)), 'the previous checkpoint is kept');
});

for (const [sig, code] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
  test(`${sig} finishes the step, saves a checkpoint, exits ${code}; --resume completes bit-identically`, { timeout: 5 * 60_000 }, async () => {
    const ref = referenceRun();
    const dir = path.join(tempDir('facegan-sig-'), 'run');
    const p = cliAsync(tinyArgs(dir), { FACEGAN_FAULT_PAUSE_AT: '12' }); // mid-run, between checkpoints
    await waitStopped(p.child);
    p.child.kill(sig);
    p.child.kill('SIGCONT');
    const r = await p.done;
    assert.equal(r.code, code, r.stderr);
    assert.match(r.stderr, new RegExp(`Interrupted \\(${sig}\\)`));
    assert.equal(r.stdout.trim().split('\n').pop(), dir, 'the run folder is still printed last');
    const s = summaryOf(dir);
    assert.equal(s.status, 'interrupted');
    assert.equal(s.signal, sig);
    assert.ok(s.steps > 0 && s.steps < 12, `stopped mid-run (step ${s.steps})`);
    const latest = JSON.parse(fs.readFileSync(path.join(dir, 'checkpoints', 'latest.json'), 'utf8'));
    assert.equal(latest.step, s.steps, 'a checkpoint of the step it stopped at');
    assert.ok(!fs.existsSync(path.join(dir, '.lock')), 'the lock is released');
    const r2 = cli(['--resume', dir]);
    assert.equal(r2.code, 0, r2.stderr);
    assert.deepEqual(checkComplete(dir), []);
    assert.deepEqual(diffRuns(dir, ref), []);
  });
}

test('an injected ENOSPC at random writes: error names the file, status failed, no temporary files, resume completes', { timeout: 10 * 60_000 }, async () => {
  const ref = referenceRun();
  const writes = referenceWrites();
  const seed = Number(process.env.FACEGAN_FAULT_SEED ?? Date.now() % 1_000_000);
  const rand = seeded(seed + 1);
  const points = [2, ...Array.from({ length: 5 }, () => 1 + Math.floor(rand() * writes))];
  console.log(`ENOSPC at writes ${points.join(', ')} (seed ${seed})`);
  for (const at of points) {
    const dir = path.join(tempDir('facegan-enospc-'), 'run');
    const r = cli(tinyArgs(dir), { FACEGAN_FAULT_WRITE_FAIL_AT: String(at) });
    const failed = /facegan-fault: ENOSPC at write \d+ \((.*)\)/.exec(r.stderr)![1];
    assert.equal(r.code, 1, `write ${at}: ${r.stderr}`);
    assert.ok(r.stderr.includes(`cannot write ${failed}: no space left on the device (ENOSPC)`) || r.stderr.includes(`${failed} could not be updated`),
      `write ${at}: the error names ${failed}: ${r.stderr.slice(-500)}`);
    // the folder that holds the run: a run that failed at its first write (config.json) removes the
    // run folder it had just made, so look one level up (temporary files beside the run count too)
    assert.deepEqual(leftovers(path.dirname(dir)), [], `write ${at}: temporary files left`);
    assert.ok(!fs.existsSync(path.join(dir, '.lock')), `write ${at}: lock released`);
    if (failed.endsWith('config.json')) {
      assert.ok(!fs.existsSync(path.join(dir, 'config.json')), 'no run was started');
      assert.ok(!fs.existsSync(dir) || fs.readdirSync(dir).length === 0, 'no half-made run folder is left');
    } else if (failed.endsWith('summary.json')) {
      assert.match(r.stderr, /summary\.json could not be updated|cannot write .*summary\.json/);
    } else {
      const s = summaryOf(dir);
      assert.equal(s.status, 'failed', `write ${at} (${failed})`);
      assert.match(s.message, /no space left/);
    }
    // space again: the run continues (or starts again when it failed before config.json)
    const again = fs.existsSync(path.join(dir, 'config.json')) ? cli(['--resume', dir]) : cli(tinyArgs(dir));
    assert.equal(again.code, 0, `write ${at}: ${again.stderr}`);
    assert.deepEqual(checkComplete(dir), [], `write ${at}`);
    assert.deepEqual(diffRuns(dir, ref), [], `write ${at}`);
  }
});

const tmpfs = mountTmpfs('600k');
test('a real full disk (600 KB tmpfs): the error names the file, status failed, no temporary files', { skip: typeof tmpfs === 'string' ? tmpfs : false, timeout: 5 * 60_000 }, () => {
  const mount = tmpfs as Exclude<typeof tmpfs, string>;
  try {
    const dir = path.join(mount.dir, 'run');
    const r = cli(tinyArgs(dir));
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /error: cannot write \/\S+: no space left on the device \(ENOSPC\)/);
    assert.deepEqual(leftovers(dir), []);
    const s = fs.existsSync(path.join(dir, 'summary.json')) ? summaryOf(dir) : null;
    if (s) assert.equal(s.status, 'failed');
    else assert.match(r.stderr, /summary\.json could not be updated|cannot write/);
    // nothing half-written under a final name: every checkpoint that exists is intact
    for (const ck of fs.existsSync(path.join(dir, 'checkpoints')) ? fs.readdirSync(path.join(dir, 'checkpoints')).filter((e) => e.startsWith('step-')) : []) {
      assert.ok(fs.existsSync(path.join(dir, 'checkpoints', ck, 'manifest.json')), `${ck} is complete`);
    }
  } finally {
    mount.unmount();
  }
});
process.on('exit', () => typeof tmpfs !== 'string' && tmpfs.unmount());
