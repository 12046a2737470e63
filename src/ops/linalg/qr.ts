// linalg.qr by Householder reflections (LAPACK's geqrf + orgqr): each reflection zeroes one column
// below the diagonal, with LAPACK's choice of sign (R's diagonal is -sign(a_jj) |x|), so the
// factors usually carry the signs PyTorch's do; tests still compare invariants (QR = A,
// Q^T Q = I, |R|), which hold whatever signs a column of Q and its row of R share.

import type { Tensor } from '../../tensor/tensor.js';
import { record } from '../function.js';
import { matmul } from '../linalg.js';
import { cat } from '../movement.js';
import { tril } from '../indexing.js';
import { zeros } from '../creation.js';
import { checkFloating, checkIsMatrix, fromHost, readMatrices } from './matrices.js';
import { solve } from './lu.js';

/** linalg.qr's modes: Q and R reduced (m x k, k x n), complete (m x m, m x n), or R alone. */
export type QrMode = 'reduced' | 'complete' | 'r';

/** Q (m x m, row-major) and R (m x n, overwriting `a`) of the m x n block `a`. */
function householderQr(a: Float64Array, m: number, n: number): Float64Array {
  const q = new Float64Array(m * m);
  for (let i = 0; i < m; i++) q[i * m + i] = 1;
  const v = new Float64Array(m);
  for (let j = 0; j < Math.min(m - 1, n); j++) {
    let norm2 = 0;
    for (let i = j; i < m; i++) norm2 += a[i * n + j] ** 2;
    const alpha = a[j * n + j];
    if (norm2 === alpha * alpha) continue; // nothing below the diagonal: H = I (LAPACK's tau = 0)
    const beta = -(alpha >= 0 ? 1 : -1) * Math.sqrt(norm2);
    let vv = 0;
    for (let i = j; i < m; i++) {
      v[i] = i === j ? alpha - beta : a[i * n + j];
      vv += v[i] * v[i];
    }
    // H = I - 2 v v^T / (v^T v) applied to A's trailing columns (from the left) and to Q (from the right).
    for (let c = j; c < n; c++) {
      let d = 0;
      for (let i = j; i < m; i++) d += v[i] * a[i * n + c];
      const f = (2 * d) / vv;
      for (let i = j; i < m; i++) a[i * n + c] -= f * v[i];
    }
    for (let r = 0; r < m; r++) {
      let d = 0;
      for (let i = j; i < m; i++) d += q[r * m + i] * v[i];
      const f = (2 * d) / vv;
      for (let i = j; i < m; i++) q[r * m + i] -= f * v[i];
    }
    for (let i = j + 1; i < m; i++) a[i * n + j] = 0;
    a[j * n + j] = beta;
  }
  return q;
}

/**
 * linalg_qr_backward for m >= n (R square): gA = (gQ + Q copyltu(M)) R^{-T}, M = R gR^T - gQ^T Q,
 * copyltu taking the lower triangle mirrored. For m < n, A = [X | Y] with X square: the square
 * rule on X with gQ + Y gR_Y^T, and Q gR_Y for Y.
 */
function qrBackward(gQ: Tensor | null, gR: Tensor | null, q: Tensor, r: Tensor): Tensor {
  const m = q.shape[q.ndim - 2];
  const n = r.shape[r.ndim - 1];
  if (m < n) {
    const rx = r.narrow(-1, 0, m);
    const y = matmul(q, r.narrow(-1, m, n - m));
    const gRy = gR === null ? null : gR.narrow(-1, m, n - m);
    const gQx = gRy === null ? gQ : gQ === null ? matmul(y, gRy.mT) : gQ.add(matmul(y, gRy.mT));
    const gX = qrBackward(gQx, gR === null ? null : gR.narrow(-1, 0, m), q, rx);
    return cat([gX, gRy === null ? zeros(y.shape, { dtype: y.dtype }) : matmul(q, gRy)], -1);
  }
  let mm: Tensor | null = gR === null ? null : matmul(r, gR.mT);
  if (gQ !== null) mm = mm === null ? matmul(gQ.mT, q).neg() : mm.sub(matmul(gQ.mT, q));
  const copyltu = tril(mm!).add(tril(mm!, -1).mT);
  const b = matmul(q, copyltu);
  return solve(r.mT, gQ === null ? b : b.add(gQ), { left: false });
}

/**
 * `torch.linalg.qr(A, mode='reduced')`: { Q, R } with A = QR, Q with orthonormal columns (m x k, or
 * m x m with 'complete'), R upper-triangular (k x n, or m x n); 'r' gives R and an empty Q.
 */
export function qr(a: Tensor, options: { mode?: QrMode } = {}): { Q: Tensor; R: Tensor } {
  const { mode = 'reduced' } = options;
  if (mode !== 'reduced' && mode !== 'complete' && mode !== 'r') {
    throw new RangeError(`qr received unrecognized mode '${mode}' but expected one of 'reduced' (default), 'r', or 'complete'`);
  }
  checkIsMatrix('linalg.qr', a);
  checkFloating('linalg.qr', a);
  const mats = readMatrices(a, 'linalg.qr');
  const { rows: m, cols: n, batch } = mats;
  const k = Math.min(m, n);
  const [qc, rr] = mode === 'complete' ? [m, m] : [k, k];
  const qs = new Float64Array(mats.count * m * qc);
  const rs = new Float64Array(mats.count * rr * n);
  for (let b = 0; b < mats.count; b++) {
    const block = mats.data.subarray(b * m * n, (b + 1) * m * n);
    const q = householderQr(block, m, n);
    for (let i = 0; i < m; i++) for (let j = 0; j < qc; j++) qs[b * m * qc + i * qc + j] = q[i * m + j];
    rs.set(block.subarray(0, rr * n), b * rr * n);
  }
  const rOut = fromHost(rs, [...batch, rr, n], a);
  const qOut = mode === 'r' ? zeros([0], { dtype: a.dtype }) : fromHost(qs, [...batch, m, qc], a);
  const refuse = (): string | null =>
    mode === 'r'
      ? "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr."
      : mode === 'complete' && m > n
        ? "The QR decomposition is not differentiable when mode='complete' and nrows > ncols."
        : null;
  const rule = (gQ: Tensor | null, gR: Tensor | null) => {
    const why = refuse();
    if (why !== null) throw new Error(why);
    return qrBackward(gQ, gR, Q, R);
  };
  const Q = record('LinalgQrBackward0', qOut, [a], [], (g) => [rule(g, null)]);
  const R = record('LinalgQrBackward0', rOut, [a], [], (g) => [rule(null, g)]);
  return { Q, R };
}
