/** SVG -> PNG with resvg (Rust, prebuilt; no browser), using the font chosen in fonts.ts. */
import * as v8 from 'v8';
import * as vm from 'vm';
import { Resvg } from '@resvg/resvg-js';
import { resvgFontOptions } from './fonts';
import { encodePng } from './png';

/**
 * resvg's rendered pixmap (width x height x 4 bytes, in Rust) is freed only when V8 collects the
 * small JS object wrapping it, and V8 does not know about that memory, so in a long run with a
 * quiet JS heap it rarely collects: a training run gained ~7 MB of RSS per loss plot (per epoch
 * end; docs/bench.md). So after every RENDER_GC_BYTES of rendered pixels, svgToPng asks V8 for a
 * collection (the pixmaps are then freed by their finalizers on the next event-loop turn).
 * Measured: 60 renders of 1600x1000 grew RSS 89 -> 502 MB before, stay flat after.
 */
const RENDER_GC_BYTES = 32 * 2 ** 20;
let renderedSinceGc = 0;
let collect: (() => void) | null | undefined;

/** V8's gc(), exposed at run time if node was not started with --expose-gc (null if impossible). */
function gcFunction(): (() => void) | null {
  if (collect !== undefined) return collect;
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return (collect = g);
  try {
    v8.setFlagsFromString('--expose_gc');
    collect = vm.runInNewContext('gc') as () => void;
  } catch {
    collect = null;
  }
  return collect;
}

/** Counts rendered bytes and triggers a collection of earlier renders' pixmaps when due. */
function accountRender(bytes: number): void {
  renderedSinceGc += bytes;
  if (renderedSinceGc < RENDER_GC_BYTES) return;
  renderedSinceGc = 0;
  gcFunction()?.();
}

/** Options of `svgToPng`. */
export interface SvgToPngOptions {
  /** Zoom factor: output is round(svg width * scale) x round(svg height * scale), default 1. */
  scale?: number;
  /** CSS colour painted behind the SVG, default none (transparent where the SVG has no background). */
  background?: string;
}

/** Render an SVG document to PNG bytes. */
export function svgToPng(svg: string, opts: SvgToPngOptions = {}): Buffer {
  const scale = opts.scale ?? 1;
  if (!(Number.isFinite(scale) && scale > 0 && scale <= 16)) {
    throw new Error(`svgToPng: expected scale in (0, 16], got ${scale}`);
  }
  const resvg = new Resvg(svg, {
    font: resvgFontOptions(),
    fitTo: scale === 1 ? { mode: 'original' } : { mode: 'zoom', value: scale },
    ...(opts.background ? { background: opts.background } : {}),
  });
  const image = resvg.render();
  accountRender(image.width * image.height * 4);
  return compactPng(image.pixels, image.width, image.height) ?? image.asPng();
}

/**
 * An opaque render as a gray or RGB PNG instead of RGBA: the same pixels in a quarter (gray faces,
 * charts) or three quarters of the bytes before compression, which keeps notebooks small.
 * Null when some pixel is transparent.
 */
function compactPng(rgba: Uint8Array, width: number, height: number): Buffer | null {
  const n = width * height;
  let gray = true;
  for (let i = 0; i < n; i++) {
    const o = i * 4;
    if (rgba[o + 3] !== 255) return null;
    if (gray && (rgba[o] !== rgba[o + 1] || rgba[o] !== rgba[o + 2])) gray = false;
  }
  const ch = gray ? 1 : 3;
  const out = new Uint8Array(n * ch);
  for (let i = 0; i < n; i++) for (let c = 0; c < ch; c++) out[i * ch + c] = rgba[i * 4 + c];
  return encodePng(out, width, height, ch);
}

/** Escape text for use inside SVG/XML text content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}
