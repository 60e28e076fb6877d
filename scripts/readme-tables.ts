/**
 * npm run readme:tables [-- --check]
 *
 * The table of the study's runs at their own settings (README.md and docs/study.md), generated from
 * results/reference/paper/table.csv (the files the runs wrote), between the markers
 *   <!-- generated: paper-table (npm run readme:tables) -->  ...  <!-- end generated: paper-table -->
 * so that no number in it is typed by hand. --check exits 1 when the README differs (test/unit/readme-tables.test.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs, runMain } from '../tools/cli/args';
import { REPO_ROOT } from '../lib/runs/versions';
import { csvObjects } from '../lib/io/csv';

export const README = path.join(REPO_ROOT, 'README.md');
/** The files that carry the generated table: the README's verdict and the full record. */
export const TABLE_FILES = [README, path.join(REPO_ROOT, 'docs', 'study.md')];
export const PAPER_TABLE = path.join(REPO_ROOT, 'results', 'reference', 'paper', 'table.csv');
const BEGIN = '<!-- generated: paper-table (npm run readme:tables) -->';
const END = '<!-- end generated: paper-table -->';

type Row = Record<string, number | string | null>;

const sig = (v: number, digits: number) => {
  const a = Math.abs(v);
  if (a >= 10 ** digits) return v.toFixed(0);
  return v.toPrecision(digits);
};
const num = (r: Row, k: string) => (r[k] === null || r[k] === '' || r[k] === undefined ? NaN : Number(r[k]));
/** A metric beside its real-vs-real floor: floors with 2 significant digits (KID's unbiased estimate below 0.1, negative included, as ~0). */
const withFloor = (v: number, floor: number, style: 'sig2' | 'kid' | 'dec1' = 'sig2') =>
  `${sig(v, 3)} (${style === 'kid' ? (floor < 0.1 ? '~0' : floor.toFixed(1)) : style === 'dec1' ? floor.toFixed(1) : Number(floor.toPrecision(2))})`;
const thousands = (n: number) => n.toLocaleString('en-US');

/** The markdown table from the rows of table.csv. */
export function paperTable(rows: Row[]): string {
  const lines = [
    '| run | study\'s setting | ours | images/s | wall time | final loss D / G | fd_fer (floor) | kid_fer x1e3 (floor) | swd x1e3 (floor) | diversity (real) | hit-rate (real) | samples |',
    '| --- | --- | --- | ---: | ---: | --- | --- | --- | --- | --- | --- | ---: |',
  ];
  for (const r of rows) {
    const run = String(r.run);
    const emotion = run.startsWith('fer-') ? run.slice(4) : null;
    const iters = thousands(num(r, 'iterations'));
    const study = run === 'celeba' ? '25 epochs of 202,599 images (~39,600 iterations)'
      : run === 'celeba-gray' ? 'the same images in grayscale, 25 epochs'
      : `${r.epochs} epochs of the ${thousands(num(r, 'images'))} ${emotion} faces`;
    const ours = run === 'celeba' ? `${r.epochs} epochs of ${thousands(num(r, 'images'))} images: ${iters} iterations` : `the same: ${iters} iterations`;
    const wall = num(r, 'wall_min');
    const hit = num(r, 'hit_rate');
    lines.push([
      `\`${run}\``, study, ours, sig(num(r, 'images_per_s'), 3), `${wall < 10 ? wall.toFixed(1) : wall.toFixed(0)} min`,
      `${num(r, 'loss_d').toFixed(2)} / ${num(r, 'loss_g').toFixed(2)}`,
      withFloor(num(r, 'fd_fer'), num(r, 'fd_fer_real')), withFloor(num(r, 'kid_fer'), num(r, 'kid_fer_real'), 'kid'), withFloor(num(r, 'swd'), num(r, 'swd_real'), 'dec1'),
      `${num(r, 'diversity').toFixed(2)} (${num(r, 'diversity_real').toFixed(2)})`,
      Number.isFinite(hit) ? `${hit.toFixed(2)} (${num(r, 'hit_rate_real').toFixed(2)})` : '',
      thousands(num(r, 'eval_n')),
    ].join(' | ').replace(/^/, '| ').replace(/$/, ' |'));
  }
  return lines.join('\n');
}

export function readPaperRows(file = PAPER_TABLE): Row[] {
  return csvObjects(fs.readFileSync(file, 'utf8'), file) as Row[];
}

/** The text with its generated block rebuilt. Throws naming the file when the markers are missing. */
export function regenerate(readme: string, rows: Row[], file = README): string {
  const a = readme.indexOf(BEGIN), b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${file}: the markers ${BEGIN} ... ${END} are missing`);
  return readme.slice(0, a) + `${BEGIN}\n${paperTable(rows)}\n${END}` + readme.slice(b + END.length);
}

if (require.main === module) {
  runMain(async () => {
    const args = parseArgs(process.argv.slice(2), { flags: ['check'] }, 'readme:tables');
    const rows = readPaperRows();
    for (const file of TABLE_FILES) {
      const before = fs.readFileSync(file, 'utf8');
      const after = regenerate(before, rows, file);
      if (args.options.check) {
        if (after !== before) throw new Error(`${file}: the paper table differs from ${path.relative(REPO_ROOT, PAPER_TABLE)}; run npm run readme:tables`);
        continue;
      }
      if (after !== before) fs.writeFileSync(file, after);
      console.log(after !== before ? `rewrote the paper table in ${file}` : `${file}: the paper table already matches`);
    }
    if (args.options.check) console.log('the generated tables match their files');
  });
}
