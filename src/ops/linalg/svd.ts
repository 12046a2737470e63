// linalg.svd and svdvals by one-sided Jacobi (Hestenes): rotate pairs of columns of A until they
// are orthogonal; their norms are the singular values, the rotations accumulate into V.
// Slower than Golub-Kahan on large matrices, simpler, and accurate to working precision.
// The factors are unique only up to the signs of paired columns of U and V (PyTorch's LAPACK
// picks other signs), so tests compare invariants: S, U S Vh, |U|.

import type { Tensor } from '../../tensor/tensor.js';
import { record } from '../function.js';
import { matmul } from '../linalg.js';
import { diagEmbed } from '../diagonal.js';
import { checkFloating, checkIsMatrix, fromHost, readMatrices, transposed } from './matrices.js';

/** Columns of a rows x cols row-major matrix given orthonormal in its first `have` columns completed to an orthonormal set (Gram-Schmidt on e_1, e_2, ...). */
export function completeColumns(q: Float64Array, rows: number, cols: number, have: number): void {
  let next = 0;
  for (let j = have; j < cols; j++) {
    for (; next < rows; next++) {
      const v = new Float64Array(rows);
      v[next] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (let k = 0; k < j; k++) {
          let d = 0;
          for (let i = 0; i < rows; i++) d += q[i * cols + k] * v[i];
          for (let i = 0; i < rows; i++) v[i] -= d * q[i * cols + k];
        }
      }
      const nv = Math.hypot(...v);
      if (nv > 1e-8) {
        for (let i = 0; i < rows; i++) q[i * cols + j] = v[i] / nv;
        next++;
        break;
      }
    }
  }
}

/**
 * SVD of a tall m x n (m >= n) row-major matrix: U (m x m when full, else m x n), S (n,
 * descending), V (n x n), all row-major.
 */
function jacobiSvd(a: Float64Array, m: number, n: number, full: boolean): { u: Float64Array; s: Float64Array; v: Float64Array } {
  const w = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          const x = w[i * n + p];
          const y = w[i * n + q];
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (const [mat, rows] of [[w, m], [v, n]] as const) {
          for (let i = 0; i < rows; i++) {
            const x = mat[i * n + p];
            const y = mat[i * n + q];
            mat[i * n + p] = c * x - s * y;
            mat[i * n + q] = s * x + c * y;
          }
        }
      }
    }
    if (!rotated) break;
  }
  const norms = Array.from({ length: n }, (_, j) => {
    let t = 0;
    for (let i = 0; i < m; i++) t += w[i * n + j] ** 2;
    return Math.sqrt(t);
  });
  const order = norms.map((_, j) => j).sort((i, j) => norms[j] - norms[i] || i - j);
  const uCols = full ? m : n;
  const u = new Float64Array(m * uCols);
  const s = new Float64Array(n);
  const vs = new Float64Array(n * n);
  // A column of W at rounding level (a zero singular value) is noise, not a direction: its column
  // of U is free, and completion picks one orthogonal to the others.
  const floor = norms[order[0]] * 1e-13;
  let have = 0;
  order.forEach((j, k) => {
    s[k] = norms[j];
    for (let i = 0; i < n; i++) vs[i * n + k] = v[i * n + j];
    if (norms[j] > floor) {
      for (let i = 0; i < m; i++) u[i * uCols + k] = w[i * n + j] / norms[j];
      have = k + 1;
    }
  });
  completeColumns(u, m, uCols, have);
  return { u, s, v: vs };
}

/** The SVD of every matrix of a batch, as host arrays: U (..., m, m or k), S (..., k), Vh (..., k or n, n). */
function svdHost(a: Tensor, full: boolean, op: string): { u: Tensor; s: Tensor; vh: Tensor } {
  const mats = readMatrices(a, op);
  const { rows: m, cols: n, batch } = mats;
  const k = Math.min(m, n);
  const [uc, vr] = full ? [m, n] : [k, k];
  const us = new Float64Array(mats.count * m * uc);
  const ss = new Float64Array(mats.count * k);
  const vhs = new Float64Array(mats.count * vr * n);
  for (let b = 0; b < mats.count; b++) {
    const block = mats.data.subarray(b * m * n, (b + 1) * m * n);
    if (m >= n) {
      const r = jacobiSvd(block, m, n, full);
      us.set(r.u, b * m * uc);
      vhs.set(transposed(r.v, 0, n, n), b * n * n);
      ss.set(r.s, b * k);
    } else {
      // A^T = U' S V'^T, so A = V' S U'^T: U = V', Vh = U'^T.
      const r = jacobiSvd(transposed(block, 0, m, n), n, m, full);
      us.set(r.v, b * m * m);
      vhs.set(transposed(r.u, 0, n, vr), b * vr * n);
      ss.set(r.s, b * k);
    }
  }
  return { u: fromHost(us, [...batch, m, uc], a), s: fromHost(ss, [...batch, k], a), vh: fromHost(vhs, [...batch, vr, n], a) };
}

/**
 * FunctionsManual.cpp's svd_backward (real case) for the reduced factors; each of gU, gS, gVh may
 * be null. It is linear in them, so each output's node passes only its own.
 */
function svdBackward(gU: Tensor | null, gS: Tensor | null, gVh: Tensor | null, u: Tensor, s: Tensor, vh: Tensor): Tensor {
  const m = u.shape[u.ndim - 2];
  const n = vh.shape[vh.ndim - 1];
  if (gU === null && gVh === null) return m >= n ? matmul(u, gS!.unsqueeze(-1).mul(vh)) : matmul(u.mul(gS!.unsqueeze(-2)), vh);
  const skew = (x: Tensor) => x.sub(x.mT);
  const s2 = s.mul(s);
  const eye = diagEmbed(s.mul(0).add(1));
  // E_ij = s_j^2 - s_i^2 off the diagonal, 1 on it.
  const e = s2.unsqueeze(-2).sub(s2.unsqueeze(-1)).add(eye);
  let g = gU !== null ? skew(matmul(u.mT, gU)).mul(s.unsqueeze(-2).div(e)) : s.unsqueeze(-1).mul(skew(matmul(vh, gVh!.mT)).div(e));
  if (gS !== null) g = g.add(diagEmbed(gS));
  if (m > n && gU !== null) {
    const gUSinv = gU.div(s.unsqueeze(-2));
    return matmul(matmul(u, g).add(gUSinv).sub(matmul(u, matmul(u.mT, gUSinv))), vh);
  }
  if (m < n && gVh !== null) {
    const sInvGVh = gVh.div(s.unsqueeze(-1));
    return matmul(u, matmul(g, vh).add(sInvGVh).sub(matmul(matmul(sInvGVh, vh.mT), vh)));
  }
  return m >= n ? matmul(u, matmul(g, vh)) : matmul(matmul(u, g), vh);
}

/**
 * `torch.linalg.svd(A, full_matrices=true)`: { U, S, Vh } with A = U diag(S) Vh, S descending.
 * Gradients flow through the reduced factors (with full matrices, the first k columns of U and
 * rows of Vh), as PyTorch's svd_backward.
 */
export function svd(a: Tensor, options: { fullMatrices?: boolean } = {}): { U: Tensor; S: Tensor; Vh: Tensor } {
  return recordedSvd(a, options.fullMatrices ?? true, 'linalg.svd');
}

/** The checks, the factors and their three nodes, for svd and svdvals. */
function recordedSvd(a: Tensor, fullMatrices: boolean, op: string): { U: Tensor; S: Tensor; Vh: Tensor } {
  checkIsMatrix(op, a);
  checkFloating(op, a);
  const { u, s, vh } = svdHost(a, fullMatrices, op);
  const k = s.shape[s.ndim - 1];
  // The rules read the recorded outputs (reduced to k columns/rows), so gradients of gradients flow through them.
  const reduced = (): [Tensor, Tensor, Tensor] => [U.narrow(-1, 0, k), S, Vh.narrow(-2, 0, k)];
  const U = record('LinalgSvdBackward0', u, [a], [], (g) => [svdBackward(g.narrow(-1, 0, k), null, null, ...reduced())]);
  const S = record('LinalgSvdBackward0', s, [a], [], (g) => [svdBackward(null, g, null, ...reduced())]);
  const Vh = record('LinalgSvdBackward0', vh, [a], [], (g) => [svdBackward(null, null, g.narrow(-2, 0, k), ...reduced())]);
  return { U, S, Vh };
}

/**
 * `torch.linalg.svdvals(A)`: the singular values, descending. Gradient: U diag(gS) Vh, with U and
 * Vh the recorded factors, so that gradients of gradients reach A through them too.
 */
export function svdvals(a: Tensor): Tensor {
  return recordedSvd(a, false, 'linalg.svd').S; // PyTorch's refusals name linalg.svd
}
