/**
 * kill -9 at random points of a run, then resume: the result must be bit-identical to an
 * uninterrupted run, with no file lost and no temporary or lock file left. Each chain kills a fresh
 * run at write K1 (FACEGAN_FAULT_KILL_AT: the process writes half of that file, then SIGKILLs
 * itself, so kills land inside checkpoint writes, latest.json, losses.csv appends, grids,
 * summary.json ...), kills the resume at write K2, and resumes again to the end.
 * Seed: $FACEGAN_FAULT_SEED (printed; set it to replay a draw).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from '../helpers';
import { cli, cliAsync, tinyArgs, referenceRun, referenceWrites, checkComplete, diffRuns, seeded, pool, CliResult } from './harness';

const CHAINS = Number(process.env.FACEGAN_FAULT_CHAINS ?? 22);

test(`kill -9 at random writes (${CHAINS} chains of two kills), resumed: bit-identical to an uninterrupted run`, { timeout: 15 * 60_000 }, async () => {
  const seed = Number(process.env.FACEGAN_FAULT_SEED ?? Date.now() % 1_000_000);
  console.log(`fault seed ${seed} (replay: FACEGAN_FAULT_SEED=${seed} npm run test:faults)`);
  const ref = referenceRun();
  assert.deepEqual(checkComplete(ref), []);
  const writes = referenceWrites();
  console.log(`an uninterrupted tiny run makes ${writes} writes`);
  const rand = seeded(seed);
  const draws = Array.from({ length: CHAINS }, (_, i) => ({
    // the first chains pin the edges: the very first write (config.json) and the last ones
    k1: i === 0 ? 1 : i === 1 ? writes : 1 + Math.floor(rand() * writes),
    k2: 1 + Math.floor(rand() * Math.max(1, writes / 2)),
  }));
  const kills: { chain: number; at: number; file: string }[] = [];
  const failures: string[] = [];
  const run = async (extra: string[], env: Record<string, string>): Promise<CliResult> => cliAsync(extra, env).done;

  await pool(draws.map((d, i) => async () => {
    const dir = path.join(tempDir('facegan-kill-'), 'run');
    const steps: string[] = [];
    const noteKill = (r: CliResult, what: string) => {
      const m = /facegan-fault: SIGKILL at write (\d+) \((.*)\)/.exec(r.stderr);
      if (r.signal === 'SIGKILL' && m) kills.push({ chain: i, at: Number(m[1]), file: path.relative(dir, m[2]) });
      steps.push(`${what}: ${r.signal ?? r.code}`);
      return r.signal === 'SIGKILL';
    };
    // a process killed before config.json exists left no run: the user starts it again
    const next = (env: Record<string, string>) => fs.existsSync(path.join(dir, 'config.json'))
      ? run(['--resume', dir], env)
      : run(tinyArgs(dir), env);
    const r1 = await run(tinyArgs(dir), { FACEGAN_FAULT_KILL_AT: String(d.k1) });
    if (!noteKill(r1, `start, kill at ${d.k1}`)) failures.push(`chain ${i}: the start was not killed at write ${d.k1}: ${r1.stderr.slice(-400)}`);
    const r2 = await next({ FACEGAN_FAULT_KILL_AT: String(d.k2) });
    const killed2 = noteKill(r2, `resume, kill at ${d.k2}`);
    if (!killed2 && r2.code !== 0) failures.push(`chain ${i}: resume exit ${r2.code}: ${r2.stderr.slice(-600)}`);
    if (killed2) {
      const r3 = await next({});
      steps.push(`resume: ${r3.code}`);
      if (r3.code !== 0) failures.push(`chain ${i}: final resume exit ${r3.code}: ${r3.stderr.slice(-600)}`);
    }
    const problems = [...checkComplete(dir), ...(fs.existsSync(path.join(dir, 'checkpoints', 'latest.json')) ? diffRuns(dir, ref) : [])];
    if (problems.length) failures.push(`chain ${i} (${steps.join(' -> ')}): ${problems.join('; ')}`);
    else fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  }), 2);

  const byFile = new Map<string, number>();
  for (const k of kills) {
    const kind = k.file.startsWith('checkpoints/') ? `checkpoints/${k.file.split('/').slice(2).join('/').replace(/\.\d+\.\d+\.tmp$/, '') || 'latest.json'}` : k.file.replace(/\.\d+\.\d+\.tmp$/, '');
    byFile.set(kind, (byFile.get(kind) ?? 0) + 1);
  }
  console.log(`kill points survived: ${kills.length - failures.length} of ${kills.length} (${kills.filter((k) => k.file.startsWith('checkpoints/')).length} inside checkpoint writes)`);
  console.log(`by file: ${[...byFile].sort().map(([f, n]) => `${f} ${n}`).join(', ')}`);
  assert.deepEqual(failures, []);
  const want = Math.min(30, CHAINS); // FACEGAN_FAULT_CHAINS below 22 is for quick local tries
  assert.ok(kills.length >= want, `only ${kills.length} kill points were hit (want >= ${want})`);
});

test('a run killed twice in a row before its first checkpoint resumes from scratch with its recorded config', { timeout: 5 * 60_000 }, () => {
  const ref = referenceRun();
  const dir = path.join(tempDir('facegan-kill-'), 'run');
  // write 3: after config.json and noise.json, before any checkpoint
  const r1 = cli(tinyArgs(dir), { FACEGAN_FAULT_KILL_AT: '3' });
  assert.equal(r1.signal, 'SIGKILL');
  assert.ok(fs.existsSync(path.join(dir, 'config.json')));
  assert.ok(!fs.existsSync(path.join(dir, 'checkpoints', 'latest.json')));
  // the folder is not stuck: a new run into it says to resume, and the resume works
  const again = cli(tinyArgs(dir));
  assert.equal(again.code, 1);
  assert.match(again.stderr, /taking over the stale lock .*process \d+ is no longer running/);
  assert.match(again.stderr, /already holds a run \(config\.json\); use --resume/);
  const r2 = cli(['--resume', dir]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stderr, /removed 1 temporary file\(s\) left by a killed process \(losses\.csv\.\d+\.\d+\.tmp\)/);
  assert.match(r2.stderr, /stopped before its first checkpoint: starting it again from scratch/);
  assert.deepEqual(checkComplete(dir), []);
  assert.deepEqual(diffRuns(dir, ref), []);
});
