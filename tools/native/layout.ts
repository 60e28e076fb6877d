/**
 * Laying out `deps/include` and `deps/lib` inside a tfjs-node package the way its binding.gyp and
 * run-time loader expect, from a {@link TfSource}.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { TfSource } from './tensorflow';

/** Hard-links `src` to `dest` (instant, no extra disk), copying when that is impossible. */
export function linkOrCopy(src: string, dest: string): 'link' | 'copy' {
  fs.rmSync(dest, { force: true });
  try {
    fs.linkSync(src, dest);
    return 'link';
  } catch {
    fs.copyFileSync(src, dest, fs.constants.COPYFILE_FICLONE);
    return 'copy';
  }
}

/**
 * Replaces `<pkgDir>/deps` with: `include` -> a symlink to the headers (needed only to compile),
 * `lib/<mainLib>` and `lib/libtensorflow_framework.so.2` (hard links or copies, so the binding keeps
 * working if the cache is deleted), and the `libtensorflow.so` / `libtensorflow_framework.so`
 * link-time names that binding.gyp's `-ltensorflow -ltensorflow_framework` look for. The binding's
 * rpath `$ORIGIN/../../deps/lib` then resolves the libraries' sonames at run time.
 */
export function layoutDeps(pkgDir: string, tf: TfSource): { mode: 'link' | 'copy' } {
  const deps = path.join(pkgDir, 'deps');
  const lib = path.join(deps, 'lib');
  fs.rmSync(deps, { recursive: true, force: true });
  fs.mkdirSync(lib, { recursive: true });
  fs.symlinkSync(path.resolve(tf.includeDir), path.join(deps, 'include'), 'dir');
  const mode = linkOrCopy(path.join(tf.libDir, tf.mainLib), path.join(lib, tf.mainLib));
  linkOrCopy(path.join(tf.libDir, tf.frameworkLib), path.join(lib, tf.frameworkLib));
  fs.symlinkSync(tf.mainLib, path.join(lib, 'libtensorflow.so'));
  fs.symlinkSync(tf.frameworkLib, path.join(lib, 'libtensorflow_framework.so'));
  return { mode };
}
