// Ops that look values up or count them, as PyTorch 1.13: take_along_dim (a gather), and on the
// CPU, reading the values: bincount, unique, searchsorted and bucketize.

import { promoteTypes, scalarTypeName, type DType } from '../tensor/dtype.js';
import { broadcastShapes, fmtShape, normalizeDim } from '../tensor/shape.js';
import { Tensor, type Scalar } from '../tensor/tensor.js';
import { tensor, zeros } from './creation.js';
import { gather } from './indexing.js';
import { expand, reshape } from './movement.js';

/**
 * `torch.take_along_dim(x, indices, dim=None)`: values at `indices` along dim, x and indices
 * broadcast over the other dims; without dim, x is read flattened.
 */
export function takeAlongDim(x: Tensor, indices: Tensor, dim?: number | null): Tensor {
  if (indices.dtype !== 'int64') throw new TypeError(`torch.take_along_dim(): dtype of indices should be Long but got ${scalarTypeName[indices.dtype]}`);
  if (dim == null) return gather(reshape(x, [-1]), 0, reshape(indices, [-1]));
  if (x.ndim !== indices.ndim) {
    throw new RangeError(
      `torch.take_along_dim(): input and indices should have the same number of dimensions, but got ${x.ndim} dimensions for input, and ${indices.ndim} dimensions for indices`,
    );
  }
  const d = normalizeDim(dim, x.ndim);
  const others = broadcastShapes(x.shape.map((s, i) => (i === d ? 1 : s)), indices.shape.map((s, i) => (i === d ? 1 : s)));
  const sized = (n: number) => others.map((s, i) => (i === d ? n : s));
  return gather(expand(x, sized(x.shape[d])), d, expand(indices, sized(indices.shape[d])));
}

/**
 * `torch.bincount(x, weights=None, minlength=0)`: how often each value 0..max occurs in a 1-D
 * tensor of non-negative integers (int64), or the sum of its weights (the weights' float dtype;
 * float64 for integer weights).
 */
export function bincount(x: Tensor, options: { weights?: Tensor | null; minlength?: number } = {}): Tensor {
  const { weights = null, minlength = 0 } = options;
  if (x.dtype !== 'int64' && x.dtype !== 'int32') throw new TypeError(`"bincount_cpu" not implemented for '${scalarTypeName[x.dtype]}'`);
  if (minlength < 0) throw new RangeError('minlength should be >= 0');
  const values = x._host('bincount');
  if (x.ndim !== 1 || values.some((v) => v < 0)) throw new RangeError('bincount only supports 1-d non-negative integral inputs.');
  if (weights !== null && (weights.ndim !== 1 || weights.shape[0] !== x.shape[0])) {
    throw new RangeError('weights should be 1-d and have the same length as input');
  }
  let length = minlength;
  for (const v of values) length = Math.max(length, Number(v) + 1);
  const counts = new Array<number>(length).fill(0);
  const w = weights?._host('bincount');
  values.forEach((v, i) => (counts[Number(v)] += w ? Number(w[i]) : 1));
  const dtype: DType = weights === null ? 'int64' : weights.dtype === 'float32' ? 'float32' : 'float64';
  return tensor(counts, { dtype });
}

/** unique's options: the inverse indices map each element to its unique value, counts count them. */
export interface UniqueOptions {
  /** PyTorch leaves the order unspecified when false; dlab sorts either way. */
  sorted?: boolean;
  returnInverse?: boolean;
  returnCounts?: boolean;
}

/**
 * `torch.unique(x, sorted=True, return_inverse=False, return_counts=False)`: the distinct values,
 * sorted (NaNs last, each its own value, as PyTorch). With either flag, a list as PyTorch's tuple:
 * [values, inverse (x's shape)?, counts?].
 */
export function unique(x: Tensor): Tensor;
export function unique(x: Tensor, options: UniqueOptions): Tensor | Tensor[];
export function unique(x: Tensor, options: UniqueOptions = {}): Tensor | Tensor[] {
  const values = Array.from(x._host('unique'), Number);
  const order = values.map((_, i) => i).sort((i, j) => compareNanLast(values[i], values[j]) || i - j);
  const distinct: number[] = [];
  const counts: number[] = [];
  const inverse = new Array<number>(values.length);
  for (const i of order) {
    const v = values[i];
    if (distinct.length === 0 || distinct[distinct.length - 1] !== v) {
      distinct.push(v);
      counts.push(0);
    }
    counts[counts.length - 1]++;
    inverse[i] = distinct.length - 1;
  }
  const out = tensor(distinct, { dtype: x.dtype });
  if (!options.returnInverse && !options.returnCounts) return out;
  const result = [out];
  if (options.returnInverse) result.push(reshape(tensor(inverse, { dtype: 'int64' }), x.shape));
  if (options.returnCounts) result.push(tensor(counts, { dtype: 'int64' }));
  return result;
}

const compareNanLast = (a: number, b: number) => (Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : Number.isNaN(b) ? -1 : a - b);

/** searchsorted's options: `right` (or side 'right') finds the last place a value fits, not the first. */
export interface SearchOptions {
  right?: boolean;
  side?: 'left' | 'right' | null;
  outInt32?: boolean;
}

/**
 * The insertion index of `value` in a sorted run: the first i with run[i] >= value (left) or
 * run[i] > value (right), written as PyTorch's kernels test, so NaN goes to the end.
 */
function insertionIndex(run: ArrayLike<number>, start: number, length: number, value: number, right: boolean): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const m = Number(run[start + mid]);
    if (right ? !(m > value) : !(m >= value)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * `torch.searchsorted(sorted_sequence, values, right=False, side=None, out_int32=False)`: where
 * each value would be inserted to keep the innermost dim of the sequence sorted. The sequence is
 * 1-D or shares the values' leading dims; values may be a number.
 */
export function searchsorted(sortedSequence: Tensor, values: Tensor | Scalar, options: SearchOptions = {}): Tensor {
  const { right = false, side = null, outInt32 = false } = options;
  if (side !== null && side !== 'left' && side !== 'right') throw new RangeError(`torch.searchsorted(): side can only be 'left' or 'right' but got ${side}`);
  if (side !== null && (side === 'right') !== right && right) {
    throw new RangeError(`torch.searchsorted(): side and right can't be set to opposites, got side of ${side} while right was True`);
  }
  const toRight = right || side === 'right';
  const v = values instanceof Tensor ? values : tensor(Number(values));
  const seq = sortedSequence;
  if (seq.ndim !== 1 && (seq.ndim !== v.ndim || seq.shape.slice(0, -1).some((s, i) => s !== v.shape[i]))) {
    throw new RangeError(
      `torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries tensor and input value tensor must match, but we got boundaries tensor ${fmtShape(seq.shape)} and input value tensor ${fmtShape(v.shape)}`,
    );
  }
  const runs = seq._host('searchsorted');
  const vals = v._host('searchsorted');
  const length = seq.shape[seq.ndim - 1] ?? 1;
  const perRun = seq.ndim === 1 ? vals.length : (v.shape[v.ndim - 1] ?? 1);
  const out = Array.from(vals, (value, i) => insertionIndex(runs, seq.ndim === 1 ? 0 : Math.floor(i / perRun) * length, length, Number(value), toRight));
  return reshape(tensor(out, { dtype: outInt32 ? 'int32' : 'int64' }), v.shape);
}

/** `torch.bucketize(input, boundaries, out_int32=False, right=False)`: the bucket of each value among 1-D sorted boundaries (searchsorted with the arguments swapped). */
export function bucketize(input: Tensor | Scalar, boundaries: Tensor, options: { right?: boolean; outInt32?: boolean } = {}): Tensor {
  if (boundaries.ndim !== 1) throw new RangeError(`boundaries tensor must be 1 dimension, but got dim(${boundaries.ndim})`);
  return searchsorted(boundaries, input, { right: options.right, outInt32: options.outInt32 });
}

/**
 * `torch.isin(elements, test_elements, assume_unique=False, invert=False)`: for each element,
 * whether it equals some test element (NaN equals nothing). The test elements are sorted once and
 * each element looked up by binary search (PyTorch's sort-based path), so it costs (n + m) log m.
 */
export function isin(elements: Tensor | Scalar, testElements: Tensor | Scalar, options: { assumeUnique?: boolean; invert?: boolean } = {}): Tensor {
  if (!(elements instanceof Tensor) && !(testElements instanceof Tensor)) throw new TypeError('isin() expected at least one tensor argument');
  const device = elements instanceof Tensor ? elements.device : (testElements as Tensor).device;
  const asTensor = (v: Tensor | Scalar) => (v instanceof Tensor ? v : tensor(v, { device }));
  const x = asTensor(elements);
  const test = asTensor(testElements);
  const dtype = promoteTypes(x.dtype, test.dtype);
  const sorted = test.to(dtype).reshape(-1).sort().values;
  const values = x.to(dtype);
  let found: Tensor;
  if (sorted.numel() === 0) found = zeros(values.shape, { dtype: 'bool', device });
  else {
    const at = searchsorted(sorted, values).clampMax(sorted.numel() - 1);
    found = gather(sorted, 0, at.reshape(-1)).reshape(values.shape).eq(values);
  }
  return options.invert ? found.logicalNot() : found;
}
