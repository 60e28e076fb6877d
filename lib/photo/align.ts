/**
 * Aligning a face to the translator's canonical framing: the similarity that takes the face's
 * landmarks to the template's (template.ts, measured on FER2013), and the luma crop it gives.
 *
 * Coordinates are continuous: pixel (i, j) covers [i, i+1) x [j, j+1), its centre is (i+.5, j+.5).
 */
import { Point, RgbImage } from './types';
import { Similarity, fitSimilarity, invertSimilarity, applySimilarity, scaleOf } from './transform';
import { Plane, bilinear } from './sample';
import { ALIGN_INDICES } from './landmarks';
import { FaceTemplate } from './template';

/** The similarity photo -> canonical crop for a face's 468 landmarks. */
export function alignTransform(landmarks: Point[], template: FaceTemplate): Similarity {
  const src = ALIGN_INDICES.map((i) => {
    const p = landmarks[i];
    if (!p) throw new Error(`alignTransform: landmark ${i} missing (got ${landmarks.length} points, expected the 468-point face mesh)`);
    return p;
  });
  return fitSimilarity(src, ALIGN_INDICES.map((i) => template.points[String(i)]));
}

/** The luma (BT.601, 0..255) of the photo's rectangle [x0, x1) x [y0, y1), clipped to the photo, and where it starts. */
export function lumaRegion(img: RgbImage, r: { x0: number; y0: number; x1: number; y1: number }): { plane: Plane; x0: number; y0: number } {
  const x0 = Math.max(0, Math.min(img.width - 1, r.x0)), y0 = Math.max(0, Math.min(img.height - 1, r.y0));
  const x1 = Math.max(x0 + 1, Math.min(img.width, r.x1)), y1 = Math.max(y0 + 1, Math.min(img.height, r.y1));
  const w = x1 - x0, h = y1 - y0, d = img.data;
  const y = new Float32Array(w * h);
  for (let yy = 0; yy < h; yy++) {
    for (let xx = 0, j = ((y0 + yy) * img.width + x0) * 3, i = yy * w; xx < w; xx++, i++, j += 3) y[i] = 0.299 * d[j] + 0.587 * d[j + 1] + 0.114 * d[j + 2];
  }
  return { plane: { width: w, height: h, data: y }, x0, y0 };
}

/** The photo rectangle (with a 2-pixel margin) that the size x size crop through `toCrop` samples. */
export function cropFootprint(toCrop: Similarity, size: number): { x0: number; y0: number; x1: number; y1: number } {
  const inv = invertSimilarity(toCrop);
  const c = [{ x: 0, y: 0 }, { x: size, y: 0 }, { x: 0, y: size }, { x: size, y: size }].map((p) => applySimilarity(inv, p));
  return {
    x0: Math.floor(Math.min(...c.map((p) => p.x))) - 2, y0: Math.floor(Math.min(...c.map((p) => p.y))) - 2,
    x1: Math.ceil(Math.max(...c.map((p) => p.x))) + 2, y1: Math.ceil(Math.max(...c.map((p) => p.y))) + 2,
  };
}

/**
 * The size x size luma crop seen through `toCrop` (photo -> crop). Each crop pixel averages an
 * n x n grid of bilinear samples over its footprint in the photo (n grows with the shrink factor,
 * up to 12), so a large face is not aliased into the crop. Outside the photo the edge is repeated.
 */
export function sampleCrop(photo: Plane, toCrop: Similarity, size: number): Float32Array {
  const inv = invertSimilarity(toCrop);
  const footprint = 1 / scaleOf(toCrop); // photo pixels per crop pixel
  const n = Math.max(1, Math.min(12, Math.ceil(footprint)));
  const out = new Float32Array(size * size);
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      let s = 0;
      for (let j = 0; j < n; j++) {
        for (let i = 0; i < n; i++) {
          const p = applySimilarity(inv, { x: u + (i + 0.5) / n, y: v + (j + 0.5) / n });
          s += bilinear(photo, p.x - 0.5, p.y - 0.5);
        }
      }
      out[v * size + u] = s / (n * n);
    }
  }
  return out;
}

/** Floats 0..255 to bytes. */
export function toBytes(plane: Float32Array): Uint8Array {
  const out = new Uint8Array(plane.length);
  for (let i = 0; i < plane.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(plane[i])));
  return out;
}

/**
 * A face's alignment and its size x size luma crop: the similarity photo -> crop from its landmarks, and
 * the crop sampled from the luma of the photo region it covers only (a face in a 12 MP photo reads a few
 * hundred thousand pixels, not twelve million).
 */
export function alignedCrop(img: RgbImage, landmarks: Point[], template: FaceTemplate): { transform: Similarity; crop: Uint8Array } {
  const transform = alignTransform(landmarks, template);
  const { plane, x0, y0 } = lumaRegion(img, cropFootprint(transform, template.size));
  // the same similarity, for coordinates measured from the region's corner
  const local = { ...transform, tx: transform.tx + transform.a * x0 - transform.b * y0, ty: transform.ty + transform.b * x0 + transform.a * y0 };
  return { transform, crop: toBytes(sampleCrop(plane, local, template.size)) };
}
