/**
 * summary.json always ends in a final status: a diverged run (a learning rate of 1e30, in a spec
 * file) is status diverged with the reason, exit 1, and its folder is still printed last.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from '../helpers';
import { cli, TINY_SPEC } from './harness';

test('a diverged run ends with status diverged, the reason in summary.json, exit 1, and its folder printed last', { timeout: 5 * 60_000 }, () => {
  const base = tempDir('facegan-div-');
  const spec = JSON.parse(fs.readFileSync(TINY_SPEC, 'utf8'));
  spec.presets.smoke.lr = 1e30;
  const specFile = path.join(base, 'diverging.json');
  fs.writeFileSync(specFile, JSON.stringify(spec));
  const dir = path.join(base, 'run');
  const r = cli(['--spec', specFile, '--preset', 'smoke', '--out', dir]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /training diverged: a loss became/);
  assert.equal(r.stdout.trim().split('\n').pop(), dir);
  const s = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  assert.equal(s.status, 'diverged');
  assert.match(s.message, /training diverged/);
  assert.equal(s.experiment, 'fer-tiny', 'finishRun recorded what the run was');
  assert.ok(!fs.existsSync(path.join(dir, '.lock')));
});
