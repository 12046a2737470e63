// Reading PyTorch's own files: `torch.save(model.state_dict(), "x.pt")` (PyTorch >= 1.6, the zip
// format). Browser-safe: bytes in, tensors out; loadPtFile in ./node.ts reads from disk.
//
// The zip holds <name>/data.pkl (a pickle of the object), <name>/data/<key> (each storage's raw
// little-endian bytes), <name>/version, and in PyTorch >= 2.1 <name>/byteorder. Tensors appear in
// the pickle as torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad,
// hooks), where `storage` is a persistent id ('storage', torch.FloatStorage, key, location, numel).
// Views keep PyTorch's sharing: two tensors of one storage (tied weights, a slice, a transpose)
// become dlab views of one dlab storage.
//
// The zip is read by ./zip.ts: its directory first, then data.pkl and only the storages the pickle
// names, each held to the size the directory declares (and a storage to numel * itemsize) before
// it is inflated: an entry the pickle does not name is never inflated, and one that inflates past
// its declared size (a zip bomb behind a lying directory) is refused as soon as it does.
// The pickle is read by ./pickle.ts, which runs nothing from the file; the only globals allowed
// are the handful a state dict (or an optimizer's) needs, listed in `allowedGlobals`. Anything else
// (a whole pickled nn.Module, a custom class) is an error that names it.
//
// Storage dtypes: Float -> float32, Double -> float64, Long -> int64 (within ±2^53, else an error),
// Int -> int32, Bool -> bool; converted, exactly: Half and BFloat16 -> float32, Short, Char (int8)
// and Byte (uint8) -> int32, since dlab has no 8- or 16-bit dtypes. Complex and quantized storages
// are errors. Every location ('cuda:0' ...) loads to the CPU, as map_location='cpu'.

import { Tensor } from '../tensor/tensor.js';
import { tensor } from '../ops/creation.js';
import type { DType } from '../tensor/dtype.js';
import { Parameter } from '../nn/parameter.js';
import { PickleError, pyRepr, typeName, unpickle, type PyCallable } from './pickle.js';
import { readBFloat16, readFloat16 } from './half.js';
import { readZipDirectory, readZipEntry, ZipError, type ZipEntry } from './zip.js';

/** A .pt file dlab cannot read: the message says what it found. */
export class PtError extends Error {
  override name = 'PtError';
}

interface StorageType {
  readonly storageType: string;
  /** Bytes per element in the file. */
  readonly itemSize: number;
  readonly dtype: DType;
}

const storageTypes: Record<string, StorageType> = Object.fromEntries(
  ([
    ['FloatStorage', 4, 'float32'], ['DoubleStorage', 8, 'float64'], ['HalfStorage', 2, 'float32'],
    ['BFloat16Storage', 2, 'float32'], ['LongStorage', 8, 'int64'], ['IntStorage', 4, 'int32'],
    ['ShortStorage', 2, 'int32'], ['CharStorage', 1, 'int32'], ['ByteStorage', 1, 'int32'], ['BoolStorage', 1, 'bool'],
  ] as const).map(([storageType, itemSize, dtype]) => [storageType, Object.freeze({ storageType, itemSize, dtype })]),
);

/** A storage as persistent_load hands it to _rebuild_tensor_v2: one 1-D dlab tensor. */
class LoadedStorage {
  constructor(readonly key: string, readonly base: Tensor) {}
}

/** torch._tensor.Tensor / torch.nn.parameter.Parameter as _rebuild_from_type_v2 names them. */
const tensorClass = Object.freeze({ pyClass: 'torch.Tensor' });
const parameterClass = Object.freeze({ pyClass: 'torch.nn.Parameter' });

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function decodeStorage(st: StorageType, key: string, raw: Uint8Array, numel: number): Tensor {
  const n = numel;
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (st.storageType) {
    case 'FloatStorage': {
      // The copy is aligned whatever the zip offset; on a little-endian host it is the whole job.
      if (littleEndianHost) return tensor(new Float32Array(raw.slice(0, n * 4).buffer), { dtype: 'float32' });
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = dv.getFloat32(i * 4, true);
      return tensor(a, { dtype: 'float32' });
    }
    case 'DoubleStorage': {
      if (littleEndianHost) return tensor(new Float64Array(raw.slice(0, n * 8).buffer), { dtype: 'float64' });
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) a[i] = dv.getFloat64(i * 8, true);
      return tensor(a, { dtype: 'float64' });
    }
    case 'HalfStorage':
      return tensor(readFloat16(dv, n), { dtype: 'float32' });
    case 'BFloat16Storage':
      return tensor(readBFloat16(dv, n), { dtype: 'float32' });
    case 'LongStorage': {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = dv.getBigInt64(i * 8, true);
        if (v > 9007199254740992n || v < -9007199254740992n) {
          throw new PtError(`storage '${key}': int64 value ${v} at element ${i} exceeds ±2^53, which dlab (int64 held in a Float64Array) cannot represent exactly`);
        }
        a[i] = Number(v);
      }
      return tensor(a, { dtype: 'int64' });
    }
    case 'BoolStorage':
      return tensor(Uint8Array.from(raw.subarray(0, n), (b) => (b ? 1 : 0)), { dtype: 'bool' });
    default: { // Int, Short, Char, Byte -> int32
      const a = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        a[i] = st.storageType === 'IntStorage' ? dv.getInt32(i * 4, true)
          : st.storageType === 'ShortStorage' ? dv.getInt16(i * 2, true)
            : st.storageType === 'CharStorage' ? dv.getInt8(i) : dv.getUint8(i);
      }
      return tensor(a, { dtype: 'int32' });
    }
  }
}

const isIntList = (v: unknown): v is readonly number[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0);

/** torch._utils._rebuild_tensor_v2: a strided view of the storage, bounds-checked. */
function rebuildTensor(storage: unknown, offset: unknown, size: unknown, stride: unknown, requiresGrad: unknown): Tensor {
  if (!(storage instanceof LoadedStorage)) throw new PtError(`_rebuild_tensor_v2 expects a storage, got ${typeName(storage)}`);
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0 || !isIntList(size) || !isIntList(stride) || size.length !== stride.length) {
    throw new PtError(`storage '${storage.key}': invalid tensor geometry (offset ${pyRepr(offset)}, size ${pyRepr(size)}, stride ${pyRepr(stride)})`);
  }
  const { base } = storage;
  const count = size.reduce((a, b) => a * b, 1);
  const last = offset + size.reduce((acc, s, i) => acc + (s - 1) * stride[i], 0);
  if (count > 0 && last >= base.numel()) {
    throw new PtError(
      `storage '${storage.key}': a tensor of size [${size.join(', ')}], stride [${stride.join(', ')}] at offset ${offset} ` +
        `reaches element ${last}, but the storage holds ${base.numel()}`,
    );
  }
  const t = new Tensor(base._storage, [...size], base.dtype, [...stride], offset);
  t._base = base;
  if (requiresGrad === true && t.isFloatingPoint()) t.requiresGrad_(true);
  return t;
}

function rebuildParameter(data: unknown, requiresGrad: unknown): Parameter {
  if (!(data instanceof Tensor)) throw new PtError(`_rebuild_parameter expects a tensor, got ${typeName(data)}`);
  return new Parameter(data.detach(), requiresGrad !== false);
}

/** An OrderedDict(...) call: empty, or from a list of pairs (both as pickle writes them). */
function orderedDict(items?: unknown): Map<unknown, unknown> {
  const d = new Map<unknown, unknown>();
  if (items === undefined) return d;
  if (!Array.isArray(items)) throw new PtError(`OrderedDict expects a list of pairs, got ${typeName(items)}`);
  for (const pair of items) {
    if (!Array.isArray(pair) || pair.length !== 2) throw new PtError('OrderedDict expects (key, value) pairs');
    d.set(pair[0], pair[1]);
  }
  return d;
}

/** The globals a pickled state dict (or optimizer state dict) may name; nothing else is reachable. */
export const allowedGlobals: readonly string[] = [
  'torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_parameter', 'torch._utils._rebuild_parameter_with_state',
  'torch._tensor._rebuild_from_type_v2', 'torch._tensor.Tensor', 'torch.nn.parameter.Parameter',
  'collections.OrderedDict',
  ...Object.keys(storageTypes).map((s) => `torch.${s}`),
];

function findClass(module: string, name: string): unknown {
  const full = `${module}.${name}`;
  switch (full) {
    case 'torch._utils._rebuild_tensor_v2':
      return ((storage, offset, size, stride, requiresGrad) => rebuildTensor(storage, offset, size, stride, requiresGrad)) satisfies PyCallable;
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state':
      return ((data, requiresGrad) => rebuildParameter(data, requiresGrad)) satisfies PyCallable;
    case 'torch._tensor._rebuild_from_type_v2':
      // (func, type, args, state): tensors and parameters only; their state is empty in a state dict.
      return ((func, type, args) => {
        if (type !== tensorClass && type !== parameterClass) throw new PtError(`_rebuild_from_type_v2 of ${typeName(type)} is not supported`);
        // (_rebuild_tensor_v2 takes at most 7 arguments; a long tuple would overflow the spread below.)
        if (typeof func !== 'function' || !Array.isArray(args) || args.length > 7) throw new PtError('_rebuild_from_type_v2: malformed arguments');
        const t = (func as PyCallable)(...args);
        return type === parameterClass && t instanceof Tensor ? new Parameter(t.detach(), t.requiresGrad) : t;
      }) satisfies PyCallable;
    case 'torch._tensor.Tensor':
      return tensorClass;
    case 'torch.nn.parameter.Parameter':
      return parameterClass;
    case 'collections.OrderedDict':
      return ((items?: unknown) => orderedDict(items)) satisfies PyCallable;
  }
  if (module === 'torch' && Object.hasOwn(storageTypes, name)) return storageTypes[name];
  const hint = full.startsWith('torch.nn.modules.') || full.startsWith('__main__.')
    ? ' The file holds a pickled object (torch.save(model)), not a state dict: in PyTorch, re-save it with torch.save(model.state_dict(), path).'
    : '';
  throw new PtError(
    `the pickle names the global '${full}', which dlab will not load: it rebuilds only tensors, dicts, lists and numbers, ` +
      `and never runs code from a file.${hint}`,
  );
}

interface Archive {
  readonly pickle: Uint8Array;
  /** The directory entry <name>/<record> (nothing inflated). */
  entry(record: string): ZipEntry | undefined;
  read(entry: ZipEntry): Uint8Array;
}

/** Read a .pt file's zip directory and its pickle; storages are read later, only those the pickle names. */
function openArchive(bytes: Uint8Array): Archive {
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] === 0x02) {
    throw new PtError(
      'this is the legacy torch.save format (PyTorch < 1.6, or _use_new_zipfile_serialization=False), which dlab does not read; ' +
        're-save it with a newer PyTorch: torch.save(torch.load(path), path)',
    );
  }
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) throw new PtError('not a PyTorch file: it is not a zip archive');
  const unzip = <T>(step: () => T): T => {
    try {
      return step();
    } catch (e) {
      if (e instanceof ZipError) throw new PtError(`cannot unzip (truncated or corrupt?): ${e.message}`);
      throw e;
    }
  };
  const entries = unzip(() => readZipDirectory(bytes));
  const names = [...entries.keys()];
  const pkl = names.filter((k) => /^[^/]+\/data\.pkl$/.test(k));
  if (pkl.length !== 1) {
    throw new PtError(`expected one <name>/data.pkl in the archive, found ${pkl.length ? pkl.join(', ') : 'none'} (entries: ${names.slice(0, 8).join(', ')})`);
  }
  const prefix = pkl[0].slice(0, -'data.pkl'.length);
  const read = (entry: ZipEntry) => unzip(() => readZipEntry(bytes, entry));
  const byteorderEntry = entries.get(`${prefix}byteorder`);
  if (byteorderEntry !== undefined) {
    const byteorder = byteorderEntry.size <= 16 ? new TextDecoder().decode(read(byteorderEntry)).trim() : `${byteorderEntry.size} bytes`;
    if (byteorder !== 'little') throw new PtError(`the storages are ${byteorder}-endian; dlab reads little-endian files only`);
  }
  return { pickle: read(entries.get(pkl[0])!), entry: (record) => entries.get(`${prefix}${record}`), read };
}

/**
 * Load any object torch.save wrote, as far as it is made of tensors, dicts (OrderedDict too),
 * lists, tuples, numbers, strings, booleans and None: dicts become plain objects (keys as
 * strings, e.g. an optimizer state's parameter indices; a tuple key as Python's str writes it,
 * '(2, 3)'), tuples and lists arrays, integers numbers (bigint beyond ±2^53). An object the
 * pickle shares stays one object. So `optimizer.loadStateDict(loadPtObject(bytes))` reads a
 * torch.optim state dict. Refused: an object that contains itself, nests deeper than 1000
 * levels, or expands past 10^7 objects counting shared parts at each use (loadPtRaw reads those).
 */
export function loadPtObject(bytes: Uint8Array): unknown {
  return toPlain(loadPtRaw(bytes));
}

/** The unpickled object as the pickle VM leaves it (dicts as Maps, tuples as frozen arrays). */
export function loadPtRaw(bytes: Uint8Array): unknown {
  const archive = openArchive(bytes);
  const storages = new Map<string, LoadedStorage>();
  const persistentLoad = (pid: unknown): LoadedStorage => {
    if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage') {
      throw new PtError(`unexpected persistent id ${pyRepr(pid)}; expected ('storage', type, key, location, numel)`);
    }
    const [, type, key, , numel] = pid as [string, unknown, unknown, unknown, unknown];
    if (typeof key !== 'string' || typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
      throw new PtError(`malformed storage id ${pyRepr(pid)}`);
    }
    const st = type as StorageType;
    if (typeof st !== 'object' || st === null || !Object.values(storageTypes).includes(st)) {
      throw new PtError(`storage '${key}' has an unsupported type ${typeName(type)}`);
    }
    const seen = storages.get(key);
    if (seen) return seen;
    const entry = archive.entry(`data/${key}`);
    if (entry === undefined) throw new PtError(`storage '${key}' is missing from the archive (data/${key})`);
    // Checked against the directory before anything is inflated: torch writes exactly numel * itemsize.
    if (entry.size !== numel * st.itemSize) {
      throw new PtError(`storage '${key}' (${st.storageType}) should hold ${numel} elements (${numel * st.itemSize} bytes), but data/${key} has ${entry.size} bytes`);
    }
    const loaded = new LoadedStorage(key, decodeStorage(st, key, archive.read(entry), numel));
    storages.set(key, loaded);
    return loaded;
  };
  try {
    return unpickle(archive.pickle, { findClass, persistentLoad });
  } catch (e) {
    if (e instanceof PickleError) throw new PtError(`data.pkl: ${e.message}`);
    throw e;
  }
}

/**
 * loadPtObject refuses an object bigger than this when each shared part is counted at every place
 * it appears (a "billion laughs" pickle: each level a tuple of the previous one twice, 2^64 objects
 * from 600 bytes). The conversion itself keeps shared parts shared and costs one visit each, but
 * whoever walks the result naively (a deep copy, a printout) pays the expanded count.
 */
const maxPlainObjects = 10_000_000;
/** Deeper nesting than Python's default recursion limit (pickle.dump's own bound) is refused, so a recursive walk of the result cannot overflow the stack. */
const maxPlainDepth = 1000;
/** Longest text form of a tuple used as a dict key. */
const maxKeyLength = 1000;

function keyText(k: unknown): string {
  if (!Array.isArray(k)) return String(k);
  const text = pyRepr(k, maxKeyLength); // str() of a tuple, e.g. '(2, 3)'
  if (text.length > maxKeyLength) throw new PtError(`a dict key is a tuple longer than ${maxKeyLength} characters as text: ${text.slice(0, 60)}…`);
  return text;
}

/** Dicts -> objects, tuples -> arrays: each Python object converted once, so shared stays shared. */
function toPlain(root: unknown): unknown {
  const done = new Map<object, { plain: unknown; objects: number }>();
  const open = new Set<object>();
  const walk = (v: unknown, depth: number): { plain: unknown; objects: number } => {
    if (!(v instanceof Map) && !Array.isArray(v)) return { plain: v, objects: 1 };
    const seen = done.get(v);
    if (seen !== undefined) return seen;
    if (open.has(v)) throw new PtError(`the object contains itself (a ${typeName(v)} that holds a reference to itself); loadPtObject converts only objects without cycles, loadPtRaw returns it as unpickled`);
    if (depth >= maxPlainDepth) throw new PtError(`the object nests deeper than ${maxPlainDepth} levels (Python's default recursion limit)`);
    open.add(v);
    let objects = 1;
    const convert = (x: unknown) => {
      const r = walk(x, depth + 1);
      objects += r.objects;
      if (objects > maxPlainObjects) {
        throw new PtError(`the object expands past ${maxPlainObjects} objects when its shared parts are counted where each appears (a "billion laughs" file?); loadPtRaw returns it unexpanded`);
      }
      return r.plain;
    };
    let plain: unknown;
    if (v instanceof Map) {
      const out: Record<string, unknown> = {};
      // defineProperty: a key '__proto__' stays an ordinary key instead of replacing the prototype.
      for (const [k, x] of v) Object.defineProperty(out, keyText(k), { value: convert(x), enumerable: true, writable: true, configurable: true });
      plain = out;
    } else {
      const out: unknown[] = [];
      for (const x of v) out.push(convert(x));
      plain = out;
    }
    open.delete(v);
    const result = { plain, objects };
    done.set(v, result);
    return result;
  };
  return walk(root, 0).plain;
}

/**
 * torch.load of a state dict: name -> tensor, in the file's order. Ready for
 * `model.loadStateDict(loadPt(bytes))`. A file holding anything else (a checkpoint dict with
 * epochs and optimizer states, say) is an error pointing to loadPtObject.
 */
export function loadPt(bytes: Uint8Array): Record<string, Tensor> {
  const obj = loadPtRaw(bytes);
  if (!(obj instanceof Map)) throw new PtError(`the file holds a ${typeName(obj)}, not a state dict; use loadPtObject`);
  const out: Record<string, Tensor> = {};
  for (const [k, v] of obj) {
    if (typeof k !== 'string' || !(v instanceof Tensor)) {
      throw new PtError(`not a state dict: entry ${JSON.stringify(String(k))} is a ${typeName(v)}, not a tensor; use loadPtObject for other objects`);
    }
    // Like a state dict's tensors: detached (a saved Parameter loads as a plain tensor).
    out[k] = v instanceof Parameter ? v.detach() : v;
  }
  return out;
}
