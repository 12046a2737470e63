// Reading a zip archive one entry at a time, with the directory's sizes held to account (a .pt
// file is a zip). fflate's unzipSync inflates every entry the filter lets through into a buffer
// of the size the directory declares and keeps decoding past its end, and its filter is not told
// where an entry's data lies; so the directory is read here (APPNOTE.TXT sections 4.3.7, 4.3.12,
// 4.3.14-16, 4.5.3: zip64 included), and fflate's streaming Inflate does the inflating, in chunks,
// so that an entry is refused as soon as it inflates past its declared size.

import { Inflate } from 'fflate';

export class ZipError extends Error {
  override name = 'ZipError';
}

export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflate (the methods this reader inflates). */
  readonly method: number;
  readonly compressedSize: number;
  /** The uncompressed size the central directory declares. */
  readonly size: number;
  /** Where the entry's local header starts. */
  readonly headerOffset: number;
  readonly encrypted: boolean;
}

/** Deflate cannot expand its input more than this (zlib's FAQ): a larger declared size is a lie. */
export const maxDeflateRatio = 1032;

/** Compressed bytes fed to the inflater per step: bounds what one step can produce (~16 MiB). */
const chunkSize = 16 * 1024;

const u16 = (d: DataView, at: number) => d.getUint16(at, true);
const u32 = (d: DataView, at: number) => d.getUint32(at, true);
const u64 = (d: DataView, at: number) => Number(d.getBigUint64(at, true));

/** The central directory: every entry by name. Reads no entry's data. */
export function readZipDirectory(zip: Uint8Array): Map<string, ZipEntry> {
  const d = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const inside = (at: number, n: number, what: string) => {
    if (at < 0 || at + n > zip.length) throw new ZipError(`${what} at byte ${at} runs past the end of the file (${zip.length} bytes)`);
  };
  // The end-of-central-directory record: 22 bytes, then a comment of at most 65535.
  let eocd = -1;
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 0xffff); at--) {
    if (u32(d, at) === 0x06054b50) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw new ZipError('no end-of-central-directory record');
  let count = u16(d, eocd + 10);
  let offset = u32(d, eocd + 16);
  if (eocd >= 20 && u32(d, eocd - 20) === 0x07064b50) { // zip64 locator, then the zip64 record it points to
    const at = u64(d, eocd - 12);
    inside(at, 56, 'the zip64 end-of-central-directory record');
    if (u32(d, at) !== 0x06064b50) throw new ZipError(`no zip64 end-of-central-directory record at byte ${at}`);
    count = u64(d, at + 32);
    offset = u64(d, at + 48);
  }
  const entries = new Map<string, ZipEntry>();
  for (let i = 0; i < count; i++) {
    inside(offset, 46, `central directory entry ${i}`);
    if (u32(d, offset) !== 0x02014b50) throw new ZipError(`central directory entry ${i} at byte ${offset} has no signature`);
    const nameLength = u16(d, offset + 28);
    const extraLength = u16(d, offset + 30);
    const next = offset + 46 + nameLength + extraLength + u16(d, offset + 32);
    inside(offset, next - offset, `central directory entry ${i}`);
    const flags = u16(d, offset + 8);
    const name = new TextDecoder(flags & 0x800 ? 'utf-8' : 'latin1').decode(zip.subarray(offset + 46, offset + 46 + nameLength));
    let compressedSize = u32(d, offset + 20);
    let size = u32(d, offset + 24);
    let headerOffset = u32(d, offset + 42);
    // A field that does not fit 32 bits is 0xffffffff here and lives in the zip64 extra field (id 1),
    // in this order: size, compressed size, header offset.
    const wide = [size, compressedSize, headerOffset].map((v) => v === 0xffffffff);
    if (wide.some(Boolean)) {
      const values = zip64Extra(d, offset + 46 + nameLength, extraLength, wide.filter(Boolean).length, name);
      if (wide[0]) size = values.shift()!;
      if (wide[1]) compressedSize = values.shift()!;
      if (wide[2]) headerOffset = values.shift()!;
    }
    if (entries.has(name)) throw new ZipError(`the archive holds two entries named ${name}`);
    entries.set(name, { name, method: u16(d, offset + 10), compressedSize, size, headerOffset, encrypted: (flags & 1) !== 0 });
    offset = next;
  }
  return entries;
}

function zip64Extra(d: DataView, at: number, length: number, n: number, name: string): number[] {
  for (const end = at + length; at + 4 <= end; at += 4 + u16(d, at + 2)) {
    if (u16(d, at) !== 1) continue;
    if (u16(d, at + 2) < 8 * n) break;
    return Array.from({ length: n }, (_, i) => u64(d, at + 4 + 8 * i));
  }
  throw new ZipError(`${name}: its sizes need a zip64 extra field, which is missing or short`);
}

/**
 * An entry's bytes (a view into `zip` when stored). Refuses, before inflating anything, a declared
 * size deflate could not produce from the compressed bytes, and stops as soon as the data inflates
 * past the declared size: memory stays within what the directory declares.
 */
export function readZipEntry(zip: Uint8Array, entry: ZipEntry): Uint8Array {
  const { name, method, compressedSize, size, headerOffset } = entry;
  if (entry.encrypted) throw new ZipError(`${name} is encrypted`);
  if (method !== 0 && method !== 8) throw new ZipError(`${name} uses compression method ${method}; only stored (0) and deflate (8) are read`);
  const d = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  if (headerOffset + 30 > zip.length || u32(d, headerOffset) !== 0x04034b50) {
    throw new ZipError(`${name}: no local header at byte ${headerOffset}`);
  }
  const start = headerOffset + 30 + u16(d, headerOffset + 26) + u16(d, headerOffset + 28);
  if (start + compressedSize > zip.length) {
    throw new ZipError(`${name}: its ${compressedSize} bytes at byte ${start} run past the end of the file (${zip.length} bytes)`);
  }
  const raw = zip.subarray(start, start + compressedSize);
  if (method === 0) {
    if (size !== compressedSize) throw new ZipError(`${name} is stored, but the directory declares ${size} bytes and it holds ${compressedSize}`);
    return raw;
  }
  if (size > compressedSize * maxDeflateRatio) {
    throw new ZipError(
      `${name} declares ${size} bytes inflated from ${compressedSize}, more than deflate can produce (at most ${maxDeflateRatio} times)`,
    );
  }
  const out = new Uint8Array(size);
  let filled = 0;
  const inflater = new Inflate((chunk) => {
    if (filled + chunk.length > size) throw new ZipError(`${name} inflates past the ${size} bytes the zip directory declares`);
    out.set(chunk, filled);
    filled += chunk.length;
  });
  try {
    let at = 0;
    do {
      const end = Math.min(at + chunkSize, raw.length);
      inflater.push(raw.subarray(at, end), end === raw.length);
      at = end;
    } while (at < raw.length);
  } catch (e) {
    if (e instanceof ZipError) throw e;
    throw new ZipError(`${name}: corrupt deflate data (${(e as Error).message})`);
  }
  if (filled !== size) throw new ZipError(`${name} inflates to ${filled} bytes, but the zip directory declares ${size}`);
  return out;
}
