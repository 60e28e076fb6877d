/** Shared test setup: the backend tests run on ($FACEGAN_BACKEND, else the fastest that loads). */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend, BackendInfo } from '../lib/backend';

let info: BackendInfo | undefined;

export async function setupBackend(): Promise<BackendInfo> {
  if (!info) info = await initBackend({ quiet: true } as Parameters<typeof initBackend>[0]);
  return info;
}

export const SHARED = path.resolve(__dirname, '..', '..', 'shared', 'data');
export const hasShared = (sub: string) => fs.existsSync(path.join(SHARED, sub));

export function tempDir(prefix = 'facegan-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
