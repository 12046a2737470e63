// Reading torch.save files written by PyTorch 1.13 (test/fixtures/pt/, made by tools/fixtures/pt.py):
// state dicts load into dlab models and give PyTorch's outputs; views keep sharing their storage;
// every storage dtype converts exactly; optimizer state dicts load into dlab optimizers; anything
// that would need code from the file (a pickled module, os.system) is refused by name.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, strToU8, unzipSync, zipSync } from 'fflate';

import { nn, optim, setBackend, tensor, zeros, Tensor, type DType } from '../../src/index.js';
import { loadPt, loadPtObject, loadPtRaw, unpickle } from '../../src/io/index.js';
import { loadPtFile, loadPtObjectFile } from '../../src/io/node.js';
import { assertClose, backendsUnderTest } from '../helpers.js';

const fixtures = fileURLToPath(new URL('../fixtures/pt/', import.meta.url));
const path = (name: string) => `${fixtures}${name}`;
const bytesOf = (name: string) => new Uint8Array(readFileSync(path(name)));

type Value = number | boolean | 'nan' | 'inf' | '-inf' | '-0';
interface Expected {
  shape: number[];
  dtype: string;
  values: Value[];
}
const fixture = JSON.parse(readFileSync(path('pt.json'), 'utf8')) as {
  mlp: { state: Record<string, Expected>; input: Expected; output: Expected };
  convbn: { state: Record<string, Expected> };
  views: Record<string, Expected>;
  half: Record<string, Expected>;
  optim: { sgd: { state: Record<string, Record<string, Expected>>; param_groups: Record<string, unknown>[] }; adam: { state: Record<string, Record<string, Expected>>; param_groups: Record<string, unknown>[] } };
};

const decode = (v: Value): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v === '-0' ? -0 : Number(v));

/** PyTorch's dtype -> the dlab dtype the reader gives it. */
const dlabDtype: Record<string, DType> = {
  float32: 'float32', float64: 'float64', float16: 'float32', bfloat16: 'float32',
  int64: 'int64', int32: 'int32', int16: 'int32', int8: 'int32', uint8: 'int32', bool: 'bool',
};

/** Exact equality with PyTorch's values (Object.is: -0 and NaN count). */
function assertExact(actual: Tensor, expected: Expected, what: string): void {
  assert.equal(actual.dtype, dlabDtype[expected.dtype], `${what}: dtype`);
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const a = Array.from(actual.contiguous().toTypedArray(), Number);
  const e = expected.values.map((v) => (typeof v === 'boolean' ? Number(v) : decode(v)));
  assert.equal(a.length, e.length, `${what}: numel`);
  a.forEach((x, i) => assert.ok(Object.is(x, e[i]), `${what}[${i}]: ${x} !== ${e[i]}`));
}

function fromExpected(e: Expected): Tensor {
  return tensor(e.values.map((v) => decode(v as Value)), { dtype: dlabDtype[e.dtype] }).reshape(e.shape);
}

for (const backend of backendsUnderTest()) {
  describe(`loadPt [${backend}]`, () => {
    before(() => setBackend(backend));

    test('an MLP state dict loads into a dlab nn.Sequential and reproduces PyTorch\'s output', () => {
      const sd = loadPtFile(path('mlp.pt'));
      assert.deepEqual(Object.keys(sd), ['0.weight', '0.bias', '2.weight', '2.bias']); // the file's order
      for (const [k, e] of Object.entries(fixture.mlp.state)) assertExact(sd[k], e, k);
      const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3));
      const result = model.loadStateDict(sd);
      assert.deepEqual(result, { missingKeys: [], unexpectedKeys: [] });
      const y = model.call(fromExpected(fixture.mlp.input));
      assert.deepEqual(y.shape, fixture.mlp.output.shape);
      assertClose(y.toTypedArray(), fixture.mlp.output.values.map((v) => decode(v)), 1e-6, 1e-7, 'mlp output');
    });

    test('pickle protocol 4 (FRAME, MEMOIZE, STACK_GLOBAL, SHORT_BINUNICODE) reads the same', () => {
      const a = loadPt(bytesOf('mlp.pt'));
      const b = loadPt(bytesOf('mlp_p4.pt'));
      for (const [k, e] of Object.entries(fixture.mlp.state)) assertExact(b[k], e, k);
      assert.deepEqual(Object.keys(b), Object.keys(a));
    });

    test('Conv + BatchNorm state dict: running stats and int64 num_batches_tracked', () => {
      const sd = loadPtFile(path('convbn.pt'));
      assert.deepEqual(Object.keys(sd).sort(), Object.keys(fixture.convbn.state).sort());
      for (const [k, e] of Object.entries(fixture.convbn.state)) assertExact(sd[k], e, k);
      assert.equal(sd['1.num_batches_tracked'].dtype, 'int64');
      assert.equal(sd['1.num_batches_tracked'].item(), 1);
      assert.equal(sd['1.num_batches_tracked'].ndim, 0);
    });

    test('strided and offset views, tied entries and every integer dtype', () => {
      const sd = loadPt(bytesOf('views.pt'));
      for (const [k, e] of Object.entries(fixture.views)) assertExact(sd[k], e, k);
      // PyTorch's sharing survives: views of one storage are dlab views of one storage.
      for (const k of ['transposed', 'slice', 'column', 'every_other', 'scalar', 'empty']) {
        assert.equal(sd[k]._storage, sd.base._storage, `${k} shares base's storage`);
      }
      assert.equal(sd.tied_a._storage, sd.tied_b._storage);
      assert.notEqual(sd.tied_a._storage, sd.base._storage);
      assert.deepEqual(sd.transposed.stride(), [1, 6]);
      assert.equal(sd.transposed.isContiguous(), false);
      assert.equal(sd.slice.storageOffset(), 8);
      assert.deepEqual(sd.every_other.stride(), [5]);
      assert.equal(sd.scalar.item(), 15 / 8);
      assert.deepEqual(sd.bool.stride(), [1, 3]);
    });

    test('float16 and bfloat16 widen exactly to float32 (inf, -0, subnormals)', () => {
      const sd = loadPt(bytesOf('half.pt'));
      for (const [k, e] of Object.entries(fixture.half)) assertExact(sd[k], e, k);
      assert.equal(sd.f16_view._storage, sd.f16._storage);
      assert.equal(sd.bf16_slice.storageOffset(), 2);
    });

    test('torch.optim state dicts load into dlab SGD and Adam', () => {
      const saved = loadPtObjectFile(path('optim.pt')) as Record<string, optim.OptimizerStateDict>;
      const p1 = new nn.Parameter(zeros(3, 2));
      const p2 = new nn.Parameter(zeros(2));
      const sgd = new optim.SGD([p1, p2], { lr: 1 });
      const adam = new optim.Adam([{ params: [p1] }, { params: [p2], lr: 0.5 }], { lr: 1 });
      sgd.loadStateDict(saved.sgd);
      adam.loadStateDict(saved.adam);
      for (const [name, opt] of [['sgd', sgd], ['adam', adam]] as const) {
        const expected = fixture.optim[name];
        const dict = opt.stateDict();
        for (const [i, state] of Object.entries(expected.state)) {
          for (const [k, e] of Object.entries(state)) assertExact(dict.state[Number(i)][k] as Tensor, e, `${name}.state.${i}.${k}`);
        }
        expected.param_groups.forEach((g, i) => {
          for (const [k, v] of Object.entries(g)) assert.deepEqual(dict.param_groups[i][k], v, `${name}.param_groups.${i}.${k}`);
        });
      }
      assert.equal(sgd.paramGroups[0].weightDecay, 0.01);
      assert.deepEqual(adam.paramGroups[0].betas, [0.9, 0.999]);
      assert.equal(adam.paramGroups[1].lr, 0.01);
    });
  });
}

describe('loadPtObject: plain Python values', () => {
  test('ints of every width, floats, unicode, None, tuples, dicts with int and tuple keys', () => {
    const v = loadPtObject(bytesOf('misc.pt')) as Record<string, unknown>;
    assert.deepEqual(v.ints, [0, 255, 256, 65535, 65536, -1, -129, 2 ** 31 - 1, -(2 ** 31), 2 ** 40, -(2 ** 40), 2 ** 53]);
    assert.deepEqual(v.big, [2n ** 63n - 1n, -(2n ** 70n)]);
    assert.deepEqual(v.floats, [0.1, -2.5e-300, Infinity, -Infinity, -0]);
    assert.ok(Object.is((v.floats as number[])[4], -0));
    assert.ok(Number.isNaN(v.nan));
    assert.equal(v.text, 'ünïcode ✓ and ascii');
    assert.equal(v.none, null);
    assert.deepEqual(v.flags, [true, false]);
    assert.deepEqual(v.nested, { 1: [[], [1], [1, 2], [1, 2, 3], [1, 2, 3, 4]], '(2, 3)': 'tuple key' });
    assert.deepEqual(Array.from((v.tensor as Tensor).toTypedArray()), [1.5, 2.5]);
    // The raw form keeps Python's shapes: dicts as Maps, tuples frozen.
    const raw = loadPtRaw(bytesOf('misc.pt')) as Map<unknown, unknown>;
    assert.ok(raw instanceof Map);
    assert.ok(Object.isFrozen(raw.get('flags')));
    assert.equal((raw.get('nested') as Map<unknown, unknown>).get(1) instanceof Array, true);
    assert.throws(() => loadPt(bytesOf('misc.pt')), /not a state dict: entry "ints" is a list, not a tensor; use loadPtObject/);
  });
});

// ---------------------------------------------------------------- refusals and damage

/** Pickle bytes from pieces: numbers are bytes, strings are latin-1 text. */
function pkl(...parts: (number | string)[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else for (const c of p) out.push(c.charCodeAt(0));
  }
  return new Uint8Array(out);
}
const binunicode = (s: string) => {
  const b = new TextEncoder().encode(s);
  return ['X', b.length & 0xff, (b.length >> 8) & 0xff, 0, 0, ...Array.from(b)] as (number | string)[];
};

/** { 'w': _rebuild_tensor_v2(storage('0', FloatStorage, numel), offset, size, stride) } as torch writes it. */
function tensorPickle(numel: number, offset: number, size: [number, number], stride: [number, number], global = 'torch._utils\n_rebuild_tensor_v2\n'): Uint8Array {
  return pkl(
    0x80, 2, '}', ...binunicode('w'), 'c', global, '(', '(', ...binunicode('storage'), 'c', 'torch\nFloatStorage\n',
    ...binunicode('0'), ...binunicode('cpu'), 'K', numel, 't', 'Q', 'K', offset, 'K', size[0], 'K', size[1], 0x86,
    'K', stride[0], 'K', stride[1], 0x86, 0x89, '}', 't', 'R', 's', '.',
  );
}

function archive(pickle: Uint8Array, storage: Uint8Array, extra: Record<string, Uint8Array> = {}): Uint8Array {
  return zipSync({ 'x/data.pkl': pickle, 'x/data/0': storage, 'x/version': strToU8('3\n'), ...extra }, { level: 0 });
}

describe('refusals and damaged files', () => {
  test('a hand-built archive in torch\'s layout loads (so the refusals below test one thing each)', () => {
    const sd = loadPt(archive(tensorPickle(6, 0, [2, 3], [3, 1]), new Uint8Array(new Float32Array([1, 2, 3, 4, 5, 6]).buffer)));
    assert.deepEqual(sd.w.tolist(), [[1, 2, 3], [4, 5, 6]]);
  });

  test('a whole pickled module is refused, naming its class, without running anything', () => {
    assert.throws(() => loadPtFile(path('module.pt')), (e: Error) => {
      assert.equal(e.name, 'PtError');
      assert.ok(e.message.startsWith(path('module.pt')), e.message);
      assert.match(e.message, /the global 'torch\.nn\.modules\.linear\.Linear', which dlab will not load/);
      assert.match(e.message, /never runs code/);
      assert.match(e.message, /torch\.save\(model\.state_dict\(\), path\)/);
      return true;
    });
  });

  test('os.system (the classic malicious pickle) is refused by name', () => {
    const evil = pkl(0x80, 2, 'c', 'posix\nsystem\n', ...binunicode('echo pwned'), 0x85, 'R', '.');
    assert.throws(() => loadPt(archive(evil, new Uint8Array())), /the global 'posix\.system', which dlab will not load/);
    // The VM alone: REDUCE only ever calls what findClass returned.
    const called: unknown[] = [];
    const v = unpickle(evil, { findClass: (m, n) => (...args: unknown[]) => (called.push([m, n, ...args]), 'ok') });
    assert.equal(v, 'ok');
    assert.deepEqual(called, [['posix', 'system', 'echo pwned']]);
  });

  test('a view reaching past its storage, a short storage, a missing storage', () => {
    const four = new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer);
    assert.throws(() => loadPt(archive(tensorPickle(4, 0, [2, 3], [3, 1]), four)), /storage '0': a tensor of size \[2, 3\], stride \[3, 1\] at offset 0 reaches element 5, but the storage holds 4/);
    assert.throws(() => loadPt(archive(tensorPickle(4, 1, [2, 2], [2, 1]), four)), /reaches element 4, but the storage holds 4/);
    assert.throws(() => loadPt(archive(tensorPickle(6, 0, [2, 3], [3, 1]), four)), /storage '0' \(FloatStorage\) should hold 6 elements \(24 bytes\), but data\/0 has 16 bytes/);
    const noData = zipSync({ 'x/data.pkl': tensorPickle(4, 0, [2, 2], [2, 1]) }, { level: 0 });
    assert.throws(() => loadPt(noData), /storage '0' is missing from the archive/);
  });

  test('truncated files, non-zip files, the legacy format, big-endian storages, unknown opcodes', () => {
    const good = bytesOf('mlp.pt');
    assert.throws(() => loadPt(good.subarray(0, good.length - 30)), /^PtError: cannot unzip \(truncated or corrupt\?\)/);
    assert.throws(() => loadPt(strToU8('hello world')), /not a PyTorch file: it is not a zip archive/);
    assert.throws(() => loadPt(pkl(0x80, 2, 0x8a, 10, 'l')), /legacy torch\.save format/);
    const files = unzipSync(good);
    const big = zipSync({ ...files, 'mlp/byteorder': strToU8('big') }, { level: 0 });
    assert.throws(() => loadPt(big), /the storages are big-endian; dlab reads little-endian files only/);
    const truncatedPickle = { ...files, 'mlp/data.pkl': files['mlp/data.pkl'].subarray(0, 200) };
    assert.throws(() => loadPt(zipSync(truncatedPickle, { level: 0 })), /data\.pkl: pickle ends inside .* \(the file is truncated or corrupt\)|data\.pkl: .*underflow|data\.pkl: pickle ends/);
    assert.throws(() => unpickle(pkl(0x80, 2, 'I', '12\n', '.'), { findClass: () => null }), /unsupported pickle opcode 0x49 \('I'\) at byte 2/);
    assert.throws(() => unpickle(pkl(0x80, 2, 'h', 7, '.'), { findClass: () => null }), /memo entry 7 read before it was written/);
  });

  test("Python 2 strs (SHORT_BINSTRING, BINSTRING) read as bytes, as pickle.load(f, encoding='bytes')", () => {
    // {'data': 'ab'} with a 300-byte BINSTRING value, as Python 2's cPickle writes a dict of strs.
    const long = 'x'.repeat(300);
    const v = unpickle(pkl(0x80, 2, '}', 'q', 1, 'U', 4, 'data', 'T', 300 & 0xff, 300 >> 8, 0, 0, long, 's', '.'), { findClass: () => null }) as Map<unknown, unknown>;
    const [[k, x]] = [...v];
    assert.deepEqual([k, x], [new TextEncoder().encode('data'), new TextEncoder().encode(long)]);
    assert.throws(() => unpickle(pkl(0x80, 2, 'T', 0xff, 0xff, 0xff, 0xff, '.'), { findClass: () => null }), /pickle ends inside a string at byte 7/);
    assert.throws(() => unpickle(pkl(0x80, 2, 'U', 9, 'ab'), { findClass: () => null }), /pickle ends inside a string at byte 4/);
  });
});

// ---------------------------------------------------------------- hostile files

/** A stored zip whose entries in `deflated` hold the given raw DEFLATE streams and declare `size` bytes inflated (true or not). */
function zipWithDeflated(stored: Record<string, Uint8Array>, deflated: Record<string, { stream: Uint8Array; size: number }>): Uint8Array {
  const zip = zipSync({ ...stored, ...Object.fromEntries(Object.entries(deflated).map(([k, v]) => [k, v.stream])) }, { level: 0 });
  const d = new DataView(zip.buffer);
  const eocd = zip.length - 22; // (no archive comment)
  let at = d.getUint32(eocd + 16, true);
  for (let i = 0; i < d.getUint16(eocd + 10, true); i++) {
    const nameLength = d.getUint16(at + 28, true);
    const name = new TextDecoder().decode(zip.subarray(at + 46, at + 46 + nameLength));
    const local = d.getUint32(at + 42, true);
    if (Object.hasOwn(deflated, name)) { // method 8 and the declared size, in the central and the local header
      d.setUint16(at + 10, 8, true);
      d.setUint16(local + 8, 8, true);
      d.setUint32(at + 24, deflated[name].size, true);
      d.setUint32(local + 22, deflated[name].size, true);
    }
    at += 46 + nameLength + d.getUint16(at + 30, true) + d.getUint16(at + 32, true);
  }
  return zip;
}

/** "Billion laughs": level i is a tuple of level i-1 twice, through the memo; 2^levels leaves from ~9 bytes a level. */
function laughs(levels: number): (number | string)[] {
  const out: (number | string)[] = [')', 'q', 0, '0']; // (each level memoized, then popped)
  for (let i = 1; i <= levels; i++) out.push('(', 'h', i - 1, 'h', i - 1, 't', 'q', i, '0');
  return [...out, 'h', levels];
}

/** Write bytes to a temporary .pt file, run `use(path)`, remove it. */
function withFile(bytes: Uint8Array, use: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'dlab-pt-'));
  try {
    const file = join(dir, 'hostile.pt');
    writeFileSync(file, bytes);
    use(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('hostile files', () => {
  const noStorage = (pickle: Uint8Array) => archive(pickle, new Uint8Array());

  test('memo-shared objects stay shared: one JavaScript object per pickled object, converted once', () => {
    const file = noStorage(pkl(0x80, 2, ...laughs(20), '.'));
    const raw = loadPtRaw(file) as unknown[];
    assert.equal(raw[0], raw[1]);
    const v = loadPtObject(file) as unknown[][];
    assert.equal(v.length, 2);
    assert.equal(v[0], v[1]);
    assert.equal(v[0][0], v[0][1]);
    // The cap counts a shared object at each place it appears: 2^23 - 1 objects pass, 2^24 - 1 do not.
    assert.equal((loadPtObject(noStorage(pkl(0x80, 2, ...laughs(22), '.'))) as unknown[]).length, 2);
    assert.throws(() => loadPtObject(noStorage(pkl(0x80, 2, ...laughs(23), '.'))), /expands past 10000000 objects/);
  });

  test('a "billion laughs" pickle (2^64 objects from 600 bytes) is refused, naming the file', () => {
    withFile(noStorage(pkl(0x80, 2, ...laughs(64), '.')), (file) => {
      assert.throws(() => loadPtObjectFile(file), (e: Error) => {
        assert.equal(e.name, 'PtError');
        assert.ok(e.message.startsWith(`${file}: `), e.message);
        assert.match(e.message, /the object expands past 10000000 objects when its shared parts are counted where each appears/);
        return true;
      });
    });
    // A shared tuple as a dict key, or as a persistent id, prints cut short in the message.
    const key = pkl(0x80, 2, '}', ...laughs(64), 'K', 1, 's', '.');
    assert.throws(() => loadPtObject(noStorage(key)), /a dict key is a tuple longer than 1000 characters as text: \(\(\(\(/);
    const pid = pkl(0x80, 2, ...laughs(64), 'Q', '.');
    assert.throws(() => loadPtRaw(noStorage(pid)), /unexpected persistent id \(\(\(\(\(\(.{150,}…; expected \('storage'/);
    const bigNumel = pkl(0x80, 2, '(', ...binunicode('storage'), 'c', 'torch\nFloatStorage\n', ...binunicode('0'), ...binunicode('cpu'), 0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1, 't', 'Q', '.');
    assert.throws(() => loadPtRaw(noStorage(bigNumel)), /malformed storage id \('storage', <Object>, '0', 'cpu', 18446744073709551616\)/);
  });

  test('a list or dict that contains itself, and nesting past the stack, are refused by name', () => {
    const selfList = noStorage(pkl(0x80, 2, ']', 'q', 0, 'h', 0, 'a', '.'));
    const raw = loadPtRaw(selfList) as unknown[];
    assert.equal(raw[0], raw); // as unpickled: the cycle kept
    assert.throws(() => loadPtObject(selfList), /^PtError: the object contains itself \(a list that holds a reference to itself\)/);
    const selfDict = noStorage(pkl(0x80, 2, '}', 'q', 0, ...binunicode('me'), 'h', 0, 's', '.'));
    assert.throws(() => loadPtObject(selfDict), /the object contains itself \(a dict/);
    const depth = 100_000; // ']' x n, then 'a' x (n - 1): each list appended to the one below it
    const deep = noStorage(pkl(0x80, 2, ']'.repeat(depth), 'a'.repeat(depth - 1), '.'));
    assert.equal((loadPtRaw(deep) as unknown[]).length, 1);
    assert.throws(() => loadPtObject(deep), /the object nests deeper than 1000 levels/);
    assert.equal((loadPtObject(noStorage(pkl(0x80, 2, ']'.repeat(1000), 'a'.repeat(999), '.'))) as unknown[]).length, 1);
  });

  test('a "__proto__" dict key stays an ordinary key', () => {
    const v = loadPtObject(noStorage(pkl(0x80, 2, '}', ...binunicode('__proto__'), 'K', 7, 's', '.'))) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
    assert.deepEqual(Object.entries(v), [['__proto__', 7]]);
  });

  test('the pickle VM: 200,000-item APPENDS, a 200,000-argument REDUCE, a 1 MB LONG4', () => {
    const many = 200_000;
    const list = unpickle(pkl(0x80, 2, ']', '(', 'N'.repeat(many), 'e', '.'), { findClass: () => null }) as unknown[];
    assert.equal(list.length, many);
    const args = pkl(0x80, 2, 'c', 'm\nf\n', '(', 'N'.repeat(many), 't', 'R', '.');
    assert.throws(() => unpickle(args, { findClass: () => () => 0 }), /REDUCE with 200000 arguments, more than the 256 dlab passes/);
    const n = 1 << 20;
    const long4 = new Uint8Array(n + 8);
    long4.set([0x80, 2, 0x8b, 0, 0, 0x10, 0]); // LONG4 of 2^20 bytes: 0 ... 0 0x40
    long4[6 + n] = 0x40;
    long4[7 + n] = 0x2e;
    assert.equal(unpickle(long4, { findClass: () => null }), 1n << BigInt(8 * n - 2));
    assert.equal(unpickle(pkl(0x80, 2, 0x8a, 2, 0x00, 0x80, '.'), { findClass: () => null }), -32768);
  });

  test('zip entries the pickle does not name are never inflated; deflated archives still load', () => {
    const six = new Uint8Array(new Float32Array([1, 2, 3, 4, 5, 6]).buffer);
    const pickle = tensorPickle(6, 0, [2, 3], [3, 1]);
    // 'x/junk' claims 1 GiB and is not even valid DEFLATE: reading it would fail, so it was not read.
    const junk = zipWithDeflated({ 'x/data.pkl': pickle, 'x/data/0': six }, { 'x/junk': { stream: new Uint8Array(1000).fill(0xff), size: 2 ** 30 } });
    assert.deepEqual(loadPt(junk).w.tolist(), [[1, 2, 3], [4, 5, 6]]);
    const deflated = zipSync({ 'x/data.pkl': pickle, 'x/data/0': six, 'x/version': strToU8('3\n') }, { level: 9 });
    assert.deepEqual(loadPt(deflated).w.tolist(), [[1, 2, 3], [4, 5, 6]]);
  });

  test('an entry that inflates past its declared size is refused as soon as it does, naming the file and the entry', () => {
    const pickle = tensorPickle(6, 0, [2, 3], [3, 1]);
    // 1 MiB of zeros (1 KiB deflated) behind a directory that declares the 24 bytes the tensor needs.
    const bomb = zipWithDeflated({ 'x/data.pkl': pickle }, { 'x/data/0': { stream: deflateSync(new Uint8Array(1 << 20), { level: 9 }), size: 24 } });
    withFile(bomb, (file) => {
      assert.throws(() => loadPtFile(file), (e: Error) => {
        assert.equal(e.name, 'PtError');
        assert.equal(e.message, `${file}: cannot unzip (truncated or corrupt?): x/data/0 inflates past the 24 bytes the zip directory declares`);
        return true;
      });
    });
    // The inflating stops at the first chunk past the declared size: this stream is cut short at its
    // end, which a reader that inflated it all would report instead.
    const stream = deflateSync(new Uint8Array(256 * 1024).fill(7), { level: 0 });
    const cut = zipWithDeflated({ 'x/data.pkl': pickle }, { 'x/data/0': { stream: stream.subarray(0, stream.length - 4), size: 24 } });
    assert.throws(() => loadPt(cut), /x\/data\/0 inflates past the 24 bytes the zip directory declares/);
  });

  test('declared sizes are checked before inflating: against the tensor, against what deflate can produce, and against the data', () => {
    const six = new Uint8Array(new Float32Array([1, 2, 3, 4, 5, 6]).buffer);
    const pickle = tensorPickle(6, 0, [2, 3], [3, 1]);
    const stream = deflateSync(pickle);
    const lying = (size: number) => zipWithDeflated({ 'x/data/0': six }, { 'x/data.pkl': { stream, size } });
    assert.throws(() => loadPt(lying(0xfffffffe)), new RegExp(`x/data\\.pkl declares 4294967294 bytes inflated from ${stream.length}, more than deflate can produce \\(at most 1032 times\\)`));
    assert.throws(() => loadPt(lying(pickle.length + 100)), new RegExp(`x/data\\.pkl inflates to ${pickle.length} bytes, but the zip directory declares ${pickle.length + 100}`));
    assert.deepEqual(loadPt(lying(pickle.length)).w.tolist(), [[1, 2, 3], [4, 5, 6]]);
    // A storage entry holds exactly numel * itemsize bytes, as torch writes it.
    const eight = new Uint8Array(32);
    assert.throws(() => loadPt(archive(pickle, eight)), /storage '0' \(FloatStorage\) should hold 6 elements \(24 bytes\), but data\/0 has 32 bytes/);
  });
});
