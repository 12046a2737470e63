// Reductions and scans: sum, mean, prod, amax/amin and cumsum/cumprod are primitives with
// backward rules; max/min along a dim, var, std, logsumexp, softmax and norm are composites.

import type { ReduceOp } from '../backend/backend.js';
import { type DType, type TypedArray, getDefaultDtype, isFloatingPoint, scalarTypeName } from '../tensor/dtype.js';
import { normalizeDim, normalizeDims, shapesEqual, type Shape } from '../tensor/shape.js';
import { Tensor, type Dims, type KeepDim } from '../tensor/tensor.js';
import { isGradEnabled } from '../autograd/grad_mode.js';
import { asOneNode, backendOf, record, wrap } from './function.js';
import { cast, cat, expand, reshape, flip } from './movement.js';
import { gatherNamed, scatterAdd } from './indexing.js';
import { where } from './elementwise.js';
import { ones, scalarTensor, zeros, zerosLike } from './creation.js';

/** What `max`, `min`, `sort`, `topk`, `kthvalue` return along a dim: PyTorch's `(values, indices)` named tuple. */
export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

/** The shape after reducing `dims`, with or without the reduced dims kept as size 1. */
function reducedShape(shape: Shape, dims: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!dims.includes(i)) out.push(d);
    else if (keepdim) out.push(1);
  });
  return out;
}

/** Undo a reduction's shape on a gradient: put back size-1 dims, then broadcast to `shape`. */
function expandBack(g: Tensor, shape: Shape, dims: readonly number[], keepdim: boolean): Tensor {
  const kept = keepdim ? g : reshape(g, reducedShape(shape, dims, true));
  return expand(kept, shape);
}

/** Sum a broadcast gradient back down to the shape of the operand it came from. */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  }
  const summed = dims.length > 0 ? sum(g, dims, { keepdim: true }) : g;
  return reshape(summed, shape);
}

/**
 * PyTorch's reductions read an empty dim list as all dims (sum(x, []) is sum(x)); a zero-dim
 * tensor accepts dim 0 or -1 and has nothing to reduce.
 */
function reductionDims(dim: Dims | null | undefined, ndim: number): number[] {
  const dims = normalizeDims(typeof dim === 'object' && dim !== null && dim.length === 0 ? null : dim, ndim);
  return ndim === 0 ? [] : dims;
}

function reducePrimitive(op: ReduceOp, x: Tensor, dims: number[], keepdim: boolean, dtype: DType): Tensor {
  const backend = backendOf(x);
  const input = dtype === x.dtype ? x : cast(x, dtype, false);
  const data = backend.reduce(op, input._view(), dims, dtype);
  return wrap(data, reducedShape(x.shape, dims, keepdim), dtype, backend);
}

/** Integer and bool sums accumulate in int64, as in PyTorch. */
function sumDtype(x: Tensor, dtype?: DType): DType {
  return dtype ?? (isFloatingPoint(x.dtype) ? x.dtype : 'int64');
}

/** torch.sum(x, dim?, keepdim?, dtype?). */
export function sum(x: Tensor, dim?: Dims | null, options: KeepDim & { dtype?: DType } = {}): Tensor {
  const keepdim = options.keepdim ?? false;
  const dims = reductionDims(dim, x.ndim);
  const y = reducePrimitive('sum', x, dims, keepdim, sumDtype(x, options.dtype));
  const [xs, xd] = [x.shape, x.dtype]; // not x: the rule must not keep x's storage alive
  return record(dim == null ? 'SumBackward0' : 'SumBackward1', y, [x], [], (g) => [cast(expandBack(g, xs, dims, keepdim), xd, false)]);
}

/** torch.mean: floating point only, as in PyTorch. */
export function mean(x: Tensor, dim?: Dims | null, options: KeepDim & { dtype?: DType } = {}): Tensor {
  const dtype = options.dtype ?? x.dtype;
  if (!isFloatingPoint(dtype)) {
    throw new TypeError(
      `mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${scalarTypeName[x.dtype]}`,
    );
  }
  const keepdim = options.keepdim ?? false;
  const dims = reductionDims(dim, x.ndim);
  // No closure here may mention x: closures of one scope share their context in V8, so the
  // backward rule below would keep x's storage alive.
  const xs = x.shape;
  const count = dims.reduce((n, d) => n * xs[d], 1);
  const total = divideBy(reducePrimitive('sum', x, dims, keepdim, dtype), count);
  return record(dim == null ? 'MeanBackward0' : 'MeanBackward1', total, [x], [], (g) => [expandBack(g.div(count), xs, dims, keepdim)]);
}

/** torch.prod over all elements or one dim. The gradient handles zeros exactly. */
export function prod(x: Tensor, dim?: number | null, options: KeepDim & { dtype?: DType } = {}): Tensor {
  const keepdim = options.keepdim ?? false;
  if (dim == null) {
    // One node over all elements, as PyTorch's ProdBackward0 (saving input and result): the flat product's rule, reshaped.
    const [xs, y] = [x.shape, reshape(prod(reshape(x.detach(), [-1]), 0, { dtype: options.dtype }), keepdim ? x.shape.map(() => 1) : [])];
    return record('ProdBackward0', y, [x], [x, y], (g) => [
      cast(reshape(prodGrad(reshape(x, [-1]), 0, reshape(g, []), false), xs), x.dtype, false), // in x's dtype, whatever the product's
    ]);
  }
  const d = normalizeDim(dim, x.ndim);
  const y = reducePrimitive('prod', x, [d], keepdim, sumDtype(x, options.dtype));
  return record('ProdBackward1', y, [x], [x, y], (g) => [cast(prodGrad(x, d, g, keepdim), x.dtype, false)]); // saves the result too, as PyTorch
}

/** The gradient of a product along d: each element's is the product of the others. */
function prodGrad(x: Tensor, d: number, g: Tensor, keepdim: boolean): Tensor {
  // The product of the others = exclusive cumprod from the left times from the right (exact at zeros).
  const n = x.shape[d] ?? 1;
  const ones = expand(reshape(onesOfShape(x, d), reducedShape(x.shape, [d], true)), reducedShape(x.shape, [d], true));
  const left = cumprod(cat([ones, x.narrow(d, 0, Math.max(n - 1, 0))], d), d);
  const right = flip(cumprod(cat([ones, flip(x, d).narrow(d, 0, Math.max(n - 1, 0))], d), d), d);
  return expandBack(g, x.shape, [d], keepdim).mul(left).mul(right);
}

function onesOfShape(x: Tensor, d: number): Tensor {
  return ones(reducedShape(x.shape, [d], true), { dtype: x.dtype, device: x.device });
}

/** A fresh sum divided by a count: in place on the CPU (one pass, no temporary), a kernel on a device (same rounding). */
function divideBy(total: Tensor, count: number): Tensor {
  const backend = backendOf(total);
  if (backend.device === 'cpu') {
    const data = total._storage.data as TypedArray;
    for (let i = 0; i < data.length; i++) data[i] /= count;
    return total;
  }
  const c = scalarTensor(count, total.dtype)._view();
  const divisor = { ...c, shape: total.shape, strides: total.shape.map(() => 0) };
  return wrap(backend.binary('div', total._view(), divisor, total.shape, total.dtype), total.shape, total.dtype, backend);
}


function extreme(op: 'amax' | 'amin', x: Tensor, dim: Dims | null | undefined, options: KeepDim): Tensor {
  const keepdim = options.keepdim ?? false;
  const dims = reductionDims(dim, x.ndim);
  if (x.numel() === 0) {
    if (dim == null || (typeof dim === 'object' && dim.length === 0)) {
      throw new RangeError(`${op}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.`);
    }
    // An empty input reduces to an empty result unless a reduced dim itself is empty.
    const empty = dims.find((d) => x.shape[d] === 0);
    if (empty !== undefined) throw new RangeError(`${op}(): Expected reduction dim ${empty} to have non-zero size.`);
  }
  const y = reducePrimitive(op, x, dims, keepdim, x.dtype);
  // Ties share the gradient evenly (PyTorch's amax/amin backward).
  return record(op === 'amax' ? 'AmaxBackward0' : 'AminBackward0', y, [x], [x, y], (g) => {
    const mask = x.eq(expandBack(y, x.shape, dims, keepdim)).to(g.dtype);
    const count = expandBack(sum(mask, dims, { keepdim }), x.shape, dims, keepdim);
    return [expandBack(g, x.shape, dims, keepdim).mul(mask).div(count)];
  });
}

/** `torch.amax(x, dim=(), keepdim=False)`: the largest value over dims (all dims when none are given). */
export const amax = (x: Tensor, dim?: Dims | null, options: KeepDim = {}) => extreme('amax', x, dim, options);
/** `torch.amin(x, dim=(), keepdim=False)`: the smallest value over dims. */
export const amin = (x: Tensor, dim?: Dims | null, options: KeepDim = {}) => extreme('amin', x, dim, options);

function argExtreme(op: 'argmax' | 'argmin', x: Tensor, dim: number | null | undefined, options: KeepDim): Tensor {
  if (dim == null) {
    if (x.numel() === 0) throw new RangeError(`${op}(): Expected reduction dim to be specified for input.numel() == 0.`);
    const flat = argExtreme(op, reshape(x, [-1]), 0, {});
    return options.keepdim ? reshape(flat, x.shape.map(() => 1)) : flat;
  }
  const d = normalizeDim(dim, x.ndim);
  const backend = backendOf(x);
  const data = backend.argReduce(op, x._view(), x.ndim === 0 ? 0 : d);
  return wrap(data, reducedShape(x.shape, [d], options.keepdim ?? false), 'int64', backend);
}

/** `torch.argmax(x, dim=None, keepdim=False)`: the index of the largest value (of the flattened tensor when dim is omitted). */
export const argmax = (x: Tensor, dim?: number | null, options: KeepDim = {}) => argExtreme('argmax', x, dim, options);
/** `torch.argmin(x, dim=None, keepdim=False)`: the index of the smallest value. */
export const argmin = (x: Tensor, dim?: number | null, options: KeepDim = {}) => argExtreme('argmin', x, dim, options);

function maxMin(kind: 'max' | 'min', x: Tensor, arg: number | Tensor | undefined, options: KeepDim): Tensor | ValuesIndices {
  if (arg instanceof Tensor) return kind === 'max' ? x.maximum(arg) : x.minimum(arg);
  if (arg === undefined) return wholeMaxMin(kind, x);
  const keepdim = options.keepdim ?? false;
  const d = normalizeDim(arg, x.ndim);
  const name = kind === 'max' ? 'MaxBackward0' : 'MinBackward0';
  if (x.ndim === 0) {
    // A 0-D tensor is its own extreme, at index 0: the gradient passes straight through (PyTorch's MaxBackward0).
    return { values: asOneNode(name, [x], [], (t) => t.clone(), (g) => [g]), indices: zeros([], { dtype: 'int64', device: x.device }) };
  }
  if (x.shape[d] === 0) throw new RangeError(`${kind}(): Expected reduction dim ${d} to have non-zero size.`);
  const indices = argExtreme(kind === 'max' ? 'argmax' : 'argmin', x, d, { keepdim: true });
  // The values take their gradient at the chosen index only (PyTorch's MaxBackward0), one node
  // whether or not the dim is kept.
  if (keepdim) return { values: gatherNamed(x, d, indices, name), indices };
  const [xs, xd] = [x.shape, x.dtype];
  const values = asOneNode(name, [x], [], (t) => gatherNamed(t, d, indices, name).squeeze(d), (g) => [
    scatterAdd(zeros(xs, { dtype: xd, device: g.device }), d, indices, g.unsqueeze(d)),
  ]);
  return { values, indices: indices.squeeze(d) };
}

/**
 * `max(x)` / `min(x)` over every element, one node as PyTorch's MaxBackward1 / MinBackward1 (not
 * amax's): ties share the gradient evenly, and a NaN result sends it to the NaNs, as PyTorch's
 * evenly_distribute_backward (amax's mask x == NaN would make every gradient NaN).
 */
function wholeMaxMin(kind: 'max' | 'min', x: Tensor): Tensor {
  if (x.numel() === 0) throw new RangeError(`${kind}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.`);
  const y = kind === 'max' ? amax(x.detach()) : amin(x.detach());
  return record(kind === 'max' ? 'MaxBackward1' : 'MinBackward1', y, [x], [x, y], (g) => {
    const mask = x.eq(y).logicalOr(x.isnan().logicalAnd(y.isnan()));
    return [mask.to(g.dtype).mul(g.div(sum(mask)))];
  });
}

/** `torch.max`: `max(x)` the largest value; `max(x, dim, { keepdim })` its values and indices along dim; `max(x, other)` is `maximum`. */
export function max(x: Tensor, arg?: number | Tensor, options: KeepDim = {}): Tensor | ValuesIndices {
  return maxMin('max', x, arg, options);
}
/** `torch.min`: `min(x)` the smallest value; `min(x, dim, { keepdim })` its values and indices along dim; `min(x, other)` is `minimum`. */
export function min(x: Tensor, arg?: number | Tensor, options: KeepDim = {}): Tensor | ValuesIndices {
  return maxMin('min', x, arg, options);
}

type VarOptions = KeepDim & { correction?: number; unbiased?: boolean };

function correctionOf(options: VarOptions): number {
  if (options.correction !== undefined) return options.correction;
  return options.unbiased === false ? 0 : 1;
}

/** torch.var with Bessel's correction by default (correction=1). */
export function variance(x: Tensor, dim?: Dims | null, options: VarOptions = {}): Tensor {
  const dims = reductionDims(dim, x.ndim);
  const keepdim = options.keepdim ?? false;
  const n = dims.reduce((c, d) => c * x.shape[d], 1);
  const divisor = Math.max(n - correctionOf(options), 0);
  const xs = x.shape;
  // One node, as PyTorch's VarBackward0: 2 (x - mean) g / (n - correction).
  return asOneNode('VarBackward0', [x], [x], (t) => {
    const centered = t.sub(mean(t, dims, { keepdim: true }));
    return sum(centered.mul(centered), dims, { keepdim }).div(divisor);
  }, (g) => [expandBack(g, xs, dims, keepdim).mul(x.sub(mean(x, dims, { keepdim: true }))).mul(2 / divisor)]);
}

/** `torch.std(x, dim=None, correction=1, keepdim=False)`: the standard deviation, Bessel-corrected by default. */
export function std(x: Tensor, dim?: Dims | null, options: VarOptions = {}): Tensor {
  const dims = reductionDims(dim, x.ndim);
  const keepdim = options.keepdim ?? false;
  const n = dims.reduce((c, d) => c * x.shape[d], 1);
  const divisor = Math.max(n - correctionOf(options), 0);
  const xs = x.shape;
  const y = variance(x.detach(), dim, options).sqrt();
  // One node, as PyTorch's StdBackward0: (x - mean) g / (std (n - correction)).
  return record('StdBackward0', y, [x], [x, y], (g) => [
    expandBack(g.div(y), xs, dims, keepdim).mul(x.sub(mean(x, dims, { keepdim: true }))).div(divisor),
  ]);
}

/** log(sum(exp(x))) computed stably: shift by the max (and keep infinities finite in the shift). */
export function logsumexp(x: Tensor, dim: Dims, options: KeepDim = {}): Tensor {
  const keepdim = options.keepdim ?? false;
  const dims = reductionDims(dim, x.ndim);
  if (!isFloatingPoint(x.dtype)) x = cast(x, getDefaultDtype(), false);
  if (x.numel() === 0) return sum(x.exp(), dims, { keepdim }).log();
  const m = amax(x, dims, { keepdim: true }).detach();
  const shift = where(m.isinf(), 0, m);
  const out = sum(x.sub(shift).exp(), dims, { keepdim: true }).log().add(shift);
  return keepdim ? out : reshape(out, reducedShape(x.shape, dims, false));
}

/** PyTorch's refusal of an integer softmax, named by its kernel (a dim other than the last is softmax's either way). */
function notImplemented(op: 'softmax' | 'log_softmax', x: Tensor, d: number): string {
  const kernel = x.ndim === 0 || d === x.ndim - 1 ? `${op}_lastdim_kernel_impl` : 'softmax_kernel_impl';
  return `"${kernel}" not implemented for '${scalarTypeName[x.dtype]}'`;
}

/** softmax(x)_i = exp(x_i - max) / sum_j exp(x_j - max). */
export function softmax(x: Tensor, dim: number, options: { dtype?: DType } = {}): Tensor {
  if (options.dtype) x = cast(x, options.dtype, false);
  const d = normalizeDim(dim, x.ndim);
  if (!options.dtype && !isFloatingPoint(x.dtype)) throw new TypeError(notImplemented('softmax', x, d));
  // One node, as PyTorch's SoftmaxBackward0: d/dx_i = y_i (g_i - sum_j g_j y_j).
  const e = x.detach().sub(amax(x.detach(), d, { keepdim: true })).exp();
  const y = e.div(sum(e, d, { keepdim: true }));
  return record('SoftmaxBackward0', y, [x], [y], (g) => [y.mul(g.sub(sum(g.mul(y), d, { keepdim: true })))]);
}

/** `torch.log_softmax(x, dim)`: log(softmax(x)), computed stably. */
export function logSoftmax(x: Tensor, dim: number, options: { dtype?: DType } = {}): Tensor {
  if (options.dtype) x = cast(x, options.dtype, false);
  const d = x.ndim === 0 ? 0 : normalizeDim(dim, x.ndim);
  if (!options.dtype && !isFloatingPoint(x.dtype)) throw new TypeError(notImplemented('log_softmax', x, d));
  // One primitive, as PyTorch's (LogSoftmaxBackward0): composed from amax, exp, sum, log and
  // subtractions it cost a dozen small ops forward and as many backward, a tenth of an MLP step.
  const backend = backendOf(x);
  const view = x.ndim === 0 ? { ...x._view(), shape: [1], strides: [1] } : x._view();
  const out = wrap(backend.logSoftmax(view, d), x.shape, x.dtype, backend);
  // d/dx_i = g_i - softmax_i * sum_j g_j, with softmax = exp(out): one backend call where the
  // backend has one and no graph of the gradient is recorded (createGraph composes it).
  return record('LogSoftmaxBackward0', out, [x], [out], (g) => {
    const fused = backend.logSoftmaxBackward !== undefined && out.dtype === 'float32' && g.dtype === 'float32' && out.ndim > 0 && g._storage.backend === backend && !isGradEnabled();
    if (fused) return [wrap(backend.logSoftmaxBackward!(g._view(), out._view(), d), out.shape, 'float32', backend)];
    return [g.sub(out.exp().mul(sum(g, d, { keepdim: true })))];
  });
}

function scan(op: 'cumsum' | 'cumprod', x: Tensor, dim: number, dtype: DType): Tensor {
  const d = x.ndim === 0 ? 0 : normalizeDim(dim, x.ndim);
  const backend = backendOf(x);
  const input = dtype === x.dtype ? x : cast(x, dtype, false);
  const view = x.ndim === 0 ? { ...input._view(), shape: [1], strides: [1] } : input._view();
  return wrap(backend.scan(op, view, d, dtype), x.shape, dtype, backend);
}

/** `torch.cumsum(x, dim)`: running sums along dim. */
export function cumsum(x: Tensor, dim: number, options: { dtype?: DType } = {}): Tensor {
  const y = scan('cumsum', x, dim, sumDtype(x, options.dtype));
  // d/dx_i sum_{j>=i} g_j: a reversed cumulative sum of the gradient.
  return record('CumsumBackward0', y, [x], [], (g) => (x.ndim === 0 ? [g] : [flip(cumsum(flip(g, dim), dim), dim)]));
}

/** torch.cumprod, with the gradient exact where x has zeros (as PyTorch's cumprod_backward). */
export function cumprod(x: Tensor, dim: number, options: { dtype?: DType } = {}): Tensor {
  const y = scan('cumprod', x, dim, sumDtype(x, options.dtype));
  return record('CumprodBackward0', y, [x], [x, y], (g) => {
    if (x.ndim === 0) return [g];
    const reverseCumsum = (t: Tensor) => flip(cumsum(flip(t, dim), dim), dim);
    // d y_j / d x_i = y_j / x_i for j >= i.
    const zero = x.eq(0);
    if (!zero.any().item()) return [reverseCumsum(g.mul(y)).div(x)];
    // Split each line at its first zero z: before z the quotient above holds; after z every y_j
    // is 0 whatever x_i is, so the gradient is 0; at z it is sum_{j>=z} g_j prod_{k<=j, k!=z} x_k,
    // a cumprod with x_z replaced by 1.
    const seen = cumsum(zero, dim);
    const before = seen.eq(0);
    const first = zero.logicalAnd(seen.eq(1));
    const atFirst = reverseCumsum(g.mul(cumprod(where(first, 1, x), dim)));
    const beforeFirst = reverseCumsum(g.mul(y)).div(where(before, x, 1));
    return [where(before, beforeFirst, where(first, atFirst, 0))];
  });
}

/** torch.norm / linalg.vector_norm for p = 2 (default), 1, inf, -inf, 0 or any p > 0; 'fro' is 2. */
export function norm(x: Tensor, p: number | 'fro' = 2, dim?: Dims | null, options: KeepDim = {}): Tensor {
  const ord = p === 'fro' ? 2 : p;
  const a = x.abs();
  if (ord === Infinity) return amax(a, dim, options);
  if (ord === -Infinity) return amin(a, dim, options);
  if (ord === 0) {
    // A count of nonzeros (NaN counts); PyTorch defines its gradient as zero.
    const count = sum(a.ne(0).to(x.dtype), dim, options);
    return record('NormBackward1', count, [x], [], () => [zerosLike(x)]);
  }
  if (ord === 1) return sum(a, dim, options);
  if (ord === 2) {
    // sqrt(sum x^2) with PyTorch's subgradient 0 at the origin instead of nan.
    const s = sum(x.mul(x), dim, options);
    const safe = where(s.eq(0), 1, s);
    return where(s.eq(0), 0, safe.sqrt());
  }
  return sum(a.pow(ord), dim, options).pow(1 / ord);
}

function boolReduce(kind: 'all' | 'any', x: Tensor, dim: number | null | undefined, options: KeepDim): Tensor {
  const asBool = x.dtype === 'bool' ? x : x.ne(0);
  const dims = normalizeDims(dim, x.ndim);
  const keepdim = options.keepdim ?? false;
  // On empty input all() is true and any() false; the min/max kernels reject empty groups.
  const counted = reducePrimitive('sum', asBool, dims, keepdim, 'int64');
  const size = dims.reduce((n, d) => n * x.shape[d], 1);
  return kind === 'all' ? counted.eq(size) : counted.gt(0);
}

/** `torch.all(x, dim=None, keepdim=False)`: whether every element is non-zero. */
export const all = (x: Tensor, dim?: number | null, options: KeepDim = {}) => boolReduce('all', x, dim, options);
/** `torch.any(x, dim=None, keepdim=False)`: whether some element is non-zero. */
export const any = (x: Tensor, dim?: number | null, options: KeepDim = {}) => boolReduce('any', x, dim, options);

/** `torch.nansum(x, dim=None, keepdim=False, dtype=None)`: the sum with NaNs counted as 0 (their gradient is 0). */
export function nansum(x: Tensor, dim?: Dims | null, options: KeepDim & { dtype?: DType } = {}): Tensor {
  if (!isFloatingPoint(x.dtype)) return sum(x, dim, options);
  const keepdim = options.keepdim ?? false;
  const dims = reductionDims(dim, x.ndim);
  const xs = x.shape;
  return asOneNode('NansumBackward0', [x], [x], (t) => sum(where(t.isnan(), 0, t), dim == null ? null : dims, options), (g) => [
    // A product, not a where, as PyTorch: a NaN gradient (nanmean of all NaNs) stays NaN.
    cast(expandBack(g, xs, dims, keepdim), x.dtype, false).mul(x.isnan().logicalNot()),
  ]);
}

/** `torch.nanmean(x, dim=None, keepdim=False)`: the mean of the non-NaN elements (NaN where all are NaN). */
export function nanmean(x: Tensor, dim?: Dims | null, options: KeepDim = {}): Tensor {
  if (!isFloatingPoint(x.dtype)) throw new TypeError(`nanmean(): expected input to have floating point dtype but got ${scalarTypeName[x.dtype]}`);
  const count = sum(x.isnan().logicalNot(), dim, options);
  return nansum(x, dim, options).div(count);
}

/** `torch.count_nonzero(x, dim=None)`: how many elements are not zero (int64). */
export function countNonzero(x: Tensor, dim?: Dims | null): Tensor {
  const dims = dim == null ? null : normalizeDims(dim, x.ndim);
  return sum(x.ne(0), dims);
}

/** `torch.aminmax(x, *, dim=None, keepdim=False)`: the smallest and the largest value, at once. */
export function aminmax(x: Tensor, options: KeepDim & { dim?: number | null } = {}): { min: Tensor; max: Tensor } {
  const dim = options.dim ?? null;
  if (dim === null && x.numel() === 0) throw new RangeError('aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity.');
  // A 0-D tensor takes dim 0 or -1, as PyTorch (its message names no op).
  const d = dim === null ? null : normalizeDim(dim, x.ndim);
  if (d !== null && x.shape[d] === 0) throw new RangeError(`aminmax: Expected reduction dim ${d} to have non-zero size.`);
  const keepdim = options.keepdim ?? false;
  return { min: amin(x, dim, { keepdim }), max: amax(x, dim, { keepdim }) };
}

/** `torch.var_mean(x, dim=None, correction=1, keepdim=False)`: the variance and the mean, as [var, mean]. */
export function varMean(x: Tensor, dim?: Dims | null, options: VarOptions = {}): [Tensor, Tensor] {
  return [variance(x, dim, options), mean(x, dim, { keepdim: options.keepdim })];
}

/** `torch.std_mean(x, dim=None, correction=1, keepdim=False)`: the standard deviation and the mean, as [std, mean]. */
export function stdMean(x: Tensor, dim?: Dims | null, options: VarOptions = {}): [Tensor, Tensor] {
  return [std(x, dim, options), mean(x, dim, { keepdim: options.keepdim })];
}
