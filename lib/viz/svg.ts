/** SVG -> PNG with resvg (Rust, prebuilt; no browser), using the font chosen in fonts.ts. */
import { Resvg } from '@resvg/resvg-js';
import { resvgFontOptions } from './fonts';

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
  return resvg.render().asPng();
}

/** Escape text for use inside SVG/XML text content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}
