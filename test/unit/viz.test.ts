import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as jpeg from 'jpeg-js';
import * as tf from '@tensorflow/tfjs';
import { decodePng, encodePng } from '../../lib/viz/png';
import { gridPng, gridSize, imageAt, imageGrid, tensorToImages, toBytes } from '../../lib/viz/grid';
import { labelledGridPng, imageStrip } from '../../lib/viz/labelled';
import {
  barChartSpec,
  lineChartSpec,
  lossChartSpec,
  renderSvg,
  svgToPng,
  writeChart,
  LOSS_SERIES,
  LossPoint,
} from '../../lib/viz/charts';
import { downsampleIndices, smoothEma } from '../../lib/viz/downsample';
import { animatedGif, GifFrame } from '../../lib/viz/gif';
import { readLossesCsv, writeLossPlot, LOSS_CSV_COLUMNS } from '../../lib/viz/losses-csv';
import { ImageBatch } from '../../lib/viz/types';
import { Rng } from '../../lib/rng';
import { SAMPLE_FER2013_DIR } from '../../lib/data/sample';

// ---------------------------------------------------------------------------------------------
// Real data: a few FER2013 faces (48x48 grayscale JPEGs) from the bundled sample, decoded with jpeg-js.

const FER = path.join(SAMPLE_FER2013_DIR, 'train');
const S = 48;

function ferFaces(emotion: string, count: number): Uint8Array[] {
  const dir = path.join(FER, emotion);
  return fs
    .readdirSync(dir)
    .sort()
    .slice(0, count)
    .map((f) => {
      const d = jpeg.decode(fs.readFileSync(path.join(dir, f)), { formatAsRGBA: false });
      assert.equal(d.width, S);
      const per = d.data.length / (S * S); // jpeg-js gives RGB for grayscale JPEGs
      const g = new Uint8Array(S * S);
      for (let i = 0; i < g.length; i++) g[i] = d.data[i * per];
      return g;
    });
}

function batchOf(images: Uint8Array[]): ImageBatch & { data: Uint8Array } {
  const data = new Uint8Array(images.length * S * S);
  images.forEach((g, i) => data.set(g, i * S * S));
  return { data, n: images.length, height: S, width: S, channels: 1 };
}

const faces = [...ferFaces('happy', 6), ...ferFaces('surprise', 4)]; // 10 faces
const gray = batchOf(faces);
/** Colour faces: R, G, B taken from three different real faces, so channels differ. */
const colour: ImageBatch & { data: Uint8Array } = (() => {
  const n = 3;
  const data = new Uint8Array(n * S * S * 3);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < S * S; p++) for (let c = 0; c < 3; c++) data[(i * S * S + p) * 3 + c] = faces[(i + c * 3) % faces.length][p];
  }
  return { data, n, height: S, width: S, channels: 3 };
})();

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facegan-viz-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function isPng(buf: Buffer): boolean {
  return buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
}

function svgSize(svg: string): { width: number; height: number } {
  const m = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  assert.ok(m, 'svg has width and height');
  return { width: +m[1], height: +m[2] };
}

// ---------------------------------------------------------------------------------------------
// Grids

test('grid size follows torchvision make_grid: nrow per row, padding between and around', () => {
  const g = imageGrid(gray); // 10 images, nrow 8, padding 2
  assert.deepEqual([g.width, g.height, g.channels], [8 * (S + 2) + 2, 2 * (S + 2) + 2, 1]);
  const g3 = imageGrid(gray, { nrow: 3, padding: 5 });
  assert.deepEqual([g3.width, g3.height], [3 * (S + 5) + 5, 4 * (S + 5) + 5]);
  const few = imageGrid({ ...gray, n: 3, data: gray.data.subarray(0, 3 * S * S) }); // fewer than nrow
  assert.deepEqual([few.width, few.height], [3 * (S + 2) + 2, S + 4]);
  assert.deepEqual(gridSize(10, S, S, 3, 5), { cols: 3, rows: 4, width: g3.width, height: g3.height });
  const none = imageGrid(gray, { nrow: 5, padding: 0 });
  assert.deepEqual([none.width, none.height], [5 * S, 2 * S]);
});

test('grid places every image at its cell and fills padding (and empty cells) with padValue', () => {
  const nrow = 4;
  const pad = 3;
  const g = imageGrid(gray, { nrow, padding: pad, padValue: 7 });
  for (let i = 0; i < gray.n; i++) {
    const x0 = pad + (i % nrow) * (S + pad);
    const y0 = pad + Math.floor(i / nrow) * (S + pad);
    for (let y = 0; y < S; y++) {
      const got = g.pixels.subarray((y0 + y) * g.width + x0, (y0 + y) * g.width + x0 + S);
      assert.deepEqual(got, faces[i].subarray(y * S, (y + 1) * S), `image ${i} row ${y}`);
    }
  }
  // Border, gaps and the two empty cells of the last row are padding.
  for (let x = 0; x < g.width; x++) assert.equal(g.pixels[x], 7);
  for (let y = 0; y < g.height; y++) assert.equal(g.pixels[y * g.width + pad + S], 7); // gap after column 0
  const emptyX = pad + 2 * (S + pad) + 10;
  const emptyY = pad + 2 * (S + pad) + 10;
  assert.equal(g.pixels[emptyY * g.width + emptyX], 7);
});

test('float images map [-1, 1] to bytes, clamp and round like torchvision', () => {
  const bytes = toBytes(Float32Array.from([-1, 0, 1, -3, 3, NaN, 0.5, -0.5]));
  assert.deepEqual([...bytes], [0, 128, 255, 0, 255, 0, 191, 64]); // round((v+1)*127.5)
  assert.deepEqual([...toBytes(Float32Array.from([0, 0.5, 1]), [0, 1])], [0, 128, 255]);
  assert.throws(() => toBytes(new Float32Array(1), [1, 1]), /range/);
  // Real faces scaled to [-1, 1] (as the data pipeline does) come back exactly.
  const floats = Float32Array.from(gray.data, (v) => v / 127.5 - 1);
  const g = imageGrid({ ...gray, data: floats });
  assert.deepEqual(g.pixels, imageGrid(gray).pixels);
});

test('colour grids keep RGB interleaved and encode as RGB PNG; grayscale stays 1 channel', () => {
  const g = imageGrid(colour, { nrow: 2, padValue: 255 });
  assert.equal(g.channels, 3);
  assert.deepEqual([g.width, g.height], [2 * (S + 2) + 2, 2 * (S + 2) + 2]);
  // image 1, pixel (y=5, x=9)
  const [x0, y0] = [2 + (S + 2), 2];
  for (let c = 0; c < 3; c++) {
    assert.equal(g.pixels[((y0 + 5) * g.width + x0 + 9) * 3 + c], colour.data[((S * S) + 5 * S + 9) * 3 + c]);
  }
  assert.deepEqual([...g.pixels.subarray(0, 3)], [255, 255, 255]);
  const dec = decodePng(gridPng(colour, { nrow: 2, padValue: 255 }));
  assert.equal(dec.channels, 3);
  assert.deepEqual(dec.pixels, g.pixels);
  assert.equal(decodePng(gridPng(gray)).channels, 1);
});

test('grid rejects malformed input with a message naming what was expected', () => {
  assert.throws(() => imageGrid({ ...gray, n: 11 }), /n\*height\*width\*channels/);
  assert.throws(() => imageGrid({ ...gray, channels: 2 as 1 }), /channels 1 \(grayscale\) or 3/);
  assert.throws(() => imageGrid(gray, { nrow: 0 }), /nrow/);
  assert.throws(() => imageGrid(gray, { padValue: 300 }), /padValue/);
});

test('tensorToImages reads an NHWC tensor in [-1, 1] into a float batch for the grid', async () => {
  const before = tf.memory().numTensors;
  const t = tf.tidy(() => tf.tensor4d(Float32Array.from(gray.data.subarray(0, 2 * S * S), (v) => v / 127.5 - 1), [2, S, S, 1]));
  const imgs = await tensorToImages(t);
  assert.deepEqual([imgs.n, imgs.height, imgs.width, imgs.channels], [2, S, S, 1]);
  assert.deepEqual(imageGrid(imgs, { padding: 0 }).pixels.subarray(0, S), faces[0].subarray(0, S));
  const bad = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D;
  await assert.rejects(() => tensorToImages(bad), /1 or 3 channels/);
  tf.dispose([t, bad]);
  assert.equal(tf.memory().numTensors, before);
});

// ---------------------------------------------------------------------------------------------
// PNG

test('PNG round-trips gray, RGB and RGBA pixels exactly and rejects non-PNG input', () => {
  const rgba = new Uint8Array(S * S * 4);
  for (let p = 0; p < S * S; p++) {
    rgba.set([faces[0][p], faces[1][p], faces[2][p], faces[3][p]], p * 4);
  }
  for (const [px, ch] of [
    [faces[4], 1],
    [colour.data.subarray(0, S * S * 3), 3],
    [rgba, 4],
  ] as const) {
    const buf = encodePng(px, S, S, ch);
    assert.ok(isPng(buf));
    const d = decodePng(buf);
    assert.deepEqual([d.width, d.height, d.channels], [S, S, ch]);
    assert.deepEqual(d.pixels, new Uint8Array(px));
  }
  assert.throws(() => decodePng(Buffer.from('GIF89a not a png')), /not a PNG/);
  assert.throws(() => encodePng(faces[0], S, S + 1, 1), /pixel values/);
});

// ---------------------------------------------------------------------------------------------
// Labelled strips and grids (SVG with embedded PNGs, rendered by resvg)

test('labelled grid keeps image pixels exact at their computed positions', () => {
  const gap = 8;
  const png = labelledGridPng(gray, { cols: 5, gap, scale: 1 });
  const d = decodePng(png);
  assert.deepEqual([d.width, d.height], [gap + 5 * (S + gap), gap + 2 * (S + gap)]);
  for (const i of [0, 4, 7]) {
    const x0 = gap + (i % 5) * (S + gap);
    const y0 = gap + Math.floor(i / 5) * (S + gap);
    for (const [x, y] of [[0, 0], [17, 23], [S - 1, S - 1]]) {
      const p = ((y0 + y) * d.width + x0 + x) * d.channels;
      assert.equal(d.pixels[p], faces[i][y * S + x], `image ${i} at (${x}, ${y})`);
      if (d.channels >= 3) assert.equal(d.pixels[p + 1], faces[i][y * S + x]);
    }
  }
  assert.equal(d.channels, 1, 'an opaque all-gray picture is written as a gray PNG (a quarter of the RGBA bytes)');
  // scale 2: each source pixel becomes a 2x2 block
  const d2 = decodePng(labelledGridPng(gray, { cols: 5, gap, scale: 2 }));
  const v = faces[0][3 * S + 4];
  for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
    assert.equal(d2.pixels[((gap + 6 + dy) * d2.width + gap + 8 + dx) * d2.channels], v);
  }
});

function darkPixels(d: { pixels: Uint8Array; width: number; channels: number }, x0: number, y0: number, x1: number, y1: number): number {
  let n = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (d.pixels[(y * d.width + x) * d.channels] < 128) n++;
  return n;
}

test('image strip draws a text label under each image (a font is found and used)', () => {
  const imgs = [imageAt(gray, 0), imageAt(colour, 1)];
  const plain = decodePng(imageStrip(imgs, undefined, { scale: 2 }));
  const labelled = decodePng(imageStrip(imgs, ['real', 'generated at epoch 25'], { scale: 2 }));
  assert.ok(labelled.height > plain.height, 'labels add a text line');
  assert.ok(labelled.width > plain.width, 'a long label widens its column');
  // The band under the images holds the labels' dark text pixels.
  const textBand = [8 + 2 * S, labelled.height - 2] as const;
  assert.ok(darkPixels(labelled, 0, textBand[0], labelled.width, textBand[1]) > 30, 'label text is rendered');
  assert.throws(() => imageStrip(imgs, ['only one']), /expected 2 labels/);
});

test('same-face grid with emotion column headers and row labels', () => {
  const png = labelledGridPng(gray, {
    cols: 5,
    colLabels: ['angry', 'happy', 'sad', 'surprise', 'neutral'],
    rowLabels: ['face 1', 'face 2'],
    title: 'Same face, five emotions',
  });
  const d = decodePng(png);
  assert.ok(isPng(png));
  const noLabels = decodePng(labelledGridPng(gray, { cols: 5 }));
  assert.ok(d.width > noLabels.width && d.height > noLabels.height);
  assert.ok(darkPixels(d, 0, 0, d.width, 40) > 50, 'title and headers are drawn above the images');
  assert.throws(() => labelledGridPng(gray, { cols: 5, rowLabels: ['only one'] }), /2 row labels/);
});

// ---------------------------------------------------------------------------------------------
// Charts

function fakeLosses(n: number, epochs: number, seed = 3): LossPoint[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => ({
    epoch: Math.floor((i * epochs) / n),
    iter: i,
    loss_d: Math.abs(0.7 + 0.2 * rng.normal()),
    loss_g: Math.abs(2 + 4 * Math.exp((-10 * i) / n) + 0.8 * rng.normal()),
  }));
}

test('loss chart renders to SVG with both series and axis titles, and to a PNG of the right size', async () => {
  const rows = fakeLosses(300, 3);
  const svg = await renderSvg(lossChartSpec(rows, { smooth: 0.9 }));
  for (const s of [LOSS_SERIES.g, LOSS_SERIES.d, 'iterations', 'loss']) assert.ok(svg.includes(`>${s}<`), `svg shows "${s}"`);
  const size = svgSize(svg);
  for (const scale of [1, 2]) {
    const png = svgToPng(svg, { scale });
    assert.ok(isPng(png));
    const d = decodePng(png);
    assert.deepEqual([d.width, d.height], [Math.round(size.width * scale), Math.round(size.height * scale)]);
  }
  const out = await writeChart(lossChartSpec(rows), path.join(tmp, 'charts', 'loss.png'));
  assert.deepEqual(out, { svg: path.join(tmp, 'charts', 'loss.svg'), png: path.join(tmp, 'charts', 'loss.png') });
  assert.ok(fs.readFileSync(out.svg, 'utf8').startsWith('<svg'));
  assert.ok(isPng(fs.readFileSync(out.png)));
});

test('a 50,000-iteration loss chart is downsampled, keeps its extremes and renders fast', async () => {
  const rows = fakeLosses(50_000, 20);
  rows[31_337].loss_g = 40; // a spike must survive downsampling
  const t0 = Date.now();
  const spec = lossChartSpec(rows, { maxPoints: 2000 }) as unknown as { data: { values: { loss: number; series: string }[] } };
  const g = spec.data.values.filter((v) => v.series === LOSS_SERIES.g);
  assert.ok(g.length <= 2000 && g.length > 1000, `G drawn with ${g.length} points`);
  assert.equal(Math.max(...g.map((v) => v.loss)), 40);
  assert.equal(Math.min(...g.map((v) => v.loss)), +Math.min(...rows.map((r) => r.loss_g)).toPrecision(6));
  const png = svgToPng(await renderSvg(spec as never), { scale: 1 });
  const ms = Date.now() - t0;
  assert.ok(isPng(png));
  assert.ok(ms < 10_000, `took ${ms} ms`);
});

test('loss chart uses row order when iter restarts every epoch', () => {
  const rows = fakeLosses(20, 2).map((r, i) => ({ ...r, iter: i % 10 }));
  const spec = lossChartSpec(rows) as unknown as { data: { values: { x: number }[] } };
  const xs = spec.data.values.map((v) => v.x);
  assert.equal(Math.max(...xs), 20);
  assert.throws(() => lossChartSpec([]), /at least one loss row/);
});

test('downsampling keeps first, last, min and max of every bucket; EMA smoothing is bias-corrected', () => {
  const rng = new Rng(9);
  const ys = Float64Array.from({ length: 10_001 }, () => rng.normal());
  const idx = downsampleIndices(ys, 400);
  assert.ok(idx.length <= 400);
  assert.equal(idx[0], 0);
  assert.equal(idx[idx.length - 1], ys.length - 1);
  assert.ok(idx.every((v, i) => i === 0 || v > idx[i - 1]), 'ascending, no duplicates');
  const picked = idx.map((i) => ys[i]);
  assert.equal(Math.max(...picked), Math.max(...ys));
  assert.equal(Math.min(...picked), Math.min(...ys));
  assert.deepEqual(downsampleIndices([1, 2, 3], 400), [0, 1, 2]);
  const sm = smoothEma([4, 4, 4, NaN, 4], 0.9);
  assert.deepEqual([...sm].map((v) => (Number.isNaN(v) ? 'NaN' : +v.toFixed(9))), [4, 4, 4, 'NaN', 4]);
});

test('bar and line chart helpers render categories, series and legends', async () => {
  const bars = ['celeba', 'fer-happy', 'fer-surprise'].flatMap((experiment, i) =>
    ['FID', 'KID'].map((metric, j) => ({ experiment, metric, value: 10 * (i + 1) + j })),
  );
  const barSvg = await renderSvg(barChartSpec(bars, { x: 'experiment', y: 'value', color: 'metric', title: 'Distances' }));
  for (const s of ['celeba', 'fer-surprise', 'FID', 'KID', 'Distances']) assert.ok(barSvg.includes(`>${s}<`), s);
  assert.throws(() => barChartSpec(bars, { x: 'experiment', y: 'nope' }), /field "nope"/);

  const lines: { epoch: number; run: string; fid: number }[] = [];
  for (const run of ['paper', 'ours']) for (let e = 1; e <= 3000; e++) lines.push({ epoch: e, run, fid: 100 / e + (run === 'ours' ? 1 : 0) });
  const spec = lineChartSpec(lines, { x: 'epoch', y: 'fid', color: 'run', maxPoints: 500 }) as unknown as { data: { values: unknown[] } };
  assert.ok(spec.data.values.length <= 1000, 'each series reduced to maxPoints');
  const lineSvg = await renderSvg(spec as never);
  for (const s of ['paper', 'ours', 'epoch', 'fid']) assert.ok(lineSvg.includes(`>${s}<`), s);
  assert.ok(isPng(svgToPng(lineSvg)));
});

// ---------------------------------------------------------------------------------------------
// GIF: walk the block structure and LZW-decode frames to check what was written.

interface GifInfo {
  width: number;
  height: number;
  loops: boolean;
  delays: number[];
  frames: Uint8Array[]; // RGB per frame
}

function lzwDecode(minSize: number, data: Uint8Array, npix: number): number[] {
  const clear = 1 << minSize;
  const eoi = clear + 1;
  let dict: number[][] = [];
  let size = minSize + 1;
  const reset = (): void => {
    dict = Array.from({ length: clear + 2 }, (_, i) => (i < clear ? [i] : []));
    size = minSize + 1;
  };
  reset();
  const out: number[] = [];
  let prev: number[] | null = null;
  let bit = 0;
  while (out.length < npix) {
    let code = 0;
    for (let b = 0; b < size; b++, bit++) code |= ((data[bit >> 3] >> (bit & 7)) & 1) << b;
    if (bit > data.length * 8) throw new Error('LZW data ran out');
    if (code === clear) {
      reset();
      prev = null;
      continue;
    }
    if (code === eoi) break;
    let entry: number[];
    if (code < dict.length) entry = dict[code];
    else if (code === dict.length && prev) entry = [...prev, prev[0]];
    else throw new Error(`bad LZW code ${code}`);
    out.push(...entry);
    if (prev) dict.push([...prev, entry[0]]);
    if (dict.length === 1 << size && size < 12) size++;
    prev = entry;
  }
  return out;
}

function readGif(buf: Buffer): GifInfo {
  assert.equal(buf.subarray(0, 6).toString('latin1'), 'GIF89a');
  const width = buf.readUInt16LE(6);
  const height = buf.readUInt16LE(8);
  let pos = 13;
  const table = (packed: number): number[][] => {
    const n = 2 << (packed & 7);
    const t = Array.from({ length: n }, (_, i) => [buf[pos + 3 * i], buf[pos + 3 * i + 1], buf[pos + 3 * i + 2]]);
    pos += 3 * n;
    return t;
  };
  const global = buf[10] & 0x80 ? table(buf[10]) : [];
  const subBlocks = (): Uint8Array => {
    const parts: Buffer[] = [];
    for (let len = buf[pos++]; len > 0; len = buf[pos++]) {
      parts.push(buf.subarray(pos, pos + len));
      pos += len;
    }
    return Buffer.concat(parts);
  };
  const info: GifInfo = { width, height, loops: false, delays: [], frames: [] };
  for (;;) {
    const b = buf[pos++];
    if (b === 0x3b) break;
    if (b === 0x21) {
      const label = buf[pos++];
      if (label === 0xf9) info.delays.push(buf.readUInt16LE(pos + 2) * 10);
      const body = subBlocks();
      if (label === 0xff && Buffer.from(body.subarray(0, 11)).toString('latin1') === 'NETSCAPE2.0') info.loops = true;
    } else if (b === 0x2c) {
      const w = buf.readUInt16LE(pos + 4);
      const h = buf.readUInt16LE(pos + 6);
      const packed = buf[pos + 8];
      pos += 9;
      const palette = packed & 0x80 ? table(packed) : global;
      const minSize = buf[pos++];
      const idx = lzwDecode(minSize, subBlocks(), w * h);
      assert.equal(idx.length, w * h, 'frame decodes to w*h pixels');
      info.frames.push(Uint8Array.from(idx.flatMap((i) => palette[i])));
    } else {
      throw new Error(`unexpected GIF block 0x${b?.toString(16)} at ${pos - 1}`);
    }
  }
  return info;
}

test('grayscale GIF: header, frame count, delay, loop flag, and exact pixels', () => {
  const frames: GifFrame[] = [0, 1, 2, 3, 4].map((i) => imageAt(gray, i));
  const info = readGif(animatedGif(frames, { delayMs: 250 }));
  assert.deepEqual([info.width, info.height], [S, S]);
  assert.equal(info.frames.length, 5);
  assert.deepEqual(info.delays, [250, 250, 250, 250, 250]);
  assert.equal(info.loops, true);
  info.frames.forEach((rgb, i) => {
    for (let p = 0; p < S * S; p++) if (rgb[p * 3] !== faces[i][p]) assert.fail(`frame ${i} pixel ${p}: ${rgb[p * 3]} != ${faces[i][p]}`);
  });
  assert.equal(readGif(animatedGif(frames.slice(0, 2), { loop: false })).loops, false);
  assert.throws(() => animatedGif([frames[0], { ...imageAt(colour, 0), width: S / 2, pixels: new Uint8Array((S / 2) * S * 3) }]), /frame 1: expected 48x48/);
  assert.throws(() => animatedGif([]), /at least one frame/);
});

test('colour GIF with a global or per-frame palette stays close to the input', () => {
  const grid = (k: number): GifFrame => imageGrid({ ...colour, n: k, data: colour.data.subarray(0, k * S * S * 3) });
  const frames = [grid(1), grid(1)].map((f, i) => (i === 0 ? f : { ...f, pixels: f.pixels.map((v) => 255 - v) }));
  for (const palette of ['global', 'per-frame'] as const) {
    const info = readGif(animatedGif(frames, { palette }));
    assert.equal(info.frames.length, 2);
    info.frames.forEach((rgb, i) => {
      let err = 0;
      for (let k = 0; k < rgb.length; k++) err += Math.abs(rgb[k] - frames[i].pixels[k]);
      assert.ok(err / rgb.length < 12, `${palette} frame ${i}: mean abs error ${(err / rgb.length).toFixed(1)}`);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// losses.csv

function writeCsv(dir: string, lines: string[]): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'losses.csv');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

test('readLossesCsv parses a run log (NaN kept, columns by name) and writeLossPlot draws it', async () => {
  const rows = fakeLosses(250, 2);
  const lines = [LOSS_CSV_COLUMNS.join(',')];
  rows.forEach((r, i) => lines.push([r.epoch, r.iter, r.loss_d.toPrecision(7), r.loss_g.toPrecision(7), 0.5, 0.4, 0.3, i * 0.1].join(',')));
  lines.push('1,250,NaN,NaN,NaN,NaN,NaN,25.1');
  const runDir = path.join(tmp, 'exp', 'run-1');
  const file = writeCsv(runDir, lines);
  const got = readLossesCsv(file);
  assert.equal(got.length, 251);
  assert.deepEqual(got[7], { epoch: 0, iter: 7, loss_d: +rows[7].loss_d.toPrecision(7), loss_g: +rows[7].loss_g.toPrecision(7), d_x: 0.5, d_g_z1: 0.4, d_g_z2: 0.3, seconds: +(7 * 0.1).toString() });
  assert.ok(Number.isNaN(got[250].loss_g));

  const reordered = writeCsv(path.join(tmp, 'reordered'), ['iter,epoch,loss_g,loss_d,d_x,d_g_z1,d_g_z2,seconds,extra', '5,1,2.5,0.5,1,1,1,3,x']);
  assert.deepEqual(readLossesCsv(reordered)[0], { epoch: 1, iter: 5, loss_d: 0.5, loss_g: 2.5, d_x: 1, d_g_z1: 1, d_g_z2: 1, seconds: 3 });

  const out = await writeLossPlot(runDir);
  assert.deepEqual(out, { svg: path.join(runDir, 'loss.svg'), png: path.join(runDir, 'loss.png') });
  const svg = fs.readFileSync(out.svg, 'utf8');
  assert.ok(svg.includes('exp/run-1') && svg.includes(LOSS_SERIES.g));
  const d = decodePng(fs.readFileSync(out.png));
  assert.deepEqual([d.width, d.height], [svgSize(svg).width * 2, svgSize(svg).height * 2]);
});

test('a bad losses.csv gives an error naming the file and line', async () => {
  const head = LOSS_CSV_COLUMNS.join(',');
  const dir = path.join(tmp, 'bad');
  let file = writeCsv(dir, [head, '0,0,1.2,3.4,0.5,0.4,0.3,0.1', '0,1,1.1,3.3,0.5,0.4,0.3,0.2', '0,2,abc,3.2,0.5,0.4,0.3,0.3']);
  assert.throws(() => readLossesCsv(file), (e: Error) => e.message.startsWith(`${file}:4: column loss_d is not a number: "abc"`));
  file = writeCsv(dir, [head, '0,0,1.2,3.4,0.5,0.4,0.3,0.1', '0,1,1.1,3.3']);
  assert.throws(() => readLossesCsv(file), new RegExp(`losses\\.csv:3: expected 8 comma-separated values .* got 4`));
  file = writeCsv(dir, [head, '0,0.5,1.2,3.4,0.5,0.4,0.3,0.1']);
  assert.throws(() => readLossesCsv(file), /losses\.csv:2: column iter must be an integer/);
  file = writeCsv(dir, [head, '0,1,,3.4,0.5,0.4,0.3,0.1']);
  assert.throws(() => readLossesCsv(file), /losses\.csv:2: column loss_d is not a number: ""/);
  file = writeCsv(dir, ['epoch,iter,loss_d,loss_g', '0,0,1,2']);
  assert.throws(() => readLossesCsv(file), /losses\.csv:1: header lacks column\(s\) d_x, d_g_z1, d_g_z2, seconds/);
  assert.throws(() => readLossesCsv(path.join(dir, 'missing.csv')), /cannot read .*missing\.csv/);
  writeCsv(dir, [head]);
  await assert.rejects(() => writeLossPlot(dir), /no loss rows yet/);
});
