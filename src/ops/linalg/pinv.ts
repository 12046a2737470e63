// linalg.pinv and linalg.matrix_rank: both read the SVD (or, for hermitian input, the
// eigendecomposition) and drop the singular values at or below max(atol, rtol * largest).

import type { Tensor } from '../../tensor/tensor.js';
import { isFloatingPoint, scalarTypeName } from '../../tensor/dtype.js';
import { record } from '../function.js';
import { matmul } from '../linalg.js';
import { where } from '../elementwise.js';
import { amax, sum } from '../reduce.js';
import { noGrad } from '../../autograd/grad_mode.js';
import { zeros } from '../creation.js';
import { checkIsMatrix } from './matrices.js';
import { svd } from './svd.js';
import { eigh } from './eigh.js';

/** Tolerances as PyTorch reads them: rtol defaults to eps * max(m, n), or 0 when only atol > 0 is given. */
export interface Tolerances {
  atol?: number | null;
  rtol?: number | null;
  hermitian?: boolean;
}

const eps = (a: Tensor) => (a.dtype === 'float32' ? 1.1920928955078125e-7 : 2.220446049250313e-16);

function rtolOf(a: Tensor, { atol, rtol }: Tolerances): number {
  if (rtol != null) return rtol;
  if (atol != null && atol > 0) return 0;
  return eps(a) * Math.max(a.shape[a.ndim - 2], a.shape[a.ndim - 1]);
}

/** The singular values (|eigenvalues| when hermitian) with the factors, and the threshold per matrix ([..., 1]). */
function spectrum(a: Tensor, tol: Tolerances): { s: Tensor; left: Tensor; right: Tensor; threshold: Tensor } {
  let s: Tensor;
  let left: Tensor;
  let right: Tensor;
  if (tol.hermitian) {
    const { eigenvalues, eigenvectors } = eigh(a);
    [s, left, right] = [eigenvalues, eigenvectors, eigenvectors.mT];
  } else {
    const { U, S, Vh } = svd(a, { fullMatrices: false });
    [s, left, right] = [S, U, Vh];
  }
  // No singular values (an empty matrix): nothing to compare, and amax would refuse the empty dim.
  const largest = () => (s.shape[s.ndim - 1] === 0 ? zeros([...s.shape.slice(0, -1), 1], { dtype: s.dtype }) : amax(s.detach().abs(), -1, { keepdim: true }));
  const threshold = noGrad(() => largest().mul(rtolOf(a, tol)).clampMin(tol.atol ?? 0));
  return { s, left, right, threshold };
}

/**
 * `torch.linalg.pinv(A, atol=None, rtol=None, hermitian=False)`: the Moore-Penrose pseudo-inverse,
 * V diag(1/s) U^T over the singular values above the tolerance. Gradient: PyTorch's pinv_backward.
 */
export function pinv(a: Tensor, options: Tolerances = {}): Tensor {
  if (a.ndim < 2 || !isFloatingPoint(a.dtype)) {
    throw new TypeError(`linalg.pinv(${scalarTypeName[a.dtype]}{[${a.shape.join(', ')}]}): expected a tensor with 2 or more dimensions of float, double, cfloat or cdouble types`);
  }
  const p = noGrad(() => {
    const { s, left, right, threshold } = spectrum(a.detach(), options);
    const inverted = where(s.abs().gt(threshold), s.reciprocal(), 0);
    return matmul(right.mT.mul(inverted.unsqueeze(-2)), left.mT);
  });
  return record('LinalgPinvBackward0', p, [a], [a], (g) => [pinvBackward(g, p, a)]);
}

/** FunctionsManual.cpp's pinv_backward (real case), products kept to the smaller dimension. */
export function pinvBackward(g: Tensor, p: Tensor, a: Tensor): Tensor {
  const m = a.shape[a.ndim - 2];
  const n = a.shape[a.ndim - 1];
  const ph = p.mT;
  const gh = g.mT;
  if (m <= n) {
    const k = matmul(gh, p);
    const kph = matmul(k, ph);
    return matmul(p, k).mT.neg().add(kph).sub(matmul(matmul(a, p), kph)).add(matmul(matmul(ph, p), gh.sub(matmul(k, a))));
  }
  const k = matmul(p, gh);
  const phk = matmul(ph, k);
  return matmul(k, p).mT.neg().add(matmul(matmul(gh.sub(matmul(a, k)), p), ph)).add(phk).sub(matmul(matmul(phk, p), a));
}

/** `torch.linalg.matrix_rank(A, atol=None, rtol=None, hermitian=False)`: how many singular values exceed the tolerance (int64). */
export function matrixRank(a: Tensor, options: Tolerances = {}): Tensor {
  checkIsMatrix('torch.linalg.matrix_rank', a, 'input');
  if (!isFloatingPoint(a.dtype)) throw new TypeError("This function doesn't handle types other than float and double");
  return noGrad(() => {
    const { s, threshold } = spectrum(a.detach(), options);
    return sum(s.abs().gt(threshold), -1);
  });
}

/** `torch.pinverse(A, rcond=1e-15)`: linalg.pinv with rcond as its relative tolerance. */
export function pinverse(a: Tensor, rcond = 1e-15): Tensor {
  return pinv(a, { rtol: rcond });
}
