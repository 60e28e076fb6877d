/** The one CSV reader (lib/io/csv.ts) and its writer (arquero's toCSV through csvText). */
import test from 'node:test';
import assert from 'node:assert/strict';
import { csvObjects, csvRecord, csvText, parseCsv, splitCsvLine } from '../../lib/io/csv';

test('splitCsvLine: plain fields, quoted commas and quotes, empty fields; refuses an open or trailing quote', () => {
  assert.deepEqual(splitCsvLine('0,70 80 82,Training'), ['0', '70 80 82', 'Training']);
  assert.deepEqual(splitCsvLine('"a,b",c'), ['a,b', 'c']);
  assert.deepEqual(splitCsvLine('a,"say ""hi""",'), ['a', 'say "hi"', '']);
  assert.deepEqual(splitCsvLine(''), ['']);
  assert.deepEqual(splitCsvLine(','), ['', '']);
  assert.deepEqual(splitCsvLine('"",""'), ['', '']);
  assert.throws(() => splitCsvLine('"open,a'), /unterminated quoted field/);
  assert.throws(() => splitCsvLine('"x"y,z'), /text after a closing quote at column 4/);
});

test('parseCsv: header without BOM, records with their line numbers, blank lines skipped, quoted line breaks kept', () => {
  const text = '\uFEFFinput,reason\r\na.jpg,no face\n\n"b,c.jpg","two\nlines"\nd.jpg,\n';
  const p = parseCsv(text, 'skipped.csv');
  assert.deepEqual(p.header, ['input', 'reason']);
  assert.equal(p.headerText, 'input,reason');
  assert.deepEqual(p.records.map((r) => [r.line, r.fields]), [
    [2, ['a.jpg', 'no face']],
    [4, ['b,c.jpg', 'two\nlines']],
    [6, ['d.jpg', '']],
  ]);
  assert.throws(() => parseCsv('a,b\n1,2\n3,"4\n', 'f.csv'), /^Error: f\.csv:3: unterminated quoted field/);
});

test('csvText writes what the batch reports always held and parseCsv reads it back', () => {
  const rows = [
    { input: 'a/b c.jpg', target: 'happy', p_target: 0.123456789, reason: 'x' },
    { input: 'we,ird "name".png', target: 'sad', p_target: null, reason: 'line1\nline2' },
    { input: '', target: 'x', p_target: 1e-7, reason: 'ok' },
  ];
  const text = csvText(['input', 'target', 'p_target', 'reason'], rows);
  // the format of report.csv before it went through arquero (hand-joined cells, same quoting)
  assert.equal(text, 'input,target,p_target,reason\na/b c.jpg,happy,0.123456789,x\n"we,ird ""name"".png",sad,,"line1\nline2"\n,x,1e-7,ok\n');
  assert.deepEqual(csvObjects(text, 'report.csv'), [
    { input: 'a/b c.jpg', target: 'happy', p_target: '0.123456789', reason: 'x' },
    { input: 'we,ird "name".png', target: 'sad', p_target: null, reason: 'line1\nline2' },
    { input: null, target: 'x', p_target: '1e-7', reason: 'ok' },
  ]);
  assert.equal(csvText(['input', 'reason'], []), 'input,reason\n', 'the header even without rows');
});

test('csvRecord writes a record as csvText does (the appended logs and the tables quote alike) and splitCsvLine reads it back', () => {
  const cells = ['plain', 'a,b', 'say "hi"', '', 'NaN'];
  const line = csvRecord(cells);
  assert.equal(line, 'plain,"a,b","say ""hi""",,NaN\n');
  assert.deepEqual(splitCsvLine(line.trimEnd()), cells);
  const cols = cells.map((_, i) => `c${i}`);
  assert.equal(csvText(cols, [Object.fromEntries(cols.map((c, i) => [c, cells[i] === '' ? 'x' : cells[i]]))]).split('\n')[1], csvRecord(cells.map((c) => (c === '' ? 'x' : c))).trimEnd());
  // numbers as String() writes them (losses.csv formats them first)
  assert.equal(csvRecord([0, 12, 1.5, -0.25, NaN]), '0,12,1.5,-0.25,NaN\n');
});
