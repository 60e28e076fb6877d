/**
 * Fonts for headless rendering: find a sans-serif font installed on this machine for resvg,
 * and estimate text widths for layout (vega charts and labelled grids) without a canvas.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The font resvg should use: a family name plus its files, or system fonts with resvg's own default. */
export interface FontChoice {
  /** Family name to pass as default/sans-serif family, or undefined when none of ours was found. */
  family?: string;
  /** Font files to load (regular, bold); empty means "load all system fonts". */
  files: string[];
}

/** Sans-serif families we know, in order of preference, with file names (regular first). */
const CANDIDATES: { family: string; files: string[][] }[] = [
  { family: 'DejaVu Sans', files: [['DejaVuSans.ttf'], ['DejaVuSans-Bold.ttf']] },
  { family: 'Liberation Sans', files: [['LiberationSans-Regular.ttf'], ['LiberationSans-Bold.ttf']] },
  { family: 'Noto Sans', files: [['NotoSans-Regular.ttf'], ['NotoSans-Bold.ttf']] },
  { family: 'Arial', files: [['arial.ttf', 'Arial.ttf'], ['arialbd.ttf', 'Arial Bold.ttf']] },
];

function fontDirs(): string[] {
  const home = os.homedir();
  return [
    '/usr/share/fonts',
    '/usr/local/share/fonts',
    path.join(home, '.local/share/fonts'),
    path.join(home, '.fonts'),
    '/System/Library/Fonts',
    '/Library/Fonts',
    path.join(home, 'Library/Fonts'),
    'C:\\Windows\\Fonts',
  ];
}

/** Map of lower-cased font file name -> full path, for font files under `dirs` (depth-limited). */
function indexFontFiles(dirs: string[], maxDepth = 4): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (dir: string, depth: number): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // missing or unreadable directory: nothing there
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && depth < maxDepth) walk(p, depth + 1);
      else if (/\.(ttf|otf)$/i.test(e.name) && !found.has(e.name.toLowerCase())) found.set(e.name.toLowerCase(), p);
    }
  };
  for (const d of dirs) walk(d, 0);
  return found;
}

let cached: FontChoice | undefined;
let warned = false;

/**
 * Pick the font for rendering (memoised): the first of DejaVu Sans, Liberation Sans, Noto Sans,
 * Arial found in the usual font directories. If none is found, fall back to resvg loading all
 * system fonts with its own default family (and warn once if there seem to be no fonts at all,
 * since text would then be missing from pictures).
 */
export function resolveFont(): FontChoice {
  if (cached) return cached;
  const index = indexFontFiles(fontDirs());
  for (const c of CANDIDATES) {
    const [regular, ...others] = c.files.map((names) =>
      names.map((n) => index.get(n.toLowerCase())).find((p) => p !== undefined),
    );
    if (regular !== undefined) {
      cached = { family: c.family, files: [regular, ...others.filter((p): p is string => p !== undefined)] };
      return cached;
    }
  }
  if (index.size === 0 && !warned) {
    warned = true;
    process.emitWarning('lib/viz: no .ttf/.otf fonts found in the usual font directories; text in charts may be missing');
  }
  cached = { files: [] };
  return cached;
}

/** resvg `font` options for the chosen font (explicit files when known: faster than a system scan). */
export function resvgFontOptions(): {
  loadSystemFonts: boolean;
  fontFiles?: string[];
  defaultFontFamily?: string;
  sansSerifFamily?: string;
} {
  const f = resolveFont();
  if (f.family === undefined) return { loadSystemFonts: true };
  return { loadSystemFonts: false, fontFiles: f.files, defaultFontFamily: f.family, sansSerifFamily: f.family };
}

/** Font family to write into SVG text: the chosen family, with generic sans-serif as fallback. */
export function svgFontFamily(): string {
  const f = resolveFont();
  return f.family ? `'${f.family}', sans-serif` : 'sans-serif';
}

// Advance widths of ASCII 32..126 in DejaVu Sans (regular, bold), in 1/1000 em, read from the
// font's hmtx table. DejaVu is among the widest common sans fonts, so for others these
// slightly overestimate, which leaves room rather than clipping text.
// prettier-ignore
const REGULAR = [318,401,460,838,636,950,780,275,390,390,500,838,318,361,318,337,636,636,636,636,636,636,636,636,636,636,337,337,838,838,838,531,1000,684,686,698,770,632,575,775,752,295,295,656,557,863,748,787,603,787,695,635,611,732,684,989,685,611,685,390,337,390,838,500,500,613,635,550,635,615,352,635,634,278,278,579,278,974,634,612,635,635,411,521,392,634,592,818,592,592,525,636,337,636,838];
// prettier-ignore
const BOLD = [348,456,521,838,696,1002,872,306,457,457,523,838,380,415,380,365,696,696,696,696,696,696,696,696,696,696,400,400,838,838,838,580,1000,774,762,734,830,683,683,821,837,372,372,775,637,995,837,850,733,850,770,720,682,812,774,1103,771,724,725,457,365,457,838,500,500,675,716,593,716,678,435,716,712,343,343,665,343,1042,712,687,716,716,493,595,478,712,652,924,645,652,582,712,365,712,838];

/** Estimated width in pixels of `text` at `fontSize` px (non-ASCII characters count 0.7 em). */
export function textWidth(text: string, fontSize: number, bold = false): number {
  const table = bold ? BOLD : REGULAR;
  let units = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    units += c >= 32 && c <= 126 ? table[c - 32] : 700;
  }
  return (units / 1000) * fontSize;
}
