/** Pixel conversions of the photo pipeline: to RGB (alpha over white), luma, and area downscaling. */
import { RgbImage } from './types';

/**
 * RGB from 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA) channels. Transparent pixels are
 * composited over white (a transparent PNG shows white in viewers; black would invent a dark
 * background, and the detector would see it).
 */
export function toRgb(data: Uint8Array | Uint8ClampedArray, width: number, height: number, channels: number): RgbImage {
  const n = width * height;
  if (data.length < n * channels) throw new Error(`toRgb: ${data.length} bytes for ${width}x${height}x${channels}`);
  if (channels === 3) return { width, height, data: Uint8Array.from(data.subarray(0, n * 3)) };
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    if (channels === 1) {
      out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = data[i];
    } else if (channels === 2) {
      const a = data[i * 2 + 1];
      const v = Math.round((data[i * 2] * a + 255 * (255 - a)) / 255);
      out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = v;
    } else if (channels === 4) {
      const a = data[i * 4 + 3];
      for (let c = 0; c < 3; c++) out[i * 3 + c] = a === 255 ? data[i * 4 + c] : Math.round((data[i * 4 + c] * a + 255 * (255 - a)) / 255);
    } else {
      throw new Error(`toRgb: ${channels} channels (expected 1, 2, 3 or 4)`);
    }
  }
  return { width, height, data: out };
}

/** Does an alpha channel (2 or 4 channels) hold any pixel that is not fully opaque? */
export function hasTransparency(data: Uint8Array | Uint8ClampedArray, width: number, height: number, channels: number): boolean {
  if (channels !== 2 && channels !== 4) return false;
  const n = width * height;
  for (let i = 0; i < n; i++) if (data[i * channels + channels - 1] !== 255) return true;
  return false;
}

/** Is every pixel gray (R = G = B)? A gray photo stays gray when written back. */
export function isGray(img: RgbImage): boolean {
  const d = img.data;
  for (let i = 0; i < d.length; i += 3) if (d[i] !== d[i + 1] || d[i] !== d[i + 2]) return false;
  return true;
}

/** BT.601 luma (the Y of JPEG's YCbCr), floats 0..255, one per pixel. */
export function luma(img: RgbImage): Float32Array {
  const n = img.width * img.height;
  const d = img.data;
  const y = new Float32Array(n);
  for (let i = 0, j = 0; i < n; i++, j += 3) y[i] = 0.299 * d[j] + 0.587 * d[j + 1] + 0.114 * d[j + 2];
  return y;
}

/**
 * The image shrunk so that its longer side is at most `maxSide` (area averaging: every source
 * pixel counts with its covered fraction), and the factor by which coordinates shrank.
 * Returned unchanged (scale 1) when it is already small enough.
 */
export function downscale(img: RgbImage, maxSide: number): { image: RgbImage; scale: number } {
  const long = Math.max(img.width, img.height);
  if (long <= maxSide) return { image: img, scale: 1 };
  const scale = maxSide / long;
  const W = Math.max(1, Math.round(img.width * scale));
  const H = Math.max(1, Math.round(img.height * scale));
  const sx = img.width / W;
  const sy = img.height / H;
  // Horizontal pass into floats, then vertical pass (separable box filter with fractional edges).
  const tmp = new Float32Array(W * img.height * 3);
  const cols = spans(img.width, W, sx);
  for (let y = 0; y < img.height; y++) {
    const row = y * img.width * 3;
    for (let X = 0; X < W; X++) {
      const { first, weights } = cols[X];
      let r = 0, g = 0, b = 0;
      for (let k = 0; k < weights.length; k++) {
        const o = row + (first + k) * 3;
        const w = weights[k];
        r += img.data[o] * w; g += img.data[o + 1] * w; b += img.data[o + 2] * w;
      }
      const t = (y * W + X) * 3;
      tmp[t] = r; tmp[t + 1] = g; tmp[t + 2] = b;
    }
  }
  const out = new Uint8Array(W * H * 3);
  const rows = spans(img.height, H, sy);
  for (let Y = 0; Y < H; Y++) {
    const { first, weights } = rows[Y];
    for (let X = 0; X < W; X++) {
      let r = 0, g = 0, b = 0;
      for (let k = 0; k < weights.length; k++) {
        const t = ((first + k) * W + X) * 3;
        const w = weights[k];
        r += tmp[t] * w; g += tmp[t + 1] * w; b += tmp[t + 2] * w;
      }
      const o = (Y * W + X) * 3;
      out[o] = Math.round(r); out[o + 1] = Math.round(g); out[o + 2] = Math.round(b);
    }
  }
  return { image: { width: W, height: H, data: out }, scale: W / img.width };
}

/** For each output index, the source indices it covers and their normalised weights. */
function spans(inSize: number, outSize: number, step: number): { first: number; weights: Float32Array }[] {
  const out: { first: number; weights: Float32Array }[] = [];
  for (let o = 0; o < outSize; o++) {
    const a = o * step;
    const b = Math.min(inSize, (o + 1) * step);
    const first = Math.floor(a);
    const last = Math.min(inSize - 1, Math.ceil(b) - 1);
    const weights = new Float32Array(last - first + 1);
    for (let i = first; i <= last; i++) weights[i - first] = (Math.min(b, i + 1) - Math.max(a, i)) / (b - a);
    out.push({ first, weights });
  }
  return out;
}

/**
 * The image shrunk by the smallest integer factor f that brings its longer side to at most
 * `maxSide` (each output pixel the mean of an f x f block; a ragged last row/column averages what
 * it covers). Much cheaper than exact area resampling on 12-megapixel photos; for detection.
 */
export function shrinkInteger(img: RgbImage, maxSide: number): { image: RgbImage; scale: number } {
  const long = Math.max(img.width, img.height);
  const f = Math.ceil(long / maxSide);
  if (f <= 1) return { image: img, scale: 1 };
  const W = Math.ceil(img.width / f), H = Math.ceil(img.height / f);
  const sums = new Uint32Array(W * 3);
  const counts = new Uint32Array(W);
  const out = new Uint8Array(W * H * 3);
  const src = img.data, w = img.width;
  for (let Y = 0; Y < H; Y++) {
    sums.fill(0);
    counts.fill(0);
    const y1 = Math.min(img.height, (Y + 1) * f);
    for (let y = Y * f; y < y1; y++) {
      let o = y * w * 3;
      for (let x = 0; x < w; x++, o += 3) {
        const X = (x / f) | 0;
        sums[X * 3] += src[o]; sums[X * 3 + 1] += src[o + 1]; sums[X * 3 + 2] += src[o + 2];
        counts[X]++;
      }
    }
    for (let X = 0; X < W; X++) {
      const c = counts[X], d = (Y * W + X) * 3;
      out[d] = (sums[X * 3] + (c >> 1)) / c; out[d + 1] = (sums[X * 3 + 1] + (c >> 1)) / c; out[d + 2] = (sums[X * 3 + 2] + (c >> 1)) / c;
    }
  }
  return { image: { width: W, height: H, data: out }, scale: 1 / f };
}
