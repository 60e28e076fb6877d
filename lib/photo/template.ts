/**
 * The translator's canonical framing: where the alignment landmarks sit in a FER2013 48x48 crop on
 * average, and the face ellipse the edit is confined to. Measured by `npm run photo -- template`
 * (scripts/photo-template.ts) on FER2013 training faces run through the same face detector, and
 * stored in template.json with how well it reproduces their crops.
 */
import { Point } from './types';
import measured from './template.json';

export interface FaceTemplate {
  /** The crop's side (the translator's input size). */
  size: number;
  /** Landmark index (as a string) -> mean position in the crop. */
  points: Record<string, Point>;
  /**
   * The edit region in crop coordinates: an ellipse (centre, radii) with a feathered rim; the
   * mask is 1 inside `1 - feather` of the radius and falls smoothly to 0 at the ellipse.
   */
  mask: { cx: number; cy: number; rx: number; ry: number; feather: number };
}

export const FER_TEMPLATE: FaceTemplate = measured as FaceTemplate;

/** The mask value (0..1) at crop coordinates (u, v): smoothstep across the feathered rim. */
export function maskAt(t: FaceTemplate, u: number, v: number): number {
  const { cx, cy, rx, ry, feather } = t.mask;
  const r = Math.sqrt(((u - cx) / rx) ** 2 + ((v - cy) / ry) ** 2);
  if (r >= 1) return 0;
  const inner = 1 - feather;
  if (r <= inner) return 1;
  const s = (1 - r) / feather;
  return s * s * (3 - 2 * s);
}
