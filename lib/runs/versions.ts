/** Versions and provenance recorded in every run's config.json. */
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync } from 'child_process';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

function pkgVersion(name: string): string | null {
  try {
    const file = require.resolve(`${name}/package.json`, { paths: [REPO_ROOT] });
    return JSON.parse(fs.readFileSync(file, 'utf8')).version;
  } catch {
    return null;
  }
}

export function packageVersions(): Record<string, string | null> {
  const own = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
  return {
    facegan: own.version,
    node: process.versions.node,
    '@tensorflow/tfjs': pkgVersion('@tensorflow/tfjs'),
    '@tensorflow/tfjs-node': pkgVersion('@tensorflow/tfjs-node'),
    '@tensorflow/tfjs-node-gpu': pkgVersion('@tensorflow/tfjs-node-gpu'),
  };
}

/** The checkout's commit (with "-dirty" when it has uncommitted changes), or null outside git. */
export function gitCommit(): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    return dirty ? `${head}-dirty` : head;
  } catch {
    return null;
  }
}
