// linalg.matrix_power, multi_dot, vecdot and cross: products built from matmul and elementwise
// ops (as PyTorch composes them), so autograd differentiates them through those.

import type { Tensor } from '../../tensor/tensor.js';
import { fmtShape, normalizeDim } from '../../tensor/shape.js';
import { matmul } from '../linalg.js';
import { sum } from '../reduce.js';
import { eye } from '../creation.js';
import { cross as crossAlong } from '../products.js';
import { checkFloating, checkSquare } from './matrices.js';
import { scalarTypeName } from '../../tensor/dtype.js';
import { inv } from './lu.js';

/**
 * `torch.linalg.matrix_power(A, n)`: A multiplied by itself n times by repeated squaring (n < 0:
 * the inverse's power; n = 0: the identity written over a copy of A, as PyTorch's, so it stays in
 * A's graph (CopyBackwards) and A.grad is zeros).
 */
export function matrixPower(a: Tensor, n: number): Tensor {
  checkSquare('linalg.matrix_power', a);
  if (n === 0) return a.clone().copy_(eye(a.shape[a.ndim - 1], { dtype: a.dtype, device: a.device }).expand(a.shape));
  let base = n < 0 ? inv(a) : a;
  let k = Math.abs(n);
  if (k === 1) return base.clone();
  let result: Tensor | null = null;
  while (k > 0) {
    if (k & 1) result = result === null ? base : matmul(result, base);
    k >>= 1;
    if (k > 0) base = matmul(base, base);
  }
  return result!;
}

/** `torch.linalg.multi_dot(tensors)`: the chained product, the first 1-D as a row, the last 1-D as a column. */
export function multiDot(tensors: readonly Tensor[]): Tensor {
  const n = tensors.length;
  if (n < 2) throw new RangeError(`multi_dot(): expected at least 2 tensors but got ${n}`);
  const first = tensors[0];
  const last = tensors[n - 1];
  if (first.ndim !== 1 && first.ndim !== 2) throw new RangeError(`multi_dot(): the first tensor must be 1D or 2D but got ${first.ndim}D`);
  if (last.ndim !== 1 && last.ndim !== 2) throw new RangeError(`multi_dot(): the last tensor must be 1D or 2D but got ${last.ndim}D`);
  for (let i = 1; i < n - 1; i++) {
    if (tensors[i].ndim !== 2) throw new RangeError(`multi_dot(): tensor ${i} must be 2D but got ${tensors[i].ndim}D`);
  }
  const mats = tensors.map((t, i) => (t.ndim === 2 ? t : i === 0 ? t.unsqueeze(0) : t.unsqueeze(1)));
  for (let i = 0; i + 1 < n; i++) {
    if (mats[i].shape[1] !== mats[i + 1].shape[0]) {
      throw new RangeError(`multi_dot(): tensors ${i} and ${i + 1} with shapes ${fmtShape(tensors[i].shape)} and ${fmtShape(tensors[i + 1].shape)} cannot be multiplied`);
    }
  }
  // Left to right; PyTorch picks the cheapest order for 3 or more, which changes only rounding.
  let out = mats[0];
  for (let i = 1; i < n; i++) out = matmul(out, mats[i]);
  if (first.ndim === 1 && last.ndim === 1) return out.reshape([]);
  if (first.ndim === 1) return out.squeeze(0);
  if (last.ndim === 1) return out.squeeze(1);
  return out;
}

/** `torch.linalg.vecdot(x, y, dim=-1)`: the dot products along dim, broadcast (real: sum of x * y). */
export function vecdot(x: Tensor, y: Tensor, options: { dim?: number } = {}): Tensor {
  checkFloating('linalg.vecdot', x);
  if (x.dtype !== y.dtype) {
    throw new TypeError(`linalg.vecdot: Expected x and y to have the same dtype, but found x of type ${scalarTypeName[x.dtype]} and y of type ${scalarTypeName[y.dtype]} instead`);
  }
  const prod = x.mul(y);
  return sum(prod, normalizeDim(options.dim ?? -1, prod.ndim));
}

/** `torch.linalg.cross(a, b, dim=-1)`: the 3-D cross product along dim (default the last, unlike torch.cross). */
export function cross(a: Tensor, b: Tensor, options: { dim?: number } = {}): Tensor {
  return crossAlong(a, b, options.dim ?? -1);
}
