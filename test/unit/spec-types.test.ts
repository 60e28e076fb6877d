/**
 * lib/runs/spec-types.ts is the one place experiments/ takes its types from: it holds no runtime
 * code (loading it gives an empty module), and every import of experiments/ from lib/ is either a
 * type import from it or a value (a constant the specs use) that exists at run time.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const SPEC_TYPES = path.join(ROOT, 'lib', 'runs', 'spec-types.ts');

test('spec-types.ts has no runtime code: only type declarations and type imports/re-exports, an empty module when loaded', async () => {
  const src = fs.readFileSync(SPEC_TYPES, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  const statements = src.split('\n').filter((l) => /^(import|export)\b/.test(l));
  assert.ok(statements.length > 10, 'it declares and re-exports the spec types');
  for (const l of statements) assert.match(l, /^(import type |export type |export interface )/, l);
  const loaded = (await import(SPEC_TYPES)) as Record<string, unknown>;
  const names = Object.keys(loaded).filter((k) => k !== 'default' && k !== '__esModule');
  assert.deepEqual(names, []);
});

test('experiments/ imports its types from lib/runs/spec-types.ts and only run-time values from the rest of lib/', () => {
  const dir = path.join(ROOT, 'experiments');
  let typeImports = 0;
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    const src = fs.readFileSync(path.join(dir, f), 'utf8');
    const re = /^(import|export)\s+(type\s+)?(\{[^}]*\}|\*\s+as\s+\w+|\w+)\s+from\s+'(\.\.\/lib\/[^']+)'/gm;
    for (let m = re.exec(src); m; m = re.exec(src)) {
      const [line, , typeOnly, what, from] = m;
      const target = path.resolve(dir, from);
      if (target === SPEC_TYPES.replace(/\.ts$/, '')) {
        assert.ok(typeOnly, `${f}: ${line} (import type)`);
        typeImports++;
        continue;
      }
      assert.ok(!typeOnly, `${f}: ${line}: types come from lib/runs/spec-types`);
      assert.match(what, /^\{/, `${f}: ${line}`);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(target) as Record<string, unknown>;
      for (const name of what.slice(1, -1).split(',').map((s) => s.trim().split(/\s+as\s+/)[0]).filter(Boolean)) {
        assert.ok(name in mod, `${f}: ${name} from ${from} is not a run-time value (a type? take it from lib/runs/spec-types)`);
      }
    }
  }
  assert.ok(typeImports >= 9, `${typeImports} type imports from spec-types`);
});
