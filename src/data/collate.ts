// torch.utils.data default_collate / default_convert (PyTorch 1.13, _utils/collate.py).
//
// JavaScript has one number type, so "int or float" is decided per batch: all integers give
// int64 (Python ints), any fraction gives float64 (Python floats). PyTorch decides from the first
// element's Python type; the two agree except for floats that happen to be whole (2.0).

import { Tensor } from '../tensor/tensor.js';
import { stack } from '../ops/movement.js';
import { tensor } from '../ops/creation.js';

/** What default_collate makes of a batch of T (type-level, for `for (const [x, y] of loader)`). */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | boolean | Float32Array | Float64Array | Int32Array
    ? Tensor
    : T extends string
      ? string[]
      : T extends readonly unknown[]
        ? { -readonly [K in keyof T]: Collated<T[K]> }
        : T extends object
          ? { [K in keyof T]: Collated<T[K]> }
          : never;

const ERR = 'default_collate: batch must contain tensors, typed arrays, numbers, booleans, strings, plain objects or arrays; found';

function typeName(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x === 'object') return x.constructor?.name ?? 'object';
  return typeof x;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object') return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function isNumericArray(x: unknown): x is Float32Array | Float64Array | Int32Array {
  return x instanceof Float32Array || x instanceof Float64Array || x instanceof Int32Array;
}

/**
 * default_collate: tensors are stacked on a new first dim; numbers become a 1-D tensor (int64 or
 * float64), booleans a bool tensor; strings stay a list; plain objects are collated key by key and
 * arrays position by position (an array of samples [x, y] gives [stack(xs), stack(ys)]).
 */
export function defaultCollate<T>(batch: readonly T[]): Collated<T> {
  return collate(batch) as Collated<T>;
}

function collate(batch: readonly unknown[]): unknown {
  if (batch.length === 0) throw new RangeError('default_collate: empty batch');
  const elem = batch[0];
  if (elem instanceof Tensor) {
    for (const b of batch) if (!(b instanceof Tensor)) throw new TypeError(`${ERR} ${typeName(b)} among tensors`);
    return stack(batch as Tensor[], 0);
  }
  if (isNumericArray(elem)) {
    // numpy arrays: as_tensor each, then stack.
    return stack(batch.map((a) => tensor(a as Float32Array)), 0);
  }
  if (typeof elem === 'number') {
    const nums = batch as number[];
    for (const v of nums) if (typeof v !== 'number') throw new TypeError(`${ERR} ${typeName(v)} among numbers`);
    return tensor(nums, { dtype: nums.every(Number.isInteger) ? 'int64' : 'float64' });
  }
  if (typeof elem === 'boolean') {
    for (const v of batch) if (typeof v !== 'boolean') throw new TypeError(`${ERR} ${typeName(v)} among booleans`);
    return tensor(batch as boolean[]);
  }
  if (typeof elem === 'string') return batch.slice();
  if (isPlainObject(elem)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(elem)) out[key] = collate(batch.map((d) => (d as Record<string, unknown>)[key]));
    return out;
  }
  if (Array.isArray(elem)) {
    const size = elem.length;
    for (const b of batch) {
      if (!Array.isArray(b) || b.length !== size) throw new RangeError('each element in list of batch should be of equal size');
    }
    return Array.from({ length: size }, (_, i) => collate(batch.map((b) => (b as unknown[])[i])));
  }
  throw new TypeError(`${ERR} ${typeName(elem)}`);
}

/**
 * default_convert, used when automatic batching is off (batchSize: null): typed arrays become
 * tensors, containers are converted element by element, everything else passes through.
 */
export function defaultConvert<T>(data: T): unknown {
  if (isNumericArray(data)) return tensor(data);
  if (isPlainObject(data)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(data)) out[k] = defaultConvert(v);
    return out;
  }
  if (Array.isArray(data)) return data.map((d) => defaultConvert(d));
  return data;
}
