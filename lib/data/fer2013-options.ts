/** FER2013 splits, usages and emotion selections shared by the csv and image-folder readers. */
import { EMOTIONS, type Emotion } from './types';

/** The `Usage` values of fer2013.csv (and the file-name prefixes of the image-folder version). */
export const USAGES = ['Training', 'PublicTest', 'PrivateTest'] as const;
export type Usage = (typeof USAGES)[number];

/** 'train' = Training, 'test' = PublicTest + PrivateTest, 'all' = everything, or one Usage. */
export type Fer2013Split = 'train' | 'test' | Usage | 'all';
export const FER2013_SPLITS: readonly Fer2013Split[] = ['train', 'test', 'Training', 'PublicTest', 'PrivateTest', 'all'];

/** FER2013 images are 48 x 48 grayscale. */
export const FER_SIZE = 48;
export const FER_PIXELS = FER_SIZE * FER_SIZE;

/** Options of loadFer2013. */
export interface Fer2013Options {
  /** fer2013.csv, a folder holding it, or a folder holding train/ and test/ image folders. */
  path: string;
  /** Default 'train'. */
  split?: Fer2013Split;
  /** Only these emotions (default all 7). Labels stay the fer2013.csv indices (0 angry .. 6 neutral). */
  emotions?: Emotion[] | Emotion;
  /** A seeded random subset of this many images (not the first N). */
  limit?: number;
  /** Seed for `limit` (default 0). */
  seed?: number;
}

/** The usages a split selects. */
export function usagesOf(split: Fer2013Split): Set<Usage> {
  switch (split) {
    case 'train':
      return new Set(['Training']);
    case 'test':
      return new Set(['PublicTest', 'PrivateTest']);
    case 'all':
      return new Set(USAGES);
    default:
      if ((USAGES as readonly string[]).includes(split)) return new Set([split]);
      throw new Error(`loadFer2013: unknown split "${split}", expected one of ${FER2013_SPLITS.join(', ')}`);
  }
}

/** Validates `emotions` and returns the selected emotion indices. */
export function emotionIndices(emotions: Emotion[] | Emotion | undefined): Set<number> {
  if (emotions === undefined) return new Set(EMOTIONS.map((_, i) => i));
  const list = Array.isArray(emotions) ? emotions : [emotions];
  if (list.length === 0) throw new Error(`loadFer2013: emotions is empty; give one or more of ${EMOTIONS.join(', ')}`);
  const out = new Set<number>();
  for (const e of list) {
    const i = EMOTIONS.indexOf(e);
    if (i < 0) throw new Error(`loadFer2013: unknown emotion "${e}", expected one of ${EMOTIONS.join(', ')}`);
    out.add(i);
  }
  return out;
}

/** Emotion index for a folder name (case-insensitive), or -1. */
export function emotionFromName(name: string): number {
  return EMOTIONS.indexOf(name.toLowerCase() as Emotion);
}

/** A count table usage x emotion, for "what exists" in empty-selection errors. */
export type CountTable = Map<string, number[]>;

export function addCount(t: CountTable, group: string, emotion: number): void {
  let row = t.get(group);
  if (!row) t.set(group, (row = new Array(EMOTIONS.length).fill(0)));
  row[emotion]++;
}

/** "Training: angry 3995, disgust 436, ...; PublicTest: ..." */
export function formatCounts(t: CountTable): string {
  if (t.size === 0) return 'nothing';
  return [...t.entries()]
    .map(([g, row]) => `${g}: ${row.map((c, i) => `${EMOTIONS[i]} ${c}`).join(', ')}`)
    .join('; ');
}

/** Human-readable name of a selection, e.g. "fer2013 train/happy (100 of 7215, seed 0)". */
export function selectionName(split: Fer2013Split, emotions: Set<number>, limit: number | undefined, total: number, seed: number): string {
  const em = emotions.size === EMOTIONS.length ? '' : `/${[...emotions].sort((a, b) => a - b).map((i) => EMOTIONS[i]).join('+')}`;
  const lim = limit !== undefined && limit < total ? ` (${limit} of ${total}, seed ${seed})` : '';
  return `fer2013 ${split}${em}${lim}`;
}

/** What was selected, for error messages. */
export function describeSelection(split: Fer2013Split, emotions: Set<number>): string {
  return `split "${split}" (usage ${[...usagesOf(split)].join('+')}), emotions ${[...emotions].sort((a, b) => a - b).map((i) => EMOTIONS[i]).join(', ')}`;
}
