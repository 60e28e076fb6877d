/**
 * Where things live for the native TensorFlow backend: the tfjs-node packages, their binding file,
 * and facegan's cache of extracted TensorFlow libraries and built bindings.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The two npm packages that carry a native TensorFlow binding. */
export type NativePackage = '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu';

/** TensorFlow release whose CPU Python wheel supplies libtensorflow when no CDN is reachable. */
export const TF_WHEEL_VERSION = '2.21.0';
/** PyPI project holding that wheel (CPU-only, so no CUDA libraries are needed at run time). */
export const TF_WHEEL_PROJECT = 'tensorflow-cpu';

/** Repository root (the folder holding package.json), independent of the current directory. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/**
 * facegan's cache folder: `$FACEGAN_CACHE` if set, else `$XDG_CACHE_HOME/facegan`, else
 * `~/.cache/facegan`. Survives `npm ci` (which wipes node_modules).
 */
export function cacheRoot(): string {
  const env = process.env.FACEGAN_CACHE;
  if (env && env.trim() !== '') return path.resolve(env);
  const xdg = process.env.XDG_CACHE_HOME;
  const base = xdg && xdg.trim() !== '' ? xdg : path.join(os.homedir(), '.cache');
  return path.join(base, 'facegan');
}

/** Cache folder for one extracted TensorFlow (libraries in `lib/`, headers in `include/`). */
export function tfCacheDir(version: string = TF_WHEEL_VERSION, gpu = false): string {
  return path.join(cacheRoot(), `tensorflow${gpu ? '-gpu' : ''}-${version}`);
}

/** Folder of an installed npm package, or null when it is not installed. */
export function packageDir(pkg: string): string | null {
  try {
    return path.dirname(require.resolve(`${pkg}/package.json`, { paths: [REPO_ROOT] }));
  } catch {
    return null;
  }
}

/** The fields of a tfjs-node package.json that locate its binding. */
interface BinaryField {
  module_name: string;
  module_path: string;
  napi_versions: number[];
}

/** Reads `name`, `version` and the node-pre-gyp `binary` field of a tfjs-node package. */
export function readPackageJson(pkgDir: string): { name: string; version: string; binary: BinaryField } {
  const file = path.join(pkgDir, 'package.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  const b = json.binary;
  if (!b || typeof b.module_path !== 'string' || !Array.isArray(b.napi_versions)) {
    throw new Error(`${file}: expected a node-pre-gyp "binary" field with module_path and napi_versions`);
  }
  return { name: json.name, version: json.version, binary: b };
}

/**
 * N-API version node-pre-gyp will look for: the highest of the package's `napi_versions` that the
 * running Node supports (tfjs-node 4.22 lists 3..8, so 8 on Node >= 15).
 */
export function napiBuildVersion(pkgDir: string): number {
  const supported = Number(process.versions.napi);
  const usable = readPackageJson(pkgDir).binary.napi_versions.filter((v) => v <= supported);
  if (usable.length === 0) {
    throw new Error(`${pkgDir}/package.json: no napi_versions <= ${supported} (this Node's N-API version)`);
  }
  return Math.max(...usable);
}

/** Where the package loads its binding from, e.g. `<pkg>/lib/napi-v8/tfjs_binding.node`. */
export function bindingFile(pkgDir: string): string {
  const { binary } = readPackageJson(pkgDir);
  const modulePath = binary.module_path.replace('{napi_build_version}', String(napiBuildVersion(pkgDir)));
  return path.join(pkgDir, modulePath, `${binary.module_name}.node`);
}
