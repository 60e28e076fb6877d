/** losses.csv of a run (lib/train/csv-log.ts): cut back to the checkpoint on resume, and a translator log from before g_idt upgraded. */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { lossLog, TRANSLATE_LOSS_COLUMNS, translateLossLog } from '../../lib/train/csv-log';
import { tempDir } from '../helpers';

test('losses.csv on resume: cut back to the checkpoint, a partial last line dropped, missing rows reported', () => {
  const dir = tempDir();
  const file = path.join(dir, 'losses.csv');
  const header = 'epoch,iter,loss_d,loss_g,d_x,d_g_z1,d_g_z2,seconds\n';
  const row = (i: number) => `0,${i},1.5,0.5,0.5,0.4,0.3,0.01\n`;
  fs.writeFileSync(file, header + [0, 1, 2, 3, 4, 5].map(row).join('') + '0,6,1.2,0.');
  assert.equal(lossLog(file).open(4), null);
  assert.equal(fs.readFileSync(file, 'utf8'), header + [0, 1, 2, 3].map(row).join(''));
  fs.writeFileSync(file, header + [0, 2, 3].map(row).join(''));
  assert.match(lossLog(file).open(4) ?? '', /lacks 1 of the 4 rows before the checkpoint/);
  fs.writeFileSync(file, '');
  assert.match(lossLog(file).open(4) ?? '', /held no rows before the checkpoint's step 4 .*lost/);
  fs.rmSync(file);
  assert.match(lossLog(file).open(4) ?? '', /was missing/);
  assert.equal(fs.readFileSync(file, 'utf8'), header, 'a fresh header, so appends continue a valid file');
});

test('losses.csv written before the g_idt column resumes with its rows kept (g_idt 0), cut back to the checkpoint', () => {
  const dir = tempDir();
  const file = path.join(dir, 'losses.csv');
  const old = TRANSLATE_LOSS_COLUMNS.slice(0, -1);
  const row = (iter: number) => old.map((c) => (c === 'iter' ? iter : c === 'epoch' ? 0 : 0.5)).join(',');
  fs.writeFileSync(file, [old.join(','), row(0), row(1), row(2)].join('\n') + '\n');
  const note = translateLossLog(file).open(2);
  assert.equal(note, null);
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  assert.equal(lines[0], TRANSLATE_LOSS_COLUMNS.join(','));
  assert.deepEqual(lines.slice(1), [`${row(0)},0`, `${row(1)},0`]);
});
