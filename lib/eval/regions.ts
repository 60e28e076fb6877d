/**
 * Where an expression edit is allowed to change a face, and how much it changed elsewhere.
 *
 * An expression lives in the brows/eyes and the mouth. For a roughly centred, frontal face crop
 * (FER2013 48x48, CelebA aligned) these are two boxes in relative coordinates; everything outside
 * them (hair, forehead, cheeks' edges, jaw line, background) should stay as it was. The boxes are
 * deliberately generous, so "outside" is the part an expression change has no business changing.
 */

/** A box in relative coordinates [0, 1): x0 <= x < x1, y0 <= y < y1. */
export interface RelBox {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** Brows and eyes, and the mouth (with chin dimples and nasolabial folds), for centred face crops. */
export const EXPRESSION_REGIONS: Record<'brows' | 'mouth', RelBox> = {
  brows: { x0: 0.1, x1: 0.9, y0: 0.15, y1: 0.5 },
  mouth: { x0: 0.2, x1: 0.8, y0: 0.6, y1: 0.92 },
};

/** A size x size mask: 1 inside any of the boxes, 0 outside. */
export function regionMask(size: number, boxes: RelBox[] = Object.values(EXPRESSION_REGIONS)): Uint8Array {
  const m = new Uint8Array(size * size);
  for (const b of boxes) {
    const y0 = Math.floor(b.y0 * size), y1 = Math.ceil(b.y1 * size);
    const x0 = Math.floor(b.x0 * size), x1 = Math.ceil(b.x1 * size);
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * size + x] = 1;
  }
  return m;
}

export interface ChangeStats {
  /** Mean absolute change in the brow and mouth regions, on a 0..1 scale (1 = black <-> white). */
  inside: number;
  /** Mean absolute change everywhere else. */
  outside: number;
  /** outside / inside (lower = more local edit); Infinity when nothing changed inside. */
  ratio: number;
}

/** How much image `b` differs from image `a` (uint8, size x size x channels) inside and outside the expression regions. */
export function changeByRegion(a: Uint8Array, b: Uint8Array, size: number, channels: number, mask = regionMask(size)): ChangeStats {
  if (a.length !== size * size * channels || b.length !== a.length) {
    throw new Error(`changeByRegion: images must both hold ${size}*${size}*${channels} values, got ${a.length} and ${b.length}`);
  }
  let si = 0, so = 0, ni = 0, no = 0;
  for (let p = 0; p < size * size; p++) {
    let d = 0;
    for (let c = 0; c < channels; c++) d += Math.abs(a[p * channels + c] - b[p * channels + c]);
    d /= channels * 255;
    if (mask[p]) (si += d), ni++;
    else (so += d), no++;
  }
  const inside = ni ? si / ni : 0;
  const outside = no ? so / no : 0;
  return { inside, outside, ratio: inside > 0 ? outside / inside : outside > 0 ? Infinity : 0 };
}

/** Root-mean-square difference of two uint8 images in grey levels (0..255), and the PSNR in dB. */
export function rmseAndPsnr(a: Uint8Array, b: Uint8Array): { rmse: number; psnr: number } {
  if (a.length !== b.length || a.length === 0) throw new Error(`rmseAndPsnr: images of ${a.length} and ${b.length} values`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  const rmse = Math.sqrt(s / a.length);
  return { rmse, psnr: rmse > 0 ? 20 * Math.log10(255 / rmse) : Infinity };
}
