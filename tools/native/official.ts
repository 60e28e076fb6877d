/**
 * The normal route for users with internet: tfjs-node's own install script, which downloads
 * libtensorflow 2.9.1 and a prebuilt binding from Google's CDN. Tried only when the CDN answers.
 */
import * as fs from 'fs';
import * as https from 'https';
import * as path from 'path';
import { errorLine, exec } from '../../lib/native/exec';
import { REPO_ROOT } from '../../lib/native/paths';

/** The host tfjs-node downloads from (honours the same variables as its install script). */
export function cdnUrl(): string {
  const base =
    process.env.TFJS_NODE_CDN_STORAGE || process.env.npm_config_TFJS_NODE_CDN_STORAGE || process.env.CDN_STORAGE ||
    'https://storage.googleapis.com/';
  return base;
}

/**
 * Whether the CDN answers an HTTPS request within `timeoutMs`. With an HTTPS proxy configured we
 * cannot test directly and answer 'unknown' (the install script itself uses the proxy).
 */
export function cdnReachable(timeoutMs = 4000): Promise<'yes' | 'no' | 'unknown'> {
  if (process.env.HTTPS_PROXY || process.env.https_proxy || process.env.npm_config_https_proxy) {
    return Promise.resolve('unknown');
  }
  const url = cdnUrl();
  if (!url.startsWith('https://')) return Promise.resolve('unknown');
  return new Promise((resolve) => {
    const req = https.request(url, { method: 'HEAD', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve('yes');
    });
    req.on('timeout', () => {
      req.destroy();
      resolve('no');
    });
    req.on('error', () => resolve('no'));
    req.end();
  });
}

/** Options for {@link runOfficialInstall}. */
export interface OfficialOptions {
  gpu: boolean;
  timeoutMs: number;
  logFile?: string;
}

/**
 * Runs `node scripts/install.js [gpu download]` inside the package with a time limit. The script
 * rewrites the package's package.json while it works; it is restored afterwards whatever happens.
 * Throws with the script's last output lines on failure.
 */
export async function runOfficialInstall(pkgDir: string, opts: OfficialOptions): Promise<void> {
  const pj = path.join(pkgDir, 'package.json');
  const saved = fs.readFileSync(pj);
  const bin = path.join(REPO_ROOT, 'node_modules', '.bin');
  const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` };
  const args = [path.join('scripts', 'install.js'), ...(opts.gpu ? ['gpu', 'download'] : [])];
  try {
    const r = await exec(process.execPath, args, { cwd: pkgDir, env, timeoutMs: opts.timeoutMs, logFile: opts.logFile });
    if (r.code !== 0 || /failed with error/i.test(r.stdout)) {
      throw new Error(
        `tfjs-node's install script failed${r.timedOut ? ` (timed out after ${opts.timeoutMs / 1000} s)` : ''}: ` +
          (r.spawnError ?? errorLine(r)),
      );
    }
  } finally {
    fs.writeFileSync(pj, saved);
  }
}
