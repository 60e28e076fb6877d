/**
 * FER2013 in its original csv form (Kaggle fer2013.csv: `emotion,pixels,Usage`, one 48x48 image
 * per row as 2304 space-separated 0..255 values), read line by line as a stream (the real file
 * is ~300 MB); fields split by lib/io/csv.ts (quoted fields, e.g. a quoted pixels column, are
 * unquoted).
 *
 * Bad input:
 * - missing/empty file or a header without the columns emotion, pixels, Usage: **error** naming
 *   the file and the header found (columns may be in any order, any case, with spaces, as in
 *   Kaggle's icml_face_data.csv);
 * - a row with the wrong number of columns, an emotion that is not 0..6, a Usage other than
 *   Training/PublicTest/PrivateTest, a pixel that is not an integer 0..255, or not exactly 2304
 *   pixels: **skipped and counted** in `skipped` as "<file>:line <n>" with the reason. Pixels are
 *   only parsed for rows in the selected split/emotions, so only those can be skipped for bad
 *   pixels; bad emotion/usage values are reported for every row;
 * - every row bad: **error**. Blank lines are ignored.
 */
import * as fs from 'fs';
import * as readline from 'readline';
import { splitCsvLine } from '../io/csv';
import { assertSomeGood } from './skips';
import { addCount, FER_PIXELS, USAGES, type CountTable, type Usage } from './fer2013-options';
import type { SkipReport } from './types';

/** Rows of a fer2013.csv that matched the selection. */
export interface Fer2013CsvRows {
  /** FER_PIXELS bytes per row. */
  pixels: Uint8Array[];
  labels: number[];
  sources: string[];
  skipped: SkipReport[];
  /** Rows with a valid emotion and usage, per usage x emotion (whether selected or not). */
  counts: CountTable;
}

/** Column positions from the header line; throws naming the file when one is missing. */
function parseHeader(file: string, line: string): { emotion: number; pixels: number; usage: number; columns: number } {
  let cols: string[];
  try {
    cols = splitCsvLine(line.replace(/^\uFEFF/, '')).map((c) => c.trim().replace(/^"|"$/g, '').toLowerCase());
  } catch (e) {
    throw new Error(`${file}: bad FER2013 csv header "${line.slice(0, 200)}": ${(e as Error).message}`);
  }
  const emotion = cols.indexOf('emotion');
  const pixels = cols.indexOf('pixels');
  const usage = cols.indexOf('usage');
  if (emotion < 0 || pixels < 0 || usage < 0) {
    throw new Error(
      `${file}: bad FER2013 csv header "${line.slice(0, 200)}": expected the columns emotion,pixels,Usage ` +
        '(the header line of Kaggle\'s fer2013.csv)',
    );
  }
  return { emotion, pixels, usage, columns: cols.length };
}

/**
 * Parses "p0 p1 ... p2303" into `out`. Returns null on success or the reason it is bad.
 * Hand-rolled for speed (35,887 rows x 2304 values).
 */
export function parsePixels(s: string, out: Uint8Array): string | null {
  let count = 0;
  let value = -1; // -1 = not inside a number
  const n = s.length;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? s.charCodeAt(i) : 32;
    if (c >= 48 && c <= 57) {
      value = value < 0 ? c - 48 : value * 10 + (c - 48);
      if (value > 255) return `pixel value out of range 0..255: pixel ${count + 1} is "${tokenAt(s, i)}"`;
    } else if (c === 32 || c === 9 || c === 34 /* quote */ || c === 13) {
      if (value >= 0) {
        if (count < out.length) out[count] = value;
        count++;
        value = -1;
      }
    } else {
      return `non-numeric pixel: pixel ${count + 1} is "${tokenAt(s, i)}"`;
    }
  }
  if (count !== out.length) return `wrong pixel count: ${count} values, expected ${out.length} (48x48)`;
  return null;
}

/** The whitespace-delimited token around position i (for error messages). */
function tokenAt(s: string, i: number): string {
  let a = i;
  let b = i;
  while (a > 0 && !/\s/.test(s[a - 1])) a--;
  while (b < s.length && !/\s/.test(s[b])) b++;
  return s.slice(a, Math.min(b, a + 20));
}

/**
 * Streams `file` and returns the rows whose Usage is in `usages` and emotion in `emotions`.
 */
export async function readFer2013Csv(file: string, usages: Set<Usage>, emotions: Set<number>): Promise<Fer2013CsvRows> {
  const stream = fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
  const out: Fer2013CsvRows = { pixels: [], labels: [], sources: [], skipped: [], counts: new Map() };
  let header: ReturnType<typeof parseHeader> | null = null;
  let lineNo = 0;
  let rows = 0;
  try {
    for await (const line of rl) {
      lineNo++;
      if (header === null) {
        if (line.trim() === '') throw new Error(`${file}: line 1 is empty, expected the FER2013 csv header emotion,pixels,Usage`);
        header = parseHeader(file, line);
        continue;
      }
      if (line.trim() === '') continue;
      rows++;
      const where = `${file}:line ${lineNo}`;
      let fields: string[];
      try {
        fields = splitCsvLine(line);
      } catch (e) {
        out.skipped.push({ source: where, reason: `not a csv row: ${(e as Error).message}` });
        continue;
      }
      if (fields.length !== header.columns) {
        out.skipped.push({ source: where, reason: `wrong number of columns: ${fields.length}, expected ${header.columns}` });
        continue;
      }
      const emText = fields[header.emotion].trim().replace(/^"|"$/g, '');
      const emotion = /^[0-9]$/.test(emText) ? Number(emText) : -1;
      if (emotion < 0 || emotion > 6) {
        out.skipped.push({ source: where, reason: `bad emotion value: "${emText.slice(0, 20)}", expected an integer 0..6` });
        continue;
      }
      const usage = fields[header.usage].trim().replace(/^"|"$/g, '') as Usage;
      if (!USAGES.includes(usage)) {
        out.skipped.push({ source: where, reason: `bad Usage value: "${usage.slice(0, 20)}", expected ${USAGES.join(', ')}` });
        continue;
      }
      addCount(out.counts, usage, emotion);
      if (!usages.has(usage) || !emotions.has(emotion)) continue;
      const px = new Uint8Array(FER_PIXELS);
      const bad = parsePixels(fields[header.pixels], px);
      if (bad) {
        out.skipped.push({ source: where, reason: bad });
        continue;
      }
      out.pixels.push(px);
      out.labels.push(emotion);
      out.sources.push(where);
    }
  } finally {
    rl.close();
    stream.destroy();
  }
  if (header === null) throw new Error(`${file}: empty file, expected a FER2013 csv with the header emotion,pixels,Usage`);
  // "every row bad": no row had valid values at all.
  let valid = 0;
  for (const row of out.counts.values()) for (const c of row) valid += c;
  assertSomeGood(valid - countPixelSkips(out.skipped), out.skipped, file);
  if (rows === 0) throw new Error(`${file}: the csv has a header but no data rows`);
  return out;
}

function countPixelSkips(skipped: SkipReport[]): number {
  return skipped.filter((s) => /^(wrong pixel count|non-numeric pixel|pixel value out of range)/.test(s.reason)).length;
}
