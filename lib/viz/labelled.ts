/**
 * Pictures with text: image strips with a label under each image ("real | generated",
 * "epoch 1 | epoch 5 | ...") and grids with column/row headers (same-face grids: one row per
 * face, one column per emotion). Built as SVG with embedded PNG images, rendered by resvg.
 */
import { textWidth, svgFontFamily } from './fonts';
import { imageAt } from './grid';
import { pictureToPng } from './png';
import { upscaleNearest } from './resize';
import { escapeXml, svgToPng } from './svg';
import { ImageBatch, Picture, checkBatch, checkPicture } from './types';

/** Layout options shared by strips and labelled grids. */
export interface LabelledOptions {
  /** Integer upscaling of every image (nearest neighbour), default: the smallest factor making images at least 96 px tall (at most 8). */
  scale?: number;
  /** Pixels between cells and around the picture, default 8. */
  gap?: number;
  /** Label font size in px, default 13. */
  fontSize?: number;
  /** Optional title above everything (bold). */
  title?: string;
  /** Background colour, default white. */
  background?: string;
  /** Value range of float batches, default [-1, 1]. */
  range?: [number, number];
}

/** Options of `labelledGridSvg` / `labelledGridPng`. */
export interface LabelledGridOptions extends LabelledOptions {
  /** Images per row; default the number of column labels, else 8. */
  cols?: number;
  /** Header above each column (e.g. emotions). */
  colLabels?: readonly string[];
  /** Label left of each row (e.g. "face 1"). */
  rowLabels?: readonly string[];
  /** Label under each image, row-major. */
  cellLabels?: readonly string[];
}

type Images = ImageBatch | readonly Picture[];

function toPictures(images: Images, range?: [number, number]): Picture[] {
  if (Array.isArray(images)) {
    (images as readonly Picture[]).forEach((p, i) => checkPicture(p, `image ${i}`));
    return [...(images as readonly Picture[])];
  }
  const b = images as ImageBatch;
  checkBatch(b, 'labelled images');
  return Array.from({ length: b.n }, (_, i) => imageAt(b, i, range));
}

function autoScale(pics: Picture[]): number {
  const h = Math.max(...pics.map((p) => p.height));
  return Math.min(8, Math.max(1, Math.ceil(96 / h)));
}

function imageTag(p: Picture, x: number, y: number): string {
  const uri = `data:image/png;base64,${pictureToPng(p).toString('base64')}`;
  return `<image x="${x}" y="${y}" width="${p.width}" height="${p.height}" image-rendering="optimizeSpeed" xlink:href="${uri}"/>`;
}

function textTag(s: string, x: number, y: number, size: number, anchor: 'start' | 'middle' | 'end', bold = false): string {
  return (
    `<text x="${x}" y="${y}" font-family="${escapeXml(svgFontFamily())}" font-size="${size}"` +
    `${bold ? ' font-weight="bold"' : ''} text-anchor="${anchor}" fill="#222">${escapeXml(s)}</text>`
  );
}

function checkLabels(fn: string, what: string, labels: readonly string[] | undefined, want: number): void {
  if (labels && labels.length !== want) throw new Error(`${fn}: expected ${want} ${what}, got ${labels.length}`);
}

/**
 * SVG of images in a grid of `cols` columns with optional column headers, row labels and a
 * label under each image. Column widths and row heights fit their largest image and labels;
 * images are centred in their cell at integer positions, so a 1:1 render keeps pixels exact.
 */
export function labelledGridSvg(images: Images, opts: LabelledGridOptions = {}): string {
  const fn = 'labelledGrid';
  const pics0 = toPictures(images, opts.range);
  if (pics0.length === 0) throw new Error(`${fn}: expected at least one image, got none`);
  const scale = opts.scale ?? autoScale(pics0);
  const pics = pics0.map((p) => upscaleNearest(p, scale));
  const cols = Math.min(opts.cols ?? opts.colLabels?.length ?? 8, pics.length);
  if (!Number.isInteger(cols) || cols < 1) throw new Error(`${fn}: expected cols >= 1 (integer), got ${opts.cols}`);
  const rows = Math.ceil(pics.length / cols);
  checkLabels(fn, 'column labels (one per column)', opts.colLabels, cols);
  checkLabels(fn, 'row labels (one per row)', opts.rowLabels, rows);
  checkLabels(fn, 'cell labels (one per image)', opts.cellLabels, pics.length);
  const gap = opts.gap ?? 8;
  const fs = opts.fontSize ?? 13;
  const headFs = fs;
  const titleFs = Math.round(fs * 1.2);

  const colW = Array.from({ length: cols }, (_, c) => {
    let w = opts.colLabels ? textWidth(opts.colLabels[c], headFs, true) : 0;
    for (let i = c; i < pics.length; i += cols) {
      w = Math.max(w, pics[i].width, opts.cellLabels ? textWidth(opts.cellLabels[i], fs) : 0);
    }
    return Math.ceil(w);
  });
  const rowH = Array.from({ length: rows }, (_, r) => Math.max(...pics.slice(r * cols, (r + 1) * cols).map((p) => p.height)));
  const cellLabelH = opts.cellLabels ? Math.ceil(fs * 1.5) : 0;
  const headerH = opts.colLabels ? Math.ceil(headFs * 1.6) : 0;
  const titleH = opts.title ? Math.ceil(titleFs * 1.8) : 0;
  const rowLabelW = opts.rowLabels ? Math.ceil(Math.max(...opts.rowLabels.map((s) => textWidth(s, fs)))) + gap : 0;

  const x0 = gap + rowLabelW;
  const colX: number[] = [];
  colW.reduce((x, w, c) => ((colX[c] = x), x + w + gap), x0);
  const rowY: number[] = [];
  rowH.reduce((y, h, r) => ((rowY[r] = y), y + h + cellLabelH + gap), gap + titleH + headerH);
  const gridW = colX[cols - 1] + colW[cols - 1] + gap;
  const width = Math.ceil(Math.max(gridW, opts.title ? gap * 2 + textWidth(opts.title, titleFs, true) : 0));
  const height = rowY[rows - 1] + rowH[rows - 1] + cellLabelH + gap;

  const parts: string[] = [];
  parts.push(`<rect width="100%" height="100%" fill="${escapeXml(opts.background ?? 'white')}"/>`);
  if (opts.title) parts.push(textTag(opts.title, gap, gap + titleFs, titleFs, 'start', true));
  if (opts.colLabels) {
    const y = gap + titleH + Math.round(headFs * 1.1);
    opts.colLabels.forEach((s, c) => parts.push(textTag(s, colX[c] + colW[c] / 2, y, headFs, 'middle', true)));
  }
  pics.forEach((p, i) => {
    const r = Math.floor(i / cols);
    const c = i % cols;
    const x = colX[c] + Math.floor((colW[c] - p.width) / 2);
    const y = rowY[r] + Math.floor((rowH[r] - p.height) / 2);
    parts.push(imageTag(p, x, y));
    if (opts.cellLabels) parts.push(textTag(opts.cellLabels[i], colX[c] + colW[c] / 2, rowY[r] + rowH[r] + Math.round(fs * 1.2), fs, 'middle'));
  });
  if (opts.rowLabels) {
    opts.rowLabels.forEach((s, r) => parts.push(textTag(s, x0 - gap, Math.round(rowY[r] + rowH[r] / 2 + fs * 0.35), fs, 'end')));
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ` +
    `width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg>`
  );
}

/** `labelledGridSvg` rendered to PNG at 1:1 (image pixels kept exactly). */
export function labelledGridPng(images: Images, opts: LabelledGridOptions = {}): Buffer {
  return svgToPng(labelledGridSvg(images, opts));
}

/** SVG of one row of images with an optional label under each (images may differ in size). */
export function imageStripSvg(images: Images, labels?: readonly string[], opts: LabelledOptions = {}): string {
  const n = Array.isArray(images) ? images.length : (images as ImageBatch).n;
  checkLabels('imageStrip', 'labels (one per image)', labels, n);
  return labelledGridSvg(images, { ...opts, cols: Math.max(1, n), ...(labels ? { cellLabels: labels } : {}) });
}

/** A row of images with text labels underneath, as PNG, e.g. `imageStrip([real, fake], ['real', 'generated'])`. */
export function imageStrip(images: Images, labels?: readonly string[], opts: LabelledOptions = {}): Buffer {
  return svgToPng(imageStripSvg(images, labels, opts));
}
