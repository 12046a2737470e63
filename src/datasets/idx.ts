// The IDX file format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a 4-byte
// magic number (two zero bytes, a type code, the number of dims), the dims as big-endian uint32,
// then the values. Browser-safe: it parses bytes; reading files is the adapters' business.

const TYPES: Record<number, { name: string; size: number }> = {
  0x08: { name: 'uint8', size: 1 },
  0x09: { name: 'int8', size: 1 },
  0x0b: { name: 'int16', size: 2 },
  0x0c: { name: 'int32', size: 4 },
  0x0d: { name: 'float32', size: 4 },
  0x0e: { name: 'float64', size: 8 },
};

/** A parsed IDX file: the values (a view into the file's bytes for uint8) and the dims. */
export interface IdxArray {
  readonly data: Uint8Array;
  readonly shape: readonly number[];
  readonly type: string;
}

/** The magic numbers MNIST uses: 2051 = images (uint8, 3 dims), 2049 = labels (uint8, 1 dim). */
export const IDX_IMAGES_MAGIC = 2051;
/** The magic number of an IDX label file (unsigned bytes, 1 dim). */
export const IDX_LABELS_MAGIC = 2049;

/**
 * Parse an IDX file. `name` names the file in errors; `expectMagic` (e.g. 2051 for images)
 * rejects a file of the wrong kind. Only uint8 payloads are supported (all that MNIST uses).
 */
export function parseIdx(bytes: Uint8Array, name: string, expectMagic?: number): IdxArray {
  if (bytes.length < 4) throw new Error(`${name}: not an IDX file (${bytes.length} bytes, too short for a header)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (expectMagic !== undefined && magic !== expectMagic) {
    throw new Error(`${name}: wrong magic number ${magic} (expected ${expectMagic}); is this the right file?`);
  }
  const typeCode = bytes[2];
  const ndim = bytes[3];
  const type = TYPES[typeCode];
  if (bytes[0] !== 0 || bytes[1] !== 0 || type === undefined || ndim === 0) {
    throw new Error(`${name}: not an IDX file (bad magic number ${magic})`);
  }
  if (type.size !== 1) throw new Error(`${name}: IDX type ${type.name} is not supported (only uint8)`);
  const header = 4 + 4 * ndim;
  if (bytes.length < header) throw new Error(`${name}: truncated IDX header (${bytes.length} bytes, the header needs ${header})`);
  const shape: number[] = [];
  let count = 1;
  for (let d = 0; d < ndim; d++) {
    const n = view.getUint32(4 + 4 * d, false);
    shape.push(n);
    count *= n;
  }
  const expected = header + count * type.size;
  if (bytes.length !== expected) {
    throw new Error(
      `${name}: size ${bytes.length} bytes disagrees with the header (dims [${shape.join(', ')}] need ${expected} bytes)` +
        (bytes.length < expected ? '; the file is truncated' : ''),
    );
  }
  return { data: bytes.subarray(header), shape, type: type.name };
}

/** Write an IDX file of uint8 values (for tests and for saving data in MNIST's format). */
export function encodeIdx(data: Uint8Array, shape: readonly number[]): Uint8Array {
  const header = 4 + 4 * shape.length;
  const out = new Uint8Array(header + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x0800 + shape.length, false);
  shape.forEach((n, d) => view.setUint32(4 + 4 * d, n, false));
  out.set(data, header);
  return out;
}
