/**
 * EXIF orientation (tag 0x0112) of a JPEG (APP1 "Exif") or PNG (eXIf chunk), and turning pixels
 * upright by it. Phones store the sensor's pixels and say in this tag how to turn them; viewers
 * apply it, so the pipeline must too or a portrait photo is edited lying on its side.
 */
import { RgbImage } from './types';

/** 1..8 (1 = upright, also when there is no tag or the EXIF block cannot be read). */
export function readExifOrientation(bytes: Uint8Array): number {
  const tiff = findTiff(bytes);
  if (!tiff) return 1;
  try {
    return orientationFromTiff(bytes, tiff.start, tiff.end);
  } catch {
    return 1;
  }
}

function findTiff(b: Uint8Array): { start: number; end: number } | null {
  if (b.length > 4 && b[0] === 0xff && b[1] === 0xd8) {
    let off = 2;
    while (off + 4 <= b.length && b[off] === 0xff) {
      const marker = b[off + 1];
      if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) { off += 2; continue; }
      if (marker === 0xda || marker === 0xd9) break;
      const len = (b[off + 2] << 8) | b[off + 3];
      if (marker === 0xe1 && len >= 8 && b[off + 4] === 0x45 && b[off + 5] === 0x78 && b[off + 6] === 0x69 && b[off + 7] === 0x66) {
        return { start: off + 10, end: Math.min(b.length, off + 2 + len) };
      }
      off += 2 + len;
    }
    return null;
  }
  if (b.length > 8 && b[0] === 0x89 && b[1] === 0x50) {
    let off = 8;
    while (off + 12 <= b.length) {
      const len = ((b[off] << 24) >>> 0) + (b[off + 1] << 16) + (b[off + 2] << 8) + b[off + 3];
      const type = String.fromCharCode(b[off + 4], b[off + 5], b[off + 6], b[off + 7]);
      if (type === 'eXIf') return { start: off + 8, end: Math.min(b.length, off + 8 + len) };
      if (type === 'IDAT' || type === 'IEND') return null;
      off += 12 + len;
    }
  }
  return null;
}

function orientationFromTiff(b: Uint8Array, start: number, end: number): number {
  const little = b[start] === 0x49 && b[start + 1] === 0x49;
  if (!little && !(b[start] === 0x4d && b[start + 1] === 0x4d)) return 1;
  const u16 = (o: number) => (o + 2 > end ? NaN : little ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1]);
  const u32 = (o: number) => (o + 4 > end ? NaN : little ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 2 ** 24 : b[o] * 2 ** 24 + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]));
  const ifd = start + u32(start + 4);
  const count = u16(ifd);
  if (!Number.isFinite(count)) return 1;
  for (let i = 0; i < count; i++) {
    const e = ifd + 2 + i * 12;
    if (u16(e) === 0x0112) {
      const v = u16(e + 8);
      return v >= 1 && v <= 8 ? v : 1;
    }
  }
  return 1;
}

/**
 * The upright image for EXIF orientation `o` (1..8): 2 mirror, 3 rotate 180, 4 flip, 5 transpose,
 * 6 rotate 90 clockwise, 7 transverse, 8 rotate 90 counter-clockwise. Works for any channel count.
 */
export function applyOrientation(img: RgbImage, o: number, channels = 3): RgbImage {
  if (o === 1 || !(o >= 2 && o <= 8)) return img;
  const { width: w, height: h, data } = img;
  const swap = o >= 5;
  const W = swap ? h : w;
  const H = swap ? w : h;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let sx: number, sy: number;
      switch (o) {
        case 2: sx = w - 1 - x; sy = y; break;
        case 3: sx = w - 1 - x; sy = h - 1 - y; break;
        case 4: sx = x; sy = h - 1 - y; break;
        case 5: sx = y; sy = x; break;
        case 6: sx = y; sy = h - 1 - x; break;
        case 7: sx = w - 1 - y; sy = h - 1 - x; break;
        default: sx = w - 1 - y; sy = x; break; // 8
      }
      const s = (sy * w + sx) * channels;
      const d = (y * W + x) * channels;
      for (let c = 0; c < channels; c++) out[d + c] = data[s + c];
    }
  }
  return { width: W, height: H, data: out };
}
