/**
 * The runner's pure parts: papermill typing of -p values, the command line, parameter injection
 * (placement, replacement on rerun), nbformat writing, and the nbformat 4.5 schema check (also
 * cross-checked against Python's nbformat when it is installed).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { typeParamValue, readParamsFile, parseParamsText, tsLiteral } from '../../lib/notebook/runner/params';
import { parseNotebookArgs } from '../../lib/notebook/runner/args';
import { declaredParameters, injectParameters, parametersSource, findTaggedCell, INJECTED_TAG, PARAMETERS_TAG } from '../../lib/notebook/runner/inject';
import { Notebook, cellTags, joinText, newCodeCell, newMarkdownCell, parseNotebook, readNotebook, serializeNotebook, TSLAB_KERNELSPEC } from '../../lib/notebook/runner/nbformat';
import { validateNotebook, assertValidNotebook } from '../../lib/notebook/runner/validate';
import { explainParameterError } from '../../lib/notebook/runner/run';
import { tempDir } from '../helpers';
import { findNbformatPython, pythonValidate } from '../notebook-python';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'notebooks');

test('-p values are typed like papermill: booleans, null, numbers, else strings', () => {
  assert.equal(typeParamValue('true'), true);
  assert.equal(typeParamValue('True'), true);
  assert.equal(typeParamValue('false'), false);
  assert.equal(typeParamValue('False'), false);
  assert.equal(typeParamValue('null'), null);
  assert.equal(typeParamValue('None'), null);
  assert.equal(typeParamValue('42'), 42);
  assert.equal(typeParamValue('-2.5'), -2.5);
  assert.equal(typeParamValue('1e-4'), 1e-4);
  assert.equal(typeParamValue('.5'), 0.5);
  for (const s of ['smoke', '', '0x10', 'NaN', 'Infinity', '1,000', '12abc', 'TRUE', ' 5']) {
    assert.equal(typeParamValue(s), s, `"${s}" stays a string`);
  }
});

test('the command line: -p NAME=VALUE and -p NAME VALUE, -r raw, -f JSON/YAML, -y, papermill precedence', () => {
  const dir = tempDir();
  const json = path.join(dir, 'p.json');
  fs.writeFileSync(json, JSON.stringify({ preset: 'paper', epochs: 7, list: [1, 2] }));
  const yaml = path.join(dir, 'p.yaml');
  fs.writeFileSync(yaml, 'seed: 5\nemotion: sad\n');
  const a = parseNotebookArgs([
    'nb.ipynb', '-p', 'preset=smoke', '-p', 'epochs', '3', '-r', 'emotion=123', '-f', json, '-f', yaml, '-y', '{seed: 6, ratio: 0.25}',
    '-o', 'out.ipynb', '--prepare-only', '--log-output', '--grace-s', '2',
  ]);
  assert.equal(a.input, 'nb.ipynb');
  // files < -y < -p < -r, whatever the order on the line
  assert.deepEqual(a.params, { preset: 'smoke', epochs: 3, list: [1, 2], seed: 6, emotion: '123', ratio: 0.25 });
  assert.equal(a.output, 'out.ipynb');
  assert.equal(a.prepareOnly, true);
  assert.equal(a.logOutput, true);
  assert.equal(a.graceMs, 2000);
  assert.deepEqual(parseNotebookArgs(['x.ipynb', '--parameters', 'url=http://a?b=c']).params, { url: 'http://a?b=c' });
  assert.throws(() => parseNotebookArgs(['x.ipynb', '-p']), /-p needs a value/);
  assert.throws(() => parseNotebookArgs(['x.ipynb', '-p', 'name']), /-p name needs a value/);
  assert.throws(() => parseNotebookArgs(['x.ipynb', '-p', '1bad=2']), /not a valid TypeScript identifier/);
  assert.throws(() => parseNotebookArgs(['x.ipynb', '--frobnicate']), /unknown option --frobnicate/);
  assert.throws(() => parseNotebookArgs(['a.ipynb', 'b.ipynb']), /one notebook at a time/);
  assert.throws(() => parseNotebookArgs(['x.ipynb', '--grace-s', 'soon']), /--grace-s must be a number/);
  // -p NAME VALUE takes VALUE as it is, even when it looks like an option; parsing goes on after it
  assert.deepEqual(parseNotebookArgs(['x.ipynb', '-p', 'lr', '-0.5', '-r', 'flag', '--help', '-p', 'n=2']).params, { lr: -0.5, flag: '--help', n: 2 });
  assert.equal(parseNotebookArgs(['x.ipynb', '-p', 'lr', '-0.5']).help, false);
  assert.throws(() => parseNotebookArgs(['x.ipynb', '-xz']), /unknown option -xz\n/);
  assert.throws(() => parseNotebookArgs(['x.ipynb', '--parameters=a=1']), /--parameters: write --parameters NAME=VALUE/);
  assert.throws(() => parseNotebookArgs(['x.ipynb', '-o']), /-o needs a value/);
  assert.deepEqual(parseNotebookArgs(['--', '-odd.ipynb']).input, '-odd.ipynb');
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, '[1, 2]');
  assert.throws(() => readParamsFile(bad), /bad\.json: expected a mapping/);
  fs.writeFileSync(bad, '{"a": ');
  assert.throws(() => readParamsFile(bad), /bad\.json: not valid JSON/);
  assert.throws(() => readParamsFile(path.join(dir, 'none.yaml')), /no such parameters file/);
  assert.throws(() => parseParamsText('a: [1, 2', '-y'), /-y: not valid YAML/);
  assert.equal(tsLiteral('say "hi"\n'), '"say \\"hi\\"\\n"');
});

test('declaredParameters reads names, kinds, types, defaults and help comments', () => {
  const d = declaredParameters(`let preset = 'quick';   // paper | quick\nconst seed: number = 999;\nlet dir: string | null = null;\nvar a = 1, b = 'x';\nfunction f() { let inner = 1; }`);
  assert.deepEqual(d, [
    { name: 'preset', kind: 'let', initializer: "'quick'", help: 'paper | quick' },
    { name: 'seed', kind: 'const', type: 'number', initializer: '999' },
    { name: 'dir', kind: 'let', type: 'string | null', initializer: 'null' },
    { name: 'a', kind: 'var', initializer: '1' },
    { name: 'b', kind: 'var', initializer: "'x'" },
  ]);
});

function toyNotebook(): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { ...TSLAB_KERNELSPEC } },
    cells: [newMarkdownCell('# toy'), newCodeCell("let preset = 'quick';\nconst seed: number = 1;", [PARAMETERS_TAG]), newCodeCell('console.log(preset)')],
  };
}

test('injection: a cell tagged injected-parameters right after the parameters cell; a rerun replaces it', () => {
  const nb = toyNotebook();
  const r = injectParameters(nb, { preset: 'smoke', seed: 7, extra: true });
  assert.ok(r);
  assert.equal(r.index, 2);
  assert.deepEqual(r.unknown, ['extra']);
  assert.deepEqual(r.defaults, { preset: "'quick'", seed: '1' });
  assert.deepEqual(cellTags(nb.cells[2]), [INJECTED_TAG]);
  const src = joinText(nb.cells[2].source);
  // let: assignment (type-checked by tslab against the declaration); const: redeclared with its type; unknown: let
  assert.match(src, /^\{\n {2}preset = "smoke";\n\}$/m);
  assert.match(src, /^const seed: number = 7;$/m);
  assert.match(src, /^let extra = true;$/m);
  // the executed copy is parameterised again: still one injected cell, in the same place, new values only
  const again = parseNotebook(serializeNotebook(nb));
  const r2 = injectParameters(again, { preset: 'paper' });
  assert.equal(r2?.index, 2);
  assert.equal(again.cells.filter((c) => cellTags(c).includes(INJECTED_TAG)).length, 1);
  assert.equal(again.cells.length, 4);
  assert.equal(joinText(again.cells[2].source), parametersSource({ preset: 'paper' }, declaredParameters("let preset = 'quick';")));
  // no parameters: the notebook is left as it is (papermill keeps the earlier injected cell)
  assert.equal(injectParameters(again, {}), null);
  assert.equal(again.cells.length, 4);
});

test('injection without a parameters cell goes to the top and reports every name as unknown', () => {
  const nb = toyNotebook();
  nb.cells[1].metadata = {};
  const r = injectParameters(nb, { preset: 'smoke' });
  assert.equal(r?.index, 0);
  assert.deepEqual(r?.unknown, ['preset']);
  assert.equal(findTaggedCell(nb, INJECTED_TAG), 0);
});

test('a compile error in the injected cell is said in terms of the parameter', () => {
  const src = parametersSource({ name: 42 }, declaredParameters("let name = 'world';"));
  const e = explainParameterError({ ename: 'TSError', evalue: "3:3 - Type 'number' is not assignable to type 'string'.", traceback: [] }, src);
  assert.match(e.evalue, /^parameter "name": Type 'number' is not assignable to type 'string'\..*-r NAME VALUE/);
});

test('notebooks are written like Jupyter: sorted keys, indent 1, sources as lists of lines', () => {
  const nb = toyNotebook();
  nb.cells[2] = { ...(nb.cells[2] as ReturnType<typeof newCodeCell>), outputs: [{ output_type: 'stream', name: 'stdout', text: 'a\nb\n' }, { output_type: 'display_data', data: { 'text/plain': 'x\ny', 'image/png': 'iVBOR', 'application/x+json': { k: 'v\nw' } }, metadata: {} }] };
  const text = serializeNotebook(nb);
  const back = JSON.parse(text);
  assert.deepEqual(Object.keys(back), ['cells', 'metadata', 'nbformat', 'nbformat_minor']);
  assert.deepEqual(back.cells[1].source, ["let preset = 'quick';\n", 'const seed: number = 1;']);
  assert.deepEqual(back.cells[2].outputs[0].text, ['a\n', 'b\n']);
  assert.deepEqual(back.cells[2].outputs[1].data['text/plain'], ['x\n', 'y']);
  assert.equal(back.cells[2].outputs[1].data['image/png'], 'iVBOR');
  assert.deepEqual(back.cells[2].outputs[1].data['application/x+json'], { k: 'v\nw' }, 'JSON payloads stay as they are');
  assert.ok(text.startsWith('{\n "cells": [\n  {\n'));
  assert.equal(joinText(parseNotebook(text).cells[1].source), "let preset = 'quick';\nconst seed: number = 1;");
  assert.throws(() => parseNotebook('{"nbformat": 3, "worksheets": []}', 'old.ipynb'), /old\.ipynb: expected nbformat 4, got 3/);
  assert.throws(() => parseNotebook('not json', 'x.ipynb'), /x\.ipynb: not a notebook: invalid JSON/);
});

test('the nbformat 4.5 schema check accepts the notebooks and rejects broken ones', () => {
  const files = [...fs.readdirSync(path.join(ROOT, 'notebooks')).filter((f) => f.endsWith('.ipynb')).map((f) => path.join(ROOT, 'notebooks', f)), ...fs.readdirSync(FIXTURES).map((f) => path.join(FIXTURES, f))];
  assert.ok(files.length >= 8);
  for (const f of files) assert.deepEqual(validateNotebook(JSON.parse(fs.readFileSync(f, 'utf8'))), [], f);
  const good = JSON.parse(serializeNotebook(toyNotebook()));
  assert.deepEqual(validateNotebook(good), []);
  const noCount = JSON.parse(JSON.stringify(good));
  delete noCount.cells[1].execution_count;
  assert.ok(validateNotebook(noCount).some((e) => /execution_count/.test(e.message)));
  const badOutput = JSON.parse(JSON.stringify(good));
  badOutput.cells[1].outputs = [{ output_type: 'stream', name: 'stdout' }];
  assert.ok(validateNotebook(badOutput).length > 0, 'a stream output without text is invalid');
  const badId = JSON.parse(JSON.stringify(good));
  badId.cells[1].id = 'has space';
  assert.ok(validateNotebook(badId).some((e) => e.path === '/cells/1/id'));
  const dupId = JSON.parse(JSON.stringify(good));
  dupId.cells[2].id = dupId.cells[1].id;
  assert.ok(validateNotebook(dupId).some((e) => /duplicate cell id/.test(e.message)));
  const extra = JSON.parse(JSON.stringify(good));
  extra.cells[0].outputs = [];
  assert.ok(validateNotebook(extra).length > 0, 'a markdown cell has no outputs');
  assert.throws(() => assertValidNotebook(extra, 'extra.ipynb'), /extra\.ipynb is not valid nbformat 4\.5/);
  assert.equal(readNotebook(files[0]).nbformat, 4);
});

test('the schema check agrees with Python nbformat', async (t) => {
  const py = findNbformatPython();
  if (!py) return t.skip('Python nbformat is not installed (python3 -m venv .venv-jupyter && pip install nbformat; or set FACEGAN_PYTHON)');
  const dir = tempDir();
  const good = path.join(dir, 'good.ipynb');
  fs.writeFileSync(good, serializeNotebook(toyNotebook()));
  const bad = path.join(dir, 'bad.ipynb');
  const b = JSON.parse(serializeNotebook(toyNotebook()));
  b.cells[1].outputs = [{ output_type: 'stream', name: 'stdout' }];
  fs.writeFileSync(bad, JSON.stringify(b));
  const r = pythonValidate(py, [good, bad]);
  assert.equal(r[good], null);
  assert.notEqual(r[bad], null);
  assert.ok(validateNotebook(b).length > 0);
});
