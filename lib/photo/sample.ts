/** Sampling a float plane at real-valued positions: bilinear and bicubic (Catmull-Rom), edges clamped. */

export interface Plane {
  width: number;
  height: number;
  data: Float32Array;
}

/** Bilinear sample at (x, y) in pixel-index coordinates (pixel i's centre is at i). */
export function bilinear(p: Plane, x: number, y: number): number {
  const { width: w, height: h, data } = p;
  const xc = x < 0 ? 0 : x > w - 1 ? w - 1 : x;
  const yc = y < 0 ? 0 : y > h - 1 ? h - 1 : y;
  const x0 = Math.floor(xc), y0 = Math.floor(yc);
  const x1 = x0 + 1 < w ? x0 + 1 : x0, y1 = y0 + 1 < h ? y0 + 1 : y0;
  const fx = xc - x0, fy = yc - y0;
  const a = data[y0 * w + x0] + (data[y0 * w + x1] - data[y0 * w + x0]) * fx;
  const b = data[y1 * w + x0] + (data[y1 * w + x1] - data[y1 * w + x0]) * fx;
  return a + (b - a) * fy;
}

function cubicWeights(t: number, out: Float64Array): void {
  // Catmull-Rom (a = -0.5): smooth, interpolating, no ringing worth the name on smooth data.
  const t2 = t * t, t3 = t2 * t;
  out[0] = -0.5 * t3 + t2 - 0.5 * t;
  out[1] = 1.5 * t3 - 2.5 * t2 + 1;
  out[2] = -1.5 * t3 + 2 * t2 + 0.5 * t;
  out[3] = 0.5 * t3 - 0.5 * t2;
}

const wx = new Float64Array(4);
const wy = new Float64Array(4);

/** Bicubic (Catmull-Rom) sample at (x, y) in pixel-index coordinates, edges clamped. */
export function bicubic(p: Plane, x: number, y: number): number {
  const { width: w, height: h, data } = p;
  const x0 = Math.floor(x), y0 = Math.floor(y);
  cubicWeights(x - x0, wx);
  cubicWeights(y - y0, wy);
  let s = 0;
  for (let j = 0; j < 4; j++) {
    let yy = y0 - 1 + j;
    yy = yy < 0 ? 0 : yy >= h ? h - 1 : yy;
    let r = 0;
    for (let i = 0; i < 4; i++) {
      let xx = x0 - 1 + i;
      xx = xx < 0 ? 0 : xx >= w ? w - 1 : xx;
      r += data[yy * w + xx] * wx[i];
    }
    s += r * wy[j];
  }
  return s;
}
