/**
 * A hand-edited config.json on --resume (lib/runs/trained-under.ts): every field that changes the
 * computation is compared with what the newest checkpoint was trained under (its state.json), and a
 * difference is refused naming the field and both values, nothing changed; `--override FIELD`
 * accepts it on purpose and records it in config.json's history. Before: lr/beta1/beta2 were applied
 * silently; ngf said "checkpoint is damaged", seed "point --data at the dataset", batchSize gave a
 * BatchStream message. Also: deleted checkpoints/ is not "stopped before its first checkpoint", and
 * `--epochs` on resume is refused unless `--extend` makes the run longer.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from '../helpers';
import { cli, tinyArgs, referenceRun, snapshot, TINY_STEPS } from './harness';

const configOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
const summaryOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));

let stoppedRun: string | null = null;
/** A copy of a tiny run stopped at step 6 (checkpoints at steps 4 and 6). */
function stoppedCopy(): string {
  if (!stoppedRun) {
    stoppedRun = path.join(tempDir('facegan-edit-'), 'run');
    const r = cli([...tinyArgs(stoppedRun), '--max-steps', '6']);
    assert.equal(r.code, 0, r.stderr);
  }
  const dir = path.join(tempDir('facegan-edit-'), 'run');
  fs.cpSync(stoppedRun, dir, { recursive: true });
  return dir;
}

function edit(dir: string, change: (c: Record<string, any>) => void): void {
  const c = configOf(dir);
  change(c);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(c, null, 2));
}

const EDITS: [string, (c: Record<string, any>) => void, string, string][] = [
  ['settings.lr', (c) => (c.settings.lr = 0.001), '0.001', '0.0002'],
  ['settings.beta1', (c) => (c.settings.beta1 = 0.9), '0.9', '0.5'],
  ['settings.beta2', (c) => (c.settings.beta2 = 0.99), '0.99', '0.999'],
  ['spec.model.ngf', (c) => (c.spec.model.ngf = 8), '8', '4'],
  ['seed', (c) => (c.seed = 5), '5', '999'],
  ['settings.batchSize', (c) => (c.settings.batchSize = 4), '4', '8'],
];

test('an edited config.json field is refused naming the field and both values; nothing changes', { timeout: 5 * 60_000 }, () => {
  for (const [field, change, now, was] of EDITS) {
    const dir = stoppedCopy();
    edit(dir, change);
    const before = snapshot(dir);
    const r = cli(['--resume', dir]);
    assert.equal(r.code, 1, `${field}: ${r.stderr}`);
    const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.match(r.stderr, new RegExp(`${esc(field)}: config.json has ${esc(now)}, the checkpoint was trained with ${esc(was)}`), field);
    assert.match(r.stderr, new RegExp(`--override ${esc(field)}`), field);
    assert.doesNotMatch(r.stderr, /damaged|point --data|BatchStream/, field);
    assert.deepEqual(snapshot(dir), before, `${field}: nothing changed`);
  }
});

test('--override FIELD accepts the edit on purpose and records it in config.json history', { timeout: 5 * 60_000 }, () => {
  const dir = stoppedCopy();
  edit(dir, (c) => (c.settings.lr = 0.001));
  const r = cli(['--resume', dir, '--override', 'settings.lr']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /--override settings\.lr: resuming with 0\.001 \(the checkpoint was trained with 0\.0002\)/);
  const c = configOf(dir);
  assert.equal(c.settings.lr, 0.001);
  assert.deepEqual(c.history.map((h: any) => [h.change, h.field, h.from, h.to]), [['override', 'settings.lr', 0.0002, 0.001]]);
  assert.equal(summaryOf(dir).status, 'completed');
  // the new checkpoints were trained under the accepted value: the next resume has nothing to refuse
  assert.equal(cli(['--resume', dir]).code, 0);
});

test('deleted checkpoints/ of a run that had checkpoints is refused with the real cause', { timeout: 5 * 60_000 }, () => {
  const dir = stoppedCopy();
  fs.rmSync(path.join(dir, 'checkpoints'), { recursive: true });
  const before = snapshot(dir);
  const r = cli(['--resume', dir]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /its checkpoints are missing .*summary\.json says it reached step 6 with checkpoint/);
  assert.doesNotMatch(r.stderr, /stopped before its first checkpoint/);
  assert.deepEqual(snapshot(dir), before);
});

test('--epochs on resume: refused unless --extend makes the run longer; --extend is recorded', { timeout: 5 * 60_000 }, () => {
  const dir = path.join(tempDir('facegan-extend-'), 'run');
  fs.cpSync(referenceRun(), dir, { recursive: true });
  const before = snapshot(dir);
  for (const args of [['--epochs', '2'], ['--epochs', '5'], ['--extend', '--epochs', '2'], ['--extend']]) {
    const r = cli(['--resume', dir, ...args]);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /set up for 3 epochs/, args.join(' '));
    assert.deepEqual(snapshot(dir), before, `${args.join(' ')}: nothing changed`);
  }
  assert.equal(configOf(dir).settings.epochs, 3);
  const r = cli(['--resume', dir, '--extend', '--epochs', '4']);
  assert.equal(r.code, 0, r.stderr);
  const c = configOf(dir);
  assert.equal(c.settings.epochs, 4);
  assert.deepEqual(c.history.map((h: any) => [h.change, h.field, h.from, h.to]), [['extend', 'settings.epochs', 3, 4]]);
  const s = summaryOf(dir);
  assert.equal(s.status, 'completed');
  assert.equal(s.steps, TINY_STEPS + 4);
  // the recorded epochs again: accepted as is
  assert.equal(cli(['--resume', dir, '--epochs', '4']).code, 0);
});
