/**
 * CelebA "Align&Cropped" loader (img_align_celeba/*.jpg, 178x218 RGB).
 *
 * Each image is resized so that its shorter side is `size` and centre-cropped to size x size,
 * exactly as PyTorch's `transforms.Resize(size); transforms.CenterCrop(size)` on a PIL image:
 * Pillow's antialiased BILINEAR resample (triangle filter widened by the scale factor), see
 * resize.ts. For 178x218 -> 64: resize to 64x78, crop rows 7..70.
 *
 * Decoding the full set (202,599 JPEGs) takes minutes, so the result is cached once as uint8 in
 * `<cacheDir or dataset folder>/.facegan-cache/celeba-<size>-<hash>.u8` (u8-cache.ts; the hash
 * covers the selected file names and sizes and the resample method, so adding/removing/changing
 * files or changing `limit`/`seed` builds a new cache). When the dataset folder is read-only the
 * cache goes to `<os tmpdir>/facegan-cache/`. Only uint8 is kept in memory (2.5 GB for the full
 * set at 64x64x3); floats are made per batch (batches.ts). Progress is printed to stderr while
 * decoding 1000+ images.
 *
 * Bad input: a truncated, corrupt or non-image file in img_align_celeba/ is **skipped and
 * counted** in `skipped` (hidden files are ignored); all files bad, an empty folder or a missing
 * path are **errors** that say where to get CelebA and where to put it.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { decodeFiles } from './decode-pool';
import { isDir } from './fer2013-folder';
import { toGrayscale } from './grayscale';
import { celebaMissing } from './missing';
import { assertSomeGood } from './skips';
import { checkLimit, seededSubset } from './subset';
import { readU8Cache, writeU8Cache, type U8CacheHeader } from './u8-cache';
import type { ImageSet, SkipReport } from './types';

/** Options of loadCelebA. */
export interface CelebAOptions {
  /** The folder holding img_align_celeba/ (or img_align_celeba/ itself). */
  path: string;
  /** Output size (square), default 64. */
  size?: number;
  /** A seeded random subset of this many files (not the first N). */
  limit?: number;
  /** Seed for `limit` (default 0). */
  seed?: number;
  /** Convert to 1 channel with BT.601 luma after loading (the cache stays RGB). */
  grayscale?: boolean;
  /** Where to put .facegan-cache/ (default: the dataset folder, or the OS temp folder if that is read-only). */
  cacheDir?: string;
  /** false: neither read nor write a cache file. */
  cache?: boolean;
  /** Decode worker threads (default: number of CPUs, max 16; 0 = main thread). */
  workers?: number;
  /** false: no progress line on stderr. */
  progress?: boolean;
}

/** The resample method; part of the cache key. */
export const CELEBA_METHOD = 'pil-bilinear-aa-shortside-centercrop-v1';

const IMAGE_EXT = /\.(jpe?g|png)$/i;

/** Finds the folder with the JPEGs: <p>/img_align_celeba, <p>/celeba/img_align_celeba or <p>, also Kaggle's nested img_align_celeba/img_align_celeba. */
export function resolveCelebA(p: string): { imgDir: string; root: string } {
  if (!p) throw celebaMissing(String(p), 'no path given');
  if (!fs.existsSync(p)) throw celebaMissing(p, 'no such folder');
  if (!isDir(p)) throw celebaMissing(p, 'it is a file, expected the folder that holds img_align_celeba/');
  const hasImages = (d: string) => isDir(d) && fs.readdirSync(d).some((n) => IMAGE_EXT.test(n) && !n.startsWith('.'));
  const cands = [path.join(p, 'img_align_celeba'), path.join(p, 'celeba', 'img_align_celeba'), p];
  for (const c of cands) {
    for (const d of [c, path.join(c, 'img_align_celeba')]) {
      if (hasImages(d)) return { imgDir: d, root: path.basename(d) === 'img_align_celeba' ? path.dirname(d) : d };
    }
  }
  const sub = isDir(cands[0]) ? 'img_align_celeba/ has no .jpg/.png files' : 'no img_align_celeba/ folder with .jpg files in it';
  throw celebaMissing(p, sub);
}

/** Sorted names of the non-hidden files in the image folder. */
function listImages(imgDir: string): string[] {
  return fs
    .readdirSync(imgDir, { withFileTypes: true })
    .filter((d) => !d.name.startsWith('.') && (d.isFile() || d.isSymbolicLink()))
    .map((d) => d.name)
    .sort();
}

/** Hash of (method, size, names and byte sizes): the cache key. */
function listHash(imgDir: string, names: string[], size: number): string {
  const h = createHash('sha256');
  h.update(`${CELEBA_METHOD}\n${size}\n`);
  for (const n of names) h.update(`${n}\t${fs.statSync(path.join(imgDir, n)).size}\n`);
  return h.digest('hex').slice(0, 16);
}

function cacheDirs(root: string, cacheDir: string | undefined): string[] {
  if (cacheDir) return [path.join(cacheDir, '.facegan-cache')];
  return [path.join(root, '.facegan-cache'), path.join(os.tmpdir(), 'facegan-cache')];
}

/**
 * Loads CelebA (aligned) as size x size RGB (or grayscale) uint8 images, using/creating the
 * uint8 cache. `limit` takes a seeded random subset of the files that is stable for `seed`.
 */
export async function loadCelebA(opts: CelebAOptions): Promise<ImageSet> {
  if (!opts || typeof opts !== 'object') throw new Error('loadCelebA: expected options {path, size?, limit?, seed?, grayscale?, cacheDir?}');
  const size = opts.size ?? 64;
  if (!Number.isInteger(size) || size <= 0 || size > 1024) throw new Error(`loadCelebA: size must be an integer 1..1024, got ${opts.size}`);
  checkLimit(opts.limit, 'loadCelebA');
  const seed = opts.seed ?? 0;
  const { imgDir, root } = resolveCelebA(opts.path);
  const all = listImages(imgDir);
  const pick = seededSubset(all.length, opts.limit, seed);
  const names = Array.from(pick, (i) => all[i]);
  const limited = names.length < all.length;
  const name = `celeba ${size}x${size}${limited ? ` (${names.length} of ${all.length}, seed ${seed})` : ''}`;

  const useCache = opts.cache !== false;
  const hash = useCache ? listHash(imgDir, names, size) : '';
  const file = `celeba-${size}-${hash}.u8`;
  const dirs = useCache ? cacheDirs(root, opts.cacheDir) : [];

  let set: ImageSet | null = null;
  for (const d of dirs) {
    const f = path.join(d, file);
    let c: ReturnType<typeof readU8Cache> = null;
    try {
      c = readU8Cache(f);
    } catch (e) {
      process.stderr.write(`ignoring a bad cache file, rebuilding it: ${(e as Error).message}\n`);
    }
    if (c && c.header.listHash === hash && c.header.height === size && c.header.channels === 3) {
      set = { data: c.data, n: c.header.n, height: size, width: size, channels: 3, sources: c.header.names.map((n) => path.join(imgDir, n)), skipped: c.header.skipped, name };
      break;
    }
  }

  if (!set) {
    const files = names.map((n) => path.join(imgDir, n));
    const { data, errors } = await decodeFiles(files, { size, channels: 3, workers: opts.workers, progress: opts.progress, label: `decoding CelebA to ${size}x${size}` });
    const skipped: SkipReport[] = [];
    const px = size * size * 3;
    let k = 0;
    const kept: string[] = [];
    errors.forEach((err, i) => {
      if (err) {
        skipped.push({ source: files[i], reason: err });
        return;
      }
      if (k !== i) data.copyWithin(k * px, i * px, (i + 1) * px);
      kept.push(names[i]);
      k++;
    });
    assertSomeGood(k, skipped, imgDir);
    const pixels = k === names.length ? data : data.subarray(0, k * px);
    set = { data: pixels, n: k, height: size, width: size, channels: 3, sources: kept.map((n) => path.join(imgDir, n)), skipped, name };
    if (useCache) writeCache(dirs, file, set, kept, hash);
  }
  return opts.grayscale ? toGrayscale(set) : set;
}

/** Writes the cache to the first writable folder; a failure only warns. */
function writeCache(dirs: string[], file: string, set: ImageSet, names: string[], hash: string): void {
  const header: U8CacheHeader = {
    format: 'facegan-u8-cache', version: 1, dataset: 'celeba', n: set.n, height: set.height, width: set.width,
    channels: set.channels, method: CELEBA_METHOD, listHash: hash, names, skipped: set.skipped, createdAt: new Date().toISOString(),
  };
  const problems: string[] = [];
  for (const d of dirs) {
    try {
      writeU8Cache(path.join(d, file), header, set.data);
      if (problems.length) process.stderr.write(`CelebA cache written to ${d} instead (${problems.join('; ')})\n`);
      return;
    } catch (e) {
      problems.push(`${d}: ${(e as Error).message}`);
    }
  }
  process.stderr.write(`could not write the CelebA cache (${problems.join('; ')}); the next run decodes again\n`);
}

/**
 * CelebA identity labels (`<file> <identity>` lines of identity_CelebA.txt or a file named
 * identity_CelebA*.txt) from the dataset folder (the one holding img_align_celeba/, or that
 * folder). An empty map when there is no such file; a malformed line is an error naming it.
 */
export function readIdentities(p: string): Map<string, number> {
  const out = new Map<string, number>();
  const dirs = [p, path.dirname(p), path.join(p, 'celeba')].filter(isDir);
  let file: string | undefined;
  for (const d of dirs) {
    const names = fs.readdirSync(d).filter((n) => /^identity_CelebA.*\.txt$/i.test(n)).sort();
    const pick = names.find((n) => n.toLowerCase() === 'identity_celeba.txt') ?? names[0];
    if (pick) {
      file = path.join(d, pick);
      break;
    }
  }
  if (!file) return out;
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
  lines.forEach((line, i) => {
    const t = line.trim();
    if (!t) return;
    const m = /^(\S+)\s+(\d+)$/.exec(t);
    if (!m) throw new Error(`${file}:line ${i + 1}: expected "<file name> <identity number>", got "${t.slice(0, 80)}"`);
    out.set(m[1], Number(m[2]));
  });
  return out;
}
