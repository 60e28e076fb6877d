/**
 * TensorBoard's event-file format, encoded by hand: each record is a TFRecord (length, masked
 * CRC32C of the length, data, masked CRC32C of the data) holding one `tensorflow.Event` protobuf.
 * Only the fields facegan writes are encoded (tensorflow/core/util/event.proto, summary.proto):
 *   Event        1 wall_time (double), 2 step (int64), 3 file_version (string), 5 summary, 7 session_log
 *   Summary      1 value (repeated)
 *   Value        1 tag, 2 simple_value (float), 4 image
 *   Image        1 height, 2 width, 3 colorspace, 4 encoded_image_string (PNG bytes)
 *   SessionLog   1 status (1 = START: TensorBoard drops the events of later steps written before a restart)
 */

// ---- CRC32C (Castagnoli), as TFRecord frames use it ----
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotate right by 15 and add a constant. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const c = crc32c(bytes);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** One TFRecord frame around `data`. */
export function tfRecord(data: Uint8Array): Buffer {
  const head = Buffer.alloc(12);
  head.writeBigUInt64LE(BigInt(data.length), 0);
  head.writeUInt32LE(maskedCrc32c(head.subarray(0, 8)), 8);
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(maskedCrc32c(data), 0);
  return Buffer.concat([head, data, tail]);
}

// ---- protobuf wire format (varint, fixed64/32, length-delimited) ----
function varint(v: number | bigint): number[] {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return out;
}
const key = (field: number, wire: number) => varint((field << 3) | wire);
const fieldVarint = (f: number, v: number | bigint) => Buffer.from([...key(f, 0), ...varint(v)]);
const fieldBytes = (f: number, b: Uint8Array) => Buffer.concat([Buffer.from([...key(f, 2), ...varint(b.length)]), b]);
const fieldString = (f: number, s: string) => fieldBytes(f, Buffer.from(s, 'utf8'));
function fieldDouble(f: number, v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v, 0);
  return Buffer.concat([Buffer.from(key(f, 1)), b]);
}
function fieldFloat(f: number, v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeFloatLE(v, 0);
  return Buffer.concat([Buffer.from(key(f, 5)), b]);
}

/** What one event carries besides its time and step. */
export type EventBody =
  | { fileVersion: string }
  | { scalar: { tag: string; value: number } }
  | { image: { tag: string; png: Uint8Array; width: number; height: number; colorspace: number } }
  | { sessionStart: true };

/** A serialised `tensorflow.Event`. */
export function encodeEvent(wallTime: number, step: number, body: EventBody): Buffer {
  const parts = [fieldDouble(1, wallTime), fieldVarint(2, step)];
  if ('fileVersion' in body) parts.push(fieldString(3, body.fileVersion));
  else if ('sessionStart' in body) parts.push(fieldBytes(7, fieldVarint(1, 1)));
  else {
    let value: Buffer;
    if ('scalar' in body) value = Buffer.concat([fieldString(1, body.scalar.tag), fieldFloat(2, body.scalar.value)]);
    else {
      const im = body.image;
      const image = Buffer.concat([fieldVarint(1, im.height), fieldVarint(2, im.width), fieldVarint(3, im.colorspace), fieldBytes(4, im.png)]);
      value = Buffer.concat([fieldString(1, im.tag), fieldBytes(4, image)]);
    }
    parts.push(fieldBytes(5, fieldBytes(1, value)));
  }
  return Buffer.concat(parts);
}

/** Width, height and TensorBoard colorspace (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA) from a PNG's header. */
export function pngInfo(png: Uint8Array): { width: number; height: number; colorspace: number } {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (png.length < 33 || sig.some((b, i) => png[i] !== b)) throw new Error('expected PNG bytes (no PNG signature)');
  const b = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  const colorType = b[25];
  const colorspace = ({ 0: 1, 4: 2, 2: 3, 6: 4, 3: 4 } as Record<number, number>)[colorType] ?? 3;
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20), colorspace };
}
