/** The README's generated tables match the result files they come from (a hand edit, or new results without a rerun, fails). */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import { README, regenerate, readPaperRows, paperTable } from '../scripts/readme-tables';

test('README paper table = results/reference/paper/table.csv', () => {
  const readme = fs.readFileSync(README, 'utf8');
  assert.equal(regenerate(readme, readPaperRows()), readme, 'run npm run readme:tables');
});

test('the generator takes its numbers from the rows: a changed value changes the table', () => {
  const rows = readPaperRows();
  const gray = rows.find((r) => r.run === 'celeba-gray')!;
  assert.match(paperTable(rows), /`celeba-gray` .* \| 0\.44 \/ 3\.87 \|/);
  gray.loss_g = '5.58';
  assert.match(paperTable(rows), /`celeba-gray` .* \| 0\.44 \/ 5\.58 \|/);
  assert.throws(() => regenerate('# no markers', rows), /markers .* are missing/);
});
