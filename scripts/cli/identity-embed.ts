/**
 * `npm run experiment -- identity-embed [--data CELEBA_DIR] [--out DIR] [--epochs N] [--smoke] [--install] [--backend B]`
 * Trains the identity embedding (experiments/identity.ts, lib/classify/identity-train.ts) into
 * results/identity-embed/<time>/ and reports its held-out verification AUC / EER; --install copies
 * it to models/identity-embed/, which `npm run evaluate` on a translator then uses.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs, intOption, stringOption } from '../../tools/cli/args';
import { initBackend, describeBackend } from '../../lib/backend';
import { resolveDataPath } from '../../lib/runs/dataset';
import { newRunDir } from '../../lib/runs/run-dir';
import { IDENTITY_SPEC, IDENTITY_SMOKE } from '../../experiments/identity';
import { DEFAULT_IDENTITY_DIR } from '../../lib/eval/identity';
import { trainIdentity } from '../../lib/classify/identity-train';

const USAGE = `usage: npm run experiment -- identity-embed [options]
  --data DIR     CelebA folder with img_align_celeba/ and identity_CelebA*.txt (default $FACEGAN_CELEBA, else the bundled sample)
  --out DIR      where the model goes (default results/identity-embed/<time>)
  --epochs N     override the spec's ${IDENTITY_SPEC.epochs}
  --smoke        tiny net, 1 epoch (seconds; for tests)
  --install      copy the model to ${DEFAULT_IDENTITY_DIR}
  --backend B    node-gpu | node | wasm | cpu`;

export async function identityCli(argv: string[]): Promise<void> {
  const cmd = 'identity-embed';
  const a = parseArgs(argv, { flags: ['help', 'smoke', 'install'], options: ['data', 'out', 'epochs', 'backend'] }, cmd);
  if (a.options.help) return void console.log(USAGE);
  const backend = await initBackend({ backend: stringOption(a, 'backend') });
  process.stderr.write(`backend: ${describeBackend(backend)}\n`);
  const spec = { ...IDENTITY_SPEC, ...(a.options.smoke ? IDENTITY_SMOKE : {}) };
  const epochs = intOption(a, 'epochs', cmd, 1);
  if (epochs !== undefined) spec.epochs = epochs;
  const data = resolveDataPath({ kind: 'celeba', grayscale: true }, stringOption(a, 'data'));
  const out = path.resolve(stringOption(a, 'out') ?? newRunDir('identity-embed', a.options.smoke ? 'smoke' : 'spec'));
  const r = await trainIdentity(data.path, spec, out, (l) => process.stderr.write(l + '\n'));
  if (a.options.install) {
    fs.mkdirSync(DEFAULT_IDENTITY_DIR, { recursive: true });
    for (const f of ['model.json', 'weights.bin', 'metrics.json']) fs.copyFileSync(path.join(out, f), path.join(DEFAULT_IDENTITY_DIR, f));
    process.stderr.write(`installed into ${DEFAULT_IDENTITY_DIR}\n`);
  }
  console.log(r.dir);
}
