// Sorting and selection along a dim: sort, argsort, msort, topk, kthvalue. The order comes from
// the backend's sort (positions, no gradient); the values are a gather of x at those positions,
// so the gradient scatters back to the positions each value came from (PyTorch's
// SortBackward0 / TopkBackward0 / KthvalueBackward0 are that same gather-based rule).

import { normalizeDim } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { backendOf, wrap } from './function.js';
import { gatherNamed } from './indexing.js';
import { narrow, reshape, select, unsqueeze } from './movement.js';
import type { ValuesIndices } from './reduce.js';

/** Options of `torch.sort`: dim (default -1), descending (false), stable (false). */
export interface SortOptions {
  dim?: number;
  descending?: boolean;
  /** Accepted as PyTorch's; dlab's sort is always stable (equal values keep their order). */
  stable?: boolean;
}

/** sort(x, dim) or sort(x, { dim, descending, stable }): PyTorch's dim may be positional or a keyword. */
function sortArgs(dimOrOptions: number | SortOptions | undefined, options: SortOptions): Required<Pick<SortOptions, 'dim' | 'descending'>> {
  const merged = typeof dimOrOptions === 'object' ? { ...dimOrOptions, ...options } : { dim: dimOrOptions, ...options };
  return { dim: merged.dim ?? -1, descending: merged.descending ?? false };
}

/** The sorting positions (int64) along dim d. */
function order(x: Tensor, d: number, descending: boolean): Tensor {
  const backend = backendOf(x);
  return wrap(backend.sort(x._view(), d, descending), x.shape, 'int64', backend);
}

/** A zero-dim x is handled as one element along dim 0, its results reshaped back to zero-dim. */
function asVector(x: Tensor, fn: (v: Tensor) => ValuesIndices): ValuesIndices {
  const r = fn(reshape(x, [1]));
  return { values: reshape(r.values, []), indices: reshape(r.indices, []) };
}

/** torch.sort: { values, indices } with values sorted along dim (ascending unless descending); NaN counts as the largest. */
export function sort(x: Tensor, dim?: number | SortOptions, options: SortOptions = {}): ValuesIndices {
  const args = sortArgs(dim, options);
  const d = normalizeDim(args.dim, x.ndim);
  if (x.ndim === 0) return asVector(x, (v) => sort(v, 0, args));
  const indices = order(x, d, args.descending);
  return { values: gatherNamed(x, d, indices, 'SortBackward0'), indices };
}

/** torch.argsort: the indices of sort. */
export function argsort(x: Tensor, dim?: number | SortOptions, options: SortOptions = {}): Tensor {
  const args = sortArgs(dim, options);
  const d = normalizeDim(args.dim, x.ndim);
  return x.ndim === 0 ? reshape(order(reshape(x, [1]), 0, args.descending), []) : order(x, d, args.descending);
}

/** torch.msort: sort's values along dim 0. */
export function msort(x: Tensor): Tensor {
  return sort(x, 0).values;
}

/** Options of `torch.topk`: dim (default -1), largest (true), sorted (true). */
export interface TopkOptions {
  dim?: number;
  largest?: boolean;
  /** Accepted as PyTorch's; the k values always come out in order. */
  sorted?: boolean;
}

/** torch.topk: the k largest (or smallest) values along dim and their indices. */
export function topk(x: Tensor, k: number, dim?: number | TopkOptions, options: TopkOptions = {}): ValuesIndices {
  const merged = typeof dim === 'object' ? { ...dim, ...options } : { dim, ...options };
  const d = normalizeDim(merged.dim ?? -1, x.ndim);
  const size = x.ndim === 0 ? 1 : x.shape[d];
  if (!Number.isInteger(k) || k < 0 || k > size) throw new RangeError(`selected index k out of range (topk got k = ${k} for a dim of size ${size})`);
  if (x.ndim === 0) return asVector(x, (v) => topk(v, k, 0, merged));
  const indices = narrow(order(x, d, merged.largest ?? true), d, 0, k);
  return { values: gatherNamed(x, d, indices, 'TopkBackward0'), indices };
}

/** Options of `torch.kthvalue`: dim (default -1), keepdim (false). */
export interface KthvalueOptions {
  dim?: number;
  keepdim?: boolean;
}

/** torch.kthvalue: the k-th smallest value (k from 1) along dim and its index. */
export function kthvalue(x: Tensor, k: number, dim?: number | KthvalueOptions, options: KthvalueOptions = {}): ValuesIndices {
  const merged = typeof dim === 'object' ? { ...dim, ...options } : { dim, ...options };
  const d = normalizeDim(merged.dim ?? -1, x.ndim);
  const size = x.ndim === 0 ? 1 : x.shape[d];
  if (!Number.isInteger(k) || k < 1 || k > size) throw new RangeError(`kthvalue(): selected number k out of range for dimension ${d} (got k = ${k} for a dim of size ${size})`);
  if (x.ndim === 0) return asVector(x, (v) => kthvalue(v, k, 0, { keepdim: true }));
  const picked = unsqueeze(select(order(x, d, false), d, k - 1), d);
  const values = gatherNamed(x, d, picked, 'KthvalueBackward0');
  if (merged.keepdim) return { values, indices: picked };
  return { values: values.squeeze(d), indices: picked.squeeze(d) };
}
