// linalg.cholesky: A = L L^T for symmetric positive-definite A (LAPACK's potrf, which reads only
// the lower triangle, or the upper one with upper=true), computed in float64 on the host.

import type { Tensor } from '../../tensor/tensor.js';
import { record } from '../function.js';
import { matmul } from '../linalg.js';
import { tril } from '../indexing.js';
import { checkFloating, checkSquare, forEachMatrix, fromHost, readMatrices } from './matrices.js';
import { inv } from './lu.js';
import { isFloatingPoint, scalarTypeName } from '../../tensor/dtype.js';
import { noGrad } from '../../autograd/grad_mode.js';
import { sumToShape } from '../reduce.js';
import { eye } from '../creation.js';
import { solveTriangular } from './triangular.js';

/**
 * The lower Cholesky factor of the n x n block at `offset` (read from its lower triangle) written
 * over it, zeros above the diagonal; null, or the order of the first leading minor that is not
 * positive-definite.
 */
function choleskyInPlace(a: Float64Array, offset: number, n: number): number | null {
  for (let j = 0; j < n; j++) {
    let d = a[offset + j * n + j];
    for (let k = 0; k < j; k++) d -= a[offset + j * n + k] ** 2;
    if (!(d > 0)) return j + 1; // NaN too
    const ljj = Math.sqrt(d);
    a[offset + j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[offset + i * n + j];
      for (let k = 0; k < j; k++) s -= a[offset + i * n + k] * a[offset + j * n + k];
      a[offset + i * n + j] = s / ljj;
    }
    for (let i = 0; i < j; i++) a[offset + i * n + j] = 0;
  }
  return null;
}

/**
 * `torch.linalg.cholesky(A, upper=false)`: L lower-triangular with A = L L^T (U = L^T with
 * upper=true, from A's upper triangle). Gradient (cholesky_backward, Murray 2016):
 * L^{-T} Φ(L^T gL) L^{-1}, Φ taking the lower triangle with its diagonal halved, symmetrised.
 */
export function cholesky(a: Tensor, options: { upper?: boolean } = {}): Tensor {
  return factor(a, options.upper ?? false, 'linalg.cholesky').L;
}

/**
 * `torch.linalg.cholesky_ex(A, upper=false, check_errors=false)`: { L, info }, info the order of
 * the first leading minor that is not positive-definite (0: factored); L is then partial.
 */
export function choleskyEx(a: Tensor, options: { upper?: boolean; checkErrors?: boolean } = {}): { L: Tensor; info: Tensor } {
  return factor(a, options.upper ?? false, options.checkErrors ? 'linalg.cholesky_ex' : null);
}

/** cholesky_ex's work; a matrix that is not positive-definite is refused under the name `refuseAs` (null: info only). */
function factor(a: Tensor, upper: boolean, refuseAs: string | null): { L: Tensor; info: Tensor } {
  // The checks name linalg.cholesky, the failure the function called (as PyTorch's).
  checkSquare('linalg.cholesky', a);
  checkFloating('linalg.cholesky', a);
  const n = a.shape[a.ndim - 1];
  // The upper triangle of A is the lower one of A^T: factor A^T and transpose back.
  const m = readMatrices(upper ? a.mT : a, 'linalg.cholesky');
  const infos = new Float64Array(m.count);
  forEachMatrix(m, refuseAs, (offset, i) => {
    const order = choleskyInPlace(m.data, offset, n);
    infos[i] = order ?? 0;
    return order === null ? null : `The factorization could not be completed because the input is not positive-definite (the leading minor of order ${order} is not positive-definite).`;
  });
  const lower = fromHost(m.data, a.shape, a);
  const y = upper ? lower.mT.contiguous() : lower;
  const out = record('LinalgCholeskyExBackward0', y, [a], [], (g) => {
    const l = upper ? y.mT : y;
    const gl = upper ? g.mT : g;
    const phi = tril(matmul(l.mT, gl));
    const sym = phi.add(tril(phi, -1).mT).mul(0.5);
    const lInv = inv(l);
    return [matmul(lInv.mT, matmul(sym, lInv))];
  });
  return { L: out, info: fromHost(infos, m.batch, a).to('int32') };
}

/**
 * `torch.cholesky_solve(B, L, upper=false)`: X with (L L^T) X = B given the Cholesky factor L
 * (U^T U with upper=true), batched and broadcast. Gradient (cholesky_solve_backward):
 * gB = cholesky_solve(gX, L), gL = -(gB X^T + X gB^T) L (U times it with upper).
 */
export function choleskySolve(b: Tensor, l: Tensor, options: { upper?: boolean } = {}): Tensor {
  const { upper = false } = options;
  if (b.ndim < 2) throw new RangeError(`b should have at least 2 dimensions, but has ${b.ndim} dimensions instead`);
  if (l.ndim < 2) throw new RangeError(`u should have at least 2 dimensions, but has ${l.ndim} dimensions instead`);
  if (b.dtype !== l.dtype) {
    throw new TypeError(`Expected b and A to have the same dtype, but found b of type ${scalarTypeName[b.dtype]} and A of type ${scalarTypeName[l.dtype]} instead.`);
  }
  const [n, cols] = l.shape.slice(-2);
  if (n !== cols) throw new RangeError(`A must be batches of square matrices, but they are ${n} by ${cols} matrices`);
  if (b.shape[b.ndim - 2] !== n) {
    throw new RangeError(`Incompatible matrix sizes for cholesky_solve: each A matrix is ${n} by ${n} but each b matrix is ${b.shape[b.ndim - 2]} by ${b.shape[b.ndim - 1]}`);
  }
  if (!isFloatingPoint(b.dtype)) throw new TypeError(`"cholesky_solve_cpu" not implemented for '${scalarTypeName[b.dtype]}'`);
  // Only L's triangle is read, as LAPACK's potrs.
  const x = noGrad(() => {
    const lower = upper ? l.detach().mT : l.detach();
    return solveTriangular(lower.mT, solveTriangular(lower, b.detach(), { upper: false }), { upper: true });
  });
  return record('CholeskySolveBackward0', x, [b, l], [b, l], (g, needs) => {
    const gB = choleskySolve(g, l, { upper });
    const common = matmul(gB, x.mT);
    const sym = common.add(common.mT);
    const gL = upper ? matmul(l, sym).neg() : matmul(sym, l).neg();
    return [needs[0] ? sumToShape(gB, b.shape) : null, needs[1] ? sumToShape(gL, l.shape) : null];
  });
}

/**
 * `torch.cholesky_inverse(L, upper=false)`: (L L^T)^{-1} from the Cholesky factor L (U^T U with
 * upper). A zero on L's diagonal is refused as LAPACK's potri reports it. Gradient
 * (cholesky_inverse_backward): -(X (g + g^T) X) L, or -U X (g + g^T) X with upper.
 */
export function choleskyInverse(l: Tensor, options: { upper?: boolean } = {}): Tensor {
  const { upper = false } = options;
  checkSquare('cholesky_inverse', l);
  if (!isFloatingPoint(l.dtype)) throw new TypeError(`"cholesky_inverse_out_cpu" not implemented for '${scalarTypeName[l.dtype]}'`);
  const m = readMatrices(l, 'cholesky_inverse');
  const n = m.rows;
  forEachMatrix(m, 'cholesky_inverse', (offset) => {
    for (let i = 0; i < n; i++) {
      if (m.data[offset + i * n + i] === 0) return `The diagonal element ${i + 1} is zero, the inversion could not be completed because the input matrix is singular.`;
    }
    return null;
  });
  const x = noGrad(() => {
    const lower = upper ? l.detach().mT : l.detach();
    const lInv = solveTriangular(lower, eye(n, { dtype: l.dtype }).expand(lower.shape), { upper: false });
    return matmul(lInv.mT, lInv);
  });
  return record('CholeskyInverseBackward0', x, [l], [l], (g) => {
    const common = matmul(x, matmul(g.add(g.mT), x));
    return [upper ? matmul(l, common).neg() : matmul(common, l).neg()];
  });
}
