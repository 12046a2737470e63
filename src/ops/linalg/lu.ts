// LU with partial pivoting (LAPACK's getrf, right-looking) and what PyTorch builds on it:
// linalg.det, slogdet, logdet, inv / inv_ex and solve. Each computes in float64 on the host and
// joins the graph as one node with PyTorch's name and its backward formula from
// FunctionsManual.cpp, written with differentiable ops (inv and solve themselves), so gradients
// of gradients work.

import type { Tensor } from '../../tensor/tensor.js';
import { broadcastShapes } from '../../tensor/shape.js';
import { scalarTypeName } from '../../tensor/dtype.js';
import { record } from '../function.js';
import { matmul } from '../linalg.js';
import { sumToShape } from '../reduce.js';
import { where } from '../elementwise.js';
import { zeros } from '../creation.js';
import { checkFloating, checkIsMatrix, checkSquare, forEachMatrix, fromHost, readMatrices, transposed } from './matrices.js';

/**
 * LU of the n x n row-major block of `a` at `offset`, in place (L below the diagonal with a unit
 * diagonal, U on and above it). Returns the row swapped with each row (0-based) and LAPACK's info:
 * the 1-based index of the first exactly-zero pivot, 0 when there is none.
 */
export function luInPlace(a: Float64Array, offset: number, n: number): { pivots: Int32Array; info: number } {
  const pivots = new Int32Array(n);
  let info = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[offset + i * n + k]) > Math.abs(a[offset + p * n + k])) p = i;
    pivots[k] = p;
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = a[offset + k * n + j];
        a[offset + k * n + j] = a[offset + p * n + j];
        a[offset + p * n + j] = t;
      }
    }
    const pivot = a[offset + k * n + k];
    if (pivot === 0) {
      if (info === 0) info = k + 1; // LAPACK goes on: the factorisation is complete, U is singular
      continue;
    }
    for (let i = k + 1; i < n; i++) {
      const l = (a[offset + i * n + k] /= pivot);
      if (l === 0) continue;
      for (let j = k + 1; j < n; j++) a[offset + i * n + j] -= l * a[offset + k * n + j];
    }
  }
  return { pivots, info };
}

/** Solve L U x = P b for the columns of the n x m block b (in place), given luInPlace's result. */
function luSolveInPlace(lu: Float64Array, luOffset: number, pivots: Int32Array, n: number, b: Float64Array, bOffset: number, m: number): void {
  for (let k = 0; k < n; k++) {
    const p = pivots[k];
    if (p === k) continue;
    for (let j = 0; j < m; j++) {
      const t = b[bOffset + k * m + j];
      b[bOffset + k * m + j] = b[bOffset + p * m + j];
      b[bOffset + p * m + j] = t;
    }
  }
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < n; i++) {
      let s = b[bOffset + i * m + j];
      for (let k = 0; k < i; k++) s -= lu[luOffset + i * n + k] * b[bOffset + k * m + j];
      b[bOffset + i * m + j] = s;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = b[bOffset + i * m + j];
      for (let k = i + 1; k < n; k++) s -= lu[luOffset + i * n + k] * b[bOffset + k * m + j];
      b[bOffset + i * m + j] = s / lu[luOffset + i * n + i];
    }
  }
}

/** sign(det) and log|det| of each matrix, from its LU. */
function signLogAbs(a: Tensor, op: string): { sign: Float64Array; logabs: Float64Array; batch: readonly number[] } {
  const m = readMatrices(a, op);
  const n = m.rows;
  const sign = new Float64Array(m.count);
  const logabs = new Float64Array(m.count);
  for (let b = 0; b < m.count; b++) {
    const { pivots } = luInPlace(m.data, b * n * n, n);
    let s = 1;
    let l = 0;
    for (let k = 0; k < n; k++) {
      const u = m.data[b * n * n + k * n + k];
      if (pivots[k] !== k) s = -s;
      s *= Math.sign(u);
      l += Math.log(Math.abs(u));
    }
    sign[b] = s;
    logabs[b] = s === 0 ? -Infinity : l;
  }
  return { sign, logabs, batch: m.batch };
}

/** det(A)[..., None, None]: the determinant broadcast against its matrices. */
const asMatrix = (t: Tensor) => t.unsqueeze(-1).unsqueeze(-1);

/**
 * `torch.linalg.det(A)` (also `torch.det`, `Tensor.det`): the determinant of each square matrix.
 * Gradient (linalg_det_backward, invertible A): (g det(A)) A^{-T}. A singular A has no inverse;
 * PyTorch then goes through the SVD, dlab refuses the backward in inv's words.
 */
export function det(a: Tensor): Tensor {
  checkSquare('linalg.det', a);
  checkFloating('linalg.det', a);
  // The signed product of the pivots, not exp(log|det|): exact where the product is.
  const { values, batch } = productOfPivots(a);
  const y = fromHost(values, batch, a);
  return record('LinalgDetBackward0', y, [a], [a], (g) => [asMatrix(g.mul(y)).mul(inv(a).mT)]);
}

/** The determinants as the signed products of the LU pivots. */
function productOfPivots(a: Tensor): { values: Float64Array; batch: readonly number[] } {
  const m = readMatrices(a, 'linalg.det');
  const n = m.rows;
  const out = new Float64Array(m.count);
  for (let b = 0; b < m.count; b++) {
    const { pivots } = luInPlace(m.data, b * n * n, n);
    let d = 1;
    for (let k = 0; k < n; k++) d *= pivots[k] !== k ? -m.data[b * n * n + k * n + k] : m.data[b * n * n + k * n + k];
    out[b] = d;
  }
  return { values: out, batch: m.batch };
}

/**
 * `torch.linalg.slogdet(A)` (also `torch.slogdet`): { sign, logabsdet } with det = sign * exp(logabsdet);
 * a singular matrix gives sign 0 and logabsdet -inf. Gradient of logabsdet: g A^{-T}; the sign's is zero.
 */
export function slogdet(a: Tensor, op = 'linalg.slogdet'): { sign: Tensor; logabsdet: Tensor } {
  checkSquare(op, a);
  checkFloating(op, a);
  const { sign, logabs, batch } = signLogAbs(a, op);
  const s = record('LinalgSlogdetBackward0', fromHost(sign, batch, a), [a], [], () => [zeros(a.shape, { dtype: a.dtype })]);
  const l = record('LinalgSlogdetBackward0', fromHost(logabs, batch, a), [a], [a], (g) => [asMatrix(g).mul(inv(a).mT)]);
  return { sign: s, logabsdet: l };
}

/** `torch.logdet(A)`: log det(A), NaN where det < 0 (PyTorch's where over slogdet). */
export function logdet(a: Tensor): Tensor {
  const { sign, logabsdet } = slogdet(a, 'logdet');
  return where(sign.eq(-1), NaN, logabsdet);
}

/**
 * `torch.linalg.inv_ex(A)`: { inverse, info }, info the 1-based index of a zero pivot of each matrix
 * (0 where invertible; the inverse of a singular matrix is then inf/nan, as LAPACK leaves it).
 * PyTorch factors the row-major A as LAPACK's column-major A^T, so its info is A^T's: so is dlab's.
 */
export function invEx(a: Tensor, options: { checkErrors?: boolean } = {}): { inverse: Tensor; info: Tensor } {
  checkSquare('linalg.inv', a);
  checkFloating('linalg.inv', a);
  const m = readMatrices(a, 'linalg.inv');
  const n = m.rows;
  const out = new Float64Array(m.data.length);
  const infos = new Int32Array(m.count);
  forEachMatrix(m, 'linalg.inv', (offset, b) => {
    const at = transposed(m.data, offset, n, n);
    const { pivots, info } = luInPlace(at, 0, n);
    infos[b] = info;
    if (info > 0) {
      out.fill(NaN, offset, offset + n * n);
      return options.checkErrors ? `The diagonal element ${info} is zero, the inversion could not be completed because the input matrix is singular.` : null;
    }
    // X = (A^T)^{-1} column by column, then A^{-1} = X^T.
    const x = new Float64Array(n * n);
    for (let i = 0; i < n; i++) x[i * n + i] = 1;
    luSolveInPlace(at, 0, pivots, n, x, 0, n);
    out.set(transposed(x, 0, n, n), offset);
    return null;
  });
  const y = fromHost(out, a.shape, a);
  // inverse backward: -A^{-T} g A^{-T}, with the output itself (differentiable, for double backward).
  const inverse = record('LinalgInvExBackward0', y, [a], [a], (g) => [matmul(y.mT, matmul(g, y.mT)).neg()]);
  return { inverse, info: fromHost(Float64Array.from(infos), m.batch, a).to('int32') };
}

/** `torch.linalg.inv(A)` (also `torch.inverse`, `Tensor.inverse`): refuses a singular matrix in PyTorch's words. */
export function inv(a: Tensor): Tensor {
  return invEx(a, { checkErrors: true }).inverse;
}

/** PyTorch's linalg_solve_is_vector_rhs: B is a (batch of) vector(s) when 1-D or of A's shape less its last dim. */
function isVectorRhs(a: Tensor, b: Tensor): boolean {
  const expected = a.shape.slice(0, -1);
  return b.ndim === 1 || (a.ndim - 1 === b.ndim && b.shape.every((s, i) => s === expected[i]));
}

/**
 * `torch.linalg.solve(A, B, left=true)`: X with AX = B (XA = B with left false), batched and
 * broadcast over leading dims; B of A's shape less its last dim (or 1-D) is a batch of vectors,
 * as PyTorch 1.13 reads it. Gradient (linalg_solve_backward): gB = A^{-T} gX, gA = -gB X^T.
 */
export function solve(a: Tensor, b: Tensor, options: { left?: boolean } = {}): Tensor {
  const { left = true } = options;
  checkFloating('linalg.solve', a);
  if (a.dtype !== b.dtype) {
    throw new TypeError(`linalg.solve: Expected A and B to have the same dtype, but found A of type ${scalarTypeName[a.dtype]} and B of type ${scalarTypeName[b.dtype]} instead`);
  }
  const vector = isVectorRhs(a, b);
  const b2 = vector ? b.unsqueeze(-1) : b;
  checkSquare('linalg.solve', a);
  checkIsMatrix('linalg.solve', b2, 'B');
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b2.shape.slice(-2);
  if (left ? ar !== br : ac !== bc) {
    throw new RangeError(`linalg.solve: Incompatible shapes of A and B for the equation ${left ? 'AX = B' : 'XA = B'} (${ar}x${ac} and ${br}x${bc})`);
  }
  if (!left && vector) {
    throw new RangeError('linalg.solve: Vector broadcasting of the left hand side is not supported for left=False. In this case linalg.solve is equivalent to B / A.squeeze(-1)');
  }
  const batch = broadcastShapes(b2.shape.slice(0, -2), a.shape.slice(0, -2)); // PyTorch names B's size first
  const x2 = left ? solveLeft(a, b2, batch) : solveLeft(a.mT, b2.mT, batch).mT;
  const x = vector ? x2.squeeze(-1) : x2;
  const y = left ? x : x.contiguous();
  return record('LinalgSolveExBackward0', y, [a, b], [a], (g, needs) => {
    const g2 = vector ? g.unsqueeze(-1) : g;
    const y2 = vector ? y.unsqueeze(-1) : y;
    // left: gB = A^{-T} g, gA = -gB X^T; right (X = B A^{-1}): gB = g A^{-T}, gA = -X^T gB.
    const gB = solve(a.mT, g2, { left });
    const gA = left ? matmul(gB, y2.mT).neg() : matmul(y2.mT, gB).neg();
    return [needs[0] ? sumToShape(gA, a.shape) : null, needs[1] ? sumToShape(vector ? gB.squeeze(-1) : gB, b.shape) : null];
  });
}

/** AX = B on the host for A (..., n, n) and B (..., n, k) broadcast to `batch`. */
function solveLeft(a: Tensor, b: Tensor, batch: readonly number[]): Tensor {
  const n = a.shape[a.ndim - 1];
  const k = b.shape[b.ndim - 1];
  const am = readMatrices(a.detach().expand([...batch, n, n]), 'linalg.solve');
  const bm = readMatrices(b.detach().expand([...batch, n, k]), 'linalg.solve');
  forEachMatrix(am, 'torch.linalg.solve', (offset, i) => {
    const { pivots, info } = luInPlace(am.data, offset, n);
    if (info > 0) return 'The solver failed because the input matrix is singular.';
    luSolveInPlace(am.data, offset, pivots, n, bm.data, i * n * k, k);
    return null;
  });
  return fromHost(bm.data, [...batch, n, k], a);
}
