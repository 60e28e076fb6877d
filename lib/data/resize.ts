/**
 * Antialiased resizing that matches PyTorch's `transforms.Resize(size); transforms.CenterCrop(size)`
 * on PIL images: Pillow's BILINEAR resample, which widens the triangle filter by the
 * downscale factor (so it averages all covered input pixels, unlike plain bilinear sampling),
 * with Pillow's 22-bit fixed-point weights and uint8 rounding between the horizontal and the
 * vertical pass. Given the same decoded pixels the output equals Pillow's bit for bit; the JPEG
 * decoders themselves (jpeg-js vs libjpeg) can differ by a few grey levels.
 */
import type { DecodedImage } from './decode';

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

interface Coeffs {
  /** first input index per output index */
  start: Int32Array;
  /** number of input taps per output index */
  count: Int32Array;
  /** fixed-point weights, `ksize` slots per output index */
  weights: Int32Array;
  ksize: number;
}

function triangle(x: number): number {
  if (x < 0) x = -x;
  return x < 1 ? 1 - x : 0;
}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc for the bilinear filter (support 1). */
function coeffs(inSize: number, outSize: number, first: number, count: number): Coeffs {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = 1 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(count);
  const ntaps = new Int32Array(count);
  const weights = new Int32Array(count * ksize);
  const ss = 1 / filterscale;
  const tmp = new Float64Array(ksize);
  for (let o = 0; o < count; o++) {
    const xx = first + o;
    const center = (xx + 0.5) * scale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = triangle((x + xmin - center + 0.5) * ss);
      tmp[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const k = ww !== 0 ? tmp[x] / ww : tmp[x];
      weights[o * ksize + x] = k < 0 ? Math.trunc(-0.5 + k * ONE) : Math.trunc(0.5 + k * ONE);
    }
    start[o] = xmin;
    ntaps[o] = xmax;
  }
  return { start, count: ntaps, weights, ksize };
}

function clip8(v: number): number {
  const x = Math.floor(v / ONE);
  return x < 0 ? 0 : x > 255 ? 255 : x;
}

/** A rectangle of the resized image to keep. */
export interface CropBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Resizes `img` to outW x outH with Pillow's antialiased BILINEAR filter and returns only
 * `crop` of the result (default: all of it). Computing only the kept pixels gives exactly the
 * pixels that resizing everything and then cropping would.
 */
export function resizeBilinearAA(img: DecodedImage, outW: number, outH: number, crop?: CropBox): DecodedImage {
  const box = crop ?? { left: 0, top: 0, width: outW, height: outH };
  if (box.left < 0 || box.top < 0 || box.left + box.width > outW || box.top + box.height > outH || box.width <= 0 || box.height <= 0) {
    throw new Error(`resizeBilinearAA: crop ${JSON.stringify(box)} is outside the ${outW}x${outH} output`);
  }
  const C = img.channels;
  const src = img.data;
  const inW = img.width;
  const inH = img.height;
  const hc = coeffs(inW, outW, box.left, box.width);
  const vc = coeffs(inH, outH, box.top, box.height);
  // Input rows that the vertical pass needs.
  const rowFirst = vc.start[0];
  const rowLast = vc.start[box.height - 1] + vc.count[box.height - 1];
  const midH = rowLast - rowFirst;
  const W = box.width;

  // Horizontal pass (skipped, like Pillow, when the width does not change).
  let mid: Uint8Array;
  let midW: number;
  let colOffset: number;
  if (outW === inW) {
    mid = src.subarray(rowFirst * inW * C, rowLast * inW * C);
    midW = inW;
    colOffset = box.left;
  } else {
    mid = new Uint8Array(midH * W * C);
    midW = W;
    colOffset = 0;
    for (let y = 0; y < midH; y++) {
      const srow = (rowFirst + y) * inW * C;
      const drow = y * W * C;
      for (let o = 0; o < W; o++) {
        const xmin = hc.start[o];
        const n = hc.count[o];
        const kb = o * hc.ksize;
        for (let c = 0; c < C; c++) {
          let ss = HALF;
          for (let k = 0; k < n; k++) ss += src[srow + (xmin + k) * C + c] * hc.weights[kb + k];
          mid[drow + o * C + c] = clip8(ss);
        }
      }
    }
  }

  // Vertical pass (skipped when the height does not change).
  const out = new Uint8Array(box.height * W * C);
  if (outH === inH) {
    for (let y = 0; y < box.height; y++) {
      const s = (box.top + y - rowFirst) * midW * C + colOffset * C;
      out.set(mid.subarray(s, s + W * C), y * W * C);
    }
  } else {
    for (let o = 0; o < box.height; o++) {
      const ymin = vc.start[o] - rowFirst;
      const n = vc.count[o];
      const kb = o * vc.ksize;
      const drow = o * W * C;
      for (let x = 0; x < W * C; x++) {
        let ss = HALF;
        const col = colOffset * C + x;
        for (let k = 0; k < n; k++) ss += mid[(ymin + k) * midW * C + col] * vc.weights[kb + k];
        out[drow + x] = clip8(ss);
      }
    }
  }
  return { width: W, height: box.height, channels: C, data: out };
}

/** Python's round(): halves go to the even neighbour (used by torchvision's CenterCrop). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The size torchvision's `Resize(size)` gives: the shorter side becomes `size`, the longer
 * `floor(size * long / short)`.
 */
export function shortSideSize(width: number, height: number, size: number): { width: number; height: number } {
  if (width <= height) return { width: size, height: Math.floor((size * height) / width) };
  return { width: Math.floor((size * width) / height), height: size };
}

/**
 * `Resize(size)` then `CenterCrop(size)`, as torchvision does on a PIL image: a size x size
 * image from any input size or aspect ratio.
 */
export function resizeShortSideCenterCrop(img: DecodedImage, size: number): DecodedImage {
  if (!Number.isInteger(size) || size <= 0) throw new Error(`image size must be a positive integer, got ${size}`);
  const r = shortSideSize(img.width, img.height, size);
  const top = roundHalfEven((r.height - size) / 2);
  const left = roundHalfEven((r.width - size) / 2);
  if (r.width === img.width && r.height === img.height && size === img.width && size === img.height) return img;
  return resizeBilinearAA(img, r.width, r.height, { left, top, width: size, height: size });
}
