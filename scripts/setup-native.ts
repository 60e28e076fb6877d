/**
 * `npm run setup:native [-- --gpu --force --offline --bench --postinstall]`
 *
 * Makes the native TensorFlow backend (@tensorflow/tfjs-node) work without the tfjs CDN: builds
 * its binding against the libtensorflow inside the TensorFlow CPU Python wheel, cached under
 * `$FACEGAN_CACHE` (default ~/.cache/facegan). Idempotent: a second run only checks. See
 * docs/native.md and tools/native/setup.ts.
 */
import * as os from 'os';
import * as path from 'path';
import { setupNative, SetupResult } from '../tools/native/setup';
import { parseArgs, ParsedArgs } from '../tools/cli/args';

const USAGE = `usage: npm run setup:native [-- options]
  --gpu          build @tensorflow/tfjs-node-gpu instead (needs an installed CUDA build of TensorFlow)
  --force        rebuild even if the binding already works (ignores cached bindings)
  --offline      do not try tfjs-node's own CDN download
  --bench        also measure matMul/conv GFLOP/s, native vs pure-JS cpu
  --postinstall  one-line output, always exit 0 (used by scripts/postinstall.js)
env: FACEGAN_CACHE (cache folder), FACEGAN_TF_DIR (use this libtensorflow), FACEGAN_PYTHON (python for pip),
     FACEGAN_PIP_INDEX_URL (pip index URLs), FACEGAN_OFFICIAL_TIMEOUT_S (default 180)`;

const FLAGS = ['gpu', 'force', 'offline', 'bench', 'postinstall', 'help'];

function home(p: string): string {
  const h = os.homedir();
  return p.startsWith(h + path.sep) ? `~${p.slice(h.length)}` : p;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function summary(r: SetupResult): string {
  const lines = [`setup:native summary (${r.pkg})`];
  for (const s of r.steps) {
    lines.push(`  ${s.name.padEnd(26)} ${s.status.padEnd(8)} ${secs(s.ms).padStart(7)}  ${s.detail}`);
  }
  if (r.ok) {
    lines.push(`  result: OK via ${r.route}; libtensorflow ${r.probe?.tfVersion ?? '?'}; total ${secs(r.totalMs)}`);
    const b = r.probe?.bench;
    if (b) {
      lines.push(
        `  speed: matMul 128x512x512 ${b.matmulNative.toFixed(1)} GFLOP/s native vs ${b.matmulCpu.toFixed(2)} cpu; ` +
          `conv 3x3 ${b.convNative.toFixed(1)} vs ${b.convCpu.toFixed(2)} GFLOP/s`,
      );
    }
    lines.push(`  initBackend() now picks '${r.pkg.endsWith('gpu') ? 'node-gpu' : 'node'}'; FACEGAN_BACKEND=cpu forces pure JS`);
  } else {
    const gpu = r.pkg.endsWith('-gpu');
    lines.push(`  result: FAILED after ${secs(r.totalMs)}: ${r.error}`);
    lines.push(
      gpu
        ? '  tfjs-node (CPU) and the pure-JS backend are unaffected; fix the cause above and rerun: npm run setup:native -- --gpu'
        : '  the pure-JS cpu backend still works (slowly); fix the cause above and rerun: npm run setup:native',
    );
  }
  lines.push(`  log: ${home(r.logFile)}`);
  return lines.join('\n');
}

function oneLine(r: SetupResult): string {
  if (r.ok) {
    return `facegan native: ${r.pkg} ready (${r.route}, libtensorflow ${r.probe?.tfVersion ?? '?'}, ${secs(r.totalMs)}).`;
  }
  return (
    `facegan native: ${r.pkg} not available (${r.error?.split('\n')[0]}); using the pure-JS backend. ` +
    `Retry: npm run setup:native (log: ${home(r.logFile)}).`
  );
}

async function main(): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(process.argv.slice(2), { flags: FLAGS }, 'setup:native');
    const extra = args.positionals.filter((a) => a !== '-h');
    if (extra.length) throw new Error(`setup:native: unexpected argument(s) ${extra.join(' ')}`);
  } catch (e) {
    console.error((e as Error).message);
    console.error(USAGE);
    return 2;
  }
  if (args.options.help || args.positionals.includes('-h')) {
    console.error(USAGE);
    return 0;
  }
  const postinstall = !!args.options.postinstall;
  const r = await setupNative({
    gpu: !!args.options.gpu,
    force: !!args.options.force,
    offline: !!args.options.offline,
    bench: !!args.options.bench,
    log: postinstall ? undefined : (m) => console.log(`[setup:native] ${m}`),
  });
  if (postinstall) {
    console.log(oneLine(r));
    return 0;
  }
  console.log(summary(r));
  return r.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`setup:native: unexpected error: ${(e as Error)?.stack ?? e}`);
    process.exit(process.argv.includes('--postinstall') ? 0 : 1);
  },
);
