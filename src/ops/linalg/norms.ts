// linalg.vector_norm, linalg.matrix_norm and linalg.norm, with PyTorch 1.13's dispatch between
// them (aten/src/ATen/native/LinearAlgebra.cpp). vector_norm is one node (LinalgVectorNormBackward0)
// whose rule is FunctionsManual.cpp's norm_backward; matrix norms are compositions, as in PyTorch:
// 'fro' is a vector norm, 1/inf an amax/amin of vector norms, 2/'nuc' an amax/amin/sum of svdvals.

import type { Dims, KeepDim, Tensor } from '../../tensor/tensor.js';
import { normalizeDim, normalizeDims } from '../../tensor/shape.js';
import { type DType, scalarTypeName } from '../../tensor/dtype.js';
import { record } from '../function.js';
import { amax, amin, norm as pNorm, sum } from '../reduce.js';
import { where } from '../elementwise.js';
import { checkFloating, checkIsMatrix } from './matrices.js';
import { svdvals } from './svd.js';

/** keepdim, and the dtype to compute in (and return): the input is cast to it first, never narrowed. */
export interface NormOptions extends KeepDim {
  dtype?: DType | null;
}

/** check_linalg_norm_dtype, then the cast. */
function castFor(op: string, x: Tensor, dtype: DType | null | undefined): Tensor {
  if (dtype == null || dtype === x.dtype) return x;
  if (x.dtype === 'float64' && dtype === 'float32') {
    throw new TypeError(`${op}: the dtype of the input (${scalarTypeName[x.dtype]}) should be convertible without narrowing to the specified dtype (${scalarTypeName[dtype]})`);
  }
  return x.to(dtype);
}

/** A norm's order as PyTorch prints it in its messages (inf, -inf, 2, 0.5). */
const fmtOrd = (ord: number | string) => (ord === Infinity ? 'inf' : ord === -Infinity ? '-inf' : String(ord));

/** `x` with size-1 dims put back at the reduced `dims` (sorted), as unsqueeze_multiple. */
function unsqueezeAt(x: Tensor, dims: readonly number[]): Tensor {
  return dims.reduce((t, d) => t.unsqueeze(d), x);
}

/**
 * `torch.linalg.vector_norm(x, ord=2, dim=None, keepdim=False)`: the ord-norm of x flattened, or
 * over `dim`. ord 0 counts nonzeros, inf/-inf are the largest/smallest |x|.
 */
export function vectorNorm(input: Tensor, ord = 2, dim?: Dims | null, options: NormOptions = {}): Tensor {
  const { keepdim = false } = options;
  checkFloating('linalg.vector_norm', input);
  const x = castFor('linalg.vector_norm', input, options.dtype);
  const dims = normalizeDims(dim, x.ndim);
  if (x.numel() === 0 && (ord < 0 || ord === Infinity) && (dim == null || dims.some((d) => x.shape[d] === 0))) {
    throw new RangeError(`linalg.vector_norm cannot compute the ${fmtOrd(ord)} norm on an empty tensor because the operation does not have an identity`);
  }
  const y = pNorm(x.detach(), ord, dims, { keepdim });
  // The rule reads the output itself, so a gradient of the gradient reaches x through it too.
  const kept = (t: Tensor) => (keepdim || x.ndim === 0 ? t : unsqueezeAt(t, dims));
  return record('LinalgVectorNormBackward0', y, [x], [x], (g) => [normBackward(kept(g), x, ord, kept(y), dims)]);
}

/** FunctionsManual.cpp's norm_backward, g and the norm with the reduced dims kept. */
function normBackward(g: Tensor, x: Tensor, p: number, norm: Tensor, dims: readonly number[]): Tensor | null {
  if (p === 0) return null; // an undefined gradient: a leaf's .grad stays None, as PyTorch's
  if (p === 1) return x.sign().mul(g);
  if (p === 2) return g.mul(where(norm.eq(0), 0, x.div(norm)));
  if (!Number.isFinite(p)) {
    // amax/amin of |x| with ties sharing the gradient, NaNs counted as the extreme.
    const a = x.abs();
    const mask = a.eq(norm).logicalOr(a.isnan()).to(x.dtype);
    return x.sign().mul(g.div(sum(mask, dims, { keepdim: true })).mul(mask));
  }
  if (p < 1) return where(x.eq(0), 0, x.sign().mul(x.abs().pow(p - 1))).mul(g).mul(norm.pow(1 - p));
  const scaled = p < 2 ? x.sign().mul(x.abs().pow(p - 1)) : x.mul(x.abs().pow(p - 2));
  return scaled.mul(where(norm.eq(0), 0, g.div(norm.pow(p - 1))));
}

/** create_dim_backshift_permutation: the other dims in order, then dim0, dim1. */
function backshift(dim0: number, dim1: number, ndim: number): number[] {
  return [...Array.from({ length: ndim }, (_, i) => i).filter((i) => i !== dim0 && i !== dim1), dim0, dim1];
}
const inverse = (perm: readonly number[]) => perm.map((_, i) => perm.indexOf(i));

/**
 * `torch.linalg.matrix_norm(A, ord='fro', dim=(-2, -1), keepdim=False)`: 'fro', 'nuc', or
 * ord 1, -1, inf, -inf (largest/smallest column/row sum of |A|), 2, -2 (largest/smallest singular value).
 */
export function matrixNorm(input: Tensor, ord: number | 'fro' | 'nuc' = 'fro', dim: readonly number[] = [-2, -1], options: NormOptions = {}): Tensor {
  const { keepdim = false } = options;
  const absOrd = Math.abs(Number(ord));
  if (typeof ord === 'string' ? ord !== 'fro' && ord !== 'nuc' : absOrd !== 2 && absOrd !== 1 && absOrd !== Infinity) {
    throw new RangeError(`linalg.matrix_norm: Order ${fmtOrd(ord)} not supported.`);
  }
  checkIsMatrix('linalg.matrix_norm', input);
  checkFloating('linalg.matrix_norm', input);
  if (dim.length !== 2) throw new RangeError(`linalg.matrix_norm: dim must be a 2-tuple. Got ${dim.join(', ')}`);
  const dims = dim.map((d) => normalizeDim(d, input.ndim));
  if (dims[0] === dims[1]) throw new RangeError(`linalg.matrix_norm: dims must be different. Got (${dims[0]}, ${dims[1]})`);
  const a = castFor('linalg.matrix_norm', input, options.dtype);
  if (ord === 'fro') return vectorNorm(a, 2, dims, { keepdim });
  if (ord === 'nuc' || absOrd === 2) {
    const perm = backshift(dims[0], dims[1], a.ndim);
    const s = svdvals(a.permute(perm));
    const r = ord === 'nuc' ? sum(s, -1, { keepdim }) : ord > 0 ? amax(s, -1, { keepdim }) : amin(s, -1, { keepdim });
    return keepdim ? r.unsqueeze(-1).permute(inverse(perm)) : r;
  }
  // inf sums along rows (over the columns) first, 1 along columns.
  let [d0, d1] = absOrd === Infinity ? [dims[1], dims[0]] : dims;
  if (!keepdim && d0 < d1) d1--;
  const sums = vectorNorm(a, 1, [d0], { keepdim });
  return ord > 0 ? amax(sums, d1, { keepdim }) : amin(sums, d1, { keepdim });
}

/**
 * `torch.linalg.norm(A, ord=None, dim=None, keepdim=False)`: a matrix norm when ord is given and
 * dim has two dims (or A is 2-D and dim is absent) or ord is a string; a vector norm otherwise
 * (ord None is the 2-norm of A flattened, which is the Frobenius norm of a matrix).
 */
export function norm(a: Tensor, ord?: number | 'fro' | 'nuc' | null, dim?: Dims | null, options: NormOptions = {}): Tensor {
  const dims = dim == null ? null : typeof dim === 'number' ? [dim] : dim;
  if (dims !== null) {
    if (dims.length !== 1 && dims.length !== 2) throw new RangeError(`linalg.norm: If dim is specified, it must be of length 1 or 2. Got [${dims.join(', ')}]`);
  } else if (ord != null && a.ndim !== 1 && a.ndim !== 2) {
    throw new RangeError(`linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got ${a.ndim}D.`);
  }
  if (typeof ord === 'string' || (ord != null && (dims === null ? a.ndim === 2 : dims.length === 2))) {
    return matrixNorm(a, ord, dims ?? [0, 1], options);
  }
  return vectorNorm(a, ord ?? 2, dims, options);
}
