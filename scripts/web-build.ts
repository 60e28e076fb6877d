/**
 * npm run app:build [-- --out DIR]
 *
 * Builds the photo editor page into web/dist/ (or DIR): web/src bundled with esbuild (lib/photo, the
 * same pipeline as `npm run edit`, and TensorFlow.js), the page's HTML and CSS, the face detector's
 * weights (from node_modules/@vladmandic/human/models: blazeface and facemesh only), the shipped
 * translator (models/fer-translate/) and the WebAssembly backend's binaries. Everything the page
 * loads is in the folder: it runs from any static host or offline. Prints the page weight.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as esbuild from 'esbuild';
import { parseArgs, stringOption, runMain } from '../tools/cli/args';
import { REPO_ROOT } from '../lib/runs/versions';
import { DEFAULT_TRANSLATOR_DIR } from '../lib/runs/translate-config';
import { humanPackageDir } from '../lib/edit/human-node';
import { writeJsonAtomic, makeDirs } from '../lib/io/files';

const WEB = path.join(REPO_ROOT, 'web');
const NODE_BUILTINS = /^(fs|path|os|crypto|util|worker_threads|perf_hooks|child_process|url|stream|zlib|buffer|node:.*)$/;

/** Resolves Human's imports of tfjs to this build's one tfjs, and stubs what a browser does not need. */
const resolvePlugin: esbuild.Plugin = {
  name: 'facegan-web',
  setup(build) {
    build.onResolve({ filter: /^human-nobundle$/ }, () => ({ path: path.join(humanPackageDir(), 'dist', 'human.esm-nobundle.js') }));
    build.onResolve({ filter: /^@tensorflow\/tfjs-backend-webgpu(\/.*)?$/ }, () => ({ path: 'webgpu', namespace: 'stub' }));
    build.onResolve({ filter: /^@tensorflow\/tfjs-(core|converter|backend-cpu|backend-webgl|backend-wasm)\/dist\/index\.js$/ }, async (a) => {
      const pkg = a.path.replace(/\/dist\/index\.js$/, '');
      const r = await build.resolve(pkg, { kind: a.kind, resolveDir: a.resolveDir });
      return { path: r.path, errors: r.errors };
    });
    build.onResolve({ filter: NODE_BUILTINS }, (a) => ({ path: a.path, namespace: 'stub' }));
    build.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'export default {};', loader: 'js' }));
  },
};

export interface WebBuild {
  dir: string;
  bytes: number;
  files: { file: string; bytes: number }[];
}

export async function buildWeb(out = path.join(WEB, 'dist'), log: (l: string) => void = () => {}): Promise<WebBuild> {
  const t0 = Date.now();
  fs.rmSync(out, { recursive: true, force: true });
  makeDirs(out);
  const r = await esbuild.build({
    entryPoints: [path.join(WEB, 'src', 'app.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    minify: true,
    legalComments: 'none',
    outfile: path.join(out, 'app.js'),
    plugins: [resolvePlugin],
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  for (const w of r.warnings) log(`esbuild: ${w.text}`);
  for (const f of ['index.html', 'style.css']) fs.copyFileSync(path.join(WEB, f), path.join(out, f));
  const copy = (from: string, to: string) => {
    if (!fs.existsSync(from)) throw new Error(`app:build: ${from} is missing`);
    makeDirs(path.dirname(to));
    fs.copyFileSync(from, to);
  };
  const human = path.join(humanPackageDir(), 'models');
  for (const m of ['blazeface', 'facemesh']) for (const ext of ['json', 'bin']) copy(path.join(human, `${m}.${ext}`), path.join(out, 'models', 'human', `${m}.${ext}`));
  for (const f of ['model.json', 'weights.bin', 'translator.json']) copy(path.join(DEFAULT_TRANSLATOR_DIR, f), path.join(out, 'models', 'fer-translate', f));
  const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm']) copy(path.join(wasmDir, f), path.join(out, 'wasm', f));
  const files: WebBuild['files'] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.push({ file: path.relative(out, p), bytes: fs.statSync(p).size });
    }
  };
  walk(out);
  const bytes = files.reduce((s, f) => s + f.bytes, 0);
  writeJsonAtomic(path.join(out, 'build.json'), { bytes, files, seconds: (Date.now() - t0) / 1000 });
  log(`built ${out}: ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { dir: out, bytes, files };
}

if (require.main === module) {
  runMain(async () => {
    const args = parseArgs(process.argv.slice(2), { options: ['out'] }, 'app:build');
    const out = stringOption(args, 'out');
    const b = await buildWeb(out ? path.resolve(out) : undefined, (l) => process.stderr.write(l + '\n'));
    for (const f of [...b.files].sort((x, y) => y.bytes - x.bytes).slice(0, 8)) process.stderr.write(`  ${(f.bytes / 1e6).toFixed(2).padStart(6)} MB  ${f.file}\n`);
    console.log(b.dir);
  });
}
