// Creating tensors: from nested arrays, filled, ranges, identity, and random (PyTorch's streams).

import { getBackend } from '../backend/registry.js';
import { type DType, type TypedArray, arrayFrom, checkFits, getDefaultDtype, isFloatingPoint, scalarDtype } from '../tensor/dtype.js';
import { checkDevice } from '../tensor/device.js';
import { numel, type Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { wrap } from './function.js';
import { Generator, defaultGenerator } from '../random/generator.js';
import * as sampling from '../random/sampling.js';

export type GeneratorLike = Generator;

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  /** Only 'cpu' today; another device is refused by name. */
  device?: string;
}

type SizeArgs = (number | readonly number[] | TensorOptions | undefined)[];

/** Accept PyTorch's spellings: zeros(2, 3), zeros([2, 3]), zeros([2, 3], { dtype }). */
function parseSize<O extends object>(args: readonly unknown[]): { shape: number[]; options: O } {
  let options = {} as O;
  const list = [...args];
  const last = list[list.length - 1];
  if (last !== undefined && typeof last === 'object' && !Array.isArray(last)) {
    options = list.pop() as O;
  }
  const shape = list.length === 1 && Array.isArray(list[0]) ? [...(list[0] as number[])] : (list as number[]);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(`Trying to create tensor with negative dimension ${d}: ${JSON.stringify(shape)}`);
    }
  }
  return { shape, options };
}

function finish(t: Tensor, options: TensorOptions): Tensor {
  if (options.device !== undefined) checkDevice(options.device);
  if (options.requiresGrad) t.requiresGrad_(true);
  return t;
}

function filled(shape: Shape, value: number, dtype: DType): Tensor {
  checkFits([value], dtype);
  const data = getBackend().allocate(dtype, numel(shape));
  // The value converts as a tensor's element would (arrayFrom): int64 truncates, bool is 0/1.
  if (value !== 0) data.fill(arrayFrom(dtype, [value])[0]);
  return wrap(data, shape, dtype);
}

/** A zero-dim tensor holding one value (used to wrap scalars in ops). */
export function scalarTensor(value: number, dtype: DType): Tensor {
  return wrap(arrayFrom(dtype, [value]), [], dtype);
}

type Nested = number | boolean | readonly Nested[];

function inferShape(data: Nested): number[] {
  const shape: number[] = [];
  let level: Nested = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  return shape;
}

function flattenInto(data: Nested, shape: number[], dim: number, out: number[], kinds: { float: boolean; bool: boolean; num: boolean }): void {
  if (dim === shape.length) {
    if (Array.isArray(data)) throw new TypeError(`expected a number at dim ${dim}, got a sequence`);
    if (typeof data === 'boolean') {
      kinds.bool = true;
      out.push(data ? 1 : 0);
    } else if (typeof data === 'number') {
      kinds.num = true;
      if (!Number.isInteger(data)) kinds.float = true;
      out.push(data);
    } else {
      throw new TypeError(`Could not infer dtype of ${typeof data}`);
    }
    return;
  }
  if (!Array.isArray(data)) throw new TypeError(`expected sequence of length ${shape[dim]} at dim ${dim} (got a scalar)`);
  if (data.length !== shape[dim]) throw new RangeError(`expected sequence of length ${shape[dim]} at dim ${dim} (got ${data.length})`);
  for (const item of data) flattenInto(item, shape, dim + 1, out, kinds);
}

function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return 'bool';
}

/**
 * torch.tensor: from nested arrays (or a typed array, or a number). Integers give int64, any
 * fraction gives the default float dtype, booleans give bool, as in PyTorch.
 */
export function tensor(data: Nested | TypedArray | Tensor, options: TensorOptions = {}): Tensor {
  if (data instanceof Tensor) return finish(data.detach().clone().to(options.dtype ?? data.dtype), options);
  let values: ArrayLike<number>;
  let shape: number[];
  let inferred: DType;
  if (ArrayBuffer.isView(data)) {
    values = data;
    shape = [data.length];
    inferred = dtypeOfArray(data);
  } else {
    shape = inferShape(data);
    const flat: number[] = [];
    const kinds = { float: false, bool: false, num: false };
    flattenInto(data, shape, 0, flat, kinds);
    values = flat;
    inferred = kinds.float ? getDefaultDtype() : kinds.num ? 'int64' : kinds.bool ? 'bool' : getDefaultDtype();
  }
  // JavaScript cannot write 1. apart from 1: integer literals asked to require grad mean floats.
  const dtype = options.dtype ?? (options.requiresGrad && !isFloatingPoint(inferred) ? getDefaultDtype() : inferred);
  if (options.requiresGrad && !isFloatingPoint(dtype)) {
    throw new TypeError('Only Tensors of floating point and complex dtype can require gradients');
  }
  checkFits(values, dtype);
  return finish(wrap(arrayFrom(dtype, values), shape, dtype), options);
}

export function zeros(...args: SizeArgs): Tensor {
  const { shape, options } = parseSize<TensorOptions>(args);
  return finish(filled(shape, 0, options.dtype ?? getDefaultDtype()), options);
}

export function ones(...args: SizeArgs): Tensor {
  const { shape, options } = parseSize<TensorOptions>(args);
  return finish(filled(shape, 1, options.dtype ?? getDefaultDtype()), options);
}

/** torch.empty: zero-filled here (typed arrays always start zeroed). */
export const empty = zeros;

/** torch.full: the dtype follows the fill value when none is given (full(s, 7) is int64). */
export function full(size: readonly number[], value: number | boolean, options: TensorOptions = {}): Tensor {
  const dtype = options.dtype ?? scalarDtype(value);
  return finish(filled(size, Number(value), dtype), options);
}

export const zerosLike = (x: Tensor, options: TensorOptions = {}) => finish(filled(x.shape, 0, options.dtype ?? x.dtype), options);
export const onesLike = (x: Tensor, options: TensorOptions = {}) => finish(filled(x.shape, 1, options.dtype ?? x.dtype), options);
export const emptyLike = zerosLike;
export const fullLike = (x: Tensor, value: number, options: TensorOptions = {}) => finish(filled(x.shape, value, options.dtype ?? x.dtype), options);

/** torch.arange(end) / arange(start, end, step?): int64 for integer arguments, else the default float. */
export function arange(...args: (number | TensorOptions)[]): Tensor {
  const options = (typeof args[args.length - 1] === 'object' ? args.pop() : {}) as TensorOptions;
  const nums = args as number[];
  const [start, end, step] = nums.length === 1 ? [0, nums[0], 1] : [nums[0], nums[1], nums[2] ?? 1];
  if (step === 0) throw new RangeError('step must be nonzero');
  if ((end - start) / step < 0) {
    throw new RangeError('upper bound and larger bound inconsistent with step sign');
  }
  const allInts = nums.every(Number.isInteger);
  const dtype = options.dtype ?? (allInts ? 'int64' : getDefaultDtype());
  const n = Math.ceil((end - start) / step);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = start + i * step;
  return finish(wrap(arrayFrom(dtype, values), [n], dtype), options);
}

/** torch.linspace(start, end, steps): PyTorch fills the two halves from each end, symmetrically. */
export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  if (steps < 0) throw new RangeError('number of steps must be non-negative');
  const dtype = options.dtype ?? getDefaultDtype();
  const values = new Float64Array(steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  // PyTorch's halfway point; with one step the single value is start (i < 1).
  const half = steps === 1 ? 1 : Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) values[i] = i < half ? start + step * i : end - step * (steps - i - 1);
  return finish(wrap(arrayFrom(dtype, values), [steps], dtype), options);
}

export function logspace(start: number, end: number, steps: number, options: TensorOptions & { base?: number } = {}): Tensor {
  const base = options.base ?? 10;
  const exponents = linspace(start, end, steps, { dtype: 'float64' });
  return finish(full([], base, { dtype: 'float64' }).pow(exponents).to(options.dtype ?? getDefaultDtype()), options);
}

export function eye(n: number, m: number = n, options: TensorOptions = {}): Tensor {
  const dtype = options.dtype ?? getDefaultDtype();
  const data = getBackend().allocate(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return finish(wrap(data, [n, m], dtype), options);
}

// ---------------------------------------------------------------------------- random

interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

function floatArray(dtype: DType, n: number): Float32Array | Float64Array {
  if (!isFloatingPoint(dtype)) throw new TypeError(`expected a floating point dtype, got ${dtype}`);
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

/** torch.rand: uniform on [0, 1). */
export function rand(...args: (number | readonly number[] | RandomOptions)[]): Tensor {
  const { shape, options } = parseSize<RandomOptions>(args);
  const dtype = options.dtype ?? getDefaultDtype();
  const out = floatArray(dtype, numel(shape));
  sampling.uniform(options.generator ?? defaultGenerator, out, 0, 1);
  return finish(wrap(out, shape, dtype), options);
}

/** torch.randn: standard normal. */
export function randn(...args: (number | readonly number[] | RandomOptions)[]): Tensor {
  const { shape, options } = parseSize<RandomOptions>(args);
  const dtype = options.dtype ?? getDefaultDtype();
  const out = floatArray(dtype, numel(shape));
  sampling.normal(options.generator ?? defaultGenerator, out, 0, 1);
  return finish(wrap(out, shape, dtype), options);
}

/** torch.randint(low, high, size) or randint(high, size): int64 by default. */
export function randint(low: number, high: number | readonly number[], size?: readonly number[] | RandomOptions, opts: RandomOptions = {}): Tensor {
  let lo = low;
  let hi: number;
  let shape: readonly number[];
  let options = opts;
  if (Array.isArray(high)) {
    lo = 0;
    hi = low;
    shape = high;
    options = (size as RandomOptions | undefined) ?? {};
  } else {
    hi = high as number;
    shape = size as readonly number[];
  }
  if (lo >= hi) throw new RangeError(`random_ expects 'from' to be less than 'to', but got from=${lo} >= to=${hi}`);
  const dtype = options.dtype ?? 'int64';
  const out = new Float64Array(numel(shape));
  sampling.randint(options.generator ?? defaultGenerator, out, lo, hi);
  return finish(wrap(arrayFrom(dtype, out), shape, dtype), options);
}

/** torch.randperm(n): a random permutation of 0..n-1 (int64). */
export function randperm(n: number, options: RandomOptions = {}): Tensor {
  const perm = sampling.randperm(options.generator ?? defaultGenerator, n);
  const dtype = options.dtype ?? 'int64';
  return finish(wrap(arrayFrom(dtype, perm), [n], dtype), options);
}

export const randLike = (x: Tensor, options: RandomOptions = {}) => rand(x.shape, { dtype: x.dtype, ...options });
export const randnLike = (x: Tensor, options: RandomOptions = {}) => randn(x.shape, { dtype: x.dtype, ...options });

/** torch.bernoulli(probs): 1 with probability p for each element. */
export function bernoulli(probs: Tensor, options: { generator?: Generator } = {}): Tensor {
  if (!isFloatingPoint(probs.dtype)) throw new TypeError('bernoulli: expected a floating point tensor of probabilities');
  const out = floatArray(probs.dtype, probs.numel());
  sampling.bernoulli(options.generator ?? defaultGenerator, out, probs.toTypedArray());
  return wrap(out, probs.shape, probs.dtype);
}

/** torch.normal(mean, std, size). */
export function normal(mean: number, std: number, size: readonly number[], options: RandomOptions = {}): Tensor {
  const dtype = options.dtype ?? getDefaultDtype();
  const out = floatArray(dtype, numel(size));
  sampling.normal(options.generator ?? defaultGenerator, out, mean, std);
  return finish(wrap(out, size, dtype), options);
}

// ---------------------------------------------------------------------------- out

/** Tensor.tolist(): nested arrays; bool tensors give booleans. */
export function toNested(x: Tensor): unknown {
  const values = x.toTypedArray();
  const asValue = (v: number) => (x.dtype === 'bool' ? v !== 0 : v);
  if (x.ndim === 0) return asValue(values[0]);
  let pos = 0;
  const build = (dim: number): unknown[] => {
    const out: unknown[] = [];
    for (let i = 0; i < x.shape[dim]; i++) out.push(dim === x.ndim - 1 ? asValue(values[pos++]) : build(dim + 1));
    return out;
  };
  return build(0);
}
