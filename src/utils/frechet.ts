// The Fréchet distance between two Gaussians fitted to feature vectors (the measure FID applies to
// Inception features; the ddpm experiment applies it to a LeNet's penultimate features, so it is
// not FID and is not named so):
//   d² = ‖μ1 - μ2‖² + tr(Σ1) + tr(Σ2) - 2·tr((Σ1^½ Σ2 Σ1^½)^½)
// In float64, with the symmetric square roots from a cyclic Jacobi eigensolver: Σ1^½ Σ2 Σ1^½ is
// symmetric positive semi-definite, so unlike scipy's sqrtm(Σ1 Σ2) no complex parts arise.

/** Row-major n x n matrices as Float64Array. */
export type Matrix = Float64Array;

/** Eigenvalues and eigenvectors (columns of `vectors`) of a symmetric n x n matrix, by cyclic Jacobi rotations. */
export function symmetricEigen(matrix: Matrix, n: number, options: { tolerance?: number; maxSweeps?: number } = {}): { values: Float64Array; vectors: Matrix } {
  const { tolerance = 1e-14, maxSweeps = 100 } = options;
  if (matrix.length !== n * n) throw new RangeError(`symmetricEigen: expected ${n * n} entries for a ${n}x${n} matrix, but got ${matrix.length}`);
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  const offNorm = () => {
    let s = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) s += a[i * n + j] ** 2;
    return Math.sqrt(s);
  };
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += a[i] ** 2;
  scale = Math.sqrt(scale) || 1;
  for (let sweep = 0; sweep < maxSweeps && offNorm() > tolerance * scale; sweep++) {
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        // The rotation that zeroes a[p][q] (Golub & Van Loan, Algorithm 8.4.1).
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
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
  return { values: Float64Array.from({ length: n }, (_, i) => a[i * n + i]), vectors: v };
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
