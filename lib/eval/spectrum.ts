/**
 * Checkerboard check for the translator (issue #23): the share of an image set's spectral energy at
 * the highest spatial frequencies. Transposed convolutions leave a periodic pattern at half the
 * sampling rate (Odena et al. 2016), which shows up as extra energy near the Nyquist frequency; edits
 * without it have about the share of real faces. Power spectrum by a separable DFT of each image
 * (mean removed, first channel), summed over the set; "high" = max(|u|, |v|) >= `band` x Nyquist
 * (band 1: the Nyquist lines, where a stride-2 transposed conv's period-2 checkerboard lies).
 */
export interface SpectrumImages {
  data: Uint8Array;
  n: number;
  height: number;
  width: number;
  channels: number;
}

function dftTables(n: number): { cos: Float64Array; sin: Float64Array } {
  const cos = new Float64Array(n * n), sin = new Float64Array(n * n);
  for (let k = 0; k < n; k++) for (let x = 0; x < n; x++) {
    cos[k * n + x] = Math.cos((2 * Math.PI * k * x) / n);
    sin[k * n + x] = Math.sin((2 * Math.PI * k * x) / n);
  }
  return { cos, sin };
}

/** Share (0..1) of the summed power spectrum with max(|u|, |v|) >= band * Nyquist, over at most `limit` images. */
export function highFrequencyShare(im: SpectrumImages, band = 1, limit = Infinity): number {
  const { height: h, width: w, channels: c } = im;
  const th = dftTables(h), tw = dftTables(w);
  const n = Math.min(im.n, limit);
  const img = new Float64Array(h * w);
  const re1 = new Float64Array(h * w), im1 = new Float64Array(h * w);
  let high = 0, total = 0;
  const fy = (k: number, m: number) => Math.min(k, m - k) / (m / 2);
  for (let i = 0; i < n; i++) {
    let mean = 0;
    for (let p = 0; p < h * w; p++) mean += img[p] = im.data[(i * h * w + p) * c];
    mean /= h * w;
    for (let p = 0; p < h * w; p++) img[p] -= mean;
    // rows: for each y, DFT over x
    for (let y = 0; y < h; y++) for (let u = 0; u < w; u++) {
      let r = 0, s = 0;
      for (let x = 0; x < w; x++) (r += img[y * w + x] * tw.cos[u * w + x]), (s -= img[y * w + x] * tw.sin[u * w + x]);
      re1[y * w + u] = r;
      im1[y * w + u] = s;
    }
    // columns: for each u, DFT over y
    for (let u = 0; u < w; u++) for (let v = 0; v < h; v++) {
      let r = 0, s = 0;
      for (let y = 0; y < h; y++) {
        const a = re1[y * w + u], b = im1[y * w + u], co = th.cos[v * h + y], si = th.sin[v * h + y];
        r += a * co + b * si;
        s += b * co - a * si;
      }
      const pw = r * r + s * s;
      total += pw;
      if (Math.max(fy(u, w), fy(v, h)) >= band - 1e-9) high += pw;
    }
  }
  return total > 0 ? high / total : 0;
}
