/**
 * npm start: the default job. Trains a DCGAN on the bundled FER2013 sample (700 faces, all seven
 * emotions, 48x48 grayscale) for a few minutes, then writes the run's loss plot, sample grids and a
 * results table. On the slow pure-JS backend it runs the smoke preset instead, and says how to get
 * the native one.
 */
import * as path from 'path';
import { runMain, parseArgs, stringOption } from '../tools/cli/args';
import { initBackend, describeBackend } from '../lib/backend';
import { getExperiment } from '../experiments';
import { runExperiment } from '../lib/orchestrate/run-experiment';
import { writeRunTables } from '../lib/runs/table';
import { RESULTS_DIR } from '../lib/runs/run-dir';

runMain(async () => {
  const args = parseArgs(process.argv.slice(2), { options: ['backend', 'preset'] }, 'start');
  const backend = await initBackend({ backend: stringOption(args, 'backend') });
  process.stderr.write(`backend: ${describeBackend(backend)}\n`);
  const slow = backend.name === 'cpu';
  const preset = (stringOption(args, 'preset') ?? (slow ? 'smoke' : 'sample')) as 'sample' | 'smoke';
  if (slow && !stringOption(args, 'preset')) {
    process.stderr.write(
      'The pure-JS cpu backend is ~60x slower than native TensorFlow, so npm start runs the smoke preset\n' +
        '(2 iterations: it proves the pipeline, the pictures will be noise). For native speed run\n' +
        '`npm run setup:native` (offline-capable), then `npm start` again.\n',
    );
  }
  const spec = getExperiment('fer-pooled');
  // finishRun (inside runExperiment) writes summary.json and metrics.json, as for npm run experiment
  const { runDir, summary } = await runExperiment({ spec, preset, backend, command: process.argv.slice(1), evaluate: { n: 1000 } });
  const tables = writeRunTables([runDir], path.join(RESULTS_DIR, 'start'), 'npm start: default run on the bundled sample');
  process.stderr.write(
    `\n${summary.status}: ${summary.steps} iterations in ${(summary.trainSeconds / 60).toFixed(1)} min ` +
      `(${summary.imagesPerSecond.toFixed(1)} images/s on ${backend.name})\n` +
      `  loss plot      ${path.join(runDir, 'loss.png')}\n` +
      `  sample grids   ${path.join(runDir, 'samples')}/ (final.png = the last one)\n` +
      `  config/summary ${path.join(runDir, 'config.json')}, summary.json, metrics.json\n` +
      `  results table  ${tables.md} (also .csv, .html)\n`,
  );
  console.log(runDir);
});
