/**
 * FER2013 in its image-folder form: `train/<emotion>/*.jpg` and `test/<emotion>/*.jpg`, 48x48
 * grayscale, file names prefixed Training_ / PublicTest_ / PrivateTest_ (the csv's Usage).
 *
 * Bad input:
 * - a folder under train/ or test/ that is not one of the 7 emotion names (case-insensitive):
 *   **error** listing the valid names (hidden entries such as .DS_Store are ignored);
 * - a truncated, corrupt or non-image file: **skipped and counted** ("not a JPEG or PNG file",
 *   "cannot decode JPEG: ...");
 * - an image that is not 48x48: **skipped and counted** (not resized: FER2013 is 48x48 by
 *   definition, so another size means another dataset or a broken file). A 48x48 colour image
 *   is converted to gray with BT.601 luma.
 * - every selected file bad: **error**.
 */
import * as fs from 'fs';
import * as path from 'path';
import { decodeImage, readImageInfo } from './decode';
import { rgbToLuma } from './grayscale';
import { addCount, emotionFromName, FER_PIXELS, FER_SIZE, type CountTable, type Usage } from './fer2013-options';
import { EMOTIONS, type SkipReport } from './types';

/** One image file of the folder form. */
export interface Fer2013FolderEntry {
  file: string;
  label: number;
  /** 'train' or 'test' (the top folder). */
  folder: 'train' | 'test';
  /** From the file-name prefix; unprefixed files in train/ count as Training, in test/ as unknown. */
  usage: Usage | undefined;
}

const PREFIX = /^(Training|PublicTest|PrivateTest)_/;

/** Lists train/ and test/ (whichever exist), sorted by folder, emotion and file name. */
export function listFer2013Folder(root: string): { entries: Fer2013FolderEntry[]; counts: CountTable } {
  const entries: Fer2013FolderEntry[] = [];
  const counts: CountTable = new Map();
  for (const folder of ['train', 'test'] as const) {
    const dir = path.join(root, folder);
    if (!isDir(dir)) continue;
    const subs = fs.readdirSync(dir, { withFileTypes: true }).filter((d) => !d.name.startsWith('.'));
    const emotionDirs: { name: string; label: number }[] = [];
    for (const d of subs) {
      if (!d.isDirectory() && !(d.isSymbolicLink() && isDir(path.join(dir, d.name)))) continue;
      const label = emotionFromName(d.name);
      if (label < 0) {
        throw new Error(
          `${path.join(dir, d.name)}: unknown emotion folder "${d.name}"; the FER2013 image folders must be named ` +
            `${EMOTIONS.join(', ')}`,
        );
      }
      emotionDirs.push({ name: d.name, label });
    }
    emotionDirs.sort((a, b) => a.label - b.label || (a.name < b.name ? -1 : 1));
    for (const ed of emotionDirs) {
      const names = fs
        .readdirSync(path.join(dir, ed.name))
        .filter((n) => !n.startsWith('.'))
        .sort();
      for (const name of names) {
        const m = PREFIX.exec(name);
        const usage = m ? (m[1] as Usage) : folder === 'train' ? 'Training' : undefined;
        entries.push({ file: path.join(dir, ed.name, name), label: ed.label, folder, usage });
        addCount(counts, usage ? `${folder}/${usage}` : `${folder}/(no usage prefix)`, ed.label);
      }
    }
  }
  return { entries, counts };
}

/** True when p is a directory (following links). */
export function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Reads one FER image into `out` (48*48 bytes). Returns null on success or the reason to skip.
 */
export function readFerImage(file: string, out: Uint8Array): string | null {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    return `cannot read file: ${(e as Error).message}`;
  }
  try {
    const info = readImageInfo(bytes);
    if (info.width !== FER_SIZE || info.height !== FER_SIZE) {
      return `unexpected image size: ${info.width}x${info.height}, expected ${FER_SIZE}x${FER_SIZE}`;
    }
    const img = decodeImage(bytes);
    out.set(img.channels === 1 ? img.data : rgbToLuma(img.data));
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Decodes `entries` in the given order until `want` images are good (or the list ends).
 * Returns the good ones in their list order.
 */
export function readFer2013Files(
  entries: Fer2013FolderEntry[],
  order: ArrayLike<number>,
  want: number,
): { data: Uint8Array; labels: Int32Array; sources: string[]; skipped: SkipReport[] } {
  const cap = Math.min(want, order.length);
  const buf = new Uint8Array(cap * FER_PIXELS);
  const picked: number[] = [];
  const skipped: SkipReport[] = [];
  const px = new Uint8Array(FER_PIXELS);
  const slotOf = new Map<number, number>();
  for (let k = 0; k < order.length && picked.length < cap; k++) {
    const idx = order[k];
    const reason = readFerImage(entries[idx].file, px);
    if (reason) {
      skipped.push({ source: entries[idx].file, reason });
      continue;
    }
    slotOf.set(idx, picked.length);
    buf.set(px, picked.length * FER_PIXELS);
    picked.push(idx);
  }
  // Return in dataset (list) order, independent of the random order used to pick.
  if (picked.every((v, i) => i === 0 || picked[i - 1] < v)) {
    const labels = Int32Array.from(picked, (idx) => entries[idx].label);
    return { data: picked.length === cap ? buf : buf.slice(0, picked.length * FER_PIXELS), labels, sources: picked.map((idx) => entries[idx].file), skipped };
  }
  const sorted = [...picked].sort((a, b) => a - b);
  const data = new Uint8Array(sorted.length * FER_PIXELS);
  const labels = new Int32Array(sorted.length);
  const sources: string[] = [];
  sorted.forEach((idx, i) => {
    const s = slotOf.get(idx)! * FER_PIXELS;
    data.set(buf.subarray(s, s + FER_PIXELS), i * FER_PIXELS);
    labels[i] = entries[idx].label;
    sources.push(entries[idx].file);
  });
  return { data, labels, sources, skipped };
}
