#!/usr/bin/env node
/**
 * npm test: every test file on the fastest backend that loads (native when `npm run setup:native`
 * has run), then the core subset again on the pure-JS cpu backend, so the fallback stays honest.
 *   npm test -- test/unit/models.test.ts run only the given files (fastest backend)
 *   npm run test:unit                    the fast files only: test/unit/ (fastest backend, under two minutes on 2 idle cores)
 *   npm run test:faults                  only the fault-injection suite (test/faults/, docs/reliability.md)
 *   FACEGAN_TEST_PHASES=main|eigen|cpu|faults   run some phases only (eigen: a few files again on native
 *                                        with oneDNN off; faults: kill -9 / full disk / damage, child processes)
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { parseArgs } = require('util');

const root = path.resolve(__dirname, '..');
const testDir = path.join(root, 'test');
/** Files that also run on the pure-JS cpu backend (small nets; they must stay fast there). */
const CPU_CORE = ['models.test.ts', 'train-step.test.ts', 'resume.test.ts', 'data.test.ts'];
/**
 * Files that also run on native with oneDNN off (TF_ENABLE_ONEDNN_OPTS=0), the Eigen kernels that
 * TensorFlow's default takes on CPUs without AVX512_VNNI and where the sub-pixel transposed conv runs.
 */
const EIGEN = ['conv-transpose.test.ts', 'fused-layers.test.ts'];
/**
 * Where a test file lives says what it is: test/unit/ (fast; `npm run test:unit`), test/e2e/ (trains,
 * evaluates, executes notebooks or drives a browser through the real programs: seconds to minutes each),
 * test/faults/ (kill -9, full disk, damaged files, signals: child processes). A new slow test goes in e2e/.
 */
const listTests = (sub) => fs.readdirSync(path.join(testDir, sub)).filter((f) => f.endsWith('.test.ts')).sort().map((f) => path.join('test', sub, f));

let cli;
try {
  cli = parseArgs({ options: { unit: { type: 'boolean' }, faults: { type: 'boolean' } }, allowPositionals: true });
} catch (e) {
  console.error(`run-tests: ${e.message} (usage: run-tests.js [--unit | --faults] [test files...])`);
  process.exit(2);
}
const unit = !!cli.values.unit;
const faultsOnly = !!cli.values.faults;
const given = cli.positionals;
const unitFiles = listTests('unit');
const all = [...unitFiles, ...listTests('e2e')];
const faultFiles = listTests('faults');
const stray = fs.readdirSync(testDir).filter((f) => f.endsWith('.test.ts'));
if (stray.length) {
  console.error(`run-tests: test files directly in test/ (put them in test/unit/, test/e2e/ or test/faults/): ${stray.join(', ')}`);
  process.exit(1);
}
const named = (list) => all.filter((f) => list.includes(path.basename(f)));
const phases = faultsOnly ? ['faults'] : (process.env.FACEGAN_TEST_PHASES || 'main,eigen,cpu,faults').split(',');

function run(label, files, env) {
  if (files.length === 0) return 0;
  console.log(`\n=== ${label}: ${files.length} test file(s) ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  return r.status ?? 1;
}

let status = 0;
if (given.length && !faultsOnly) {
  status = run('tests', given, {});
} else if (unit) {
  status = run('unit tests (test/unit), fastest backend', unitFiles, {});
} else {
  if (phases.includes('main')) status |= run('unit and end-to-end tests, fastest backend', all, {});
  if (phases.includes('eigen')) {
    const files = named(EIGEN);
    status |= run('sub-pixel kernels on native with oneDNN off', files, { TF_ENABLE_ONEDNN_OPTS: '0' });
  }
  if (phases.includes('cpu')) {
    const core = named(CPU_CORE);
    status |= run('core tests on the pure-JS cpu backend', core, { FACEGAN_BACKEND: 'cpu' });
  }
  if (phases.includes('faults')) {
    status |= run('fault injection: kill -9, full disk, damaged files, rival writers (child processes)', given.length ? given : faultFiles, {});
  }
}
process.exit(status ? 1 : 0);
