/**
 * Similarity transforms (rotation + uniform scale + translation), the alignment between a photo's
 * face and the translator's canonical 48x48 framing:
 *   x' = a*x - b*y + tx,   y' = b*x + a*y + ty      (scale = hypot(a, b), angle = atan2(b, a))
 */
import { Point } from './types';

export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

export function applySimilarity(t: Similarity, p: Point): Point {
  return { x: t.a * p.x - t.b * p.y + t.tx, y: t.b * p.x + t.a * p.y + t.ty };
}

export function invertSimilarity(t: Similarity): Similarity {
  const d = t.a * t.a + t.b * t.b;
  if (!(d > 0)) throw new Error('invertSimilarity: the transform has zero scale');
  const a = t.a / d;
  const b = -t.b / d;
  return { a, b, tx: -(a * t.tx - b * t.ty), ty: -(b * t.tx + a * t.ty) };
}

export function scaleOf(t: Similarity): number {
  return Math.hypot(t.a, t.b);
}

/**
 * The least-squares similarity taking `src[i]` to `dst[i]` (Umeyama 1991 without reflection;
 * for 2-D the closed form below). Needs at least 2 distinct points.
 */
export function fitSimilarity(src: Point[], dst: Point[]): Similarity {
  if (src.length !== dst.length || src.length < 2) throw new Error(`fitSimilarity: need >= 2 point pairs, got ${src.length} and ${dst.length}`);
  const n = src.length;
  let sx = 0, sy = 0, dx = 0, dy = 0;
  for (let i = 0; i < n; i++) { sx += src[i].x; sy += src[i].y; dx += dst[i].x; dy += dst[i].y; }
  sx /= n; sy /= n; dx /= n; dy /= n;
  let num1 = 0, num2 = 0, den = 0;
  for (let i = 0; i < n; i++) {
    const px = src[i].x - sx, py = src[i].y - sy;
    const qx = dst[i].x - dx, qy = dst[i].y - dy;
    num1 += px * qx + py * qy;
    num2 += px * qy - py * qx;
    den += px * px + py * py;
  }
  if (!(den > 1e-12)) throw new Error('fitSimilarity: the source points coincide');
  const a = num1 / den;
  const b = num2 / den;
  return { a, b, tx: dx - (a * sx - b * sy), ty: dy - (b * sx + a * sy) };
}

/** Root-mean-square distance between transformed `src` and `dst`. */
export function fitError(t: Similarity, src: Point[], dst: Point[]): number {
  let s = 0;
  for (let i = 0; i < src.length; i++) {
    const p = applySimilarity(t, src[i]);
    s += (p.x - dst[i].x) ** 2 + (p.y - dst[i].y) ** 2;
  }
  return Math.sqrt(s / src.length);
}
