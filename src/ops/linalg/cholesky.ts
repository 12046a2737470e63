// linalg.cholesky: A = L L^T for symmetric positive-definite A (LAPACK's potrf, which reads only
// the lower triangle, or the upper one with upper=true), computed in float64 on the host.

import type { Tensor } from '../../tensor/tensor.js';
import { record } from '../function.js';
import { matmul } from '../linalg.js';
import { tril } from '../indexing.js';
import { checkFloating, checkSquare, forEachMatrix, fromHost, readMatrices } from './matrices.js';
import { inv } from './lu.js';

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
  const { upper = false } = options;
  checkSquare('linalg.cholesky', a);
  checkFloating('linalg.cholesky', a);
  const n = a.shape[a.ndim - 1];
  // The upper triangle of A is the lower one of A^T: factor A^T and transpose back.
  const m = readMatrices(upper ? a.mT : a, 'linalg.cholesky');
  forEachMatrix(m, 'linalg.cholesky', (offset) => {
    const order = choleskyInPlace(m.data, offset, n);
    return order === null ? null : `The factorization could not be completed because the input is not positive-definite (the leading minor of order ${order} is not positive-definite).`;
  });
  const lower = fromHost(m.data, a.shape, a);
  const y = upper ? lower.mT.contiguous() : lower;
  return record('LinalgCholeskyExBackward0', y, [a], [], (g) => {
    const l = upper ? y.mT : y;
    const gl = upper ? g.mT : g;
    const phi = tril(matmul(l.mT, gl));
    const sym = phi.add(tril(phi, -1).mT).mul(0.5);
    const lInv = inv(l);
    return [matmul(lInv.mT, matmul(sym, lInv))];
  });
}
