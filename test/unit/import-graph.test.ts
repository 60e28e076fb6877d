/** lib/'s layering, as scripts/import-graph.js checks it from the sources. */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync, SpawnSyncReturns } from 'child_process';

const GRAPH_SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'import-graph.js');

test('lib has no import cycle, imports nothing from experiments/ or scripts/, reads no process.argv, handles no process events and require()s no project file by a computed path', () => {
  const r = spawnSync(process.execPath, [GRAPH_SCRIPT], { encoding: 'utf8' });
  assert.match(r.stdout, /^lib\/: \d+ files, \d+ imports between them/);
  assert.equal(r.status, 0, r.stdout);
  assert.match(r.stdout, /\nfile import cycles: none\n/);
  assert.match(r.stdout, /\nfolders importing each other: none\n/);
  assert.match(r.stdout, /\nlib files importing outside lib\/ \(experiments\/, scripts\/, tools\/\): none\n/);
  assert.match(r.stdout, /\nlib files reading process\.argv: none\n/);
  assert.match(r.stdout, /\nlib files exiting or handling process events \(process\.exit, process\.on, \.\.\.\): none\n/);
  assert.match(r.stdout, /\nrequire\(\) of a computed path in lib\/: none\n/);
  assert.match(r.stdout, /\n {2}lib\/train -> lib\/models \(\d+\)\n/, 'the folder edges are listed');
  assert.doesNotMatch(r.stdout, /lib\/models -> lib\/train/, 'models sit below train');
  assert.match(r.stdout, /\n {2}lib\/orchestrate -> lib\/eval \(\d+\)\n/, 'the orchestration uses evaluation');
  for (const low of ['runs', 'eval']) assert.doesNotMatch(r.stdout, new RegExp(`lib/${low} -> lib/(orchestrate|notebook)`), `lib/${low} sits below the orchestration and the notebook views`);
});

/** Runs scripts/import-graph.js on a throwaway tree of `lib` files (path -> text) and returns its result. */
function checkTree(lib: Record<string, string>): SpawnSyncReturns<string> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facegan-graph-'));
  try {
    for (const [f, text] of Object.entries({ 'scripts/import-graph.js': fs.readFileSync(GRAPH_SCRIPT, 'utf8'), ...lib })) {
      fs.mkdirSync(path.dirname(path.join(tmp, f)), { recursive: true });
      fs.writeFileSync(path.join(tmp, f), text);
    }
    return spawnSync(process.execPath, [path.join(tmp, 'scripts', 'import-graph.js')], { encoding: 'utf8' });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

test('a folder-level import cycle fails the check, naming the folders', () => {
  const r = checkTree({
    'lib/a/one.ts': "import { two } from '../b/two';\nexport const one = two;\n",
    'lib/b/two.ts': 'export const two = 2;\n',
    'lib/b/three.ts': "import { one } from '../a/one';\nexport const three = one;\n",
  });
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, /\nfile import cycles: none\n/, 'no file cycle: one -> two, three -> one');
  assert.match(r.stdout, /\nfolders importing each other: \n {2}lib\/a <-> lib\/b\n/);
});

test('a lib file that handles a signal or exits fails the check, naming the file and line', () => {
  const r = checkTree({
    'lib/a/loop.ts': "export function loop(): void {\n  process.on('SIGINT', () => process.exit(130));\n}\n",
    'lib/a/fine.ts': "export function fine(signal: AbortSignal): boolean {\n  return signal.aborted;\n}\n",
    'lib/b/bye.ts': "export const bye = () => process.once('exit', () => {});\n",
  });
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, /\nlib files exiting or handling process events \(process\.exit, process\.on, \.\.\.\): \n {2}lib\/a\/loop\.ts:2: process\.on\(\n {2}lib\/b\/bye\.ts:1: process\.once\(\n\n/);
  assert.doesNotMatch(r.stdout, /fine\.ts/);
});
