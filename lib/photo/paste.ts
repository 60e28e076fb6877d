/**
 * Pasting an edit back into the photo at full resolution. The edit arrives as a residual in the
 * canonical crop (grey levels, size x size); every photo pixel whose centre maps inside the face
 * ellipse gets   delta = round(strength * mask(u, v) * residual(u, v))   added to R, G and B alike,
 * which is adding it to luma Y with Cb and Cr unchanged (YCbCr is linear: R, G, B = Y + chroma
 * terms), so colours stay the photo's own. The residual is upsampled bicubically through the
 * inverse of the alignment (smooth, no 48-pixel blocks). Pixels outside the mask, and pixels whose
 * delta rounds to 0, are not touched: they stay bit-exact.
 */
import { RgbImage, Point } from './types';
import { Similarity, invertSimilarity, applySimilarity } from './transform';
import { bicubic } from './sample';
import { FaceTemplate, maskAt } from './template';

/** The photo-pixel rectangle [x0, x1) x [y0, y1) holding the mask of a face aligned by `toCrop`. */
export function maskBounds(toCrop: Similarity, t: FaceTemplate, width: number, height: number): { x0: number; y0: number; x1: number; y1: number } {
  const inv = invertSimilarity(toCrop);
  const { cx, cy, rx, ry } = t.mask;
  const corners: Point[] = [
    { x: cx - rx, y: cy - ry }, { x: cx + rx, y: cy - ry }, { x: cx - rx, y: cy + ry }, { x: cx + rx, y: cy + ry },
  ].map((p) => applySimilarity(inv, p));
  const xs = corners.map((p) => p.x), ys = corners.map((p) => p.y);
  return {
    x0: Math.max(0, Math.floor(Math.min(...xs)) - 1),
    y0: Math.max(0, Math.floor(Math.min(...ys)) - 1),
    x1: Math.min(width, Math.ceil(Math.max(...xs)) + 1),
    y1: Math.min(height, Math.ceil(Math.max(...ys)) + 1),
  };
}

export interface PasteStats {
  /** Pixels with mask > 0. */
  maskPixels: number;
  /** Pixels whose value changed. */
  changedPixels: number;
}

/**
 * Adds `strength` x the residual (size x size floats, grey levels, crop coordinates) to `img` in
 * place, inside the face mask of the face aligned by `toCrop` (photo -> crop).
 */
export function pasteResidual(img: RgbImage, residual: Float32Array, toCrop: Similarity, t: FaceTemplate, strength: number): PasteStats {
  const size = t.size;
  if (residual.length !== size * size) throw new Error(`pasteResidual: residual has ${residual.length} values, expected ${size}x${size}`);
  const stats: PasteStats = { maskPixels: 0, changedPixels: 0 };
  if (strength === 0) return stats;
  const plane = { width: size, height: size, data: residual };
  const { x0, y0, x1, y1 } = maskBounds(toCrop, t, img.width, img.height);
  const { a, b, tx, ty } = toCrop;
  const d = img.data;
  for (let y = y0; y < y1; y++) {
    const py = y + 0.5;
    for (let x = x0; x < x1; x++) {
      const px = x + 0.5;
      const u = a * px - b * py + tx;
      const v = b * px + a * py + ty;
      const m = maskAt(t, u, v);
      if (m <= 0) continue;
      stats.maskPixels++;
      const delta = Math.round(strength * m * bicubic(plane, u - 0.5, v - 0.5));
      if (delta === 0) continue;
      const o = (y * img.width + x) * 3;
      let changed = false;
      for (let c = 0; c < 3; c++) {
        const nv = d[o + c] + delta;
        const cl = nv < 0 ? 0 : nv > 255 ? 255 : nv;
        if (cl !== d[o + c]) { d[o + c] = cl; changed = true; }
      }
      if (changed) stats.changedPixels++;
    }
  }
  return stats;
}

/** The mask (0..1) of a face over the whole photo, for reports and the seam measure. */
export function maskImage(width: number, height: number, toCrop: Similarity, t: FaceTemplate): Float32Array {
  const out = new Float32Array(width * height);
  const { x0, y0, x1, y1 } = maskBounds(toCrop, t, width, height);
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const p = applySimilarity(toCrop, { x: x + 0.5, y: y + 0.5 });
      out[y * width + x] = maskAt(t, p.x, p.y);
    }
  }
  return out;
}
