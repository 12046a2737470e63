// linalg.solve_triangular: forward or back substitution against one triangle of A (the other is
// never read), in float64 on the host, batched and broadcast as linalg.solve.

import type { Tensor } from '../../tensor/tensor.js';
import { broadcastShapes } from '../../tensor/shape.js';
import { promoteTypes, scalarTypeName, isFloatingPoint } from '../../tensor/dtype.js';
import { record } from '../function.js';
import { matmul } from '../linalg.js';
import { sumToShape } from '../reduce.js';
import { tril, triu } from '../indexing.js';
import { checkIsMatrix, checkSquare, fromHost, readMatrices } from './matrices.js';

/** solve_triangular's keywords: which triangle, which side, a unit diagonal. */
export interface TriangularOptions {
  /** Which triangle of A holds the matrix (PyTorch's required keyword). */
  upper: boolean;
  /** Solve AX = B (true, the default) or XA = B. */
  left?: boolean;
  /** Take A's diagonal as ones without reading it. */
  unitriangular?: boolean;
}

/** Substitution for the columns of the n x k block b (in place) against the n x n triangle of a. */
function substitute(a: Float64Array, aOff: number, n: number, b: Float64Array, bOff: number, k: number, upper: boolean, unit: boolean): void {
  for (let j = 0; j < k; j++) {
    for (let step = 0; step < n; step++) {
      const i = upper ? n - 1 - step : step;
      let s = b[bOff + i * k + j];
      if (upper) for (let c = i + 1; c < n; c++) s -= a[aOff + i * n + c] * b[bOff + c * k + j];
      else for (let c = 0; c < i; c++) s -= a[aOff + i * n + c] * b[bOff + c * k + j];
      b[bOff + i * k + j] = unit ? s : s / a[aOff + i * n + i];
    }
  }
}

/**
 * `torch.linalg.solve_triangular(A, B, upper, left=true, unitriangular=false)`: X with AX = B (or
 * XA = B) for triangular A. A singular A gives inf/nan, as LAPACK's trsm. Gradient
 * (linalg_solve_triangular_backward): gB = A^{-T} gX (gX A^{-T} with left false) and
 * gA = -gB X^T (-X^T gB), kept to A's triangle (less the diagonal with unitriangular).
 */
export function solveTriangular(a: Tensor, b: Tensor, options: TriangularOptions): Tensor {
  const { upper, left = true, unitriangular = false } = options;
  checkIsMatrix('linalg.solve_triangular', a);
  checkIsMatrix('linalg.solve_triangular', b, 'B');
  checkSquare('linalg.solve_triangular', a);
  const [n] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  if (left ? n !== br : n !== bc) {
    throw new RangeError(`linalg.solve_triangular: Incompatible shapes of A and B for the equation ${left ? 'AX = B' : 'XA = B'} (${n}x${n} and ${br}x${bc})`);
  }
  const dtype = promoteTypes(a.dtype, b.dtype);
  if (!isFloatingPoint(dtype)) throw new TypeError(`"triangular_solve_cpu" not implemented for '${scalarTypeName[dtype]}'`);
  const batch = broadcastShapes(b.shape.slice(0, -2), a.shape.slice(0, -2));
  const A = a.detach().to(dtype);
  const B = b.detach().to(dtype);
  // XA = B is A^T X^T = B^T: the other triangle of A^T.
  const [aSide, bSide, up] = left ? [A, B, upper] : [A.mT, B.mT, !upper];
  const k = bSide.shape[bSide.ndim - 1];
  const am = readMatrices(aSide.expand([...batch, n, n]), 'linalg.solve_triangular');
  const bm = readMatrices(bSide.expand([...batch, n, k]), 'linalg.solve_triangular');
  for (let i = 0; i < am.count; i++) substitute(am.data, i * n * n, n, bm.data, i * n * k, k, up, unitriangular);
  const solved = fromHost(bm.data, [...batch, n, k], A);
  const y = left ? solved : solved.mT.contiguous();
  const mask = (t: Tensor) => (upper ? triu(t, unitriangular ? 1 : 0) : tril(t, unitriangular ? -1 : 0));
  return record('LinalgSolveTriangularBackward0', y, [a, b], [a], (g, needs) => {
    const gB = solveTriangular(a.mT, g, { upper: !upper, left, unitriangular });
    const gA = mask(left ? matmul(gB, y.mT).neg() : matmul(y.mT, gB).neg());
    return [needs[0] ? sumToShape(gA, a.shape).to(a.dtype) : null, needs[1] ? sumToShape(gB, b.shape).to(b.dtype) : null];
  });
}
