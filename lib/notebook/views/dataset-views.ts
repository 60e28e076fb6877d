/**
 * The data tour (notebook 00): FER2013 image counts per emotion and split, sample faces per
 * emotion, and CelebA faces in colour next to their grayscale version (what experiment 3 compares).
 */
import * as fs from 'fs';
import * as path from 'path';
import { EMOTIONS, loadFer2013, loadCelebA, resolveFer2013, toGrayscale, USAGES, type ImageSet } from '../../data';
import { listFer2013Folder } from '../../data/fer2013-folder';
import { readFer2013Csv } from '../../data/fer2013-csv';
import type { CountTable } from '../../data/fer2013-options';
import { resolveDataPath } from '../../runs/dataset';
import { csvText } from '../../io/csv';
import { barChartSpec, labelledGridPng, imageAt, type Picture } from '../../viz';
import { showChart, showPng, showTable } from './show';

/** One count: images of `emotion` in `split` (Training, PublicTest, PrivateTest, or a folder). */
export interface FerCount {
  split: string;
  emotion: string;
  images: number;
}

/** The FER2013 folder or csv a notebook parameter means (null: $FACEGAN_FER2013, else the bundled sample). */
export function ferPath(dataDir?: string | null): string {
  return resolveDataPath({ kind: 'fer2013', split: 'train', emotions: 'all' }, dataDir ?? undefined).path;
}

/** The CelebA folder a notebook parameter means (null: $FACEGAN_CELEBA, else the bundled sample). */
export function celebaPath(dataDir?: string | null): string {
  return resolveDataPath({ kind: 'celeba', grayscale: false }, dataDir ?? undefined).path;
}

function countRows(t: CountTable): FerCount[] {
  const rows: FerCount[] = [];
  for (const [group, counts] of t) {
    // image folders group as "train/Training"; the csv by Usage alone
    const split = group.includes('/') ? group.slice(group.indexOf('/') + 1) : group;
    counts.forEach((n, i) => rows.push({ split, emotion: EMOTIONS[i], images: n }));
  }
  return rows;
}

/** Image counts per split (Usage) and emotion, from the image folders (file listing only) or the csv. */
export async function ferCounts(dataDir?: string | null): Promise<FerCount[]> {
  const src = resolveFer2013(ferPath(dataDir));
  if (src.kind === 'folder') return countRows(listFer2013Folder(src.path).counts);
  const rows = await readFer2013Csv(src.path, new Set(USAGES), new Set(EMOTIONS.map((_, i) => i)));
  return countRows(rows.counts);
}

/** Counts as a table: one row per emotion, a column per split, and the total. */
export function countsTable(counts: FerCount[]): Record<string, string | number>[] {
  const splits = [...new Set(counts.map((c) => c.split))];
  const rows = EMOTIONS.map((e) => {
    const row: Record<string, string | number> = { emotion: e };
    for (const s of splits) row[s] = counts.filter((c) => c.emotion === e && c.split === s).reduce((a, c) => a + c.images, 0);
    row.total = splits.reduce((a, s) => a + (row[s] as number), 0);
    return row;
  });
  const all: Record<string, string | number> = { emotion: 'all' };
  for (const k of [...splits, 'total']) all[k] = rows.reduce((a, r) => a + (r[k] as number), 0);
  return [...rows, all];
}

/** Shows the counts table and a grouped bar chart; writes counts.csv into `outDir` when given. */
export async function showFerCounts(dataDir?: string | null, outDir?: string | null): Promise<void> {
  const counts = await ferCounts(dataDir);
  const table = countsTable(counts);
  showTable(table, `FER2013 images per emotion and split (${ferPath(dataDir)})`);
  await showChart(barChartSpec(counts.map((c) => ({ ...c })), { x: 'emotion', y: 'images', color: 'split', title: 'FER2013 images per emotion and split' }), {
    alt: 'bar chart of FER2013 images per emotion and split',
  });
  if (outDir) {
    fs.mkdirSync(outDir, { recursive: true });
    const cols = Object.keys(table[0]);
    fs.writeFileSync(path.join(outDir, 'fer2013-counts.csv'), csvText(cols, table));
  }
}

function pictures(set: ImageSet): Picture[] {
  return Array.from({ length: set.n }, (_, i) => imageAt(set, i));
}

/** `perEmotion` seeded random training faces of every emotion, one row per emotion (PNG). */
export async function emotionSamplesPng(dataDir: string | null | undefined, perEmotion = 8, seed = 0): Promise<Buffer> {
  const p = ferPath(dataDir);
  const cells: Picture[] = [];
  for (const e of EMOTIONS) {
    const set = await loadFer2013({ path: p, split: 'train', emotions: [e], limit: perEmotion, seed });
    if (set.n < perEmotion) throw new Error(`${p}: only ${set.n} training faces of "${e}", expected at least ${perEmotion}`);
    cells.push(...pictures(set));
  }
  return labelledGridPng(cells, { cols: perEmotion, rowLabels: [...EMOTIONS], title: 'FER2013 training faces per emotion (48x48 gray)' });
}

/** `count` CelebA faces as the models see them (64x64 colour) above their BT.601 grayscale version (PNG). */
export async function colourVsGrayPng(dataDir: string | null | undefined, count = 8, seed = 0): Promise<Buffer> {
  const colour = await loadCelebA({ path: celebaPath(dataDir), size: 64, limit: count, seed });
  const gray = toGrayscale(colour);
  return labelledGridPng([...pictures(colour), ...pictures(gray)], {
    cols: colour.n,
    rowLabels: ['colour', 'grayscale'],
    title: 'CelebA 64x64: colour (experiment 1) and grayscale (experiment 3)',
  });
}

function saveAndShow(png: Buffer, outDir: string | null | undefined, name: string, alt: string): void {
  if (outDir) {
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, name), png);
  }
  showPng(png, { alt });
}

/** Shows sample faces per emotion (and saves emotion-samples.png into `outDir`). */
export async function showEmotionSamples(dataDir?: string | null, opts: { perEmotion?: number; seed?: number; outDir?: string | null } = {}): Promise<void> {
  saveAndShow(await emotionSamplesPng(dataDir, opts.perEmotion ?? 8, opts.seed ?? 0), opts.outDir, 'emotion-samples.png', 'FER2013 training faces, one row per emotion');
}

/** Shows CelebA colour vs grayscale (and saves colour-vs-gray.png into `outDir`). */
export async function showColourVsGray(dataDir?: string | null, opts: { count?: number; seed?: number; outDir?: string | null } = {}): Promise<void> {
  saveAndShow(await colourVsGrayPng(dataDir, opts.count ?? 8, opts.seed ?? 0), opts.outDir, 'colour-vs-gray.png', 'CelebA faces in colour and in grayscale');
}
