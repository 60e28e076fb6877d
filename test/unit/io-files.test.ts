/**
 * The one atomic writer (lib/io/files.ts) and the writers routed through it: a list of buffers is
 * one file and one write; an injected fault on it (child process) writes half the bytes, names the
 * file and leaves no temporary file; the u8 pixel cache and the native binding cache use it.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { writeFileAtomic, writeCount } from '../../lib/io/files';
import { readU8Cache, writeU8Cache, type U8CacheHeader } from '../../lib/data/u8-cache';
import { tempDir } from '../helpers';
import { faultEnv } from '../faults/harness';

const ROOT = path.resolve(__dirname, '..', '..');

test('writeFileAtomic: a list of buffers is written in order, as one write, with no temporary file left', () => {
  const dir = tempDir();
  const file = path.join(dir, 'sub', 'parts.bin');
  const before = writeCount();
  writeFileAtomic(file, [Buffer.from('ab'), new Uint8Array([1, 2, 3]), Buffer.alloc(0), Buffer.from('z')]);
  assert.equal(writeCount(), before + 1);
  assert.deepEqual([...fs.readFileSync(file)], [97, 98, 1, 2, 3, 122]);
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['parts.bin']);
});

test('writeFileAtomic: an injected ENOSPC on a list write names the file and removes the temporary file', () => {
  const dir = tempDir();
  const file = path.join(dir, 'target.bin');
  fs.writeFileSync(file, 'old');
  const code = `require(${JSON.stringify(path.join(ROOT, 'lib', 'io', 'files.ts'))}).writeFileAtomic(${JSON.stringify(file)}, [Buffer.alloc(10, 1), Buffer.alloc(30, 2)])`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: ROOT, encoding: 'utf8', env: faultEnv({ ...process.env, FACEGAN_FAULT_WRITE_FAIL_AT: '1' }) });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, new RegExp(`facegan-fault: ENOSPC at write 1 \\(${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`));
  assert.ok(r.stderr.includes(`cannot write ${file}: no space left on the device (ENOSPC)`), r.stderr);
  assert.equal(fs.readFileSync(file, 'utf8'), 'old', 'the old file is untouched');
  assert.deepEqual(fs.readdirSync(dir), ['target.bin'], 'no temporary file is left');
});

test('writeU8Cache goes through writeFileAtomic: one write, read back identical, errors name the file', () => {
  const dir = tempDir();
  const file = path.join(dir, 'cache', 'x.u8');
  const header: U8CacheHeader = {
    format: 'facegan-u8-cache', version: 1, dataset: 't', n: 2, height: 3, width: 2, channels: 1,
    method: 'm', listHash: 'h', names: ['a', 'b'], skipped: [], createdAt: 'now',
  };
  const data = Uint8Array.from({ length: 12 }, (_, i) => i * 7);
  const before = writeCount();
  writeU8Cache(file, header, data);
  assert.equal(writeCount(), before + 1);
  const back = readU8Cache(file)!;
  assert.deepEqual(back.header, header);
  assert.deepEqual([...back.data], [...data]);
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['x.u8']);
  // a folder where the file should be: the error names the file
  const blocked = path.join(dir, 'blocked.u8');
  fs.mkdirSync(blocked);
  assert.throws(() => writeU8Cache(blocked, header, data), (e: Error) => e.message.startsWith(`cannot write ${blocked}:`));
  assert.deepEqual(fs.readdirSync(dir).sort(), ['blocked.u8', 'cache']);
});

test('a stray FACEGAN_FAULT_* variable does nothing in a run without the test-only inject module', () => {
  const dir = tempDir();
  const file = path.join(dir, 'target.bin');
  const code = `require(${JSON.stringify(path.join(ROOT, 'lib', 'io', 'files.ts'))}).writeFileAtomic(${JSON.stringify(file)}, 'new')`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FACEGAN_FAULT_WRITE_FAIL_AT: '1', FACEGAN_FAULT_KILL_AT: '1' } });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /facegan-fault/);
  assert.equal(fs.readFileSync(file, 'utf8'), 'new');
});
