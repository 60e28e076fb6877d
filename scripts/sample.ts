/**
 * npm run sample -- --run RUN_DIR [--n 64] [--out DIR] [--seed S] [--backend B] [--emotion NAME|all]
 * Writes N generated images (PNG, one per file) and a grid.png from a trained run's latest checkpoint.
 * For a class-conditional run (fer-conditional), `--emotion NAME` makes all N of that expression,
 * `--emotion all` a same-face grid (N faces x every expression, same-face.png), and no --emotion
 * N images cycling through the expressions.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs, intOption, stringOption, runMain } from '../tools/cli/args';
import { initBackend, describeBackend } from '../lib/backend';
import { loadRunGenerator } from '../lib/runs/load-generator';
import { generateImages } from '../lib/sample/generate';
import { noiseTensor } from '../lib/sample/noise';
import { Rng } from '../lib/rng';
import { encodePng } from '../lib/viz/png';
import { gridPng } from '../lib/viz/grid';
import { isConditional, classIndex } from '../lib/models/conditional-spec';
import { generateClass, generateLabelled, generateSameFace, sameFaceGridPng } from '../lib/sample/conditional';
import { conditionalSpecOf } from '../lib/runs/load-conditional';
import { readRunConfig } from '../lib/runs/run-dir';
import { GeneratedImages } from '../lib/sample/generate';

runMain(async () => {
  const cmd = 'sample';
  const args = parseArgs(process.argv.slice(2), { flags: ['help'], options: ['run', 'n', 'out', 'seed', 'backend', 'emotion'] }, cmd);
  if (args.options.help) return void console.log('usage: npm run sample -- --run RUN_DIR [--n 64] [--out DIR] [--seed S] [--emotion NAME|all (conditional runs)]');
  const runDir = stringOption(args, 'run');
  if (!runDir) throw new Error(`${cmd}: --run RUN_DIR is required`);
  const n = intOption(args, 'n', cmd, 1) ?? 64;
  const seed = intOption(args, 'seed', cmd, 0) ?? 1;
  const out = path.resolve(stringOption(args, 'out') ?? path.join(runDir, 'generated'));
  const emotion = stringOption(args, 'emotion');
  if (args.options.emotion !== undefined && emotion === undefined) throw new Error(`${cmd}: --emotion needs a value`);
  const model = readRunConfig(runDir).spec.model;
  if (emotion !== undefined) conditionalSpecOf(runDir, undefined, '--emotion');
  const cond = isConditional(model) ? conditionalSpecOf(runDir) : null;
  const cls = cond && emotion !== undefined && emotion !== 'all' ? classIndex(cond, emotion) : undefined;
  const backend = await initBackend({ backend: stringOption(args, 'backend') });
  process.stderr.write(`backend: ${describeBackend(backend)}\n`);
  const { G, config, checkpoint } = await loadRunGenerator(runDir);
  let imgs: GeneratedImages;
  fs.mkdirSync(out, { recursive: true });
  if (cond && emotion === 'all') {
    imgs = await generateSameFace(G, cond, new Rng(seed).normals(n * cond.nz), n);
    fs.writeFileSync(path.join(out, 'same-face.png'), sameFaceGridPng(imgs, cond, `${config.experiment}: same face, every expression`));
  } else if (cond && cls !== undefined) {
    imgs = await generateClass(G, cond, cls, n, seed);
  } else if (cond) {
    imgs = await generateLabelled(G, cond, Int32Array.from({ length: n }, (_, i) => i % cond.classes), seed);
  } else {
    const z = noiseTensor(new Rng(seed), n, config.spec.model.nz);
    imgs = await generateImages(G, z, 64);
    z.dispose();
  }
  G.dispose();
  const px = imgs.height * imgs.width * imgs.channels;
  const digits = String(imgs.n).length;
  for (let i = 0; i < imgs.n; i++) {
    const file = path.join(out, `sample-${String(i + 1).padStart(Math.max(4, digits), '0')}.png`);
    fs.writeFileSync(file, encodePng(imgs.data.subarray(i * px, (i + 1) * px), imgs.width, imgs.height, imgs.channels));
  }
  fs.writeFileSync(path.join(out, 'grid.png'), gridPng(imgs, { nrow: cond && emotion === 'all' ? cond.classes : 8 }));
  const what = cond ? (emotion === 'all' ? ` (${n} faces x ${cond.classes} expressions)` : cls !== undefined ? ` (${cond.classNames[cls]})` : ' (expressions cycling)') : '';
  process.stderr.write(`${imgs.n} images${what} from ${checkpoint} (${config.experiment}) -> ${out}\n`);
  console.log(out);
});
