// Running (prefix) reductions beyond cumsum and cumprod (aten/src/ATen/native/ReduceOps.cpp):
// torch.cummax, cummin and logcumsumexp. Each is an associative combine, so it runs as a
// Hillis-Steele scan: log2(n) rounds of whole-tensor ops (every backend has them), each element
// combined with the one 2^k before it.

import { normalizeDim } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { arange, zerosLike } from './creation.js';
import { where } from './elementwise.js';
import { asOneNode } from './function.js';
import { scatterAdd } from './indexing.js';
import { cat, narrow } from './movement.js';
import { floatOnly, logaddexp } from './pointwise.js';
import type { ValuesIndices } from './reduce.js';

/** A scan along `dim` of `parts` (tensors of one shape) by `combine(earlier, later)`, which must be associative. */
function scan(parts: Tensor[], dim: number, combine: (earlier: Tensor[], later: Tensor[]) => Tensor[]): Tensor[] {
  const n = parts[0].shape[dim];
  for (let step = 1; step < n; step *= 2) {
    const earlier = parts.map((p) => narrow(p, dim, 0, n - step));
    const later = parts.map((p) => narrow(p, dim, step, n - step));
    const combined = combine(earlier, later);
    parts = parts.map((p, i) => cat([narrow(p, dim, 0, step), combined[i]], dim));
  }
  return parts;
}

/**
 * cummax and cummin: PyTorch's cummax_cummin_helper takes the later element when it is NaN, or
 * when neither is NaN and it is >= (cummax) or <= (cummin) the running value: the running value is
 * the extreme of a total order in which NaN is above everything and a tie goes to the later index,
 * so the combine is associative. The gradient of each output goes to the element it came from.
 */
function cumExtreme(op: 'cummax' | 'cummin', x: Tensor, dim: number): ValuesIndices {
  const d = x.ndim === 0 ? 0 : normalizeDim(dim, x.ndim);
  if (x.ndim === 0) return { values: asOneNode(op === 'cummax' ? 'CummaxBackward0' : 'CumminBackward0', [x], [], (t) => t.clone(), (g) => [g]), indices: zerosLike(x, { dtype: 'int64' }) };
  const shape = new Array<number>(x.ndim).fill(1);
  shape[d] = x.shape[d];
  const positions = arange(x.shape[d], { device: x.device }).reshape(shape).expand(x.shape);
  const [, indices] = scan([x.detach(), positions], d, ([ev, ei], [lv, li]) => {
    const wins = op === 'cummax' ? lv.ge(ev) : lv.le(ev);
    const takeLater = lv.isnan().logicalOr(ev.isnan().logicalNot().logicalAnd(wins));
    return [where(takeLater, lv, ev), where(takeLater, li, ei)];
  });
  const name = op === 'cummax' ? 'CummaxBackward0' : 'CumminBackward0';
  const values = asOneNode(name, [x], [], (t) => t.gather(d, indices), (g) => [scatterAdd(zerosLike(x), d, indices, g)]);
  return { values, indices };
}

/** `torch.cummax(x, dim)`: `{ values, indices }`, the running maximum along dim and where it was (the latest of ties; NaN sticks). */
export const cummax = (x: Tensor, dim: number): ValuesIndices => cumExtreme('cummax', x, dim);
/** `torch.cummin(x, dim)`: `{ values, indices }`, the running minimum along dim and where it was (the latest of ties; NaN sticks). */
export const cummin = (x: Tensor, dim: number): ValuesIndices => cumExtreme('cummin', x, dim);

/**
 * `torch.logcumsumexp(x, dim)`: log(cumsum(exp(x))) without overflow or underflow, each prefix
 * combined by logaddexp (associative), so the gradient is logaddexp's, exact at every element.
 */
export function logcumsumexp(x: Tensor, dim: number): Tensor {
  const d = x.ndim === 0 ? 0 : normalizeDim(dim, x.ndim);
  floatOnly('logcumsumexp_out', x.dtype);
  if (x.ndim === 0) return x.clone();
  if (x.shape[d] === 0) return x.clone();
  return scan([x], d, ([e], [l]) => [logaddexp(e, l)])[0];
}

