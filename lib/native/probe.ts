/**
 * Checks, in a child process, whether a tfjs-node package's native binding loads and computes the
 * same conv2d/matMul results as the pure-JS cpu backend.
 */
import * as fs from 'fs';
import * as path from 'path';
import { errorLine, exec } from './exec';
import { bindingFile, NativePackage, packageDir, REPO_ROOT } from './paths';
import type { ProbeReport } from './probe-child';

export type { ProbeReport } from './probe-child';

/** Options for {@link probeNative}. */
export interface ProbeOptions {
  /** Also measure matMul/conv GFLOP/s on both backends (adds a few seconds). */
  bench?: boolean;
  timeoutMs?: number;
  /** Extra environment for the child (e.g. TF_NUM_INTRAOP_THREADS). */
  env?: NodeJS.ProcessEnv;
  logFile?: string;
}

/**
 * Reports whether `pkg` works here. Cheap checks first (package installed, binding file present),
 * then a child process that loads it and compares a conv2d/matMul against the cpu backend.
 * Never throws: a failure is `{ ok: false, error }`.
 */
export async function probeNative(pkg: NativePackage, opts: ProbeOptions = {}): Promise<ProbeReport> {
  const dir = packageDir(pkg);
  if (dir === null) return { ok: false, error: `${pkg} is not installed (it is an optional dependency)` };
  let binding: string;
  try {
    binding = bindingFile(dir);
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
  if (!fs.existsSync(binding)) {
    return { ok: false, error: `native binding not built (no ${path.relative(REPO_ROOT, binding)})` };
  }
  const child = path.join(__dirname, 'probe-child.ts');
  const args = ['--import', 'tsx', child];
  const env = { TF_CPP_MIN_LOG_LEVEL: '2', ...process.env, ...opts.env, FACEGAN_PROBE_PACKAGE: pkg, FACEGAN_PROBE_BENCH: opts.bench ? '1' : '0' };
  const r = await exec(process.execPath, args, {
    cwd: REPO_ROOT,
    env,
    timeoutMs: opts.timeoutMs ?? 120_000,
    logFile: opts.logFile,
  });
  const line = r.stdout.split('\n').reverse().find((l) => l.startsWith('FACEGAN_PROBE '));
  if (line) return JSON.parse(line.slice('FACEGAN_PROBE '.length)) as ProbeReport;
  if (r.timedOut) return { ok: false, error: `probe of ${pkg} timed out` };
  const why = r.spawnError ?? (r.code === null ? 'the probe process was killed (crash in native code?)' : errorLine(r));
  return { ok: false, error: `probe of ${pkg} failed (exit ${r.code}): ${why}` };
}
