/**
 * The project's one file writer (bottom floor: imports nothing of the project). Atomic writes: a
 * temporary file beside the target, every byte checked, fsync'd, renamed over the target, and the
 * folder fsync'd, so a crash or a full disk never leaves half a file under the final name.
 */
import * as fs from 'fs';
import * as path from 'path';

let counter = 0;

/** A write that failed, naming the file it was writing (the temporary file is already removed). */
export class WriteError extends Error {
  constructor(readonly file: string, readonly code: string | undefined, detail: string) {
    super(`cannot write ${file}: ${detail}`);
    this.name = 'WriteError';
  }
}

/** Writes all of `buf` to `fd`, looping over short writes; throws if the system accepts no byte. */
function writeAll(fd: number, buf: Uint8Array): void {
  let off = 0;
  while (off < buf.length) {
    const n = fs.writeSync(fd, buf, off, buf.length - off);
    if (n <= 0) throw Object.assign(new Error(`short write: ${off} of ${buf.length} bytes`), { code: 'EIO' });
    off += n;
  }
}

/** fsync of a folder, so a rename inside it survives a power cut (ignored where folders cannot be opened). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // some file systems (and Windows) refuse fsync on a folder: the rename itself is still atomic
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Writes `data` to `file` atomically: a reader sees the old file or the new one, never a mix. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const dir = path.dirname(file);
  const tmp = `${file}.${process.pid}.${counter++}.tmp`;
  try {
    fs.mkdirSync(dir, { recursive: true });
    const fd = fs.openSync(tmp, 'w');
    try {
      writeAll(fd, buf);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    try { fs.rmSync(tmp, { force: true }); } catch { /* nothing more to clean */ }
    const err = e as NodeJS.ErrnoException;
    throw new WriteError(file, err.code, err.code === 'ENOSPC' ? 'no space left on the device (ENOSPC)' : err.message);
  }
  fsyncDir(dir);
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/** Reads a JSON file, with an error that names the file and the problem. */
export function readJson<T = unknown>(file: string, what = 'file'): T {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`${what} ${file} is not valid JSON: ${(e as Error).message}`);
  }
}
