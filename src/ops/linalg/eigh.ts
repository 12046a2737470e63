// linalg.eigh and eigvalsh by the cyclic Jacobi method: plane rotations zero the off-diagonal
// entries one pair at a time until the matrix is diagonal; the rotations accumulate into the
// eigenvectors. Eigenvectors are unique only up to sign (and within repeated eigenvalues), so
// tests compare eigenvalues, reconstructions and projections, not the vectors' signs.

import type { Tensor } from '../../tensor/tensor.js';
import { record } from '../function.js';
import { matmul } from '../linalg.js';
import { diagEmbed } from '../diagonal.js';
import { isFloatingPoint, scalarTypeName } from '../../tensor/dtype.js';
import { checkSquare, fromHost, readMatrices } from './matrices.js';

/**
 * Eigenvalues (ascending) and eigenvectors (columns, row-major n x n) of the symmetric matrix in
 * `a`, which the rotations overwrite. Host float64; also the Fréchet distance's and the sin
 * experiment's eigensolver.
 */
export function jacobiEigh(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let total = 0;
    for (let p = 0; p < n; p++) {
      total += a[p * n + p] ** 2;
      for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    }
    if (off <= 1e-34 * total) break; // off-diagonal below rounding

    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // A <- J^T A J with J the rotation in the (p, q) plane: columns, then rows.
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[i * n + i] - a[j * n + j] || i - j);
  const values = Float64Array.from(order, (i) => a[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((j, k) => {
    for (let i = 0; i < n; i++) vectors[i * n + k] = v[i * n + j];
  });
  return { values, vectors };
}

function eighHost(a: Tensor, uplo: string, op: string): { values: Tensor; vectors: Tensor } {
  if (uplo !== 'L' && uplo !== 'U') throw new RangeError(`Expected UPLO argument to be 'L' or 'U', but got ${uplo}`);
  checkSquare(op, a);
  if (!isFloatingPoint(a.dtype)) throw new TypeError(`"linalg_eigh_cpu" not implemented for '${scalarTypeName[a.dtype]}'`);
  const m = readMatrices(a, op);
  const n = m.rows;
  const values = new Float64Array(m.count * n);
  const vectors = new Float64Array(m.count * n * n);
  for (let b = 0; b < m.count; b++) {
    // Only the named triangle is read, mirrored into the other.
    const s = m.data.slice(b * n * n, (b + 1) * n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) {
      if (uplo === 'L') s[j * n + i] = s[i * n + j];
      else s[i * n + j] = s[j * n + i];
    }
    const r = jacobiEigh(s, n);
    values.set(r.values, b * n);
    vectors.set(r.vectors, b * n * n);
  }
  return { values: fromHost(values, [...m.batch, n], a), vectors: fromHost(vectors, a.shape, a) };
}

/**
 * linalg_eig_backward for a symmetric matrix: V (diag(gL) + skew(V^T gV) / E) V^T with
 * E_ij = L_j - L_i (1 on the diagonal). Linear in (gL, gV): each output's node passes its own.
 */
function eighBackward(gL: Tensor | null, gV: Tensor | null, l: Tensor, v: Tensor): Tensor {
  let inner: Tensor;
  if (gV !== null) {
    const vgv = matmul(v.mT, gV);
    const e = l.unsqueeze(-2).sub(l.unsqueeze(-1)).add(diagEmbed(l.mul(0).add(1)));
    inner = vgv.sub(vgv.mT).mul(0.5).div(e);
  } else {
    inner = diagEmbed(gL!);
  }
  return matmul(v, matmul(inner, v.mT));
}

/**
 * `torch.linalg.eigh(A, UPLO='L')`: { eigenvalues (ascending), eigenvectors (as columns) } of the
 * symmetric matrix whose lower (or upper) triangle A holds.
 */
export function eigh(a: Tensor, options: { UPLO?: 'L' | 'U' } = {}): { eigenvalues: Tensor; eigenvectors: Tensor } {
  const { values, vectors } = eighHost(a, options.UPLO ?? 'L', 'linalg.eigh');
  const L = record('LinalgEighBackward0', values, [a], [], (g) => [eighBackward(g, null, L, V)]);
  const V = record('LinalgEighBackward0', vectors, [a], [], (g) => [eighBackward(null, g, L, V)]);
  return { eigenvalues: L, eigenvectors: V };
}

/** `torch.linalg.eigvalsh(A, UPLO='L')`: the eigenvalues, ascending. Gradient: V diag(gL) V^T. */
export function eigvalsh(a: Tensor, options: { UPLO?: 'L' | 'U' } = {}): Tensor {
  const { values, vectors } = eighHost(a, options.UPLO ?? 'L', 'linalg.eigh');
  return record('LinalgEighBackward0', values, [a], [], (g) => [eighBackward(g, null, values, vectors)]);
}
