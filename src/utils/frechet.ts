// The Fréchet distance between two Gaussians fitted to feature vectors (the measure FID applies to
// Inception features; the ddpm experiment applies it to a LeNet's penultimate features, so it is
// not FID and is not named so):
//   d² = ‖μ1 - μ2‖² + tr(Σ1) + tr(Σ2) - 2·tr((Σ1^½ Σ2 Σ1^½)^½)
// In float64, with the symmetric square roots from a cyclic Jacobi eigensolver: Σ1^½ Σ2 Σ1^½ is
// symmetric positive semi-definite, so unlike scipy's sqrtm(Σ1 Σ2) no complex parts arise.

import { jacobiEigh } from '../ops/linalg/eigh.js';

/** Row-major n x n matrices as Float64Array. */
export type Matrix = Float64Array;

/** Eigenvalues (ascending) and eigenvectors (columns of `vectors`) of a symmetric n x n matrix, by cyclic Jacobi rotations (linalg.eigh's). */
export function symmetricEigen(matrix: Matrix, n: number): { values: Float64Array; vectors: Matrix } {
  if (matrix.length !== n * n) throw new RangeError(`symmetricEigen: expected ${n * n} entries for a ${n}x${n} matrix, but got ${matrix.length}`);
  return jacobiEigh(Float64Array.from(matrix), n);
}

/** The symmetric PSD square root V·diag(√max(λ, 0))·Vᵀ (rounding can leave tiny negative λ). */
export function sqrtPsd(matrix: Matrix, n: number): Matrix {
  const { values, vectors } = symmetricEigen(matrix, n);
  const roots = values.map((l) => Math.sqrt(Math.max(l, 0)));
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors[i * n + k] * roots[k] * vectors[j * n + k];
      out[i * n + j] = out[j * n + i] = s;
    }
  }
  return out;
}

function matmul(a: Matrix, b: Matrix, n: number): Matrix {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      for (let j = 0; j < n; j++) out[i * n + j] += aik * b[k * n + j];
    }
  }
  return out;
}

/** Mean and covariance (numpy.cov: rows are observations, divided by N - 1) of N feature rows of size d. */
export function meanAndCovariance(rows: ArrayLike<number>, count: number, dim: number): { mean: Float64Array; cov: Matrix } {
  if (rows.length !== count * dim) throw new RangeError(`meanAndCovariance: expected ${count} x ${dim} values, but got ${rows.length}`);
  if (count < 2) throw new RangeError(`meanAndCovariance: need at least 2 rows, but got ${count}`);
  const mean = new Float64Array(dim);
  for (let r = 0; r < count; r++) for (let j = 0; j < dim; j++) mean[j] += rows[r * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= count;
  const cov = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < dim; j++) centred[j] = rows[r * dim + j] - mean[j];
    for (let i = 0; i < dim; i++) for (let j = i; j < dim; j++) cov[i * dim + j] += centred[i] * centred[j];
  }
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) cov[i * dim + j] = cov[j * dim + i] = cov[i * dim + j] / (count - 1);
  }
  return { mean, cov };
}

/** d² between N(mu1, sigma1) and N(mu2, sigma2) (a squared distance, as FID reports it). */
export function frechetDistance(mu1: Float64Array, sigma1: Matrix, mu2: Float64Array, sigma2: Matrix): number {
  const n = mu1.length;
  if (mu2.length !== n || sigma1.length !== n * n || sigma2.length !== n * n) {
    throw new RangeError(`frechetDistance: expected means of size ${n} and ${n}x${n} covariances, but got ${mu2.length} and ${Math.sqrt(sigma1.length)}, ${Math.sqrt(sigma2.length)}`);
  }
  let d = 0;
  for (let i = 0; i < n; i++) d += (mu1[i] - mu2[i]) ** 2;
  const root1 = sqrtPsd(sigma1, n);
  const inner = sqrtPsd(matmul(matmul(root1, sigma2, n), root1, n), n);
  for (let i = 0; i < n; i++) d += sigma1[i * n + i] + sigma2[i * n + i] - 2 * inner[i * n + i];
  return d;
}

/** The Fréchet distance between the Gaussians fitted to two sets of feature rows of size dim. */
export function featureFrechetDistance(a: ArrayLike<number>, countA: number, b: ArrayLike<number>, countB: number, dim: number): number {
  const x = meanAndCovariance(a, countA, dim);
  const y = meanAndCovariance(b, countB, dim);
  return frechetDistance(x.mean, x.cov, y.mean, y.cov);
}
