// safetensors (https://github.com/huggingface/safetensors): pure bytes in and out, no Node.
//
// Layout: an 8-byte little-endian u64 N, then N bytes of UTF-8 JSON header
//   {"__metadata__": {"k": "v"}, "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, ...}
// padded with spaces to a multiple of 8, then the raw little-endian, row-major tensor data.
//
// Writing follows the reference (Rust) implementation byte for byte: tensors are laid out by
// descending dtype (its enum order: U64, I64, F64, F32, U32, I32, BF16, F16, ..., BOOL), then by
// name; the header lists `__metadata__` first and the tensors in that same order. (The reference
// keeps metadata in a hash map, so with several metadata entries its order is unspecified; dlab
// writes them sorted by key.)
//
// dtypes: float32 <-> F32, float64 <-> F64, int32 <-> I32, int64 <-> I64, bool <-> BOOL.
// dlab holds int64 in a Float64Array, so an I64 value beyond ±2^53 cannot be represented: it is
// an error on write and on read rather than a silent rounding.
// Reading also accepts, with a change of dtype: F16 and BF16 (converted to float32, exact),
// U8, I8, I16 and U16 (to int32, exact), U32 and U64 (to int64; U64 past 2^53 is an error).
// Other dtypes (F8_E4M3, F8_E5M2, ...) are rejected with an error naming the tensor.

import { Tensor } from '../tensor/tensor.js';
import { tensor } from '../ops/creation.js';
import type { DType } from '../tensor/dtype.js';
import { readBFloat16, readFloat16 } from './half.js';

/** The dtype names of the safetensors format (F32, F64, I64, ...). */
export type SafetensorsDtype =
  | 'BOOL' | 'U8' | 'I8' | 'F8_E5M2' | 'F8_E4M3' | 'I16' | 'U16' | 'F16' | 'BF16'
  | 'I32' | 'U32' | 'F32' | 'F64' | 'I64' | 'U64';

/** The reference implementation's Dtype enum order (it sorts by it, descending). */
const dtypeRank: Record<SafetensorsDtype, number> = {
  BOOL: 0, U8: 1, I8: 2, F8_E5M2: 3, F8_E4M3: 4, I16: 5, U16: 6, F16: 7, BF16: 8,
  I32: 9, U32: 10, F32: 11, F64: 12, I64: 13, U64: 14,
};

const dtypeSize: Record<SafetensorsDtype, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};

const toSafetensors: Record<DType, SafetensorsDtype> = {
  float32: 'F32', float64: 'F64', int32: 'I32', int64: 'I64', bool: 'BOOL',
};

/** The dlab dtype each readable safetensors dtype becomes. */
const fromSafetensors: Partial<Record<SafetensorsDtype, DType>> = {
  F32: 'float32', F64: 'float64', I32: 'int32', I64: 'int64', BOOL: 'bool',
  F16: 'float32', BF16: 'float32',
  U8: 'int32', I8: 'int32', I16: 'int32', U16: 'int32',
  U32: 'int64', U64: 'int64',
};

/** The reference implementation refuses headers above 100 MB; so do we. */
export const MAX_HEADER_SIZE = 100_000_000;

const MAX_EXACT = 2 ** 53;
const METADATA_KEY = '__metadata__';
const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A safetensors file read back: its tensors by name and its `__metadata__`. */
export interface Deserialized {
  tensors: Record<string, Tensor>;
  /** The header's `__metadata__` map, or null when the file has none. */
  metadata: Record<string, string> | null;
}

/** A safetensors file that cannot be read: the message says what is wrong and where. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

// ---------------------------------------------------------------- writing

const utf8 = new TextEncoder();

/** Rust compares strings by their UTF-8 bytes; JavaScript's < compares UTF-16 code units. */
function compareUtf8(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** A tensor's values as little-endian bytes, row-major (non-contiguous inputs are copied). */
function tensorBytes(name: string, t: Tensor): Uint8Array {
  const values = t.contiguous().toTypedArray();
  const n = values.length;
  if (t.dtype === 'int64') {
    const out = new Uint8Array(n * 8);
    const view = new DataView(out.buffer);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (!Number.isInteger(v) || Math.abs(v) > MAX_EXACT) {
        throw new SafetensorsError(
          `tensor '${name}': int64 value ${v} at flat index ${i} is not an integer within ±2^53, ` +
            'the range dlab holds exactly',
        );
      }
      view.setBigInt64(i * 8, BigInt(v), true);
    }
    return out;
  }
  if (t.dtype === 'bool') {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = values[i] ? 1 : 0;
    return out;
  }
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (littleEndianHost) return bytes.slice();
  const out = new Uint8Array(bytes.length);
  const size = values.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += size) {
    for (let j = 0; j < size; j++) out[i + j] = bytes[i + size - 1 - j];
  }
  return out;
}

/**
 * Serialize tensors (and an optional string-to-string metadata map) to safetensors bytes, exactly
 * as the reference implementation writes them. Gradients and autograd history are not stored.
 */
export function serialize(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const entries = Object.entries(tensors).map(([name, t]) => {
    if (name === METADATA_KEY) {
      throw new SafetensorsError(`'${METADATA_KEY}' is reserved for metadata and cannot name a tensor`);
    }
    if (!(t instanceof Tensor)) {
      throw new SafetensorsError(`tensor '${name}': expected a Tensor, got ${typeof t}`);
    }
    const dtype = toSafetensors[t.dtype];
    if (dtype === undefined) throw new SafetensorsError(`tensor '${name}': dtype ${t.dtype} has no safetensors dtype`);
    return { name, t, dtype };
  });
  entries.sort((a, b) => dtypeRank[b.dtype] - dtypeRank[a.dtype] || compareUtf8(a.name, b.name));

  // A plain object keeps insertion order for non-integer-like keys only, so build the JSON by hand.
  const parts: string[] = [];
  if (metadata !== undefined && metadata !== null) {
    const keys = Object.keys(metadata).sort(compareUtf8);
    const items = keys.map((k) => {
      const v = metadata[k];
      if (typeof v !== 'string') {
        throw new SafetensorsError(`metadata '${k}': values must be strings, got ${typeof v}`);
      }
      return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
    });
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${items.join(',')}}`);
  }
  const datas: Uint8Array[] = [];
  let offset = 0;
  for (const { name, t, dtype } of entries) {
    const data = tensorBytes(name, t);
    const info = `{"dtype":"${dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${offset + data.length}]}`;
    parts.push(`${JSON.stringify(name)}:${info}`);
    datas.push(data);
    offset += data.length;
  }
  const json = utf8.encode(`{${parts.join(',')}}`);
  const n = Math.ceil(json.length / 8) * 8;

  const out = new Uint8Array(8 + n + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  let at = 8 + n;
  for (const d of datas) {
    out.set(d, at);
    at += d.length;
  }
  return out;
}

// ---------------------------------------------------------------- reading

interface Entry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

function isNonNegativeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function parseEntry(name: string, raw: unknown): Entry {
  const what = `tensor '${name}'`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SafetensorsError(`${what}: expected an object {dtype, shape, data_offsets} in the header`);
  }
  const info = raw as Record<string, unknown>;
  const dtype = info.dtype;
  if (typeof dtype !== 'string' || !Object.hasOwn(dtypeRank, dtype)) {
    throw new SafetensorsError(
      `${what}: unknown dtype ${JSON.stringify(dtype)}, expected one of ${Object.keys(dtypeRank).join(', ')}`,
    );
  }
  const shape = info.shape;
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInt)) {
    throw new SafetensorsError(`${what}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  }
  const offsets = info.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInt)) {
    throw new SafetensorsError(
      `${what}: data_offsets ${JSON.stringify(offsets)} is not a pair [begin, end] of non-negative integers`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw new SafetensorsError(`${what}: data_offsets [${begin}, ${end}] end before they begin`);
  const st = dtype as SafetensorsDtype;
  const numel = (shape as number[]).reduce((a, b) => a * b, 1);
  const expected = numel * dtypeSize[st];
  if (!Number.isSafeInteger(expected)) throw new SafetensorsError(`${what}: shape [${shape.join(', ')}] is too large`);
  if (end - begin !== expected) {
    throw new SafetensorsError(
      `${what}: shape [${shape.join(', ')}] of ${st} needs ${expected} bytes ` +
        `(${numel} elements × ${dtypeSize[st]}), but data_offsets [${begin}, ${end}] hold ${end - begin}`,
    );
  }
  return { name, dtype: st, shape: shape as number[], begin, end };
}

function decode(entry: Entry, data: Uint8Array): Tensor {
  const { name, dtype, shape } = entry;
  const bytes = data.subarray(entry.begin, entry.end);
  const n = bytes.length / dtypeSize[dtype];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const target = fromSafetensors[dtype];
  if (target === undefined) {
    throw new SafetensorsError(`tensor '${name}': dtype ${dtype} is not supported by dlab`);
  }
  let values: Float32Array | Float64Array | Int32Array | Uint8Array;
  switch (dtype) {
    case 'F32':
    case 'F64':
    case 'I32': {
      const Ctor = dtype === 'F32' ? Float32Array : dtype === 'F64' ? Float64Array : Int32Array;
      if (littleEndianHost) {
        values = new Ctor(bytes.slice().buffer); // the copy is aligned, whatever the data offset
      } else {
        values = new Ctor(n);
        for (let i = 0; i < n; i++) {
          values[i] = dtype === 'F32' ? view.getFloat32(i * 4, true)
            : dtype === 'F64' ? view.getFloat64(i * 8, true) : view.getInt32(i * 4, true);
        }
      }
      break;
    }
    case 'I64':
    case 'U64': {
      values = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = dtype === 'I64' ? view.getBigInt64(i * 8, true) : view.getBigUint64(i * 8, true);
        if (v > 9007199254740992n || v < -9007199254740992n) {
          throw new SafetensorsError(
            `tensor '${name}': ${dtype} value ${v} at flat index ${i} exceeds ±2^53, ` +
              'which dlab (int64 held in a Float64Array) cannot represent exactly',
          );
        }
        values[i] = Number(v);
      }
      break;
    }
    case 'U32':
      values = new Float64Array(n);
      for (let i = 0; i < n; i++) values[i] = view.getUint32(i * 4, true);
      break;
    case 'BOOL':
      values = new Uint8Array(n);
      for (let i = 0; i < n; i++) values[i] = bytes[i] ? 1 : 0;
      break;
    case 'F16':
      values = readFloat16(view, n);
      break;
    case 'BF16':
      values = readBFloat16(view, n);
      break;
    case 'U8':
    case 'I8':
    case 'I16':
    case 'U16':
      values = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        values[i] = dtype === 'U8' ? view.getUint8(i) : dtype === 'I8' ? view.getInt8(i)
          : dtype === 'I16' ? view.getInt16(i * 2, true) : view.getUint16(i * 2, true);
      }
      break;
    default:
      throw new SafetensorsError(`tensor '${name}': dtype ${dtype} is not supported by dlab`);
  }
  return tensor(values, { dtype: target }).reshape(shape);
}

/**
 * Parse safetensors bytes into tensors (each its own copy of the data) and the metadata map.
 * Validates like the reference implementation: the header length fits the file, the header is
 * UTF-8 JSON, every dtype is known, each tensor's byte range matches its shape and dtype, and the
 * ranges tile the data section exactly (no gaps, overlaps or bytes past the end).
 */
export function deserialize(bytes: Uint8Array): Deserialized {
  if (bytes.length < 8) {
    throw new SafetensorsError(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = dv.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_SIZE)) {
    throw new SafetensorsError(`header length ${n64} is larger than the ${MAX_HEADER_SIZE}-byte limit`);
  }
  const n = Number(n64);
  if (8 + n > bytes.length) {
    throw new SafetensorsError(
      `header length ${n} runs past the end of the file (${bytes.length} bytes, so at most ${bytes.length - 8})`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw new SafetensorsError('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(`header is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new SafetensorsError('header must be a JSON object of tensor names');
  }

  let metadata: Record<string, string> | null = null;
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (raw === null) continue;
      if (typeof raw !== 'object' || Array.isArray(raw)) {
        throw new SafetensorsError(`'${METADATA_KEY}' must be an object of string values`);
      }
      const pairs = Object.entries(raw as Record<string, unknown>);
      for (const [k, v] of pairs) {
        if (typeof v !== 'string') {
          throw new SafetensorsError(`'${METADATA_KEY}' entry '${k}' must be a string, got ${JSON.stringify(v)}`);
        }
      }
      // fromEntries defines own properties, so a key like "__proto__" stays an ordinary key.
      metadata = Object.fromEntries(pairs) as Record<string, string>;
      continue;
    }
    entries.push(parseEntry(name, raw));
  }

  const dataLength = bytes.length - 8 - n;
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expectedBegin = 0;
  for (const e of byOffset) {
    if (e.begin !== expectedBegin) {
      throw new SafetensorsError(
        e.begin < expectedBegin
          ? `tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] overlap the previous tensor, which ends at ${expectedBegin}`
          : `tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] leave a gap: expected it to begin at ${expectedBegin}`,
      );
    }
    if (e.end > dataLength) {
      throw new SafetensorsError(
        `tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] run past the end of the data section ` +
          `(${dataLength} bytes); the file may be truncated`,
      );
    }
    expectedBegin = e.end;
  }
  if (expectedBegin !== dataLength) {
    throw new SafetensorsError(
      `the tensors cover ${expectedBegin} bytes of data, but the file has ${dataLength} bytes after the header`,
    );
  }

  const data = bytes.subarray(8 + n);
  const tensors: Record<string, Tensor> = Object.fromEntries(byOffset.map((e) => [e.name, decode(e, data)]));
  return { tensors, metadata };
}
