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
import { cumprod, sumToShape } from '../reduce.js';
import { cat, flip } from '../movement.js';
import { noGrad } from '../../autograd/grad_mode.js';
import { svd } from './svd.js';
import { where } from '../elementwise.js';
import { eye, zeros, zerosLike } from '../creation.js';
import { tril, triu } from '../indexing.js';
import { checkFloating, checkIsMatrix, checkSquare, forEachMatrix, fromHost, readMatrices, transposed } from './matrices.js';
import { solveTriangular } from './triangular.js';

/**
 * LU of the m x n (default square) row-major block of `a` at `offset`, in place (L below the
 * diagonal with a unit diagonal, U on and above it). Returns the row swapped with each of the
 * first min(m, n) rows (0-based) and LAPACK's info: the 1-based index of the first exactly-zero
 * pivot, 0 when there is none.
 */
export function luInPlace(a: Float64Array, offset: number, m: number, n = m): { pivots: Int32Array; info: number } {
  const pivots = new Int32Array(Math.min(m, n));
  let info = 0;
  for (let k = 0; k < pivots.length; k++) {
    let p = k;
    for (let i = k + 1; i < m; i++) if (Math.abs(a[offset + i * n + k]) > Math.abs(a[offset + p * n + k])) p = i;
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
    for (let i = k + 1; i < m; i++) {
      const l = (a[offset + i * n + k] /= pivot);
      if (l === 0) continue;
      for (let j = k + 1; j < n; j++) a[offset + i * n + j] -= l * a[offset + k * n + j];
    }
  }
  return { pivots, info };
}

/** Solve L U x = P b for the columns of the n x m block b (in place), given luInPlace's result. */
export function luSolveInPlace(lu: Float64Array, luOffset: number, pivots: Int32Array, n: number, b: Float64Array, bOffset: number, m: number): void {
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
 * Gradient (linalg_det_backward): g times the cofactor matrix, det(A) A^{-T} where A is
 * invertible, and through the SVD where some A is singular: U diag(prod_{j!=i} s_j) Vh times
 * det(U) det(Vh). (PyTorch 1.13 returns zeros for a singular A; the cofactors are the gradient.)
 */
export function det(a: Tensor): Tensor {
  checkSquare('linalg.det', a);
  checkFloating('linalg.det', a);
  // The signed product of the pivots, not exp(log|det|): exact where the product is.
  const { values, batch } = productOfPivots(a);
  const y = fromHost(values, batch, a);
  const singular = values.some((v) => v === 0);
  return record('LinalgDetBackward0', y, [a], [a], (g) => [singular ? cofactorsBySvd(a, g) : asMatrix(g.mul(y)).mul(inv(a).mT)]);
}

/** g times the cofactor matrix of A, from A = U diag(s) Vh: defined whether or not A is invertible. */
function cofactorsBySvd(a: Tensor, g: Tensor): Tensor {
  const { U, S, Vh } = svd(a);
  // det(U) det(Vh) is the sign +-1 the factors carry: a constant.
  const alpha = noGrad(() => det(U.detach()).mul(det(Vh.detach())));
  // prod_{j != i} s_j as the product of the exclusive cumulative products from each side.
  const ones = S.narrow(-1, 0, 1).mul(0).add(1);
  const n = S.shape[S.ndim - 1];
  const before = cat([ones, cumprod(S, -1).narrow(-1, 0, n - 1)], -1);
  const after = flip(cat([ones, cumprod(flip(S, [-1]), -1).narrow(-1, 0, n - 1)], -1), [-1]);
  const d = before.mul(after).mul(g.mul(alpha).unsqueeze(-1));
  return matmul(U.mul(d.unsqueeze(-2)), Vh);
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
export function slogdet(a: Tensor): { sign: Tensor; logabsdet: Tensor } {
  return signAndLogAbs(a, 'linalg.slogdet');
}

/** slogdet under the name its checks print (logdet's are its own). */
function signAndLogAbs(a: Tensor, op: string): { sign: Tensor; logabsdet: Tensor } {
  checkSquare(op, a);
  checkFloating(op, a);
  const { sign, logabs, batch } = signLogAbs(a, op);
  const s = record('LinalgSlogdetBackward0', fromHost(sign, batch, a), [a], [], () => [zeros(a.shape, { dtype: a.dtype })]);
  const l = record('LinalgSlogdetBackward0', fromHost(logabs, batch, a), [a], [a], (g) => [asMatrix(g).mul(inv(a).mT)]);
  return { sign: s, logabsdet: l };
}

/** `torch.logdet(A)`: log det(A), NaN where det < 0 (PyTorch's where over slogdet). */
export function logdet(a: Tensor): Tensor {
  const { sign, logabsdet } = signAndLogAbs(a, 'logdet');
  return where(sign.eq(-1), NaN, logabsdet);
}

/**
 * `torch.linalg.inv_ex(A)`: { inverse, info }, info the 1-based index of a zero pivot of each matrix
 * (0 where invertible; the inverse of a singular matrix is then inf/nan, as LAPACK leaves it).
 * PyTorch factors the row-major A as LAPACK's column-major A^T, so its info is A^T's: so is dlab's.
 */
export function invEx(a: Tensor, options: { checkErrors?: boolean } = {}): { inverse: Tensor; info: Tensor } {
  return inverse(a, options.checkErrors ? 'linalg.inv_ex' : null);
}

/** `torch.linalg.inv(A)` (also `torch.inverse`, `Tensor.inverse`): refuses a singular matrix in PyTorch's words. */
export function inv(a: Tensor): Tensor {
  return inverse(a, 'linalg.inv').inverse;
}

/** inv_ex's work; a singular matrix is refused under the name `refuseAs` (null: reported in info only). */
function inverse(a: Tensor, refuseAs: string | null): { inverse: Tensor; info: Tensor } {
  checkSquare('linalg.inv', a);
  checkFloating('linalg.inv', a);
  const m = readMatrices(a, 'linalg.inv');
  const n = m.rows;
  const out = new Float64Array(m.data.length);
  const infos = new Int32Array(m.count);
  forEachMatrix(m, refuseAs, (offset, b) => {
    const at = transposed(m.data, offset, n, n);
    const { pivots, info } = luInPlace(at, 0, n);
    infos[b] = info;
    if (info > 0) {
      out.fill(NaN, offset, offset + n * n);
      return `The diagonal element ${info} is zero, the inversion could not be completed because the input matrix is singular.`;
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
  const result = record('LinalgInvExBackward0', y, [a], [a], (g) => [matmul(y.mT, matmul(g, y.mT)).neg()]);
  return { inverse: result, info: fromHost(Float64Array.from(infos), m.batch, a).to('int32') };
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
  return solveWith(a, b, options.left ?? true, 'torch.linalg.solve').result;
}

/**
 * `torch.linalg.solve_ex(A, B, left=true, check_errors=false)`: { result, info }, info the first
 * zero pivot of each A's LU (0: solved); a singular A's result is inf/nan, as LAPACK leaves it.
 */
export function solveEx(a: Tensor, b: Tensor, options: { left?: boolean; checkErrors?: boolean } = {}): { result: Tensor; info: Tensor } {
  return solveWith(a, b, options.left ?? true, options.checkErrors ? 'torch.linalg.solve_ex' : null);
}

/** solve_ex's work; a singular A is refused under the name `refuseAs` (null: reported in info only). */
function solveWith(a: Tensor, b: Tensor, left: boolean, refuseAs: string | null): { result: Tensor; info: Tensor } {
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
  const { x: solved, info } = left ? solveLeft(a, b2, batch, refuseAs) : solveLeft(a.mT, b2.mT, batch, refuseAs);
  const x2 = left ? solved : solved.mT;
  const x = vector ? x2.squeeze(-1) : x2;
  const y = left ? x : x.contiguous();
  const result = record('LinalgSolveExBackward0', y, [a, b], [a], (g, needs) => {
    const g2 = vector ? g.unsqueeze(-1) : g;
    const y2 = vector ? y.unsqueeze(-1) : y;
    // left: gB = A^{-T} g, gA = -gB X^T; right (X = B A^{-1}): gB = g A^{-T}, gA = -X^T gB.
    const gB = solve(a.mT, g2, { left });
    const gA = left ? matmul(gB, y2.mT).neg() : matmul(y2.mT, gB).neg();
    return [needs[0] ? sumToShape(gA, a.shape) : null, needs[1] ? sumToShape(vector ? gB.squeeze(-1) : gB, b.shape) : null];
  });
  return { result, info };
}

/** AX = B on the host for A (..., n, n) and B (..., n, k) broadcast to `batch`, with each A's LU info. */
function solveLeft(a: Tensor, b: Tensor, batch: readonly number[], refuseAs: string | null): { x: Tensor; info: Tensor } {
  const n = a.shape[a.ndim - 1];
  const k = b.shape[b.ndim - 1];
  const am = readMatrices(a.detach().expand([...batch, n, n]), 'linalg.solve');
  const bm = readMatrices(b.detach().expand([...batch, n, k]), 'linalg.solve');
  const infos = new Float64Array(am.count);
  forEachMatrix(am, refuseAs, (offset, i) => {
    const { pivots, info } = luInPlace(am.data, offset, n);
    infos[i] = info;
    // A zero pivot divides to inf/nan, as LAPACK leaves a singular system.
    luSolveInPlace(am.data, offset, pivots, n, bm.data, i * n * k, k);
    return info > 0 ? 'The solver failed because the input matrix is singular.' : null;
  });
  return { x: fromHost(bm.data, [...batch, n, k], a), info: fromHost(infos, batch, a).to('int32') };
}

/** The permutation matrices P (batch, m x m) with A = P L U, from the row swaps of each factorisation. */
function permutationMatrices(swaps: Int32Array[], m: number, batch: readonly number[], like: Tensor): Tensor {
  const out = new Float64Array(swaps.length * m * m);
  swaps.forEach((pivots, b) => {
    const perm = Array.from({ length: m }, (_, i) => i);
    pivots.forEach((p, k) => ([perm[k], perm[p]] = [perm[p], perm[k]]));
    // Row i of P^T A is row perm[i] of A: P[perm[i], i] = 1.
    perm.forEach((r, i) => (out[b * m * m + r * m + i] = 1));
  });
  return fromHost(out, [...batch, m, m], like);
}

/** P^T A = L U of every matrix on the host: the packed factors (untracked), the row swaps, LAPACK's 1-based pivots and info. */
function factorLu(a: Tensor, op: string): { packed: Tensor; swaps: Int32Array[]; pivots: Tensor; info: Tensor } {
  if (a.ndim < 2) throw new RangeError(`${op}: Expected tensor with 2 or more dimensions. Got size: [${a.shape.join(', ')}] instead`);
  if (a.dtype !== 'float32' && a.dtype !== 'float64') throw new TypeError(`"lu_cpu" not implemented for '${scalarTypeName[a.dtype]}'`);
  const mats = readMatrices(a, 'linalg.lu_factor');
  const { rows: m, cols: n, batch } = mats;
  const k = Math.min(m, n);
  const swaps: Int32Array[] = [];
  const pivots = new Float64Array(mats.count * k);
  const infos = new Float64Array(mats.count);
  for (let b = 0; b < mats.count; b++) {
    const r = luInPlace(mats.data, b * m * n, m, n);
    swaps.push(r.pivots);
    r.pivots.forEach((p, i) => (pivots[b * k + i] = p + 1));
    infos[b] = r.info;
  }
  return { packed: fromHost(mats.data, a.shape, a), swaps, pivots: fromHost(pivots, [...batch, k], a).to('int32'), info: fromHost(infos, batch, a).to('int32') };
}

/** L (m x k, unit diagonal) and U (k x n) out of the packed m x n factors. */
function unpack(packed: Tensor): { L: Tensor; U: Tensor } {
  const [m, n] = packed.shape.slice(-2);
  const k = Math.min(m, n);
  return { L: tril(packed.narrow(-1, 0, k), -1).add(eye(m, k, { dtype: packed.dtype })), U: triu(packed.narrow(-2, 0, k)) };
}

/**
 * linalg_lu_backward for P^T A = L U, given gL (strictly lower) and gU (upper), either null:
 *   square and wide: P L^{-T} [tril(L^T gL - gU U^T, -1) U1^{-T} + gU1 | gU2];
 *   tall: P [L1^{-T} triu(gU U^T - L^T gL) + gL1; gL2] U^{-T}.
 */
function luBackward(gLIn: Tensor | null, gUIn: Tensor | null, L: Tensor, U: Tensor, P: Tensor): Tensor {
  const [m, k] = L.shape.slice(-2);
  const n = U.shape[U.ndim - 1];
  const gL = gLIn === null ? zerosLike(L) : tril(gLIn, -1);
  const gU = gUIn === null ? zerosLike(U) : triu(gUIn);
  if (m <= n) {
    const M = matmul(L.mT, gL).sub(matmul(gU, U.mT));
    const x1 = solve(U.narrow(-1, 0, m).mT, tril(M, -1), { left: false }).add(gU.narrow(-1, 0, m));
    const gX = m === n ? x1 : cat([x1, gU.narrow(-1, m, n - m)], -1);
    return matmul(P, solve(L.mT, gX));
  }
  const N = matmul(gU, U.mT).sub(matmul(L.mT, gL));
  const y1 = solve(L.narrow(-2, 0, k).mT, triu(N)).add(gL.narrow(-2, 0, k));
  const gY = cat([y1, gL.narrow(-2, k, m - k)], -2);
  return matmul(P, solve(U.mT, gY, { left: false }));
}

/**
 * `torch.linalg.lu_factor_ex(A)`: { LU, pivots, info }, L (unit diagonal, below) and U packed in
 * one matrix, pivots LAPACK's 1-based row swaps (int32), info the first zero pivot (0: none).
 * Square, wide and tall; the gradient is linalg_lu_backward's on L and U unpacked.
 */
export function luFactorEx(a: Tensor, options: { pivot?: boolean } = {}): { LU: Tensor; pivots: Tensor; info: Tensor } {
  if (options.pivot === false) throw new Error('linalg.lu_factor: LU without pivoting is not implemented on the CPU');
  const { packed, swaps, pivots, info } = factorLu(a, 'torch.lu_factor');
  const [m, n] = a.shape.slice(-2);
  const k = Math.min(m, n);
  const LU = record('LinalgLuFactorExBackward0', packed, [a], [a], (g) => {
    const { L, U } = unpack(LU);
    return [luBackward(g.narrow(-1, 0, k), g.narrow(-2, 0, k), L, U, permutationMatrices(swaps, m, a.shape.slice(0, -2), a))];
  });
  return { LU, pivots, info };
}

/**
 * `torch.linalg.lu(A)`: { P, L, U } with A = P L U, P a permutation matrix, L unit lower (m x k),
 * U upper (k x n). Each factor's node passes its own gradient to linalg_lu_backward (it is linear in them).
 */
export function lu(a: Tensor, options: { pivot?: boolean } = {}): { P: Tensor; L: Tensor; U: Tensor } {
  if (options.pivot === false) throw new Error('linalg.lu_factor: LU without pivoting is not implemented on the CPU');
  const { packed, swaps } = factorLu(a, 'linalg.lu');
  const P = permutationMatrices(swaps, a.shape[a.ndim - 2], a.shape.slice(0, -2), a);
  const { L: l, U: u } = unpack(packed);
  const L = record('LinalgLuBackward0', l, [a], [a], (g) => [luBackward(g, null, L, U, P)]);
  const U = record('LinalgLuBackward0', u, [a], [a], (g) => [luBackward(null, g, L, U, P)]);
  return { P, L, U };
}

/** `torch.linalg.lu_factor(A)`: { LU, pivots }, refusing a zero pivot as PyTorch does (lu_solve would divide by it). */
export function luFactor(a: Tensor, options: { pivot?: boolean } = {}): { LU: Tensor; pivots: Tensor } {
  const { LU, pivots, info } = luFactorEx(a, options);
  const infos = info.reshape(-1).tolist() as number[];
  const bad = infos.findIndex((i) => i > 0);
  if (bad >= 0) {
    const where = info.ndim > 0 ? `(Batch element ${bad}): ` : '';
    throw new Error(`torch.linalg.lu_factor: ${where}U[${infos[bad]},${infos[bad]}] is zero and using it on lu_solve would result in a division by zero. If you still want to perform the factorization, consider calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)`);
  }
  return { LU, pivots };
}

/** P (batch, n x n) with A = P L U from LAPACK's 1-based row swaps (int32, (*, n)), as lu_unpack builds it. */
function permutationFromPivots(pivots: Tensor, n: number, like: Tensor): Tensor {
  const flat = pivots._host('linalg.lu_solve');
  const swaps: Int32Array[] = [];
  for (let b = 0; n > 0 && b < flat.length / n; b++) {
    const rows = Int32Array.from(flat.subarray(b * n, (b + 1) * n), (p) => p - 1);
    rows.forEach((p, k) => {
      if (!(p >= k && p < n)) throw new RangeError(`linalg.lu_solve: pivots[${k}] = ${p + 1} is not a row swap of LU_factor's (expected ${k + 1} to ${n})`);
    });
    swaps.push(rows);
  }
  return permutationMatrices(swaps, n, pivots.shape.slice(0, -1), like);
}

/**
 * `torch.linalg.lu_solve(LU, pivots, B, left=true, adjoint=false)`: X with AX = B from
 * lu_factor's A = P L U (XA = B with left false; A^T in place of A with adjoint), batched and
 * broadcast: the row swaps, then substitution against LU's two triangles. Gradient
 * (linalg_lu_solve_LU and linalg_lu_solve's B rule): gB solves the transposed system for gX; gLU
 * is gL (strictly lower) + gU (upper), below.
 */
export function luSolve(LU: Tensor, pivots: Tensor, b: Tensor, options: { left?: boolean; adjoint?: boolean } = {}): Tensor {
  const { left = true, adjoint = false } = options;
  checkIsMatrix('linalg.lu_solve', b, 'B');
  checkIsMatrix('linalg.lu_solve', LU, 'LU');
  if (LU.dtype !== b.dtype) {
    throw new TypeError(`linalg.lu_solve: Expected LU and B to have the same dtype, but found LU of type ${scalarTypeName[LU.dtype]} and B of type ${scalarTypeName[b.dtype]} instead`);
  }
  if (pivots.dtype !== 'int32') throw new TypeError('linalg.lu_solve: pivots should be a Tensor of scalar type torch.int32');
  checkSquare('torch.linalg.lu_solve', LU);
  checkFloating('linalg.lu_solve', LU);
  const n = LU.shape[LU.ndim - 1];
  const [br, bc] = b.shape.slice(-2);
  if (left ? n !== br : n !== bc) {
    throw new RangeError(`linalg.lu_solve: Incompatible shapes of A and B for the equation ${left ? 'AX = B' : 'XA = B'} (${n}x${n} and ${br}x${bc})`);
  }
  if (pivots.ndim === 0 || pivots.shape[pivots.ndim - 1] !== n) throw new RangeError('linalg.lu_solve: Number of pivots per batch should be same as the dimension of the matrix');
  const P = permutationFromPivots(pivots, n, LU);
  // XA = B is A^T X^T = B^T, and X A^T = B is A X^T = B^T: one left solve, transposed around.
  const leftAdjoint = left ? adjoint : !adjoint;
  const x = noGrad(() => {
    const solved = luSolveLeft(LU.detach(), P, left ? b.detach() : b.detach().mT, leftAdjoint);
    return left ? solved : solved.mT.contiguous();
  });
  return record('LinalgLuSolveBackward0', x, [LU, b], [LU], (g, needs) => {
    const gX = left ? g : g.mT;
    const X = left ? x : x.mT;
    const gB = luSolve(LU, pivots, gX, { adjoint: !leftAdjoint });
    const gLU = needs[0] ? sumToShape(luSolveBackwardLU(gX, LU, P, X, leftAdjoint), LU.shape) : null;
    return [gLU, needs[1] ? sumToShape(left ? gB : gB.mT, b.shape) : null];
  });
}

/** X with A X = B (A^T X = B with adjoint), A = P L U packed in LU, by two triangular solves. */
function luSolveLeft(LU: Tensor, P: Tensor, b: Tensor, adjoint: boolean): Tensor {
  if (!adjoint) {
    // L U X = P^T B: forward substitution with L (unit diagonal, below), back substitution with U.
    const y = solveTriangular(LU, matmul(P.mT, b), { upper: false, unitriangular: true });
    return solveTriangular(LU, y, { upper: true });
  }
  // U^T L^T P^T X = B.
  const z = solveTriangular(LU.mT, b, { upper: false });
  return matmul(P, solveTriangular(LU.mT, z, { upper: true, unitriangular: true }));
}

/**
 * The gradient for LU of the left solve X (of AX = B, or A^T X = B with adjoint) given gX:
 *   AX = B:    gR = -U^{-T} gX X^T,  gLU = tril(L^{-T} gR U^T, -1) + triu(gR);
 *   A^T X = B: Z = P^T X, gZ = P^T gX, W = L^T Z, gW = L^{-1} gZ,
 *              gLU = tril(-Z gZ^T L^{-T}, -1) + triu(-W gW^T U^{-T}).
 */
function luSolveBackwardLU(gX: Tensor, LU: Tensor, P: Tensor, X: Tensor, adjoint: boolean): Tensor {
  const { L, U } = unpack(LU);
  if (!adjoint) {
    const gR = solveTriangular(LU.mT, matmul(gX, X.mT), { upper: false }).neg();
    const gL = solveTriangular(LU.mT, matmul(gR, U.mT), { upper: true, unitriangular: true });
    return tril(gL, -1).add(triu(gR));
  }
  const Z = matmul(P.mT, X);
  const gZ = matmul(P.mT, gX);
  const W = matmul(L.mT, Z);
  const gW = solveTriangular(LU, gZ, { upper: false, unitriangular: true });
  const gL = solveTriangular(LU.mT, matmul(Z, gZ.mT), { upper: true, left: false, unitriangular: true });
  const gU = solveTriangular(LU.mT, matmul(W, gW.mT), { upper: false, left: false });
  return tril(gL, -1).add(triu(gU)).neg();
}

/** `torch.lu_solve(b, LU_data, LU_pivots)` (also `Tensor.luSolve`): PyTorch's deprecated spelling of linalg.lu_solve(LU, pivots, B). */
export function deprecatedLuSolve(b: Tensor, LUData: Tensor, LUPivots: Tensor): Tensor {
  return luSolve(LUData, LUPivots, b);
}
