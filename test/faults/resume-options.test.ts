/**
 * Honest resume, on the real CLI (tiny run): options that would change a run are refused with the
 * reason and touch nothing; --data relocates a moved dataset (same images: count and fingerprint)
 * and refuses different images; an old run without a fingerprint is checked by count, saying so;
 * --out at a folder that holds other files is refused.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from '../helpers';
import { ROOT, cli, tinyArgs, referenceRun, checkComplete, diffRuns, snapshot } from './harness';

test('--resume refuses --batch, --seed, --preset, --limit and an experiment name, saying why, and changes nothing', { timeout: 5 * 60_000 }, () => {
  const dir = path.join(tempDir('facegan-opt-'), 'run');
  assert.equal(cli([...tinyArgs(dir), '--max-steps', '2']).code, 0);
  const before = snapshot(dir);
  const r = cli(['fer-happy', '--resume', dir, '--batch', '4', '--seed', '3', '--preset', 'quick', '--limit', '8']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /experiment name "fer-happy": the run keeps the experiment recorded in its config\.json/);
  assert.match(r.stderr, /--batch: the checkpoint's data order, RNG and optimizer state belong to its batch size/);
  assert.match(r.stderr, /--seed: the seed fixed/);
  assert.match(r.stderr, /--preset: the preset fixed its settings/);
  assert.match(r.stderr, /--limit: the image subset is part of the run/);
  assert.match(r.stderr, /Only --max-steps, --data \(the same images, moved\), --extend --epochs N and --override may be given/);
  assert.deepEqual(snapshot(dir), before);
});

test('--data relocates a moved dataset (same images) and refuses other images with the same count', { timeout: 5 * 60_000 }, () => {
  const base = tempDir('facegan-data-');
  const first = path.join(base, 'fer-a');
  fs.cpSync(path.join(ROOT, 'data', 'sample', 'fer2013'), first, { recursive: true });
  const dir = path.join(base, 'run');
  assert.equal(cli([...tinyArgs(dir), '--data', first, '--max-steps', '6']).code, 0);
  const moved = path.join(base, 'fer-b');
  fs.renameSync(first, moved);
  let r = cli(['--resume', dir]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /its dataset .*fer-a \(config\.json data\.path\) does not exist here; pass --data DIR/);

  // other images, same count: every 'happy' face replaced by the same one
  const other = path.join(base, 'fer-c');
  fs.cpSync(moved, other, { recursive: true });
  const happy = path.join(other, 'train', 'happy');
  const files = fs.readdirSync(happy).sort();
  for (const f of files.slice(1)) fs.copyFileSync(path.join(happy, files[0]), path.join(happy, f));
  const before = snapshot(dir);
  r = cli(['--resume', dir, '--data', other]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /gives 32 images as before, but not the same ones \(their fingerprint differs/);
  assert.deepEqual(snapshot(dir), before);

  r = cli(['--resume', dir, '--data', moved]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /dataset relocated: .*fer-a -> .*fer-b \(32 images, same fingerprint\)/);
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  assert.equal(config.data.path, moved);
  assert.equal(config.data.relocated[0].from, first);
  assert.deepEqual(checkComplete(dir), []);
  assert.deepEqual(diffRuns(dir, referenceRun()), []);
});

test('a run started before fingerprints resumes, checked by image count only (and says so)', { timeout: 5 * 60_000 }, () => {
  const dir = path.join(tempDir('facegan-old-'), 'run');
  assert.equal(cli([...tinyArgs(dir), '--max-steps', '6']).code, 0);
  const file = path.join(dir, 'config.json');
  const config = JSON.parse(fs.readFileSync(file, 'utf8'));
  delete config.data.fingerprint;
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  const r = cli(['--resume', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /has no dataset fingerprint \(an older run\): the data was checked by its image count only \(32\)/);
  assert.deepEqual(diffRuns(dir, referenceRun()), []);
});

test('--out at a folder that holds other files (not a run) is refused and the files are untouched', { timeout: 5 * 60_000 }, () => {
  const dir = tempDir('facegan-out-');
  fs.writeFileSync(path.join(dir, 'losses.csv'), 'my precious numbers\n');
  const r = cli(tinyArgs(dir));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--out .* is not empty and is not a run directory \(it holds losses\.csv\); nothing was changed/);
  assert.equal(fs.readFileSync(path.join(dir, 'losses.csv'), 'utf8'), 'my precious numbers\n');
  assert.deepEqual(fs.readdirSync(dir), ['losses.csv']);
  // an empty folder is fine
  const empty = tempDir('facegan-out-');
  const ok = cli(tinyArgs(empty));
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(diffRuns(empty, referenceRun()), []);
});
