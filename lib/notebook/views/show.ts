/**
 * Showing things in a notebook cell: PNG/GIF/SVG images, charts (vega-lite rendered headlessly
 * to PNG, so JupyterLab and the saved notebook show the same picture), markdown, tables, and
 * live displays that update in place (a loss plot during training).
 */
import type * as vega from 'vega';
import { renderSvg, svgToPng, type ChartSpec } from '../../viz/charts';
import { displayBundle, newDisplayId } from '../runner/tslab';
import { REPO_ROOT } from '../../runs/versions';

/** Width and height of a PNG, from its header. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const sig = [0x89, 0x50, 0x4e, 0x47];
  if (png.length < 24 || !sig.every((b, i) => png[i] === b)) throw new Error('pngSize: not a PNG (bad signature)');
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}

/** Options of image displays. */
export interface ImageOptions {
  /** Text shown where images cannot be (and read by screen readers). */
  alt?: string;
  /** Displayed width in CSS px (e.g. half the pixel width for a 2x chart). */
  width?: number;
}

type Bundle = { data: Record<string, unknown>; metadata: Record<string, unknown> };

function imageBundle(mime: 'image/png' | 'image/gif', bytes: Uint8Array, opts: ImageOptions): Bundle {
  return {
    data: { [mime]: Buffer.from(bytes).toString('base64'), 'text/plain': opts.alt ?? `<${mime}>` },
    metadata: opts.width ? { [mime]: { width: Math.round(opts.width) } } : {},
  };
}

async function chartBundle(spec: ChartSpec | vega.Spec, opts: ImageOptions & { scale?: number } = {}): Promise<Bundle> {
  const scale = opts.scale ?? 2;
  const png = svgToPng(await renderSvg(spec), { scale });
  return imageBundle('image/png', png, { alt: opts.alt ?? 'chart', width: opts.width ?? pngSize(png).width / scale });
}

/** Shows a PNG image. */
export function showPng(png: Uint8Array, opts: ImageOptions = {}): void {
  const b = imageBundle('image/png', png, opts);
  displayBundle(b.data, b.metadata);
}

/**
 * Shows a GIF. The output also carries text/html (an `<img>` with the GIF as a data URI), because
 * nbconvert's HTML export and GitHub's notebook view render no image/gif output; JupyterLab shows
 * the HTML one (it ranks text/html first), so the animation plays everywhere.
 */
export function showGif(gif: Uint8Array, opts: ImageOptions = {}): void {
  const b = imageBundle('image/gif', gif, opts);
  const alt = (opts.alt ?? 'animation').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  const width = opts.width ? ` width="${Math.round(opts.width)}"` : '';
  b.data['text/html'] = `<img src="data:image/gif;base64,${b.data['image/gif'] as string}" alt="${alt}"${width}/>`;
  displayBundle(b.data, b.metadata);
}

/**
 * `text` with this checkout's absolute folder dropped from paths inside it (`/home/u/facegan/models/x` ->
 * `models/x`), so notebook outputs read the same on every clone and name no folder of the machine.
 */
export function checkoutRelative(text: string): string {
  const root = REPO_ROOT.replace(/\/+$/, '');
  if (root.length < 2) return text;
  return text.split(`${root}/`).join('');
}

/** Shows markdown text (paths inside the checkout relative to it). */
export function showMarkdown(md: string): void {
  md = checkoutRelative(md);
  displayBundle({ 'text/markdown': md, 'text/plain': md });
}

/** Renders a vega-lite (or vega) spec headlessly and shows it as a 2x PNG at its natural size. */
export async function showChart(spec: ChartSpec | vega.Spec, opts: ImageOptions = {}): Promise<void> {
  const b = await chartBundle(spec, opts);
  displayBundle(b.data, b.metadata);
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-US') : String(+v.toPrecision(4));
  return String(v);
}

/** A table as HTML and plain text (columns: the union of the rows' keys, in first-seen order). */
export function tableBundle(rows: readonly Record<string, unknown>[], title?: string): Record<string, string> {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const num = (c: string) => rows.every((r) => r[c] == null || typeof r[c] === 'number');
  const head = cols.map((c) => `<th style="text-align:${num(c) ? 'right' : 'left'}">${escapeHtml(c)}</th>`).join('');
  const body = rows
    .map((r) => `<tr>${cols.map((c) => `<td style="text-align:${num(c) ? 'right' : 'left'}">${escapeHtml(cellText(r[c]))}</td>`).join('')}</tr>`)
    .join('\n');
  const html = `${title ? `<p><b>${escapeHtml(title)}</b></p>\n` : ''}<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cellText(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => (num(cols[i]) ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ');
  const text = [title ?? '', line(cols), ...rows.map((r) => line(cols.map((c) => cellText(r[c]))))].filter((l) => l !== '').join('\n');
  return { 'text/html': html, 'text/plain': text };
}

/** Shows rows as a table. */
export function showTable(rows: readonly Record<string, unknown>[], title?: string): void {
  if (rows.length === 0) return showMarkdown(`*${title ? `${title}: ` : ''}no rows*`);
  displayBundle(tableBundle(rows, title));
}

/**
 * A display that updates in place (tslab's updatable display): the first call shows it, later
 * calls replace it, in JupyterLab while the cell runs and in the saved notebook.
 */
export class LiveDisplay {
  readonly id = newDisplayId();
  private shown = false;
  /** How many times it was drawn. */
  updates = 0;

  private send(b: Bundle): void {
    displayBundle(b.data, b.metadata, { displayId: this.id, update: this.shown });
    this.shown = true;
    this.updates += 1;
  }

  png(png: Uint8Array, opts: ImageOptions = {}): void {
    this.send(imageBundle('image/png', png, opts));
  }

  markdown(md: string): void {
    this.send({ data: { 'text/markdown': md, 'text/plain': md }, metadata: {} });
  }

  async chart(spec: ChartSpec | vega.Spec, opts: ImageOptions = {}): Promise<void> {
    this.send(await chartBundle(spec, opts));
  }
}
