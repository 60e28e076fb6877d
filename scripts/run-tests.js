#!/usr/bin/env node
/**
 * npm test: every test file on the fastest backend that loads (native when `npm run setup:native`
 * has run), then the core subset again on the pure-JS cpu backend, so the fallback stays honest.
 *   npm test -- test/models.test.ts     run only the given files (fastest backend)
 *   npm run test:unit                    the fast files only (every file not in END_TO_END; fastest backend, under two minutes)
 *   npm run test:faults                  only the fault-injection suite (test/faults/, docs/reliability.md)
 *   FACEGAN_TEST_PHASES=main|eigen|cpu|faults   run some phases only (eigen: a few files again on native
 *                                        with oneDNN off; faults: kill -9 / full disk / damage, child processes)
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

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
 * End-to-end files: they train, evaluate or execute notebooks through the real programs (seconds to
 * minutes each). `npm run test:unit` leaves them out; `npm test` runs them. A new test file is a
 * unit file unless it is listed here.
 */
const END_TO_END = [
  'backend.test.ts', 'bench-cli.test.ts', 'classifier.test.ts', 'cli-experiment.test.ts', 'conditional.test.ts',
  'data-real.test.ts', 'edit.test.ts', 'eval.test.ts', 'notebook-live.test.ts', 'notebook-notebooks.test.ts',
  'notebook-runner.test.ts', 'sequence.test.ts', 'study.test.ts', 'slurm.test.ts', 'notebook-anywhere.test.ts',
  'export-notebooks.test.ts', 'tensorboard.test.ts', 'translator-cli.test.ts', 'translator-run-folder.test.ts', 'photo-cli.test.ts', 'photo-backends.test.ts', 'web.test.ts',
];

const unit = process.argv.includes('--unit');
const faultsOnly = process.argv.includes('--faults');
const given = process.argv.slice(2).filter((a) => a !== '--unit' && a !== '--faults');
const all = fs.readdirSync(testDir).filter((f) => f.endsWith('.test.ts')).sort();
const faultFiles = fs.readdirSync(path.join(testDir, 'faults')).filter((f) => f.endsWith('.test.ts')).sort().map((f) => path.join('test', 'faults', f));
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
  const missing = END_TO_END.filter((f) => !all.includes(f));
  if (missing.length) console.warn(`run-tests: END_TO_END lists files that do not exist: ${missing.join(', ')}`);
  status = run('unit tests, fastest backend', all.filter((f) => !END_TO_END.includes(f)).map((f) => path.join('test', f)), {});
} else {
  if (phases.includes('main')) status |= run('all tests, fastest backend', all.map((f) => path.join('test', f)), {});
  if (phases.includes('eigen')) {
    const files = EIGEN.filter((f) => all.includes(f)).map((f) => path.join('test', f));
    status |= run('sub-pixel kernels on native with oneDNN off', files, { TF_ENABLE_ONEDNN_OPTS: '0' });
  }
  if (phases.includes('cpu')) {
    const core = CPU_CORE.filter((f) => all.includes(f)).map((f) => path.join('test', f));
    status |= run('core tests on the pure-JS cpu backend', core, { FACEGAN_BACKEND: 'cpu' });
  }
  if (phases.includes('faults')) {
    status |= run('fault injection: kill -9, full disk, damaged files, rival writers (child processes)', given.length ? given : faultFiles, {});
  }
}
process.exit(status ? 1 : 0);
