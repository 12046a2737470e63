// linalg.matrix_exp by scaling and squaring with Padé approximants (Higham 2005, "The scaling and
// squaring method for the matrix exponential revisited", as scipy's expm): the lowest degree of
// 3, 5, 7, 9 whose bound theta_m covers |A|_1, else degree 13 on A / 2^s, squared s times.
// Computed in float64 on the host like the other factorisations. PyTorch 1.13 evaluates Taylor
// polynomials of degree up to 18 instead (Bader, Blanes, Casas 2019); both are accurate to the
// dtype's rounding, so the values agree to float32/float64 tolerance, not bit for bit.
// The gradient is PyTorch's: exp of the 2n x 2n block [[A^T, G], [0, A^T]], whose top-right
// block is the Fréchet derivative's adjoint applied to G (and, being matrix_exp itself, twice
// differentiable).

import type { Tensor } from '../../tensor/tensor.js';
import { record } from '../function.js';
import { cat } from '../movement.js';
import { zerosLike } from '../creation.js';
import { checkFloating, checkSquare, fromHost, readMatrices } from './matrices.js';
import { luInPlace, luSolveInPlace } from './lu.js';

/** Padé numerator coefficients b_0..b_m of degree m (the denominator's are the same with alternating signs). */
const PADE: Record<3 | 5 | 7 | 9 | 13, number[]> = {
  3: [120, 60, 12, 1],
  5: [30240, 15120, 3360, 420, 30, 1],
  7: [17297280, 8648640, 1995840, 277200, 25200, 1512, 56, 1],
  9: [17643225600, 8821612800, 2075673600, 302702400, 30270240, 2162160, 110880, 3960, 90, 1],
  13: [
    64764752532480000, 32382376266240000, 7771770303897600, 1187353796428800, 129060195264000, 10559470521600, 670442572800, 33522128640, 1323241920, 40840800, 960960,
    16380, 182, 1,
  ],
};

/** The largest |A|_1 for which degree m keeps the backward error below 2^-53 (Higham's table 2.3). */
const THETA: [3 | 5 | 7 | 9, number][] = [
  [3, 1.495585217958292e-2],
  [5, 2.539398330063230e-1],
  [7, 9.504178996162932e-1],
  [9, 2.097847961257068],
];
const THETA13 = 5.371920351148152;

/** C = A B for n x n row-major matrices. */
function mul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
    }
  }
  return c;
}

/** sum_i c_i M_i + c I (the identity term when `identity` is given). */
function combine(terms: [number, Float64Array][], n: number, identity = 0): Float64Array {
  const out = new Float64Array(n * n);
  for (const [c, m] of terms) for (let i = 0; i < out.length; i++) out[i] += c * m[i];
  for (let i = 0; i < n; i++) out[i * n + i] += identity;
  return out;
}

/** U (odd part) and V (even part) of the degree-m Padé numerator at A: exp(A) ~ (V - U)^{-1} (V + U). */
function padeTerms(a: Float64Array, n: number, m: 3 | 5 | 7 | 9 | 13): { u: Float64Array; v: Float64Array } {
  const b = PADE[m];
  const a2 = mul(a, a, n);
  if (m === 13) {
    const a4 = mul(a2, a2, n);
    const a6 = mul(a4, a2, n);
    const uInner = combine([[1, mul(a6, combine([[b[13], a6], [b[11], a4], [b[9], a2]], n), n)], [b[7], a6], [b[5], a4], [b[3], a2]], n, b[1]);
    const v = combine([[1, mul(a6, combine([[b[12], a6], [b[10], a4], [b[8], a2]], n), n)], [b[6], a6], [b[4], a4], [b[2], a2]], n, b[0]);
    return { u: mul(a, uInner, n), v };
  }
  // Powers A^2, A^4, ..., A^(m-1): U = A sum_k b_{2k+1} A^{2k}, V = sum_k b_{2k} A^{2k}.
  const powers = [a2];
  while (powers.length < (m - 1) / 2) powers.push(mul(powers[powers.length - 1], a2, n));
  const uInner = combine(powers.map((p, k) => [b[2 * k + 3], p]), n, b[1]);
  const v = combine(powers.map((p, k) => [b[2 * k + 2], p]), n, b[0]);
  return { u: mul(a, uInner, n), v };
}

/** exp of the n x n block at `offset` of `data`, written into `out` at the same offset. */
function expm(data: Float64Array, offset: number, n: number, out: Float64Array): void {
  let a = data.subarray(offset, offset + n * n);
  let norm = 0;
  for (let j = 0; j < n; j++) {
    let col = 0;
    for (let i = 0; i < n; i++) col += Math.abs(a[i * n + j]);
    norm = Math.max(norm, col);
  }
  if (!Number.isFinite(norm)) {
    out.fill(NaN, offset, offset + n * n);
    return;
  }
  const small = THETA.find(([, theta]) => norm <= theta);
  const s = small ? 0 : Math.max(0, Math.ceil(Math.log2(norm / THETA13)));
  if (s > 0) a = a.map((x) => x / 2 ** s);
  const { u, v } = padeTerms(a, n, small ? small[0] : 13);
  // (V - U) X = (V + U), by LU.
  const q = combine([[1, v], [-1, u]], n);
  let x = combine([[1, v], [1, u]], n);
  const { pivots } = luInPlace(q, 0, n);
  luSolveInPlace(q, 0, pivots, n, x, 0, n);
  for (let k = 0; k < s; k++) x = mul(x, x, n);
  out.set(x, offset);
}

/**
 * `torch.linalg.matrix_exp(A)` (also `torch.matrix_exp`, `Tensor.matrixExp`): the matrix
 * exponential sum_k A^k / k! of each square matrix of a batch. Gradient (PyTorch's
 * matrix_exp_backward): the top-right n x n block of exp([[A^T, G], [0, A^T]]).
 */
export function matrixExp(a: Tensor): Tensor {
  checkSquare('linalg.matrix_exp', a);
  checkFloating('matrix_exp', a);
  const m = readMatrices(a, 'linalg.matrix_exp');
  const n = m.rows;
  const out = new Float64Array(m.data.length);
  for (let b = 0; b < m.count; b++) expm(m.data, b * n * n, n, out);
  const y = fromHost(out, a.shape, a);
  return record('LinalgMatrixExpBackward0', y, [a], [a], (g) => {
    const at = a.mT;
    const meta = cat([cat([at, g], -1), cat([zerosLike(a), at], -1)], -2);
    return [matrixExp(meta).narrow(-2, 0, n).narrow(-1, n, n)];
  });
}
