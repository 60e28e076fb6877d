/**
 * npm run app:measure [-- --out results/reference/web] [--screenshot docs/web-editor.png]
 *
 * Measures the editor page in headless Chromium on this machine: page weight; models loaded and the
 * first edit of a CelebA photo after opening the page; for a 12-megapixel photo: decode + face
 * detection after choosing it, and the edit after pressing an expression (first and second press),
 * on WebGL (SwiftShader here: no GPU) and on WebAssembly; beside `npm run edit` on the same photo.
 * Writes metrics.json and table.md, and a screenshot of the page with a result.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import sharp from 'sharp';
import { parseArgs, stringOption, runMain } from '../tools/cli/args';
import { REPO_ROOT } from '../lib/runs/versions';
import { SAMPLE_DIR } from '../lib/runs/dataset';
import { readPhoto, encodePhoto } from '../lib/edit/photo-io';
import { phonePhoto } from '../lib/photo/compose';
import { writeJsonAtomic, writeFileAtomic, makeDirs } from '../lib/io/files';
import { buildWeb } from './web-build';
import { staticServer } from './app';
import { CHROMIUM, noChromium, launch, listen, waitReady, choose, press } from './web-browser';

runMain(async () => {
  const args = parseArgs(process.argv.slice(2), { options: ['out', 'screenshot'] }, 'app:measure');
  const why = noChromium();
  if (why) throw new Error(`app:measure: ${why}`);
  const out = path.resolve(stringOption(args, 'out') ?? path.join(REPO_ROOT, 'results', 'reference', 'web'));
  const shot = path.resolve(stringOption(args, 'screenshot') ?? path.join(REPO_ROOT, 'docs', 'web-editor.png'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facegan-web-'));
  const build = await buildWeb(path.join(tmp, 'dist'));
  const server = staticServer(build.dir);
  const url = await listen(server);
  const celebaDir = path.join(SAMPLE_DIR, 'celeba', 'img_align_celeba');
  const small = path.join(celebaDir, fs.readdirSync(celebaDir).sort()[11]);
  const face = (await readPhoto(path.join(celebaDir, fs.readdirSync(celebaDir).sort()[7]))).image;
  const bigFile = path.join(tmp, 'phone-12mp.jpg');
  fs.writeFileSync(bigFile, await encodePhoto(phonePhoto(face, { width: 4000, height: 3000, scale: 7, x: 2200, y: 700, seed: 12 }), 'jpeg', { quality: 92 }));
  const browser = await launch();
  const version = browser.version();
  const results: Record<string, Record<string, number | string | null>> = {};
  // WebGL forced with ?backend=webgl, then the page's own choice (it skips a software WebGL, such as
  // SwiftShader here, for WebAssembly).
  for (const backend of ['webgl', 'wasm']) {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const t0 = Date.now();
    await page.goto(backend === 'webgl' ? `${url}?backend=webgl` : url);
    const ready = await waitReady(page);
    if (ready.error) throw new Error(`app:measure: ${backend}: ${ready.error}`);
    if (ready.backend !== backend) throw new Error(`app:measure: the page chose ${ready.backend}, expected ${backend} on this GPU-less machine`);
    const s1 = await choose(page, small);
    const e1 = await press(page, 'happy');
    const firstEditAfterOpen = Date.now() - t0;
    if (backend === 'wasm') {
      writeFileAtomic(shot, await page.screenshot({ fullPage: true }));
    }
    const b1 = await choose(page, bigFile);
    const b2 = await press(page, 'surprise');
    const b3 = await press(page, 'angry');
    results[backend] = {
      models_loaded_ms: ready.loadMs,
      celeba_detect_ms: s1.chooseMs, celeba_first_edit_ms: e1.lastEditMs, open_to_first_edit_ms: firstEditAfterOpen,
      mp12_decode_detect_ms: b1.chooseMs, mp12_decode_ms: b1.openMs?.decode ?? null, mp12_detect_ms: b1.openMs?.detect ?? null, mp12_draw_ms: b1.openMs?.draw ?? null, mp12_faces: b1.faces, mp12_first_edit_ms: b2.lastEditMs, mp12_second_edit_ms: b3.lastEditMs,
    };
    process.stderr.write(`${backend}: ${JSON.stringify(results[backend])}\n`);
    await page.close();
  }
  await browser.close();
  server.close();
  const cli = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'scripts', 'edit.ts'), bigFile, '--to', 'surprise', '--out', path.join(tmp, 'cli.jpg')], { encoding: 'utf8' });
  if (cli.status !== 0) throw new Error(`app:measure: npm run edit failed: ${cli.stderr}`);
  const t = /time: decode (\d+) ms, detect (\d+) ms, align (\d+) ms, edit (\d+) ms, paste (\d+) ms, encode (\d+) ms/.exec(cli.stderr);
  const backendLine = /backend: ([^:]+\))/.exec(cli.stderr)?.[1] ?? '?';
  const cliTimes = t ? { decode: +t[1], detect: +t[2], align: +t[3], edit: +t[4], paste: +t[5], encode: +t[6] } : null;
  fs.rmSync(tmp, { recursive: true, force: true });
  const metrics = {
    chromium: `${version} (${CHROMIUM}, headless; WebGL through SwiftShader: this machine has no GPU)`,
    cpu: `${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}`,
    page_bytes: build.bytes,
    page_files: build.files.sort((a, b) => b.bytes - a.bytes),
    browser: results,
    cli_12mp: { backend: backendLine, ms: cliTimes, note: 'one run of npm run edit (first call in the process, models loaded before the timed stages)' },
  };
  makeDirs(out);
  writeJsonAtomic(path.join(out, 'metrics.json'), metrics);
  const w = results.webgl, a = results.wasm;
  const md = [
    '# The editor page, measured',
    '',
    `Headless Chromium ${version} on ${metrics.cpu} (no GPU: WebGL runs on SwiftShader, the CPU). Written by \`npm run app:measure\`.`,
    '',
    `Page weight: **${(build.bytes / 1e6).toFixed(1)} MB** (goal <= 15 MB), models included: ${metrics.page_files.slice(0, 5).map((f) => `${f.file} ${(f.bytes / 1e6).toFixed(2)} MB`).join(', ')}.`,
    '',
    '| | WebGL (SwiftShader, forced with ?backend=webgl) | WebAssembly (the page\'s own choice here) |',
    '|---|---:|---:|',
    `| models loaded after opening the page | ${w.models_loaded_ms} ms | ${a.models_loaded_ms} ms |`,
    `| CelebA 178x218: faces found after choosing it | ${w.celeba_detect_ms} ms | ${a.celeba_detect_ms} ms |`,
    `| CelebA 178x218: first edit (press) | ${w.celeba_first_edit_ms} ms | ${a.celeba_first_edit_ms} ms |`,
    `| open the page to first edit done (incl. choosing the photo) | ${w.open_to_first_edit_ms} ms | ${a.open_to_first_edit_ms} ms |`,
    `| 12 MP photo: decoded and faces found after choosing it | ${w.mp12_decode_detect_ms} ms | ${a.mp12_decode_detect_ms} ms |`,
    `| of which decode (createImageBitmap, pixels out) / detect / draw | ${w.mp12_decode_ms} / ${w.mp12_detect_ms} / ${w.mp12_draw_ms} ms | ${a.mp12_decode_ms} / ${a.mp12_detect_ms} / ${a.mp12_draw_ms} ms |`,
    `| 12 MP photo: first edit | ${w.mp12_first_edit_ms} ms | ${a.mp12_first_edit_ms} ms |`,
    `| 12 MP photo: next edit | ${w.mp12_second_edit_ms} ms | ${a.mp12_second_edit_ms} ms |`,
    '',
    cliTimes ? `\`npm run edit\` on the same 12 MP photo (${backendLine}): decode ${cliTimes.decode} ms, detect ${cliTimes.detect}, align ${cliTimes.align}, edit ${cliTimes.edit} (first call: the translator renders the face under all 7 expressions to find the current one), paste ${cliTimes.paste}, encode ${cliTimes.encode} ms.` : '',
    '',
  ].join('\n');
  writeFileAtomic(path.join(out, 'table.md'), md);
  process.stderr.write(md);
  console.log(out);
});
