/**
 * npm run sample -- --run RUN_DIR [--n 64] [--out DIR] [--seed S] [--backend B]
 * Writes N generated images (PNG, one per file) and a grid.png from a trained run's latest checkpoint.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs, intOption, stringOption, runMain } from '../lib/cli/args';
import { initBackend, describeBackend } from '../lib/backend';
import { loadRunGenerator } from '../lib/runs/load-generator';
import { generateImages } from '../lib/train/generate';
import { noiseTensor } from '../lib/train/noise';
import { Rng } from '../lib/rng';
import { encodePng } from '../lib/viz/png';
import { gridPng } from '../lib/viz/grid';

runMain(async () => {
  const cmd = 'sample';
  const args = parseArgs(process.argv.slice(2), { flags: ['help'], options: ['run', 'n', 'out', 'seed', 'backend', 'emotion'] }, cmd);
  if (args.options.help) return void console.log('usage: npm run sample -- --run RUN_DIR [--n 64] [--out DIR] [--seed S]');
  const runDir = stringOption(args, 'run');
  if (!runDir) throw new Error(`${cmd}: --run RUN_DIR is required`);
  const n = intOption(args, 'n', cmd, 1) ?? 64;
  const seed = intOption(args, 'seed', cmd, 0) ?? 1;
  const out = path.resolve(stringOption(args, 'out') ?? path.join(runDir, 'generated'));
  if (args.options.emotion) throw new Error(`${cmd}: --emotion needs a conditional run; ${runDir} is an unconditional DCGAN`);
  const backend = await initBackend({ backend: stringOption(args, 'backend') });
  process.stderr.write(`backend: ${describeBackend(backend)}\n`);
  const { G, config, checkpoint } = await loadRunGenerator(runDir);
  const z = noiseTensor(new Rng(seed), n, config.spec.model.nz);
  const imgs = await generateImages(G, z, 64);
  z.dispose();
  G.dispose();
  fs.mkdirSync(out, { recursive: true });
  const px = imgs.height * imgs.width * imgs.channels;
  const digits = String(n).length;
  for (let i = 0; i < n; i++) {
    const file = path.join(out, `sample-${String(i + 1).padStart(Math.max(4, digits), '0')}.png`);
    fs.writeFileSync(file, encodePng(imgs.data.subarray(i * px, (i + 1) * px), imgs.width, imgs.height, imgs.channels));
  }
  fs.writeFileSync(path.join(out, 'grid.png'), gridPng(imgs, { nrow: 8 }));
  process.stderr.write(`${n} images from ${checkpoint} (${config.experiment}) -> ${out}\n`);
  console.log(out);
});
