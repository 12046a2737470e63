// safetensors: round trips of every dtype, byte-exact agreement with the reference implementation
// (its own test vectors from huggingface/safetensors safetensors/src/tensor.rs, and bytes built
// here by hand from the spec), clear errors on corrupt files, atomic saves.
// Python's safetensors is not installed here, so no fixture file is generated with it.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Tensor, tensor, arange, slice } from '../../src/index.js';
import { deserialize, serialize, SafetensorsError } from '../../src/io/index.js';
import { load, loadFile, save, saveFile } from '../../src/io/node.js';

function assertSame(actual: Tensor, expected: Tensor): void {
  assert.equal(actual.dtype, expected.dtype);
  assert.deepEqual(actual.shape, expected.shape);
  assert.deepEqual(Array.from(actual.toTypedArray()), Array.from(expected.contiguous().toTypedArray()));
}

const le = (n: number): number[] => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return [...b];
};
const ascii = (s: string): number[] => [...new TextEncoder().encode(s)];

/** A file from the spec: header JSON padded with spaces to a multiple of 8, then data. */
function build(header: string, data: number[] = [], pad = true): Uint8Array {
  const h = ascii(header);
  while (pad && h.length % 8 !== 0) h.push(0x20);
  return new Uint8Array([...le(h.length), ...h, ...data]);
}

describe('safetensors round trip', () => {
  test('every dtype, 0-d, empty and non-contiguous tensors', () => {
    const base = arange(24, { dtype: 'float32' }).reshape(2, 3, 4);
    const tensors: Record<string, Tensor> = {
      f32: tensor([[1.5, -2.25, 3e-8], [Infinity, -0, 7]], { dtype: 'float32' }),
      f64: tensor([Math.PI, -1e300, 5e-324, NaN], { dtype: 'float64' }),
      i32: tensor([[-(2 ** 31), 2 ** 31 - 1], [0, -7]], { dtype: 'int32' }),
      i64: tensor([2 ** 53, -(2 ** 53), 1234567890123, -1, 0], { dtype: 'int64' }),
      bool: tensor([[true, false, true]], { dtype: 'bool' }),
      scalar_f32: tensor(2.5, { dtype: 'float32' }),
      scalar_i64: tensor(42, { dtype: 'int64' }),
      scalar_bool: tensor(true),
      empty: tensor([], { dtype: 'float32' }).reshape(0, 3),
      transposed: base.permute(2, 0, 1),
      sliced: base.index(':', ':', slice(1, null, 2)),
      int_t: arange(6, { dtype: 'int64' }).reshape(2, 3).t(),
      bool_t: tensor([[true, false], [false, false]]).t(),
    };
    assert.equal(tensors.transposed.isContiguous(), false);
    assert.equal(tensors.int_t.isContiguous(), false);
    const bytes = serialize(tensors, { format: 'pt', note: 'ünïcode ✓' });
    const { tensors: back, metadata } = deserialize(bytes);
    assert.deepEqual(metadata, { format: 'pt', note: 'ünïcode ✓' });
    assert.deepEqual(Object.keys(back).sort(), Object.keys(tensors).sort());
    for (const [k, t] of Object.entries(tensors)) assertSame(back[k], t);
    assert.equal(Object.is(back.f32.toTypedArray()[4], -0), true);
    assert.equal(Number.isNaN(back.f64.toTypedArray()[3]), true);
    // the data section starts 8-aligned
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.equal(n % 8, 0);
  });

  test('no metadata gives null; empty dict round trips', () => {
    assert.equal(deserialize(serialize({})).metadata, null);
    assert.deepEqual(deserialize(serialize({}, {})).metadata, {});
  });

  test('a name like __proto__ stays an ordinary key', () => {
    const { tensors } = deserialize(serialize({ ['__proto__']: tensor([1], { dtype: 'float32' }) } as never));
    assert.equal(Object.getPrototypeOf(tensors), Object.prototype);
    assert.ok(Object.hasOwn(tensors, '__proto__'));
  });

  test('int64 beyond 2^53 is refused on write and on read', () => {
    assert.throws(() => serialize({ big: tensor([2 ** 54], { dtype: 'int64' }) }), /'big'.*2\^53/);
    const data = new Uint8Array(8);
    new DataView(data.buffer).setBigInt64(0, 2n ** 53n + 1n, true);
    const bytes = build('{"x":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}', [...data]);
    assert.throws(() => deserialize(bytes), /tensor 'x'.*9007199254740993.*2\^53/);
  });

  test('F16, BF16 read as float32; small ints as int32; U32 as int64', () => {
    const f16 = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x8000]; // 1, -2, 65504, 2^-24, inf, -0
    const bf16 = [0x3f80, 0xc049, 0x7f80]; // 1, -3.140625, inf
    const u16 = (xs: number[]) => xs.flatMap((x) => [x & 0xff, x >> 8]);
    const header =
      '{"a":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]},' +
      '"b":{"dtype":"BF16","shape":[3],"data_offsets":[12,18]},' +
      '"c":{"dtype":"U8","shape":[2],"data_offsets":[18,20]},' +
      '"d":{"dtype":"I8","shape":[2],"data_offsets":[20,22]},' +
      '"e":{"dtype":"U32","shape":[1],"data_offsets":[22,26]}}';
    const bytes = build(header, [...u16(f16), ...u16(bf16), 255, 3, 0xff, 0x80, 0xff, 0xff, 0xff, 0xff]);
    const { tensors } = deserialize(bytes);
    assert.equal(tensors.a.dtype, 'float32');
    assert.deepEqual(tensors.a.shape, [2, 3]);
    assert.deepEqual(Array.from(tensors.a.toTypedArray()), [1, -2, 65504, Math.fround(2 ** -24), Infinity, -0]);
    assert.equal(tensors.b.dtype, 'float32');
    assert.deepEqual(Array.from(tensors.b.toTypedArray()), [1, -3.140625, Infinity]);
    assert.equal(tensors.c.dtype, 'int32');
    assert.deepEqual(Array.from(tensors.c.toTypedArray()), [255, 3]);
    assert.deepEqual(Array.from(tensors.d.toTypedArray()), [-1, -128]);
    assert.equal(tensors.e.dtype, 'int64');
    assert.deepEqual(Array.from(tensors.e.toTypedArray()), [4294967295]);
  });
});

describe('safetensors bytes match the reference implementation', () => {
  // The reference's own test vectors (safetensors/src/tensor.rs: test_serialization,
  // test_serialization_forced_alignement, test_empty).
  const f32 = (xs: number[]) => [...new Uint8Array(new Float32Array(xs).buffer)];

  test('test_serialization: attn.0, F32 [1, 2, 3]', () => {
    const expected = [
      64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
      116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
      58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
      101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
      0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
    ];
    const t = tensor([0, 1, 2, 3, 4, 5], { dtype: 'float32' }).reshape(1, 2, 3);
    assert.deepEqual([...serialize({ 'attn.0': t })], expected);
  });

  test('test_serialization_forced_alignement: padding with spaces', () => {
    const t = tensor([0, 1, 2, 3, 4, 5], { dtype: 'float32' }).reshape(1, 1, 2, 3);
    const expected = [
      72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
      121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
      91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
      115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
      32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
      160, 64,
    ];
    assert.deepEqual([...serialize({ attn0: t })], expected);
    assert.deepEqual([...serialize({ attn0: t })].slice(-24), f32([0, 1, 2, 3, 4, 5]));
  });

  test('test_empty: no tensors, with and without metadata', () => {
    assert.deepEqual([...serialize({})], [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    assert.deepEqual([...serialize({}, { framework: 'pt' })], [
      40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
      95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
      116, 34, 125, 125, 32, 32, 32, 32, 32,
    ]);
  });

  test('mixed dtypes: laid out by descending dtype, then name, metadata first (spec, by hand)', () => {
    const tensors = {
      'z.bool': tensor([true, false, true]),
      'a.i32': tensor([-1, 2], { dtype: 'int32' }),
      'b.f32': tensor([[0.5]], { dtype: 'float32' }),
      'a.f32': tensor(3, { dtype: 'float32' }),
      'c.f64': tensor([1, -1], { dtype: 'float64' }).reshape(2, 1),
      'y.i64': tensor([-3, 7], { dtype: 'int64' }),
    };
    // Order: I64 > F64 > F32 > I32 > BOOL; names ascending within a dtype.
    const header =
      '{"__metadata__":{"a":"1","format":"pt"},' +
      '"y.i64":{"dtype":"I64","shape":[2],"data_offsets":[0,16]},' +
      '"c.f64":{"dtype":"F64","shape":[2,1],"data_offsets":[16,32]},' +
      '"a.f32":{"dtype":"F32","shape":[],"data_offsets":[32,36]},' +
      '"b.f32":{"dtype":"F32","shape":[1,1],"data_offsets":[36,40]},' +
      '"a.i32":{"dtype":"I32","shape":[2],"data_offsets":[40,48]},' +
      '"z.bool":{"dtype":"BOOL","shape":[3],"data_offsets":[48,51]}}';
    const i64 = new Uint8Array(16);
    new DataView(i64.buffer).setBigInt64(0, -3n, true);
    new DataView(i64.buffer).setBigInt64(8, 7n, true);
    const data = [
      ...i64,
      ...new Uint8Array(new Float64Array([1, -1]).buffer),
      ...f32([3, 0.5]),
      ...new Uint8Array(new Int32Array([-1, 2]).buffer),
      1, 0, 1,
    ];
    const expected = build(header, data);
    assert.deepEqual([...serialize(tensors, { format: 'pt', a: '1' })], [...expected]);
    // and it reads back
    const { tensors: back } = deserialize(expected);
    for (const [k, t] of Object.entries(tensors)) assertSame(back[k], t);
  });

  test('reads headers in any key order, unpadded, with whitespace', () => {
    const bytes = build(
      '{ "b": {"shape": [1], "data_offsets": [4, 8], "dtype": "I32"},\n "a": {"dtype": "I32", "shape": [1], "data_offsets": [0, 4]} }',
      [1, 0, 0, 0, 2, 0, 0, 0],
      false,
    );
    const { tensors } = deserialize(bytes);
    assert.deepEqual(Array.from(tensors.a.toTypedArray()), [1]);
    assert.deepEqual(Array.from(tensors.b.toTypedArray()), [2]);
  });
});

describe('safetensors validation errors', () => {
  const good = serialize({ w: tensor([1, 2, 3, 4], { dtype: 'float32' }), b: tensor([5], { dtype: 'float32' }) });

  const rejects = (bytes: Uint8Array, pattern: RegExp) =>
    assert.throws(() => deserialize(bytes), (e: unknown) => {
      assert.ok(e instanceof SafetensorsError, String(e));
      assert.match((e as Error).message, pattern);
      return true;
    });

  test('too short for the length', () => rejects(new Uint8Array(5), /5 bytes, too short/));

  test('header length past the file end', () => {
    const bytes = good.slice();
    new DataView(bytes.buffer).setBigUint64(0, 1000n, true);
    rejects(bytes, /header length 1000 runs past the end of the file \(\d+ bytes/);
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 63n, true);
    rejects(bytes, /larger than the 100000000-byte limit/);
  });

  test('a header claiming huge tensors fails on the claim, before allocating anything', () => {
    rejects(build('{"a":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,8]}}'), /tensor 'a': shape \[1099511627776, 1099511627776\] is too large/);
    rejects(build('{"a":{"dtype":"F64","shape":[562949953421312],"data_offsets":[0,4503599627370496]}}', [0]),
      /tensor 'a': data_offsets \[0, 4503599627370496\] run past the end of the data section \(1 bytes\)/);
  });

  test('truncated data', () => {
    rejects(good.slice(0, good.length - 3), /tensor 'w': data_offsets \[4, 20\] run past the end of the data section \(17 bytes\)/);
  });

  test('trailing bytes', () => {
    const bytes = new Uint8Array([...good, 0, 0]);
    rejects(bytes, /cover 20 bytes of data, but the file has 22/);
  });

  test('overlapping offsets', () => {
    rejects(build(
      '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}',
      new Array(8).fill(0),
    ), /tensor 'b': data_offsets \[4, 8\] overlap the previous tensor, which ends at 8/);
  });

  test('gap in offsets', () => {
    rejects(build('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', new Array(8).fill(0)),
      /tensor 'a'.*gap: expected it to begin at 0/);
  });

  test('unknown dtype', () => {
    rejects(build('{"a":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}', new Array(16).fill(0)),
      /tensor 'a': unknown dtype "F128", expected one of BOOL, .*F32/);
  });

  test('unsupported dtype', () => {
    rejects(build('{"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}', [0]),
      /tensor 'a': dtype F8_E4M3 is not supported/);
  });

  test('shape / size mismatch', () => {
    rejects(build('{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,8]}}', new Array(8).fill(0)),
      /tensor 'a': shape \[2, 3\] of F32 needs 24 bytes \(6 elements × 4\), but data_offsets \[0, 8\] hold 8/);
  });

  test('malformed entries and headers', () => {
    rejects(build('{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}'), /tensor 'a': shape \[-1\]/);
    rejects(build('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4]}}'), /tensor 'a': data_offsets \[4\] is not a pair/);
    rejects(build('{"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}'), /tensor 'a': data_offsets \[8, 4\] end before they begin/);
    rejects(build('{"a":[1]}'), /tensor 'a': expected an object/);
    rejects(build('{"a":'), /not valid JSON/);
    rejects(build('[]'), /must be a JSON object/);
    rejects(build('{"__metadata__":{"k":1}}'), /'__metadata__' entry 'k' must be a string/);
    const bad = build('{}');
    bad[9] = 0xff;
    rejects(bad, /not valid UTF-8/);
  });

  test('serialize refuses a tensor named __metadata__ and non-string metadata', () => {
    assert.throws(() => serialize({ __metadata__: tensor([1]) }), /reserved/);
    assert.throws(() => serialize({}, { k: 1 as never }), /metadata 'k'.*strings/);
  });
});

describe('safetensors files (Node)', () => {
  test('saveFile / loadFile and save / load', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlab-st-'));
    try {
      const path = join(dir, 'model.safetensors');
      const sd = { 'fc.weight': tensor([[1, 2], [3, 4]], { dtype: 'float32' }), 'fc.bias': tensor([0.5, -0.5], { dtype: 'float32' }) };
      saveFile(sd, path, { format: 'pt' });
      const { tensors, metadata } = loadFile(path);
      assert.deepEqual(metadata, { format: 'pt' });
      for (const [k, t] of Object.entries(sd)) assertSame(tensors[k], t);
      assert.deepEqual([...readFileSync(path)], [...serialize(sd, { format: 'pt' })]);

      const p2 = join(dir, 'sd.safetensors');
      save(sd, p2);
      const back = load(p2);
      for (const [k, t] of Object.entries(sd)) assertSame(back[k], t);
      assert.deepEqual(readdirSync(dir).sort(), ['model.safetensors', 'sd.safetensors']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('atomic save replaces an existing file whole and leaves no temporary file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlab-st-'));
    try {
      const path = join(dir, 'ckpt.safetensors');
      writeFileSync(path, new Uint8Array(100_000).fill(7)); // a larger old file
      const sd = { w: tensor([1, 2, 3], { dtype: 'float64' }) };
      save(sd, path);
      assert.deepEqual([...readFileSync(path)], [...serialize(sd)]);
      assert.deepEqual(readdirSync(dir), ['ckpt.safetensors']);
      assertSame(load(path).w, sd.w);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a failed save leaves the old file and no temporary file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlab-st-'));
    try {
      const path = join(dir, 'ckpt.safetensors');
      save({ w: tensor([1], { dtype: 'float32' }) }, path);
      const before = readFileSync(path);
      assert.throws(() => save({ w: tensor([2 ** 60], { dtype: 'int64' }) }, path), /2\^53/);
      assert.deepEqual(readFileSync(path), before);
      assert.deepEqual(readdirSync(dir), ['ckpt.safetensors']);
      // the rename itself failing (target is a directory) also cleans up
      const sub = join(dir, 'sub');
      mkdirSync(join(sub, 'x'), { recursive: true });
      assert.throws(() => save({ w: tensor([1], { dtype: 'float32' }) }, sub));
      assert.deepEqual(readdirSync(dir).sort(), ['ckpt.safetensors', 'sub']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('loadFile names the path in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlab-st-'));
    try {
      const path = join(dir, 'bad.safetensors');
      writeFileSync(path, new Uint8Array([1, 2, 3]));
      assert.throws(() => loadFile(path), (e: unknown) => (e as Error).message.startsWith(`${path}: `));
      assert.equal(existsSync(path), true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
