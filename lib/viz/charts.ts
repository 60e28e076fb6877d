/**
 * Charts without a browser: vega-lite spec -> vega (renderer 'none') -> SVG -> PNG (resvg).
 * Spec builders for the study's loss figure and generic bar/line charts for comparison notebooks.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import { downsampleIndices, smoothEma } from './downsample';
import { textWidth } from './fonts';
import { svgToPng } from './svg';
import { writeFileAtomic } from '../io/files';

export { svgToPng } from './svg';

/** A vega-lite specification (what the spec builders here return). */
export type ChartSpec = TopLevelSpec;

/** One row of a loss log, as needed for the loss chart (a `LossRow` from losses-csv fits). */
export interface LossPoint {
  iter: number;
  epoch: number;
  loss_d: number;
  loss_g: number;
}

/** Series names of the loss chart (as they appear in its legend). */
export const LOSS_SERIES = { g: 'Generator (G)', d: 'Discriminator (D)' } as const;

/** Default number of points drawn per series; longer series are reduced with `downsampleIndices`. */
export const DEFAULT_MAX_POINTS = 2000;

/** Shared look: readable fonts, no label truncation (vega's estimates would cut labels early). */
export const CHART_CONFIG = {
  padding: 10,
  axis: { labelFontSize: 12, titleFontSize: 13, titlePadding: 8, gridColor: '#e8e8e8' },
  legend: { labelFontSize: 12, titleFontSize: 12, labelLimit: 0, symbolStrokeWidth: 2.5, symbolOpacity: 1 },
  title: { fontSize: 15, subtitleFontSize: 11, subtitleColor: '#555', anchor: 'start', offset: 10 },
  view: { stroke: '#bbb' },
} as const;

type TextItem = { fontSize?: number; fontWeight?: string | number; limit?: number; text?: unknown };

/**
 * Vega measures text with a canvas, which node lacks; its fallback guesses 0.8 em per
 * character, which mis-centres titles and truncates legend labels. Measure with DejaVu
 * metrics instead (see fonts.ts). Installed once, on vega's shared `textMetrics`.
 */
function installTextMetrics(): void {
  const tm = (vega as unknown as { textMetrics?: { width: (item: TextItem, text?: unknown) => number } }).textMetrics;
  if (!tm) return; // unknown vega build: keep its estimate
  tm.width = (item: TextItem, text?: unknown): number => {
    const raw = text ?? item.text;
    const s = raw == null ? '' : String(raw).trim();
    const size = item.fontSize != null ? +item.fontSize || 0 : 11;
    const w = item.fontWeight;
    const bold = w === 'bold' || w === 'bolder' || (typeof w === 'number' && w >= 600) || (typeof w === 'string' && +w >= 600);
    const width = textWidth(s, size, bold);
    return item.limit && item.limit > 0 ? Math.min(width, item.limit) : width;
  };
}
installTextMetrics();

function isVegaSpec(spec: object): boolean {
  const schema = (spec as { $schema?: unknown }).$schema;
  if (typeof schema === 'string') return /\/vega\/v\d/.test(schema);
  return 'marks' in spec || 'signals' in spec;
}

/** Render a vega-lite (or plain vega) spec to an SVG string, headless. */
export async function renderSvg(spec: ChartSpec | vega.Spec): Promise<string> {
  const vgSpec = isVegaSpec(spec) ? (spec as vega.Spec) : vl.compile(spec as ChartSpec).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Options of `writeChart`. */
export interface WriteChartOptions {
  /** PNG zoom factor (the SVG keeps its own size), default 2 for crisp text. */
  scale?: number;
}

/**
 * Render `spec` and write `<basePath>.svg` and `<basePath>.png` (a trailing .svg/.png on
 * basePath is dropped; parent folders are created). Returns the two paths.
 */
export async function writeChart(
  spec: ChartSpec | vega.Spec,
  basePath: string,
  opts: WriteChartOptions = {},
): Promise<{ svg: string; png: string }> {
  const base = basePath.replace(/\.(svg|png)$/i, '');
  const svg = await renderSvg(spec);
  const png = svgToPng(svg, { scale: opts.scale ?? 2 });
  fs.mkdirSync(path.dirname(path.resolve(base)), { recursive: true });
  const out = { svg: `${base}.svg`, png: `${base}.png` };
  writeFileAtomic(out.svg, svg);
  writeFileAtomic(out.png, png);
  return out;
}

const round6 = (v: number): number => (Number.isFinite(v) ? +v.toPrecision(6) : NaN);

/** Options of `lossChartSpec`. */
export interface LossChartOptions {
  /** Chart title, default "Generator and Discriminator loss during training". */
  title?: string;
  /** EMA smoothing weight in [0, 1) (TensorBoard-style); > 0 draws smoothed lines over faded raw ones. */
  smooth?: number;
  /** Max points drawn per series, default 2000 (min/max envelope per bucket beyond that). */
  maxPoints?: number;
  /** Plot area size in px, default 640 x 320. */
  width?: number;
  height?: number;
  /** Fixed y range (losses outside are clipped), e.g. to cut off early spikes. */
  yDomain?: [number, number];
  /** Dashed rules at epoch starts when there are 2..30 epochs, default true. */
  epochRules?: boolean;
}

/**
 * The study's loss figure: G and D loss per iteration as two coloured lines with a legend,
 * x "iterations", y "loss". Rows are plotted in the given order; x is `iter` when it never
 * decreases, otherwise (iter counted per epoch) the row's position 1..n. Long logs (e.g. 50,000
 * iterations) are reduced to `maxPoints` per series keeping their min/max envelope.
 */
export function lossChartSpec(rows: readonly LossPoint[], opts: LossChartOptions = {}): ChartSpec {
  if (rows.length === 0) throw new Error('lossChartSpec: expected at least one loss row, got none');
  const smooth = opts.smooth ?? 0;
  if (!(smooth >= 0 && smooth < 1)) throw new Error(`lossChartSpec: expected smooth in [0, 1), got ${smooth}`);
  const maxPoints = opts.maxPoints ?? DEFAULT_MAX_POINTS;
  const monotonic = rows.every((r, i) => i === 0 || r.iter >= rows[i - 1].iter);
  const xs = rows.map((r, i) => (monotonic ? r.iter : i + 1));
  const values: { x: number; loss: number; series: string; kind: string }[] = [];
  let drawn = 0;
  for (const [name, ys] of [
    [LOSS_SERIES.g, rows.map((r) => r.loss_g)],
    [LOSS_SERIES.d, rows.map((r) => r.loss_d)],
  ] as const) {
    const raw = downsampleIndices(ys, maxPoints);
    drawn = Math.max(drawn, raw.length);
    for (const i of raw) values.push({ x: xs[i], loss: round6(ys[i]), series: name, kind: 'raw' });
    if (smooth > 0) {
      const sm = smoothEma(ys, smooth);
      for (const i of downsampleIndices(sm, maxPoints)) values.push({ x: xs[i], loss: round6(sm[i]), series: name, kind: 'smooth' });
    }
  }
  const epochStarts: { x: number }[] = [];
  for (let i = 1; i < rows.length; i++) if (rows[i].epoch !== rows[i - 1].epoch) epochStarts.push({ x: xs[i] });
  const rules = (opts.epochRules ?? true) && epochStarts.length >= 1 && epochStarts.length <= 29;

  const notes = [`${rows.length.toLocaleString('en-US')} iterations`];
  if (drawn < rows.length) notes.push(`min/max envelope of ${Math.floor(maxPoints / 4)} buckets`);
  if (smooth > 0) notes.push(`bold: EMA ${smooth}`);
  if (rules) notes.push('dashed: epoch starts');

  const x = {
    field: 'x',
    type: 'quantitative',
    title: 'iterations',
    scale: { domain: [xs[0], xs[xs.length - 1] === xs[0] ? xs[0] + 1 : xs[xs.length - 1]], nice: false },
    // 0, 5k, 10k ... for long runs (d3's "~s" would print "0k"), 1,200 for shorter ones
    axis:
      xs[xs.length - 1] - xs[0] <= 10
        ? { values: Array.from({ length: xs[xs.length - 1] - xs[0] + 2 }, (_, i) => xs[0] + i), format: 'd' }
        : Math.abs(xs[xs.length - 1]) >= 10_000
        ? { tickCount: 8, labelExpr: "datum.value == 0 ? '0' : format(datum.value / 1000, '~g') + 'k'" }
        : { tickCount: 8, tickMinStep: 1, format: ',d' },
  };
  const y = {
    field: 'loss',
    type: 'quantitative',
    title: 'loss',
    ...(opts.yDomain ? { scale: { domain: opts.yDomain } } : {}),
  };
  const color = {
    field: 'series',
    type: 'nominal',
    scale: { domain: [LOSS_SERIES.g, LOSS_SERIES.d], range: ['#1f77b4', '#ff7f0e'] },
    legend: { title: null, orient: 'top', direction: 'horizontal', symbolType: 'stroke' },
  };
  const line = (kind: string, strokeWidth: number, opacity: number): object => ({
    transform: [{ filter: `datum.kind === '${kind}'` }],
    mark: { type: 'line', strokeWidth, opacity, clip: true, interpolate: 'linear' },
    encoding: { x, y, color },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: opts.title ?? 'Generator and Discriminator loss during training', subtitle: notes.join(' · ') },
    width: opts.width ?? 640,
    height: opts.height ?? 320,
    config: CHART_CONFIG,
    data: { values },
    layer: [
      ...(rules
        ? [
            {
              data: { values: epochStarts },
              mark: { type: 'rule', color: '#b5b5b5', strokeDash: [4, 4], strokeWidth: 1 },
              encoding: { x: { field: 'x', type: 'quantitative' } },
            },
          ]
        : []),
      line('raw', 1, smooth > 0 ? 0.3 : 0.9),
      ...(smooth > 0 ? [line('smooth', 2, 1)] : []),
    ],
  } as unknown as ChartSpec;
}

/** Options shared by `barChartSpec` and `lineChartSpec`. */
export interface XYChartOptions {
  /** Field on the x axis. */
  x: string;
  /** Field on the y axis (numbers). */
  y: string;
  /** Optional field splitting rows into coloured series / grouped bars. */
  color?: string;
  title?: string;
  /** Axis titles, default the field names. */
  xTitle?: string;
  yTitle?: string;
  /** Plot area size in px (default: line 560 x 300; bar sized by the number of bars). */
  width?: number;
  height?: number;
}

type Row = Record<string, unknown>;

function checkFields(fn: string, rows: readonly Row[], fields: (string | undefined)[]): void {
  if (rows.length === 0) throw new Error(`${fn}: expected at least one row, got none`);
  const have = new Set(Object.keys(rows[0]));
  for (const f of fields) {
    if (f !== undefined && !rows.some((r) => f in r)) {
      throw new Error(`${fn}: field "${f}" is in no row (fields of the first row: ${[...have].join(', ')})`);
    }
  }
}

function isNumeric(rows: readonly Row[], field: string): boolean {
  return rows.every((r) => r[field] == null || typeof r[field] === 'number');
}

function distinct(rows: readonly Row[], field: string): unknown[] {
  return [...new Set(rows.map((r) => r[field]))];
}

/**
 * Bar chart, one bar per row (x categorical, in the given order, y numeric); with `color`, bars
 * of the same x are grouped side by side per colour. Values are printed on the bars when there
 * are at most 40 of them.
 */
export function barChartSpec(rows: readonly Row[], opts: XYChartOptions & { labels?: boolean }): ChartSpec {
  checkFields('barChartSpec', rows, [opts.x, opts.y, opts.color]);
  if (!isNumeric(rows, opts.y)) throw new Error(`barChartSpec: expected numbers in y field "${opts.y}"`);
  const cats = distinct(rows, opts.x).map(String);
  const groups = opts.color ? distinct(rows, opts.color).length : 1;
  const labels = opts.labels ?? rows.length <= 40;
  // value labels: whole numbers as they are with thousands separators (7,215), others to 3 significant digits
  const ys = rows.map((r) => r[opts.y]).filter((v): v is number => typeof v === 'number');
  const whole = ys.every((v) => Number.isInteger(v));
  const format = whole ? ',d' : ',.3~r';
  const shown = (v: number) => (whole ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { maximumSignificantDigits: 3 }));
  // each bar at least as wide as its label, so that labels of neighbouring bars do not overlap
  const labelWidth = labels && ys.length ? Math.max(...ys.map((v) => textWidth(shown(v), 10))) + 4 : 0;
  const band = Math.max(16, Math.min(60, 36 * groups), groups * labelWidth);
  const width = opts.width ?? Math.max(200, cats.length * band);
  const longest = Math.max(...cats.map((c) => textWidth(c, 12)));
  const labelAngle = longest > width / cats.length - 4 ? -35 : 0;
  const x = {
    field: opts.x,
    type: 'nominal',
    sort: null,
    title: opts.xTitle ?? opts.x,
    axis: { labelAngle, labelAlign: labelAngle ? 'right' : 'center', labelLimit: 0 },
  };
  const y = { field: opts.y, type: 'quantitative', title: opts.yTitle ?? opts.y };
  const colorEnc = opts.color
    ? {
        color: { field: opts.color, type: 'nominal', sort: null, legend: { title: opts.color } },
        xOffset: { field: opts.color, type: 'nominal', sort: null },
      }
    : {};
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...(opts.title ? { title: opts.title } : {}),
    width,
    height: opts.height ?? 280,
    config: CHART_CONFIG,
    data: { values: rows.map((r) => ({ ...r })) },
    encoding: { x, y, ...colorEnc },
    layer: [
      { mark: { type: 'bar', ...(opts.color ? {} : { color: '#4c78a8' }) } },
      ...(labels
        ? [{ mark: { type: 'text', dy: -6, fontSize: 10, color: '#333' }, encoding: { text: { field: opts.y, type: 'quantitative', format } } }]
        : []),
    ],
  } as unknown as ChartSpec;
}

/**
 * Line chart of y over x, one coloured line per `color` value (legend in first-seen order).
 * Series longer than `maxPoints` (default 2000) are reduced keeping their min/max envelope;
 * series of at most 30 points also show their points.
 */
export function lineChartSpec(rows: readonly Row[], opts: XYChartOptions & { maxPoints?: number }): ChartSpec {
  checkFields('lineChartSpec', rows, [opts.x, opts.y, opts.color]);
  if (!isNumeric(rows, opts.y)) throw new Error(`lineChartSpec: expected numbers in y field "${opts.y}"`);
  const maxPoints = opts.maxPoints ?? DEFAULT_MAX_POINTS;
  const groups = new Map<unknown, Row[]>();
  for (const r of rows) {
    const k = opts.color ? r[opts.color] : '';
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  const values: Row[] = [];
  let longest = 0;
  for (const g of groups.values()) {
    longest = Math.max(longest, g.length);
    const ys = g.map((r) => (typeof r[opts.y] === 'number' ? (r[opts.y] as number) : NaN));
    for (const i of downsampleIndices(ys, Math.max(4, maxPoints))) values.push({ ...g[i] });
  }
  const xType = isNumeric(rows, opts.x) ? 'quantitative' : 'ordinal';
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...(opts.title ? { title: opts.title } : {}),
    width: opts.width ?? 560,
    height: opts.height ?? 300,
    config: CHART_CONFIG,
    data: { values },
    mark: { type: 'line', point: longest <= 30, strokeWidth: 2, clip: true },
    encoding: {
      x: { field: opts.x, type: xType, title: opts.xTitle ?? opts.x, ...(xType === 'ordinal' ? { sort: null } : {}) },
      y: { field: opts.y, type: 'quantitative', title: opts.yTitle ?? opts.y },
      ...(opts.color
        ? { color: { field: opts.color, type: 'nominal', sort: null, legend: { title: opts.color } } }
        : {}),
    },
  } as unknown as ChartSpec;
}

/**
 * Small multiples: one bar chart per value of `facet` (its title the facet value), `columns` per
 * row, each with its own y scale; bars of the same x grouped side by side by `color`.
 */
export function facetedBarChartSpec(rows: readonly Row[], opts: XYChartOptions & { facet: string; columns?: number }): ChartSpec {
  checkFields('facetedBarChartSpec', rows, [opts.facet, opts.x, opts.y, opts.color]);
  if (!isNumeric(rows, opts.y)) throw new Error(`facetedBarChartSpec: expected numbers in y field "${opts.y}"`);
  const cats = distinct(rows, opts.x).map(String);
  const groups = opts.color ? distinct(rows, opts.color).length : 1;
  const longest = Math.max(...cats.map((c) => textWidth(c, 11)));
  const width = opts.width ?? Math.max(160, cats.length * Math.max(14, 10 * groups));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    ...(opts.title ? { title: opts.title } : {}),
    config: { ...CHART_CONFIG, header: { labelFontSize: 13, labelFontWeight: 'bold', labelLimit: 0, title: null } },
    data: { values: rows.map((r) => ({ ...r })) },
    columns: opts.columns ?? 3,
    facet: { field: opts.facet, type: 'nominal', sort: distinct(rows, opts.facet).map(String), header: { title: null } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width,
      height: opts.height ?? 160,
      mark: { type: 'bar', ...(opts.color ? {} : { color: '#4c78a8' }) },
      encoding: {
        x: {
          field: opts.x, type: 'nominal', sort: null, title: opts.xTitle ?? null,
          axis: { labelAngle: longest > width / Math.max(1, cats.length) - 4 ? -40 : 0, labelAlign: 'right', labelLimit: 0, labelFontSize: 11 },
        },
        y: { field: opts.y, type: 'quantitative', title: opts.yTitle ?? null },
        ...(opts.color
          ? {
              color: { field: opts.color, type: 'nominal', sort: null, legend: { title: null, orient: 'top' } },
              xOffset: { field: opts.color, type: 'nominal', sort: null },
            }
          : {}),
      },
    },
  } as unknown as ChartSpec;
}
