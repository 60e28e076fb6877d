/**
 * FER2013 loader: one entry point for both public forms of the dataset.
 *
 * - the original `fer2013.csv` (`emotion,pixels,Usage`), streamed line by line (fer2013-csv.ts);
 * - the image-folder form `train|test/<emotion>/*.jpg` (fer2013-folder.ts).
 *
 * `path` may be the csv file, a folder holding `fer2013.csv` (or Kaggle's `icml_face_data.csv`),
 * a folder holding `train/` and/or `test/`, or a folder holding `fer2013/` with either of those.
 * When a folder has both image folders and a csv, the image folders are used.
 *
 * Bad input (details in the two readers and docs/data.md): bad rows and bad image files are
 * skipped and counted in `ImageSet.skipped` (see formatSkips); a bad csv header, an unknown
 * emotion folder, an unknown split/emotion option, an empty selection, all inputs bad, or a
 * missing dataset path are errors that name the file and say what was expected.
 */
import * as fs from 'fs';
import * as path from 'path';
import { fer2013Missing } from './missing';
import { readFer2013Csv } from './fer2013-csv';
import { isDir, listFer2013Folder, readFer2013Files } from './fer2013-folder';
import {
  describeSelection,
  emotionIndices,
  FER_PIXELS,
  FER_SIZE,
  formatCounts,
  selectionName,
  usagesOf,
  type Fer2013Options,
  type Fer2013Split,
} from './fer2013-options';
import { assertSomeGood } from './skips';
import { checkLimit, seededOrder, seededSubset } from './subset';
import type { ImageSet } from './types';

export type { Fer2013Options, Fer2013Split } from './fer2013-options';

const CSV_NAMES = ['fer2013.csv', 'icml_face_data.csv'];

/** Where a FER2013 path points: a csv file or an image-folder root. */
export function resolveFer2013(p: string): { kind: 'csv' | 'folder'; path: string } {
  if (!p) throw fer2013Missing(String(p), 'no path given');
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    throw fer2013Missing(p, 'no such file or folder');
  }
  if (st.isFile()) return { kind: 'csv', path: p };
  const look = (dir: string): { kind: 'csv' | 'folder'; path: string } | null => {
    if (isDir(path.join(dir, 'train')) || isDir(path.join(dir, 'test'))) return { kind: 'folder', path: dir };
    for (const name of CSV_NAMES) {
      const f = path.join(dir, name);
      if (fs.existsSync(f)) return { kind: 'csv', path: f };
    }
    return null;
  };
  const found = look(p) ?? (isDir(path.join(p, 'fer2013')) ? look(path.join(p, 'fer2013')) : null);
  if (found) return found;
  throw fer2013Missing(p, 'the folder holds neither fer2013.csv nor train/ and test/ image folders');
}

/**
 * Loads FER2013 (48x48x1, labels = emotion index 0 angry .. 6 neutral) from the csv or the
 * image-folder form. `split` defaults to 'train'; `limit` takes a seeded random subset that is
 * stable for `seed` (default 0). Images come back in dataset order.
 */
export async function loadFer2013(opts: Fer2013Options): Promise<ImageSet> {
  if (!opts || typeof opts !== 'object') throw new Error('loadFer2013: expected options {path, split?, emotions?, limit?, seed?}');
  const split: Fer2013Split = opts.split ?? 'train';
  const usages = usagesOf(split);
  const emotions = emotionIndices(opts.emotions);
  const seed = opts.seed ?? 0;
  checkLimit(opts.limit, 'loadFer2013');
  const src = resolveFer2013(opts.path);
  const what = describeSelection(split, emotions);

  if (src.kind === 'csv') {
    const rows = await readFer2013Csv(src.path, usages, emotions);
    if (rows.pixels.length === 0) {
      const skipNote = rows.skipped.length ? ` (${rows.skipped.length} rows were skipped as bad)` : '';
      throw new Error(`${src.path}: the selection ${what} is empty${skipNote}; the csv has ${formatCounts(rows.counts)}`);
    }
    const total = rows.pixels.length;
    const pick = seededSubset(total, opts.limit, seed);
    const data = new Uint8Array(pick.length * FER_PIXELS);
    const labels = new Int32Array(pick.length);
    const sources: string[] = [];
    pick.forEach((r, i) => {
      data.set(rows.pixels[r], i * FER_PIXELS);
      labels[i] = rows.labels[r];
      sources.push(rows.sources[r]);
    });
    return {
      data, n: pick.length, height: FER_SIZE, width: FER_SIZE, channels: 1, labels, sources,
      skipped: rows.skipped, name: selectionName(split, emotions, opts.limit, total, seed),
    };
  }

  const { entries, counts } = listFer2013Folder(src.path);
  const cands: number[] = [];
  entries.forEach((e, i) => {
    if (!emotions.has(e.label)) return;
    const inSplit = split === 'train' ? e.folder === 'train' : split === 'test' ? e.folder === 'test' : split === 'all' || (e.usage !== undefined && usages.has(e.usage));
    if (inSplit) cands.push(i);
  });
  if (cands.length === 0) {
    throw new Error(`${src.path}: the selection ${what} is empty; the image folders have ${formatCounts(counts)}`);
  }
  const limited = opts.limit !== undefined && opts.limit < cands.length;
  const order = limited ? Array.from(seededOrder(cands.length, seed), (k) => cands[k]) : cands;
  const got = readFer2013Files(entries, order, limited ? opts.limit! : cands.length);
  assertSomeGood(got.labels.length, got.skipped, `${src.path} (${what})`);
  return {
    data: got.data, n: got.labels.length, height: FER_SIZE, width: FER_SIZE, channels: 1,
    labels: got.labels, sources: got.sources, skipped: got.skipped,
    name: selectionName(split, emotions, opts.limit, cands.length, seed),
  };
}
