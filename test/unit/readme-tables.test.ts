/** The README's generated tables match the result files they come from (a hand edit, or new results without a rerun, fails). */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import { TABLE_FILES, regenerate, readPaperRows, paperTable } from '../../scripts/readme-tables';

test('the paper table in README.md and docs/study.md = results/reference/paper/table.csv', () => {
  for (const file of TABLE_FILES) {
    const text = fs.readFileSync(file, 'utf8');
    assert.equal(regenerate(text, readPaperRows(), file), text, `${file}: run npm run readme:tables`);
  }
});

test('the generator takes its numbers from the rows: a changed value changes the table', () => {
  const rows = readPaperRows();
  const gray = rows.find((r) => r.run === 'celeba-gray')!;
  assert.match(paperTable(rows), /`celeba-gray` .* \| 0\.44 \/ 3\.87 \|/);
  gray.loss_g = '5.58';
  assert.match(paperTable(rows), /`celeba-gray` .* \| 0\.44 \/ 5\.58 \|/);
  assert.throws(() => regenerate('# no markers', rows), /markers .* are missing/);
});
