/** The scripts' command-line parser (tools/cli/args.ts). */
import test from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, intOption, stringOption } from '../../tools/cli/args';

const spec = { flags: ['list', 'no-eval'], options: ['preset', 'out', 'epochs'] };

test('options, flags and positionals in any order; --name=value; the last of a repeated option wins', () => {
  const a = parseArgs(['fer-happy', '--preset', 'smoke', '--list', '--out=/tmp/x', 'more', '--epochs', '3', '--epochs=4', '-5'], spec, 'cmd');
  assert.deepEqual(a.positionals, ['fer-happy', 'more', '-5']);
  assert.deepEqual(a.options, { preset: 'smoke', list: true, out: '/tmp/x', epochs: '4' });
  assert.equal(intOption(a, 'epochs', 'cmd', 1), 4);
  assert.equal(stringOption(a, 'out'), '/tmp/x');
  assert.equal(stringOption(a, 'list'), undefined);
  assert.deepEqual(parseArgs(['--out', '-x', '--', '--list'], spec, 'cmd'), { positionals: ['--list'], options: { out: '-x' } });
});

test('unknown options, missing values and bad integers are errors that name the command and the option', () => {
  assert.throws(() => parseArgs(['--frobnicate'], spec, 'experiment'), /^Error: experiment: unknown option --frobnicate \(known: --list --no-eval --preset --out --epochs\)$/);
  assert.throws(() => parseArgs(['--out'], spec, 'experiment'), /experiment: --out needs a value/);
  assert.throws(() => parseArgs(['--out', '--list'], spec, 'experiment'), /experiment: --out needs a value/);
  assert.throws(() => intOption(parseArgs(['--epochs', '2.5'], spec, 'c'), 'epochs', 'c', 1), /c: --epochs must be an integer >= 1, got "2.5"/);
  assert.throws(() => intOption(parseArgs(['--epochs=0'], spec, 'c'), 'epochs', 'c', 1), /--epochs must be an integer >= 1/);
});
