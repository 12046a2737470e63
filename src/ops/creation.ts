// Creating tensors: from nested arrays, filled, ranges, identity, and random (PyTorch's streams).

import { pyTypeName } from '../tensor/python_type.js';
import type { AnyBackend } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { type DType, type TypedArray, arrayFrom, checkFits, getDefaultDtype, isFloatingPoint, scalarDtype, scalarTypeName } from '../tensor/dtype.js';
import { backendFor, device as toDeviceObject, type DeviceLike } from '../tensor/device.js';
import { numel, type Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { backendOf, wrap } from './function.js';
import { toDevice } from './movement.js';
import { Generator, defaultGenerator } from '../random/generator.js';
import * as sampling from '../random/sampling.js';
import { bindArgs, type PyArgs } from './args.js';

/** A random generator, as the `generator` option of the random ops takes it. */
export type GeneratorLike = Generator;

/** The keyword arguments of the creation ops: dtype (default float32, or the default dtype), device ('cpu'), requiresGrad (false). */
export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  /** 'cpu' (default), 'webgpu' or 'webgpu:N', or a Device; PyTorch's others ('cuda', 'mps') are refused by name. */
  device?: DeviceLike;
}

/** The keywords every creation op takes (PyTorch's keyword-only dtype, requires_grad, device). */
const TENSOR_KEYWORDS = ['dtype', 'requiresGrad', 'device'] as const;
const RANDOM_KEYWORDS = [...TENSOR_KEYWORDS, 'generator'] as const;

/** PyTorch's `size=` keyword of zeros, ones, empty, rand and randn. */
type SizeKeyword = { size?: number | readonly number[] };
type SizeArgs = (number | readonly number[] | (TensorOptions & SizeKeyword) | undefined)[];

/** Accept PyTorch's spellings: zeros(2, 3), zeros([2, 3]), zeros([2, 3], { dtype }), zeros({ size: [2, 3] }). */
function parseSize<O extends object>(fn: string, args: readonly unknown[]): { shape: number[]; options: O } {
  let options = {} as O & SizeKeyword;
  const list = [...args];
  const last = list[list.length - 1];
  if (last !== undefined && typeof last === 'object' && !Array.isArray(last)) {
    options = list.pop() as O & SizeKeyword;
  }
  if (options.size !== undefined) {
    if (list.length > 0) throw new TypeError(`${fn}() got multiple values for argument 'size'`);
    const { size, ...rest } = options;
    list.push(size);
    options = rest as O;
  }
  if (list.length > 1 && Array.isArray(list[0])) {
    const got = list.map((a) => (Array.isArray(a) ? 'list' : Number.isInteger(a) ? 'int' : typeof a === 'number' ? 'float' : typeof a));
    throw new TypeError(`${fn}() received an invalid combination of arguments - got (${got.join(', ')}), but expected one of: (size, *, dtype, device, requiresGrad)`);
  }
  const shape = Array.isArray(list[0]) ? [...(list[0] as number[])] : (list as number[]);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(`Trying to create tensor with negative dimension ${d}: ${JSON.stringify(shape)}`);
    }
  }
  return { shape, options };
}

/** Put a fresh tensor made on the CPU (values from the CPU's streams) on the device asked for, then mark it. */
function finish(t: Tensor, options: TensorOptions): Tensor {
  if (options.device !== undefined) t = toDevice(t, toDeviceObject(options.device), t.dtype);
  if (options.requiresGrad) t.requiresGrad_(true);
  return t;
}

/** The backend a creation op makes its memory with: the device's asked for, else `fallback`'s. */
function creator(options: TensorOptions, fallback?: Tensor): AnyBackend {
  if (options.device !== undefined) return backendFor(options.device);
  return fallback ? backendOf(fallback) : getBackend();
}

function filled(shape: Shape, value: number, dtype: DType, backend: AnyBackend = getBackend()): Tensor {
  checkFits([value], dtype);
  const n = numel(shape);
  const data = backend.allocate(dtype, n);
  // The value converts as a tensor's element would (arrayFrom): int64 truncates, bool is 0/1.
  if (value !== 0) backend.fill({ data, dtype, shape: [n], strides: [1], offset: 0 }, arrayFrom(dtype, [value])[0]);
  return wrap(data, shape, dtype, backend);
}

/** @internal A CPU tensor over `values` (contiguous, of dtype's array type): what reading a device tensor back gives. */
export function fromHost(values: TypedArray, shape: Shape, dtype: DType): Tensor {
  return wrap(values, shape, dtype);
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
      // PyTorch names None's type: NoneType.
      throw new TypeError(`Could not infer dtype of ${data === null ? 'NoneType' : typeof data}`);
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
 *
 * @example
 * ```ts
 * import * as torch from 'dlab';
 *
 * console.log(torch.tensor([1, 2]).dtype, torch.tensor([1.5, 2]).dtype, torch.tensor([true]).dtype); // int64 float32 bool
 * ```
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

/** `torch.zeros(*size, dtype=None, requires_grad=False)`: a tensor of zeros (`zeros(2, 3)`, `zeros([2, 3])` or `zeros({ size: [2, 3] })`). */
export function zeros(...args: SizeArgs): Tensor {
  const { shape, options } = parseSize<TensorOptions>('zeros', args);
  return finish(filled(shape, 0, options.dtype ?? getDefaultDtype(), creator(options)), options);
}

/** `torch.ones(*size, dtype=None, requires_grad=False)`: a tensor of ones. */
export function ones(...args: SizeArgs): Tensor {
  const { shape, options } = parseSize<TensorOptions>('ones', args);
  return finish(filled(shape, 1, options.dtype ?? getDefaultDtype(), creator(options)), options);
}

/** torch.empty: zero-filled here (typed arrays always start zeroed). */
export const empty = zeros;

/** torch.full: the dtype follows the fill value when none is given (full(s, 7) is int64). */
export function full(...args: PyArgs<[size: readonly number[], fillValue: number | boolean], TensorOptions & { size?: readonly number[]; fillValue?: number | boolean }>): Tensor {
  const [size, value, options] = bindArgs<[readonly number[], number | boolean], TensorOptions>('full', ['size', 'fillValue'], args, 2, TENSOR_KEYWORDS);
  if (typeof value !== 'number' && typeof value !== 'boolean') throw new TypeError(`full(): argument 'fill_value' (position 2) must be Number, not ${pyTypeName(value)}`);
  const dtype = options.dtype ?? scalarDtype(value);
  return finish(filled(size, Number(value), dtype, creator(options)), options);
}

/** `torch.zeros_like(x)`: zeros of x's shape, dtype and device. */
export const zerosLike = (x: Tensor, options: TensorOptions = {}) => finish(filled(x.shape, 0, options.dtype ?? x.dtype, creator(options, x)), options);
/** `torch.ones_like(x)`: ones of x's shape, dtype and device. */
export const onesLike = (x: Tensor, options: TensorOptions = {}) => finish(filled(x.shape, 1, options.dtype ?? x.dtype, creator(options, x)), options);
/** `torch.empty_like(x)`: a tensor of x's shape and dtype (zeros here: typed arrays start at zero). */
export const emptyLike = zerosLike;
/** `torch.full_like(x, fill_value)`: fill_value in x's shape and dtype. */
export const fullLike = (x: Tensor, value: number, options: TensorOptions = {}) => finish(filled(x.shape, value, options.dtype ?? x.dtype, creator(options, x)), options);

type ArangeKeywords = TensorOptions & { start?: number; end?: number; step?: number };

/** arange's arguments as PyTorch binds them: to arange(end) when one number and no start or step is given. */
function bindArange(args: readonly unknown[]): [number, number, number, TensorOptions] {
  const last = args[args.length - 1];
  const keywords: ArangeKeywords = typeof last === 'object' && last !== null ? last : {};
  const numbers = args.filter((a) => typeof a === 'number').length + (keywords.end !== undefined ? 1 : 0);
  if (numbers <= 1 && keywords.start === undefined && keywords.step === undefined) {
    const [end, options] = bindArgs<[number], TensorOptions>('arange', ['end'], args, 1, TENSOR_KEYWORDS);
    return [0, end, 1, options];
  }
  const [start, end, step = 1, options] = bindArgs<[number, number, number?], TensorOptions>('arange', ['start', 'end', 'step'], args, 2, TENSOR_KEYWORDS);
  return [start, end, step, options];
}

/**
 * torch.arange(end) / arange(start, end, step?): int64 for integer arguments, else the default float.
 * As PyTorch's two signatures, arange(end) takes no start or step, and arange(start, end, step=1) needs both ends.
 */
export function arange(...args: (number | ArangeKeywords)[]): Tensor {
  const [start, end, step, options] = bindArange(args);
  const nums = [start, end, step];
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
export function linspace(...args: PyArgs<[start: number, end: number, steps: number], TensorOptions & { start?: number; end?: number; steps?: number }>): Tensor {
  const [start, end, steps, options] = bindArgs<[number, number, number], TensorOptions>('linspace', ['start', 'end', 'steps'], args, 3, TENSOR_KEYWORDS);
  if (steps < 0) throw new RangeError('number of steps must be non-negative');
  const dtype = options.dtype ?? getDefaultDtype();
  const values = new Float64Array(steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  // PyTorch's halfway point; with one step the single value is start (i < 1).
  const half = steps === 1 ? 1 : Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) values[i] = i < half ? start + step * i : end - step * (steps - i - 1);
  return finish(wrap(arrayFrom(dtype, values), [steps], dtype), options);
}

/** torch.logspace(start, end, steps, base=10.0): base ** linspace(start, end, steps). */
export function logspace(
  ...args: PyArgs<[start: number, end: number, steps: number, base: number], TensorOptions & { start?: number; end?: number; steps?: number; base?: number }>
): Tensor {
  const [start, end, steps, base = 10, options] = bindArgs<[number, number, number, number?], TensorOptions>(
    'logspace', ['start', 'end', 'steps', 'base'], args, 3, TENSOR_KEYWORDS);
  const exponents = linspace(start, end, steps, { dtype: 'float64' });
  return finish(full([], base, { dtype: 'float64' }).pow(exponents).to(options.dtype ?? getDefaultDtype()), options);
}

/** torch.eye(n, m=n): ones on the diagonal. */
export function eye(...args: PyArgs<[n: number, m: number], TensorOptions & { n?: number; m?: number }>): Tensor {
  const [n, m = n, options] = bindArgs<[number, number?], TensorOptions>('eye', ['n', 'm'], args, 1, TENSOR_KEYWORDS);
  if (n < 0) throw new RangeError(`n must be greater or equal to 0, got ${n}`);
  if (m < 0) throw new RangeError(`m must be greater or equal to 0, got ${m}`);
  const dtype = options.dtype ?? getDefaultDtype();
  const data = getBackend().allocate(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return finish(wrap(data, [n, m], dtype), options);
}

// ---------------------------------------------------------------------------- random

interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

/** Room for n samples of a float dtype; `kernel` names PyTorch 1.13's kernel in its refusal of other dtypes. */
function floatArray(dtype: DType, n: number, kernel: 'check_uniform_bounds' | 'normal_kernel_cpu'): Float32Array | Float64Array {
  if (!isFloatingPoint(dtype)) throw new TypeError(`"${kernel}" not implemented for '${scalarTypeName[dtype]}'`);
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

/** torch.rand: uniform on [0, 1). */
export function rand(...args: (number | readonly number[] | (RandomOptions & SizeKeyword))[]): Tensor {
  const { shape, options } = parseSize<RandomOptions>('rand', args);
  const dtype = options.dtype ?? getDefaultDtype();
  const out = floatArray(dtype, numel(shape), 'check_uniform_bounds');
  sampling.uniform(options.generator ?? defaultGenerator, out, 0, 1);
  return finish(wrap(out, shape, dtype), options);
}

/** torch.randn: standard normal. */
export function randn(...args: (number | readonly number[] | (RandomOptions & SizeKeyword))[]): Tensor {
  const { shape, options } = parseSize<RandomOptions>('randn', args);
  const dtype = options.dtype ?? getDefaultDtype();
  const out = floatArray(dtype, numel(shape), 'normal_kernel_cpu');
  sampling.normal(options.generator ?? defaultGenerator, out, 0, 1);
  return finish(wrap(out, shape, dtype), options);
}

type RandintKeywords = RandomOptions & { low?: number; high?: number; size?: readonly number[] };

/**
 * torch.randint(low, high, size) or randint(high, size): int64 by default. As in PyTorch, any of
 * them may be keywords: randint(10, { size: [3] }), randint({ low: 2, high: 10, size: [3] }).
 */
export function randint(high: number, size: readonly number[], options?: RandomOptions): Tensor;
export function randint(low: number, high: number, size: readonly number[], options?: RandomOptions): Tensor;
export function randint(...args: PyArgs<[low: number, high: number, size: readonly number[]], RandintKeywords>): Tensor;
export function randint(...args: unknown[]): Tensor {
  const last = args[args.length - 1];
  const keywords: RandintKeywords = typeof last === 'object' && last !== null && !Array.isArray(last) ? last : {};
  const positional = args.filter((a) => typeof a === 'number' || Array.isArray(a));
  // PyTorch's randint(high, size) unless a low is given, or a number follows the first, or high is a keyword after one.
  const withLow = keywords.low !== undefined || positional.length >= 3 || typeof positional[1] === 'number' || (positional.length >= 1 && keywords.high !== undefined);
  const [lo, hi, shape, options] = withLow
    ? bindArgs<[number, number, readonly number[]], RandomOptions>('randint', ['low', 'high', 'size'], args, 3, RANDOM_KEYWORDS)
    : [0, ...bindArgs<[number, readonly number[]], RandomOptions>('randint', ['high', 'size'], args, 2, RANDOM_KEYWORDS)] as const;
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

/** `torch.rand_like(x)`: uniform [0, 1) values in x's shape. */
export const randLike = (x: Tensor, options: RandomOptions = {}) => rand(x.shape, { dtype: x.dtype, device: x.device, ...options });
/** `torch.randn_like(x)`: standard normal values in x's shape (on x's device: drawn on the CPU, then uploaded). */
export const randnLike = (x: Tensor, options: RandomOptions = {}) => randn(x.shape, { dtype: x.dtype, device: x.device, ...options });

/** torch.bernoulli(probs): 1 with probability p for each element. */
export function bernoulli(probs: Tensor, options: { generator?: Generator } = {}): Tensor {
  if (!isFloatingPoint(probs.dtype)) throw new TypeError(`"bernoulli_tensor_cpu_p_" not implemented for '${scalarTypeName[probs.dtype]}'`);
  const out = probs.dtype === 'float64' ? new Float64Array(probs.numel()) : new Float32Array(probs.numel());
  sampling.bernoulli(options.generator ?? defaultGenerator, out, probs._host('bernoulli'));
  return wrap(out, probs.shape, probs.dtype);
}

/** torch.normal(mean, std, size), each also by keyword. */
export function normal(...args: PyArgs<[mean: number, std: number, size: readonly number[]], RandomOptions & { mean?: number; std?: number; size?: readonly number[] }>): Tensor {
  const [mean, std, size, options] = bindArgs<[number, number, readonly number[]], RandomOptions>('normal', ['mean', 'std', 'size'], args, 3, RANDOM_KEYWORDS);
  const dtype = options.dtype ?? getDefaultDtype();
  const out = floatArray(dtype, numel(size), 'normal_kernel_cpu');
  sampling.normal(options.generator ?? defaultGenerator, out, mean, std);
  return finish(wrap(out, size, dtype), options);
}

// ---------------------------------------------------------------------------- out

/** Tensor.tolist(): nested arrays of x's (contiguous) values; bool tensors give booleans. */
export function toNested(x: Tensor, values: TypedArray): unknown {
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
