// Diagonals: torch.diagonal (a view), diag, diag_embed and trace, each with PyTorch 1.13's grad_fn
// name and refusals. The gradient of a diagonal is zeros with the diagonal written in (embed).

import { scalarTypeName, type DType } from '../tensor/dtype.js';
import type { DeviceLike } from '../tensor/device.js';
import { normalizeDim, numel, type Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { backendOf, record, wrap } from './function.js';
import { expand, makeView } from './movement.js';
import { sum } from './reduce.js';
import { tensor } from './creation.js';

/** The geometry of x's diagonal: x's shape and strides without dims a and b, then the diagonal. */
function diagonalGeometry(shape: Shape, strides: Shape, base: number, offset: number, a: number, b: number) {
  const length = Math.max(offset >= 0 ? Math.min(shape[a], shape[b] - offset) : Math.min(shape[a] + offset, shape[b]), 0);
  // An empty diagonal keeps the base offset (it may point past the end otherwise), as PyTorch.
  const start = length === 0 ? base : offset >= 0 ? base + offset * strides[b] : base - offset * strides[a];
  const rest = (v: Shape) => v.filter((_, i) => i !== a && i !== b);
  return { shape: [...rest(shape), length], strides: [...rest(strides), strides[a] + strides[b]], start };
}

/** The dims of a diagonal, normalized and checked as PyTorch does (named as given when equal). */
function diagonalDims(ndim: number, dim1: number, dim2: number): [number, number] {
  const a = normalizeDim(dim1, ndim);
  const b = normalizeDim(dim2, ndim);
  if (a === b) throw new RangeError(`diagonal dimensions cannot be identical ${dim1}, ${dim2}`);
  return [a, b];
}

/** An untracked view of x's diagonal (the ops below record their own node). */
function diagonalView(x: Tensor, offset: number, a: number, b: number): Tensor {
  const g = diagonalGeometry(x.shape, x._strides, x._offset, offset, a, b);
  return makeView(x, g.shape, g.strides, g.start);
}

/**
 * Zeros of `shape` with `values` written on the diagonal (offset, dims a and b): diag_embed, a
 * vector's diag, and the gradient of diagonal and trace. Its own gradient is `rule`'s (the
 * diagonal again, by default).
 */
function embedDiagonal(name: string, values: Tensor, shape: Shape, offset: number, a: number, b: number, rule = (g: Tensor) => diagonal(g, offset, a, b)): Tensor {
  const backend = backendOf(values);
  const out = wrap(backend.allocate(values.dtype, numel(shape)), shape, values.dtype, backend);
  backend.assign(diagonalView(out, offset, a, b)._view(), values._view());
  return record(name, out, [values], [], (g) => [rule(g)]);
}

/** `torch.diagonal(x, offset=0, dim1=0, dim2=1)`: the diagonal of dims dim1 and dim2 as a last dim, a view. */
export function diagonal(x: Tensor, offset = 0, dim1 = 0, dim2 = 1): Tensor {
  const [a, b] = diagonalDims(x.ndim, dim1, dim2);
  const y = diagonalView(x, offset, a, b);
  const xs = x.shape; // the shape, not x: the rule must not keep x's storage alive
  return record('DiagonalBackward0', y, [x], [], (g) => [embedDiagonal('DiagonalBackwardBackward0', g, xs, offset, a, b)]);
}

/**
 * `torch.diag(x, diagonal=0)`: a vector becomes a square matrix with it on that diagonal; a
 * matrix gives a copy of that diagonal.
 */
export function diag(x: Tensor, k = 0): Tensor {
  // Each case's gradient is the other case, as PyTorch's DiagBackward0.
  if (x.ndim === 1) {
    const n = x.shape[0] + Math.abs(k);
    return embedDiagonal('DiagBackward0', x, [n, n], k, 0, 1, (g) => diag(g, k));
  }
  if (x.ndim !== 2) throw new RangeError('matrix or a vector expected');
  const backend = backendOf(x);
  const view = diagonalView(x, k, 0, 1);
  const y = wrap(backend.copy(view._view(), x.dtype), view.shape, x.dtype, backend);
  const xs = x.shape;
  return record('DiagBackward0', y, [x], [], (g) => [xs[0] === xs[1] ? diag(g, k) : embedDiagonal('DiagBackward0', g, xs, k, 0, 1, (gg) => diag(gg, k))]);
}

/**
 * `torch.diag_embed(x, offset=0, dim1=-2, dim2=-1)`: x's last dim written on the diagonal of two
 * new dims (dim1 and dim2 of the result), zeros elsewhere.
 */
export function diagEmbed(x: Tensor, offset = 0, dim1 = -2, dim2 = -1): Tensor {
  const [a, b] = diagonalDims(x.ndim + 1, dim1, dim2);
  const n = x.shape[x.ndim - 1] + Math.abs(offset); // x is at least 1-D: a 0-D x fails diagonalDims above
  const shape = x.shape.slice(0, -1);
  for (const d of [Math.min(a, b), Math.max(a, b)]) shape.splice(d, 0, n);
  return embedDiagonal('DiagEmbedBackward0', x, shape, offset, a, b);
}

/** `torch.trace(x)`: the sum of a matrix's main diagonal (integers sum to int64, as sum). */
export function trace(x: Tensor): Tensor {
  if (x.ndim !== 2) throw new RangeError(`trace: expected a matrix, but got tensor with dim ${x.ndim}`);
  if (x.dtype === 'bool') throw new TypeError(`"trace" not implemented for '${scalarTypeName[x.dtype]}'`);
  const y = sum(diagonalView(x, 0, 0, 1));
  const xs = x.shape;
  const n = Math.min(xs[0], xs[1]);
  // PyTorch builds this gradient with index_fill_ (IndexFillBackward1 under a view); dlab names its own.
  return record('TraceBackward0', y, [x], [], (g) => [embedDiagonal('TraceBackwardBackward0', expand(g, [n]), xs, 0, 0, 1)]);
}

/** tril_indices / triu_indices: the [2, N] row and column indices of one triangle, in row-major order. */
function triangleIndices(lower: boolean, row: number, col: number, offset: number, options: { dtype?: DType; device?: DeviceLike }): Tensor {
  const name = lower ? 'tril_indices' : 'triu_indices';
  if (row < 0) throw new RangeError(`row must be non-negative, got${row}`);
  if (col < 0) throw new RangeError(`col must be non-negative, got${col}`);
  const dtype = options.dtype ?? 'int64';
  if (dtype !== 'int64' && dtype !== 'int32') throw new TypeError(`"${name}" not implemented for '${scalarTypeName[dtype]}'`);
  const rows: number[] = [];
  const cols: number[] = [];
  for (let i = 0; i < row; i++) {
    for (let j = 0; j < col; j++) {
      if (lower ? j - i <= offset : j - i >= offset) {
        rows.push(i);
        cols.push(j);
      }
    }
  }
  return tensor([...rows, ...cols], { dtype, device: options.device }).reshape([2, rows.length]);
}

/** `torch.tril_indices(row, col, offset=0)`: the indices of a row x col matrix's lower triangle (on and below diagonal `offset`). */
export const trilIndices = (row: number, col: number, offset = 0, options: { dtype?: DType; device?: DeviceLike } = {}): Tensor => triangleIndices(true, row, col, offset, options);
/** `torch.triu_indices(row, col, offset=0)`: the indices of a row x col matrix's upper triangle (on and above diagonal `offset`). */
export const triuIndices = (row: number, col: number, offset = 0, options: { dtype?: DType; device?: DeviceLike } = {}): Tensor => triangleIndices(false, row, col, offset, options);
