/**
 * Damaged run folders, on the real CLI (tiny run stopped at step 6: checkpoints step-6 and step-4):
 * a broken latest.json, random or zeroed weights, a pre-manifest run, a deleted manifest.json, both checkpoints
 * damaged, a hand-edited config.json, an emptied losses.csv, garbled summary.json / config.json
 * in `compare`. Damage is reported as damage (never as divergence), falls back to the newest
 * intact checkpoint, and never fails a whole table.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { tempDir } from '../helpers';
import { ROOT, cli, tinyArgs, referenceRun, checkComplete, diffRuns, snapshot } from './harness';

let stoppedRun: string | null = null;
/** A copy of a tiny run stopped at step 6 (made once). */
function stoppedCopy(): string {
  if (!stoppedRun) {
    stoppedRun = path.join(tempDir('facegan-dmg-'), 'run');
    const r = cli([...tinyArgs(stoppedRun), '--max-steps', '6']);
    assert.equal(r.code, 0, r.stderr);
  }
  const copy = path.join(tempDir('facegan-dmg-'), 'run');
  fs.cpSync(stoppedRun, copy, { recursive: true });
  return copy;
}

const ck = (dir: string, step: number, f = '') => path.join(dir, 'checkpoints', `step-${String(step).padStart(7, '0')}`, f);

function resumesToReference(dir: string, expect: RegExp[]): string {
  const r = cli(['--resume', dir]);
  assert.equal(r.code, 0, r.stderr);
  for (const e of expect) assert.match(r.stderr, e);
  assert.doesNotMatch(r.stderr, /diverged/);
  assert.deepEqual(checkComplete(dir), []);
  assert.deepEqual(diffRuns(dir, referenceRun()), []);
  return r.stderr;
}

test('a broken latest.json falls back to the newest intact checkpoint, saying so', { timeout: 5 * 60_000 }, () => {
  const dir = stoppedCopy();
  fs.writeFileSync(path.join(dir, 'checkpoints', 'latest.json'), '{"checkpoint": "step-00');
  resumesToReference(dir, [/checkpoint index .*latest\.json is not valid JSON.*newest intact checkpoint/]);
});

test('random bytes in the newest weights are reported as damage and the previous checkpoint is used', { timeout: 5 * 60_000 }, () => {
  const dir = stoppedCopy();
  const f = ck(dir, 6, 'G/weights.bin');
  fs.writeFileSync(f, Buffer.from(Array.from({ length: fs.statSync(f).size }, (_, i) => (i * 7919 + 13) & 255)));
  resumesToReference(dir, [/step-0000006 is damaged \(G\/weights\.bin does not match its sha256/, /resuming from .*step-0000004, the newest intact checkpoint/]);
});

test('zeroed weights are reported as damage, not resumed silently', { timeout: 5 * 60_000 }, () => {
  const dir = stoppedCopy();
  const f = ck(dir, 6, 'D/weights.bin');
  fs.writeFileSync(f, Buffer.alloc(fs.statSync(f).size));
  resumesToReference(dir, [/step-0000006 is damaged \(D\/weights\.bin does not match its sha256/]);
});

/** Makes a copy look like a run of the version before manifests: no manifest.json anywhere, no manifestsSince marker. */
function asPreManifestRun(dir: string): void {
  for (const step of [4, 6]) fs.rmSync(ck(dir, step, 'manifest.json'));
  const file = path.join(dir, 'config.json');
  const { manifestsSince: _m, ...config } = JSON.parse(fs.readFileSync(file, 'utf8'));
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
}

test('a run from before manifests still loads its checkpoint, noted as unverified, and records the marker', { timeout: 5 * 60_000 }, () => {
  const dir = stoppedCopy();
  asPreManifestRun(dir);
  resumesToReference(dir, [/step-0000006 has no manifest\.json .*loaded unverified/]);
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).manifestsSince, 7, 'checkpoints from step 7 on have manifests');
});

test('a deleted manifest.json does not turn the checksum off: a flipped byte in G/weights.bin is damage, the older checkpoint is used', { timeout: 5 * 60_000 }, () => {
  // with the marker (a run of this version), and without it (a run in flight from the version before
  // the marker, whose other checkpoint has a manifest)
  for (const marker of [true, false]) {
    const dir = stoppedCopy();
    if (!marker) {
      const file = path.join(dir, 'config.json');
      const { manifestsSince: _m, ...config } = JSON.parse(fs.readFileSync(file, 'utf8'));
      fs.writeFileSync(file, JSON.stringify(config, null, 2));
    }
    fs.rmSync(ck(dir, 6, 'manifest.json'));
    const f = ck(dir, 6, 'G/weights.bin');
    const bytes = fs.readFileSync(f);
    bytes[bytes.length >> 1] ^= 0x01; // a finite value stays finite: only the checksum can tell
    fs.writeFileSync(f, bytes);
    const stderr = resumesToReference(dir, [/step-0000006 is damaged \(manifest\.json is missing .*cannot be verified/, /resuming from .*step-0000004, the newest intact checkpoint/]);
    assert.doesNotMatch(stderr, /loaded unverified/, `marker ${marker}`);
  }
});

test('an old checkpoint with random weights is damage (not "diverged"); with no intact checkpoint the error says so', { timeout: 5 * 60_000 }, () => {
  const dir = stoppedCopy();
  asPreManifestRun(dir);
  for (const step of [4, 6]) {
    const f = ck(dir, step, 'G/weights.bin');
    fs.writeFileSync(f, Buffer.alloc(fs.statSync(f).size, 0xff)); // 0xffffffff = NaN
  }
  const r = cli(['--resume', dir]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /has no intact checkpoint .*weights of .*model\.json are damaged: value 0 is NaN/);
  assert.doesNotMatch(r.stderr, /diverged/);
});

test('config.json is checked again on resume: a bad field or a missing key names config.json and the field, and nothing changes', { timeout: 5 * 60_000 }, () => {
  const dir = stoppedCopy();
  const file = path.join(dir, 'config.json');
  const config = JSON.parse(fs.readFileSync(file, 'utf8'));
  fs.writeFileSync(file, JSON.stringify({ ...config, settings: { ...config.settings, epochs: 'abc' } }));
  let before = snapshot(dir);
  let r = cli(['--resume', dir]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /run config .*config\.json: settings: "settings\.epochs" must be a positive integer, got "abc"/);
  assert.deepEqual(snapshot(dir), before);
  const { data: _data, ...noData } = config;
  fs.writeFileSync(file, JSON.stringify(noData));
  before = snapshot(dir);
  r = cli(['--resume', dir]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /run config .*config\.json: "data" must be an object .*got nothing \(the field is missing\)/);
  assert.deepEqual(snapshot(dir), before);
});

test('an emptied losses.csv is reported on resume (stderr and summary.json), never silently accepted', { timeout: 5 * 60_000 }, () => {
  const dir = stoppedCopy();
  fs.writeFileSync(path.join(dir, 'losses.csv'), '');
  const r = cli(['--resume', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: .*losses\.csv held no rows before the checkpoint's step 6.*lost/);
  const s = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  assert.equal(s.status, 'completed');
  assert.match(s.warnings.join(' '), /held no rows/);
  assert.equal(fs.readFileSync(path.join(dir, 'losses.csv'), 'utf8').trim().split('\n').length - 1, 6, 'the rows after the checkpoint are there');
});

test('compare skips runs with a garbled summary.json or config.json, with a note, and tabulates the rest', { timeout: 5 * 60_000 }, () => {
  const parent = tempDir('facegan-cmp-');
  for (const name of ['good', 'bad-summary', 'bad-config']) fs.cpSync(referenceRun(), path.join(parent, name), { recursive: true });
  fs.writeFileSync(path.join(parent, 'bad-summary', 'summary.json'), '{"status": "compl');
  fs.writeFileSync(path.join(parent, 'bad-config', 'config.json'), '\0\0\0');
  const out = path.join(parent, 'table');
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'compare.ts'), parent, '--out', out, '--no-charts'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /skipping damaged run .*bad-summary: run summary .*summary\.json is not valid JSON/);
  assert.match(r.stderr, /skipping damaged run .*bad-config: run config .*config\.json is not valid JSON/);
  assert.match(r.stderr, /1 run\(s\) compared \(2 damaged, skipped\)/);
  const rows = fs.readFileSync(path.join(out, 'table.csv'), 'utf8').trim().split('\n');
  assert.equal(rows.length, 2);
  assert.match(rows[1], /^good,fer-tiny,/);
  // and the run with the garbled summary.json resumes (its summary is rewritten whole)
  const again = cli(['--resume', path.join(parent, 'bad-summary')]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(fs.readFileSync(path.join(parent, 'bad-summary', 'summary.json'), 'utf8')).status, 'completed');
});
