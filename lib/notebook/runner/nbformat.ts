/**
 * The Jupyter notebook format (nbformat 4.5) as plain data: types, reading with clear errors,
 * and writing the way Jupyter does (sorted keys, one-space indent, multi-line strings as lists of
 * lines), so a notebook written here diffs cleanly against one saved by JupyterLab.
 */
import * as fs from 'fs';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { writeFileAtomic } from '../../io/files';

/** A string, or the list of lines Jupyter splits it into. */
export type MultilineString = string | string[];

/** One output of a code cell. */
export type Output =
  | { output_type: 'stream'; name: 'stdout' | 'stderr'; text: MultilineString }
  | { output_type: 'display_data'; data: MimeBundle; metadata: Record<string, unknown> }
  | { output_type: 'execute_result'; data: MimeBundle; metadata: Record<string, unknown>; execution_count: number | null }
  | { output_type: 'error'; ename: string; evalue: string; traceback: string[] };

/** Data by MIME type: text (possibly split in lines), base64 images, or JSON for `+json` types. */
export type MimeBundle = Record<string, unknown>;

export interface CellMetadata {
  tags?: string[];
  [key: string]: unknown;
}

export interface CodeCell {
  cell_type: 'code';
  id: string;
  source: MultilineString;
  metadata: CellMetadata;
  outputs: Output[];
  execution_count: number | null;
}

export interface TextCell {
  cell_type: 'markdown' | 'raw';
  id: string;
  source: MultilineString;
  metadata: CellMetadata;
  attachments?: Record<string, MimeBundle>;
}

export type Cell = CodeCell | TextCell;

export interface Notebook {
  nbformat: 4;
  nbformat_minor: number;
  metadata: Record<string, unknown> & {
    kernelspec?: { name: string; display_name: string; language?: string };
    language_info?: Record<string, unknown>;
  };
  cells: Cell[];
}

/** The kernelspec of tslab's TypeScript kernel (as `tslab install` registers it). */
export const TSLAB_KERNELSPEC = { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } as const;

/** A new random cell id, like nbformat's `random_cell_id()` (8 hex digits). */
export function newCellId(): string {
  return randomBytes(4).toString('hex');
}

/** The text of a cell source or stream (joining a list of lines). */
export function joinText(s: MultilineString | undefined): string {
  return Array.isArray(s) ? s.join('') : (s ?? '');
}

/** A new code cell (no outputs) with the given source and tags. */
export function newCodeCell(source: string, tags: string[] = []): CodeCell {
  return {
    cell_type: 'code',
    id: newCellId(),
    source,
    metadata: tags.length ? { tags } : {},
    outputs: [],
    execution_count: null,
  };
}

/** A new markdown cell with the given source and tags. */
export function newMarkdownCell(source: string, tags: string[] = []): TextCell {
  return { cell_type: 'markdown', id: newCellId(), source, metadata: tags.length ? { tags } : {} };
}

/** The cell's tags (empty when none). */
export function cellTags(cell: Cell): string[] {
  const t = cell.metadata?.tags;
  return Array.isArray(t) ? t.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * Parses notebook JSON (nbformat 4). Older minor versions are upgraded to 4.5 by giving cells
 * ids; nbformat 3 and other structures are errors naming `file`.
 */
export function parseNotebook(text: string, file = 'notebook'): Notebook {
  let nb: Notebook;
  try {
    nb = JSON.parse(text) as Notebook;
  } catch (e) {
    throw new Error(`${file}: not a notebook: invalid JSON (${(e as Error).message})`);
  }
  if (!nb || typeof nb !== 'object' || Array.isArray(nb)) throw new Error(`${file}: not a notebook: expected a JSON object`);
  if (nb.nbformat !== 4) {
    throw new Error(`${file}: expected nbformat 4, got ${JSON.stringify(nb.nbformat)} (convert it with \`jupyter nbconvert --to notebook\`)`);
  }
  if (!Array.isArray(nb.cells)) throw new Error(`${file}: expected "cells" to be a list`);
  nb.metadata = nb.metadata && typeof nb.metadata === 'object' ? nb.metadata : {};
  const seen = new Set<string>();
  nb.cells.forEach((c, i) => {
    if (!c || !['code', 'markdown', 'raw'].includes(c.cell_type)) {
      throw new Error(`${file}: cell ${i + 1}: expected cell_type code, markdown or raw, got ${JSON.stringify(c?.cell_type)}`);
    }
    c.metadata = c.metadata && typeof c.metadata === 'object' ? c.metadata : {};
    if (typeof c.id !== 'string' || c.id === '' || seen.has(c.id)) c.id = newCellId();
    seen.add(c.id);
    if (c.cell_type === 'code') {
      c.outputs = Array.isArray(c.outputs) ? c.outputs : [];
      if (c.execution_count === undefined) c.execution_count = null;
    }
  });
  if ((nb.nbformat_minor ?? 0) < 5) nb.nbformat_minor = 5;
  return nb;
}

/** Reads a notebook file (see {@link parseNotebook}). */
export function readNotebook(file: string): Notebook {
  if (!fs.existsSync(file)) throw new Error(`${file}: no such notebook`);
  return parseNotebook(fs.readFileSync(file, 'utf8'), file);
}

/** Splits text into lines that keep their '\n' (Jupyter's storage form); '' stays ''. */
export function splitLines(s: string): string[] | string {
  if (s === '') return '';
  return s.split(/(?<=\n)/);
}

function isTextMime(mime: string): boolean {
  return mime.startsWith('text/') || mime === 'image/svg+xml';
}

/** Deep copy with multi-line strings split as Jupyter stores them and keys sorted. */
function toStorage(value: unknown, key: string | null, parentKey: string | null): unknown {
  if (typeof value === 'string') {
    const split = key === 'source' || (key === 'text' && parentKey === 'output') || (parentKey === 'data' && key !== null && isTextMime(key));
    return split ? splitLines(value) : value;
  }
  if (Array.isArray(value)) {
    // a list of lines stays as it is (already the storage form)
    if (key === 'outputs') return value.map((v) => toStorage(v, null, 'output'));
    if (key === 'cells') return value.map((v) => toStorage(v, null, 'cell'));
    return value.map((v) => toStorage(v, null, key));
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v === undefined) continue;
      // JSON payloads of +json MIME types are data: copy them as they are (only sort keys)
      if (key === 'data' && !isTextMime(k)) out[k] = v;
      else out[k] = toStorage(v, k, key ?? parentKey);
    }
    return out;
  }
  return value;
}

/** The notebook as Jupyter writes it: sorted keys, indent 1, text split in lines, trailing newline. */
export function serializeNotebook(nb: Notebook): string {
  return JSON.stringify(toStorage(nb, null, null), null, 1) + '\n';
}

/** Writes `nb` to `file` atomically (temporary file + rename), creating parent folders. */
export function writeNotebook(file: string, nb: Notebook): void {
  writeFileAtomic(path.resolve(file), serializeNotebook(nb));
}
