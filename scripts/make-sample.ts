/**
 * Makes the bundled sample data/sample/ reproducibly (seeded) from the full data in --src DIR
 * (a folder holding fer2013/{train,test}/<emotion>/ and celeba/img_align_celeba/):
 *   data/sample/fer2013/{train,test}/<emotion>/*.jpg   100 train + 20 test images per emotion
 *   data/sample/celeba/img_align_celeba/*.jpg           300 images
 *   data/sample/celeba/identity_CelebA_subset.txt       their identity lines
 * Files are copied byte for byte (original JPEGs). Existing sample images are replaced.
 *
 *   npx tsx scripts/make-sample.ts --src DATA_DIR [--out data/sample] [--seed 2013]
 */
import * as fs from 'fs';
import * as path from 'path';
import { Rng } from '../lib/rng';
import { EMOTIONS } from '../lib/data/types';
import { intOption, parseArgs, stringOption } from '../tools/cli/args';

const PER_EMOTION = { train: 100, test: 20 } as const;
const CELEBA_COUNT = 300;

/** k names drawn without replacement from the sorted listing, returned sorted. */
function pick(rng: Rng, names: string[], k: number, where: string): string[] {
  if (names.length < k) throw new Error(`${where}: needs ${k} files, found ${names.length}`);
  const order = rng.permutation(names.length);
  return Array.from(order.slice(0, k), (i) => names[i]).sort();
}

function listJpegs(dir: string): string[] {
  if (!fs.existsSync(dir)) throw new Error(`${dir} does not exist: pass the full data folder with --src`);
  return fs.readdirSync(dir).filter((n) => /\.jpe?g$/i.test(n)).sort();
}

function main(): void {
  const cmd = 'make-sample';
  const args = parseArgs(process.argv.slice(2), { options: ['src', 'out', 'seed'] }, cmd);
  if (args.positionals.length) throw new Error(`${cmd}: unexpected argument(s) ${args.positionals.join(' ')}`);
  const srcArg = stringOption(args, 'src');
  if (!srcArg) throw new Error('make-sample: --src DIR is required (the full data: DIR/fer2013/{train,test}/<emotion>/ and DIR/celeba/img_align_celeba/)');
  const src = path.resolve(srcArg);
  const out = path.resolve(stringOption(args, 'out') ?? path.join(__dirname, '..', 'data', 'sample'));
  const seed = intOption(args, 'seed', cmd) ?? 2013;
  const rng = new Rng(seed);
  let bytes = 0;

  for (const split of ['train', 'test'] as const) {
    for (const emotion of EMOTIONS) {
      const from = path.join(src, 'fer2013', split, emotion);
      const to = path.join(out, 'fer2013', split, emotion);
      const chosen = pick(rng, listJpegs(from), PER_EMOTION[split], from);
      fs.rmSync(to, { recursive: true, force: true });
      fs.mkdirSync(to, { recursive: true });
      for (const n of chosen) {
        fs.copyFileSync(path.join(from, n), path.join(to, n));
        bytes += fs.statSync(path.join(to, n)).size;
      }
    }
  }

  const celebFrom = path.join(src, 'celeba', 'img_align_celeba');
  const celebTo = path.join(out, 'celeba', 'img_align_celeba');
  const faces = pick(rng, listJpegs(celebFrom), CELEBA_COUNT, celebFrom);
  fs.rmSync(celebTo, { recursive: true, force: true });
  fs.mkdirSync(celebTo, { recursive: true });
  for (const n of faces) {
    fs.copyFileSync(path.join(celebFrom, n), path.join(celebTo, n));
    bytes += fs.statSync(path.join(celebTo, n)).size;
  }
  const wanted = new Set(faces);
  const idLines = fs
    .readFileSync(path.join(src, 'celeba', 'identity_CelebA_subset.txt'), 'utf8')
    .split(/\r?\n/)
    .filter((l) => wanted.has(l.split(/\s+/)[0]));
  if (idLines.length !== faces.length) throw new Error(`identity lines found for ${idLines.length} of ${faces.length} images`);
  fs.writeFileSync(path.join(out, 'celeba', 'identity_CelebA_subset.txt'), idLines.join('\n') + '\n');

  const ids = new Set(idLines.map((l) => l.split(/\s+/)[1]));
  console.log(
    `wrote ${out}: FER2013 ${EMOTIONS.length} emotions x (${PER_EMOTION.train} train + ${PER_EMOTION.test} test), ` +
      `CelebA ${faces.length} images of ${ids.size} identities; ${(bytes / 1e6).toFixed(2)} MB of images (seed ${seed})`,
  );
}

main();
