// Order statistics (aten/src/ATen/native/Sorting.cpp): torch.median, nanmedian, quantile and
// nanquantile, from a sort and a gather, so the gradient goes to the element each result was read
// from (between two for an interpolated quantile), as PyTorch's does.

import { isFloatingPoint } from '../tensor/dtype.js';
import { normalizeDim } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { fullLike, tensor, zerosLike } from './creation.js';
import { asOneNode } from './function.js';
import { gather, scatter } from './indexing.js';
import { sort } from './sort.js';
import type { ValuesIndices } from './reduce.js';
import { where } from './elementwise.js';

/**
 * The position in sorted order of each slice's median along `dim` (sort puts NaNs last, in their
 * order): median takes the first NaN when there is one, nanmedian the lower middle of the values
 * that are not NaN (the first NaN when all are).
 */
function medianPosition(x: Tensor, dim: number, ignoreNan: boolean): Tensor {
  const n = x.shape[dim];
  const nans = x.isnan().sum(dim, { keepdim: true });
  if (ignoreNan) return nans.neg().add(n - 1).div(2, { roundingMode: 'floor' }).clampMin(0);
  return where(nans.gt(0), nans.neg().add(n), Math.floor((n - 1) / 2));
}

function medianAlong(x: Tensor, dim: number, keepdim: boolean, ignoreNan: boolean): ValuesIndices {
  const d = normalizeDim(dim, x.ndim);
  const name = ignoreNan ? 'NanmedianBackward1' : 'MedianBackward1';
  if (x.ndim === 0) return { values: asOneNode(name, [x], [], (t) => t.clone(), (g) => [g]), indices: tensor(0, { device: x.device }) };
  if (x.shape[d] === 0) throw new RangeError(`median(): Expected reduction dim ${d} to have non-zero size.`); // nanmedian's says median() too
  const order = sort(x.detach(), d).indices;
  const kept = gather(order, d, medianPosition(x.detach(), d, ignoreNan));
  const indices = keepdim ? kept : kept.squeeze(d);
  // One node, as PyTorch's: the gradient goes to the element each median was read from.
  const values = asOneNode(name, [x], [], (t) => (keepdim ? gather(t, d, kept) : gather(t, d, kept).squeeze(d)), (g) => [
    scatter(zerosLike(x), d, kept, keepdim ? g : g.unsqueeze(d)),
  ]);
  return { values, indices };
}

/**
 * The median of every element (a 0-D tensor), one node as PyTorch's: its gradient is shared
 * evenly by every element equal to the median (every NaN when it is NaN), PyTorch's
 * evenly_distribute_backward. An empty input's median is NaN.
 */
function medianAll(x: Tensor, ignoreNan: boolean): Tensor {
  const name = ignoreNan ? 'NanmedianBackward0' : 'MedianBackward0';
  const value = (t: Tensor) => {
    if (t.numel() === 0) return tensor(NaN, { dtype: t.dtype, device: t.device });
    const flat = t.reshape(-1);
    return gather(flat, 0, medianAlong(flat, 0, true, ignoreNan).indices).reshape([]);
  };
  const result = asOneNode(name, [x], [], value, (g) => {
    const m = result.detach();
    const mask = where(m.isnan(), x.isnan(), x.eq(m)); // no read-back: it runs on a GPU too
    return [where(mask, g.div(mask.sum()), 0)];
  });
  return result;
}

/**
 * `torch.median(x)`: the lower of the two middle values (NaN if any is NaN); with a dim,
 * `{ values, indices }` along it, the index the value came from.
 */
export function median(x: Tensor): Tensor;
export function median(x: Tensor, dim: number, options?: { keepdim?: boolean }): ValuesIndices;
export function median(x: Tensor, dim?: number, options: { keepdim?: boolean } = {}): Tensor | ValuesIndices {
  return dim === undefined ? medianAll(x, false) : medianAlong(x, dim, options.keepdim ?? false, false);
}

/** `torch.nanmedian`: median with NaNs left out (NaN only where every value is NaN). */
export function nanmedian(x: Tensor): Tensor;
export function nanmedian(x: Tensor, dim: number, options?: { keepdim?: boolean }): ValuesIndices;
export function nanmedian(x: Tensor, dim?: number, options: { keepdim?: boolean } = {}): Tensor | ValuesIndices {
  return dim === undefined ? medianAll(x, true) : medianAlong(x, dim, options.keepdim ?? false, true);
}

/** How a quantile between two sorted values is read. */
export type QuantileInterpolation = 'linear' | 'lower' | 'higher' | 'midpoint' | 'nearest';
/** Options of torch.quantile and nanquantile: keepdim (false) and interpolation (linear). */
export interface QuantileOptions {
  keepdim?: boolean;
  interpolation?: QuantileInterpolation;
}

function quantileOf(x: Tensor, q: number | Tensor, dim: number | null | undefined, options: QuantileOptions, ignoreNan: boolean): Tensor {
  const { keepdim = false, interpolation = 'linear' } = options;
  // nanquantile's messages say quantile() too, as PyTorch's.
  const modes = ['linear', 'lower', 'higher', 'midpoint', 'nearest'];
  if (!modes.includes(interpolation)) throw new RangeError(`quantile() interpolation must be one of linear, lower, higher, midpoint or nearest, but got ${interpolation}`);
  if (x.numel() === 0) throw new RangeError(`quantile() input tensor must be non-empty`);
  const qt = q instanceof Tensor ? q : null;
  if (qt && qt.ndim > 1) throw new RangeError(`quantile() q must be a scalar or 1D tensor`);
  if (!isFloatingPoint(x.dtype)) throw new TypeError(`quantile() input tensor must be either float or double dtype`);
  if (qt && qt.dtype !== x.dtype) throw new TypeError(`quantile() q tensor must be same dtype as the input tensor`);
  if (qt) {
    // As PyTorch, a q on a device is not read back to be checked.
    if (qt.device.type === 'cpu' && !qt.ge(0).logicalAnd(qt.le(1)).all().item()) throw new RangeError(`quantile() q values must be in the range [0, 1]`);
  } else if (!((q as number) >= 0 && (q as number) <= 1)) {
    throw new RangeError(`quantile() q must be in the range [0, 1] but got ${q}`);
  }
  // As PyTorch: the reduced dim moved last behind a size-1 stand-in (so the shape is keepdim's), or
  // everything flattened.
  const d = dim === null || dim === undefined ? null : normalizeDim(dim, x.ndim);
  const rows = d === null ? x.reshape(-1) : x.unsqueeze(-1).transpose(d, -1);
  const sorted = sort(rows, -1).values;
  const n = sorted.shape[sorted.ndim - 1];
  const qs = (qt ?? tensor(q as number, { dtype: x.dtype, device: x.device })).reshape([-1]);
  let ranks: Tensor;
  if (ignoreNan) {
    ranks = qs.mul(sorted.isnan().logicalNot().sum(-1, { keepdim: true }).sub(1));
    ranks = where(ranks.lt(0), 0, ranks);
  } else {
    ranks = where(sorted.isnan().any(-1, { keepdim: true }), n - 1, qs.mul(n - 1));
  }
  if (interpolation === 'lower') ranks = ranks.floor();
  else if (interpolation === 'higher') ranks = ranks.ceil();
  else if (interpolation === 'nearest') ranks = ranks.round();
  const below = ranks.to('int64');
  let out = gather(sorted, -1, below);
  if (interpolation === 'linear' || interpolation === 'midpoint') {
    const weights = interpolation === 'midpoint' ? fullLike(ranks, 0.5) : ranks.sub(below.to(ranks.dtype));
    out = out.lerp(gather(sorted, -1, ranks.ceil().to('int64')), weights);
  }
  // [..., Q]: a scalar q drops Q, a 1-D q puts it first.
  out = qt === null || qt.ndim === 0 ? out.squeeze(-1) : out.unsqueeze(0).transpose(0, -1).squeeze(-1);
  const lead = qt !== null && qt.ndim === 1 ? 1 : 0;
  if (d === null) return keepdim ? out.reshape([...out.shape.slice(0, lead), ...x.shape.map(() => 1)]) : out;
  return keepdim ? out : out.squeeze(d + lead);
}

/**
 * `torch.quantile(x, q, dim=None, keepdim=False, interpolation='linear')`: the q-th quantiles
 * (q a number or a 1-D tensor in [0, 1], whose values lead the result's shape) of all elements or
 * along dim; a slice with a NaN gives NaN.
 */
export function quantile(x: Tensor, q: number | Tensor, dim?: number | null, options: QuantileOptions = {}): Tensor {
  return quantileOf(x, q, dim, options, false);
}

/** `torch.nanquantile`: quantile with NaNs left out (NaN only where every value is NaN). */
export function nanquantile(x: Tensor, q: number | Tensor, dim?: number | null, options: QuantileOptions = {}): Tensor {
  return quantileOf(x, q, dim, options, true);
}
