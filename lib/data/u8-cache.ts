/**
 * A decoded-image cache file: uint8 pixels plus a small JSON header, so a large dataset is
 * decoded once and later runs read raw bytes (about a second per GB) instead of JPEGs.
 *
 * Layout: the 10 bytes "FACEGANU8\n", a uint32 (little endian) header length, the UTF-8 JSON
 * header (U8CacheHeader), then n * height * width * channels pixel bytes (NHWC).
 * Written with writeFileAtomic (temporary name, fsync, rename), so a crash never leaves a half-written cache.
 */
import * as fs from 'fs';
import { writeFileAtomic } from '../io/files';
import type { SkipReport } from './types';

const MAGIC = Buffer.from('FACEGANU8\n', 'latin1');
const CHUNK = 1 << 30;

/** The JSON header of a cache file. */
export interface U8CacheHeader {
  format: 'facegan-u8-cache';
  version: 1;
  dataset: string;
  n: number;
  height: number;
  width: number;
  channels: 1 | 3;
  /** How the pixels were made (resample method), so a change of method invalidates the cache. */
  method: string;
  /** Hash of the input file list the cache was built from. */
  listHash: string;
  /** Source file names (relative to the image folder), one per cached image. */
  names: string[];
  skipped: SkipReport[];
  createdAt: string;
}

/**
 * Writes header + pixels atomically, through the project's one atomic writer (lib/io/files.ts:
 * every byte checked, fsync'd, renamed, an error that names the file, no temporary file left).
 */
export function writeU8Cache(file: string, header: U8CacheHeader, data: Uint8Array): void {
  const expect = header.n * header.height * header.width * header.channels;
  if (data.length !== expect) throw new Error(`writeU8Cache(${file}): ${data.length} bytes of pixels, header says ${expect}`);
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length, 0);
  writeFileAtomic(file, [MAGIC, len, json, data]);
}

/** Reads only the header; null when the file is missing. Throws when it is not a valid cache. */
export function readU8CacheHeader(file: string): { header: U8CacheHeader; dataOffset: number } | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const head = Buffer.alloc(MAGIC.length + 4);
    if (fs.readSync(fd, head, 0, head.length, 0) !== head.length || !head.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw new Error(`${file}: not a facegan cache file (bad magic bytes)`);
    }
    const len = head.readUInt32LE(MAGIC.length);
    const json = Buffer.alloc(len);
    if (fs.readSync(fd, json, 0, len, head.length) !== len) throw new Error(`${file}: truncated cache header`);
    const header = JSON.parse(json.toString('utf8')) as U8CacheHeader;
    if (header.format !== 'facegan-u8-cache' || header.version !== 1) throw new Error(`${file}: unknown cache format/version`);
    const dataOffset = head.length + len;
    const size = fs.fstatSync(fd).size;
    const expect = header.n * header.height * header.width * header.channels;
    if (size - dataOffset !== expect) throw new Error(`${file}: truncated cache: ${size - dataOffset} pixel bytes, expected ${expect}`);
    return { header, dataOffset };
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads a whole cache file: header and pixels. Null when missing; throws when invalid. */
export function readU8Cache(file: string): { header: U8CacheHeader; data: Uint8Array } | null {
  const h = readU8CacheHeader(file);
  if (!h) return null;
  const { header, dataOffset } = h;
  const total = header.n * header.height * header.width * header.channels;
  const data = new Uint8Array(total);
  const fd = fs.openSync(file, 'r');
  try {
    let off = 0;
    while (off < total) {
      const got = fs.readSync(fd, data, off, Math.min(CHUNK, total - off), dataOffset + off);
      if (got <= 0) throw new Error(`${file}: unexpected end of cache file at byte ${dataOffset + off}`);
      off += got;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { header, data };
}
