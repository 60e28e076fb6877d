/**
 * The project's one CSV reader: losses.csv (lib/viz/losses-csv.ts), fer2013.csv streamed line by
 * line (lib/data/fer2013-csv.ts) and the result tables (scripts/readme-tables.ts) all split fields
 * here. Writing goes through arquero's toCSV (the tables, the batch reports), whose quoting this
 * reads back: a field in double quotes may hold commas, line breaks and "" for a quote.
 *
 * csvText is that writer for rows of plain objects; csvRecord writes one record by the same rule, for
 * the logs that grow a line at a time (losses.csv, select.csv, the classifier's progress.csv), which
 * a table writer cannot append to.
 *
 * Not arquero's fromCSV because the readers need what it cannot give: the line of a bad record
 * (fromCSV drops extra fields, turns a blank line into a row of nulls and a short row into
 * undefined values without saying where) and a line-by-line stream for the 300 MB fer2013.csv.
 */

import * as aq from 'arquero';

/**
 * CSV text of `rows` under the header `columns` (in that order; written even with no rows), by
 * arquero's toCSV: null/undefined as an empty field, a value holding a comma, quote or line break
 * in double quotes with "" for a quote, a newline after every record.
 */
export function csvText<K extends string>(columns: readonly K[], rows: readonly { [k in K]?: unknown }[]): string {
  return aq.table(Object.fromEntries(columns.map((c) => [c, rows.map((r) => r[c] ?? null)]))).toCSV();
}

/**
 * One CSV record and its newline, quoted as csvText quotes (a field holding a comma, quote or line
 * break in double quotes, "" for a quote); numbers as String() writes them, so format them first.
 */
export function csvRecord(cells: readonly (string | number)[]): string {
  return cells.map((c) => (typeof c === 'string' && /[",\n\r]/.test(c) ? `"${c.replace(/"/g, '""')}"` : String(c))).join(',') + '\n';
}

/**
 * Fields of one CSV record written on one line. A line without double quotes is split at its
 * commas as it is (the fast path: fer2013.csv's rows hold 2304 pixels each); otherwise quoted
 * fields are unquoted. Throws when a quote is left open or text follows a closing quote.
 */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const fields: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    if (line.charCodeAt(i) === 34) {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) throw new Error('unterminated quoted field');
        value += line.slice(j, q);
        if (line.charCodeAt(q + 1) === 34) {
          value += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i < n && line.charCodeAt(i) !== 44) throw new Error(`text after a closing quote at column ${i + 1}`);
    } else {
      const c = line.indexOf(',', i);
      const end = c < 0 ? n : c;
      fields.push(line.slice(i, end));
      i = end;
    }
    if (i >= n) return fields;
    i++; // the comma
    if (i === n) {
      fields.push('');
      return fields;
    }
  }
}

/** A record of {@link parseCsv}: its fields, the line it starts on (1-based) and its text. */
export interface CsvRecord {
  line: number;
  fields: string[];
  text: string;
}

/** True when `s` leaves a double-quoted field open (an odd number of quotes). */
function opensQuote(s: string): boolean {
  let count = 0;
  for (let i = s.indexOf('"'); i >= 0; i = s.indexOf('"', i + 1)) count++;
  return count % 2 === 1;
}

/**
 * CSV text as its header (the first line, a byte-order mark removed) and records with their line
 * numbers. Blank lines are skipped; a quoted field may run over line breaks (the record then
 * spans those lines). Errors name `where:<line>`.
 */
export function parseCsv(text: string, where: string): { header: string[]; headerText: string; records: CsvRecord[] } {
  const lines = text.split(/\r?\n/);
  const headerText = lines[0].replace(/^\uFEFF/, '');
  const at = (line: number, f: () => string[]): string[] => {
    try {
      return f();
    } catch (e) {
      throw new Error(`${where}:${line}: ${(e as Error).message}`);
    }
  };
  const header = at(1, () => splitCsvLine(headerText));
  const records: CsvRecord[] = [];
  for (let li = 1; li < lines.length; li++) {
    if (lines[li].trim() === '') continue;
    const start = li;
    let record = lines[li];
    while (opensQuote(record) && li + 1 < lines.length) record += `\n${lines[++li]}`;
    records.push({ line: start + 1, fields: at(start + 1, () => splitCsvLine(record)), text: record });
  }
  return { header, headerText, records };
}

/**
 * parseCsv's records as objects keyed by the header's names: values as strings, an empty or
 * missing field null (what arquero's toCSV writes for null).
 */
export function csvObjects(text: string, where: string): Record<string, string | null>[] {
  const { header, records } = parseCsv(text, where);
  return records.map((r) => Object.fromEntries(header.map((h, k) => [h, r.fields[k] || null])));
}
