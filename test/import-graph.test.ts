/** lib/'s layering, as scripts/import-graph.js checks it from the sources. */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { spawnSync } from 'child_process';

test('lib has no import cycle, imports nothing from experiments/ or scripts/, reads no process.argv and require()s no project file by a computed path', () => {
  const r = spawnSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'import-graph.js')], { encoding: 'utf8' });
  assert.match(r.stdout, /^lib\/: \d+ files, \d+ imports between them/);
  assert.match(r.stdout, /\nfile import cycles: none\n/);
  assert.match(r.stdout, /\nlib files importing outside lib\/ \(experiments\/, scripts\/\): none\n/);
  assert.match(r.stdout, /\nlib files reading process\.argv: none\n/);
  assert.match(r.stdout, /\nrequire\(\) of a computed path in lib\/: none\n/);
  assert.match(r.stdout, /\n {2}lib\/train -> lib\/models \(\d+\)\n/, 'the folder edges are listed');
  assert.doesNotMatch(r.stdout, /lib\/models -> lib\/train/, 'models sit below train');
});
