/**
 * Making test photos out of face photos: scale a face up, put it anywhere on a larger background,
 * two faces side by side. Used by the tests and by `npm run photo:eval` to build "phone" photos
 * from CelebA's 178x218 crops.
 */
import { RgbImage } from './types';
import { Plane, bilinear } from './sample';
import { applyOrientation as applyOrientationLocal } from './exif';

/** Bilinear resize to width x height (for enlarging; shrink with pixels.downscale). */
export function resizeRgb(img: RgbImage, width: number, height: number): RgbImage {
  const planes: Plane[] = [0, 1, 2].map((c) => {
    const d = new Float32Array(img.width * img.height);
    for (let i = 0; i < d.length; i++) d[i] = img.data[i * 3 + c];
    return { width: img.width, height: img.height, data: d };
  });
  const out = new Uint8Array(width * height * 3);
  const sx = img.width / width, sy = img.height / height;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = (x + 0.5) * sx - 0.5, v = (y + 0.5) * sy - 0.5;
      for (let c = 0; c < 3; c++) out[(y * width + x) * 3 + c] = Math.round(bilinear(planes[c], u, v));
    }
  }
  return { width, height, data: out };
}

/** A smooth two-colour background with a little seeded texture (no faces in it). */
export function background(width: number, height: number, seed = 1): RgbImage {
  const out = new Uint8Array(width * height * 3);
  let s = seed >>> 0 || 1;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const a = [90 + 100 * rnd(), 90 + 100 * rnd(), 90 + 100 * rnd()];
  const b = [40 + 120 * rnd(), 40 + 120 * rnd(), 40 + 120 * rnd()];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = (x / width + y / height) / 2;
      for (let c = 0; c < 3; c++) out[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(a[c] * (1 - t) + b[c] * t + (rnd() - 0.5) * 6)));
    }
  }
  return { width, height, data: out };
}

/** Copies `src` into `dst` with its top-left corner at (x, y) (clipped at the edges). */
export function place(dst: RgbImage, src: RgbImage, x: number, y: number): void {
  for (let j = 0; j < src.height; j++) {
    const yy = y + j;
    if (yy < 0 || yy >= dst.height) continue;
    for (let i = 0; i < src.width; i++) {
      const xx = x + i;
      if (xx < 0 || xx >= dst.width) continue;
      const s = (j * src.width + i) * 3, d = (yy * dst.width + xx) * 3;
      dst.data[d] = src.data[s]; dst.data[d + 1] = src.data[s + 1]; dst.data[d + 2] = src.data[s + 2];
    }
  }
}

/** A "phone photo": `face` scaled by `scale` and placed at (x, y) on a width x height background. */
export function phonePhoto(face: RgbImage, o: { width: number; height: number; scale: number; x: number; y: number; seed?: number }): RgbImage {
  const bg = background(o.width, o.height, o.seed);
  place(bg, resizeRgb(face, Math.round(face.width * o.scale), Math.round(face.height * o.scale)), o.x, o.y);
  return bg;
}

/** The pixels of `img` as stored by a camera whose EXIF orientation is `o` (the inverse of applyOrientation). */
export function storeWithOrientation(img: RgbImage, o: number): RgbImage {
  // applyOrientation(stored, o) must give img back: invert the mapping by trying the inverse orientation.
  const inverse: Record<number, number> = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 8, 7: 7, 8: 6 };
  return applyOrientationLocal(img, inverse[o]);
}

