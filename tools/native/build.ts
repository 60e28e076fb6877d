/**
 * Compiling a tfjs-node package's binding with node-gyp against the libtensorflow laid out in its
 * `deps/`, and caching the result so a later `npm ci` only copies it back.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeFileAtomic } from '../../lib/io/files';
import { errorLine, exec } from '../../lib/native/exec';
import { bindingFile, cacheRoot, napiBuildVersion, readPackageJson, REPO_ROOT } from '../../lib/native/paths';
import type { TfSource } from './tensorflow';

/**
 * The node-gyp to run, as `[node, script]`: `$FACEGAN_NODE_GYP`, the one shipped inside npm (next
 * to this Node), or a locally installed one. Null when none is found.
 */
export function findNodeGyp(): string[] | null {
  const prefix = path.dirname(path.dirname(process.execPath));
  const candidates = [
    process.env.FACEGAN_NODE_GYP,
    path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(prefix, 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js', { paths: [REPO_ROOT] }));
  } catch {
    /* not installed locally */
  }
  const found = candidates.find((c): c is string => Boolean(c) && fs.existsSync(c as string));
  return found ? [process.execPath, found] : null;
}

/**
 * `--nodedir` for node-gyp when this Node's headers are installed locally (e.g. /usr/include/node),
 * so node-gyp does not try to download them; `npm_config_nodedir` wins when set.
 */
export function localNodeDir(): string | null {
  const env = process.env.npm_config_nodedir;
  if (env) return env;
  const prefix = path.dirname(path.dirname(process.execPath));
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : null;
}

/** Options for {@link buildBinding}. */
export interface BuildOptions {
  logFile?: string;
  timeoutMs?: number;
}

/**
 * Runs `node-gyp rebuild` in `pkgDir` with the module name/path and N-API version node-pre-gyp
 * would use, then checks the binding file exists. Throws with the compiler's last lines on failure.
 */
export async function buildBinding(pkgDir: string, opts: BuildOptions = {}): Promise<string> {
  const gyp = findNodeGyp();
  if (!gyp) {
    throw new Error('node-gyp not found (looked inside npm next to this Node); set FACEGAN_NODE_GYP=/path/to/node-gyp.js');
  }
  const { binary } = readPackageJson(pkgDir);
  const nodedir = localNodeDir();
  const args = [
    ...gyp.slice(1),
    'rebuild',
    `--module_name=${binary.module_name}`,
    `--module_path=${path.dirname(bindingFile(pkgDir))}`,
    `--napi_build_version=${napiBuildVersion(pkgDir)}`,
    `-j`,
    String(Math.max(1, os.availableParallelism())),
    ...(nodedir ? [`--nodedir=${nodedir}`] : []),
  ];
  const r = await exec(gyp[0], args, { cwd: pkgDir, timeoutMs: opts.timeoutMs ?? 15 * 60_000, logFile: opts.logFile });
  if (r.code !== 0) {
    throw new Error(`node-gyp rebuild failed${r.timedOut ? ' (timed out)' : ''}: ${r.spawnError ?? errorLine(r)} (full output: the log file)`);
  }
  const file = bindingFile(pkgDir);
  if (!fs.existsSync(file)) throw new Error(`node-gyp succeeded but ${file} was not produced`);
  return file;
}

/**
 * Cache path of a built binding: keyed by package name and version, N-API version, platform, and
 * the libtensorflow it was linked against (version and main library size).
 */
export function cachedBindingFile(pkgDir: string, tf: TfSource): string {
  const { name, version } = readPackageJson(pkgDir);
  const size = fs.statSync(path.join(tf.libDir, tf.mainLib)).size;
  const key = [
    name.replace(/^@tensorflow\//, ''),
    version,
    `napi${napiBuildVersion(pkgDir)}`,
    `${process.platform}-${os.arch()}`,
    `tf${tf.version}-${size}`,
  ].join('_');
  return path.join(cacheRoot(), 'bindings', key, 'tfjs_binding.node');
}

/** Copies a freshly built binding into the cache (atomically, through lib/io's one writer). */
export function storeBinding(pkgDir: string, tf: TfSource): string {
  const dest = cachedBindingFile(pkgDir, tf);
  writeFileAtomic(dest, fs.readFileSync(bindingFile(pkgDir)));
  return dest;
}

/** Puts a cached binding where the package loads it from; false when there is none. */
export function restoreBinding(pkgDir: string, tf: TfSource): boolean {
  const src = cachedBindingFile(pkgDir, tf);
  if (!fs.existsSync(src)) return false;
  const dest = bindingFile(pkgDir);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.copyFileSync(src, dest);
  return true;
}
