/**
 * An output path on a pseudo file system (/proc/nope/...): Node's recursive mkdir loops forever at
 * 100% CPU there (mkdir answers ENOENT although /proc exists). lib/io/files.ts makeDirs creates
 * folders one at a time, so `npm run edit -- FACE --out /proc/nope/x.png` and
 * `npm run experiment -- --out /proc/nope/run` end at once with an error naming the folder.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { ROOT, TINY_SPEC } from './harness';

const onLinux = fs.existsSync('/proc/self');
const run = (script: string, args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', script), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, CI: '1' } });

test('npm run edit -- FACE --out /proc/nope/x.png fails at once naming the folder (no spin)', { skip: onLinux ? false : 'needs /proc', timeout: 2 * 60_000 }, () => {
  const face = path.join(ROOT, 'data', 'sample', 'fer2013', 'test', 'sad', fs.readdirSync(path.join(ROOT, 'data', 'sample', 'fer2013', 'test', 'sad'))[0]);
  const r = run('edit.ts', [face, '--to', 'happy', '--out', '/proc/nope/x.png']);
  assert.equal(r.signal, null, 'ended by itself, not by the 60 s timeout');
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /cannot write \/proc\/nope\/x\.png: cannot create the folder \/proc\/nope: ENOENT/);
});

test('npm run experiment -- --out /proc/nope/run fails at once naming the folder', { skip: onLinux ? false : 'needs /proc', timeout: 2 * 60_000 }, () => {
  const r = run('experiment.ts', ['--spec', TINY_SPEC, '--preset', 'smoke', '--out', '/proc/nope/run', '--no-progress', '--no-eval']);
  assert.equal(r.signal, null, 'ended by itself, not by the 60 s timeout');
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /cannot create the folder \/proc\/nope: ENOENT/);
});
