// linalg.lstsq: the least-squares (minimum-norm) solution of AX = B through the pseudo-inverse,
// the driver deciding, as PyTorch 1.13's CPU path does, which extras are filled: the squared
// residuals, the rank and the singular values.

import type { Tensor } from '../../tensor/tensor.js';
import { broadcastShapes } from '../../tensor/shape.js';
import { isFloatingPoint, scalarTypeName } from '../../tensor/dtype.js';
import { record } from '../function.js';
import { matmul } from '../linalg.js';
import { amax, sum, sumToShape } from '../reduce.js';
import { zeros } from '../creation.js';
import { noGrad } from '../../autograd/grad_mode.js';
import { pinv, pinvBackward } from './pinv.js';
import { svdvals } from './svd.js';

/** LAPACK's least-squares drivers PyTorch names on the CPU: QR (gels), QR with column pivoting (gelsy), SVD (gelsd, gelss). */
export type LstsqDriver = 'gels' | 'gelsy' | 'gelsd' | 'gelss';

/** linalg.lstsq's named tuple; the extras a driver does not compute are empty tensors, as in PyTorch. */
export interface LstsqResult {
  /** The least-squares solution, (*, n, k) (or (*, n) for a batch of vectors B). */
  solution: Tensor;
  /** |AX - B|^2 per column, (*, k): for tall A (m > n) with driver gels, or gelsd/gelss when every A is of full rank. */
  residuals: Tensor;
  /** The effective rank of each A (int64, A's batch): drivers gelsy, gelsd, gelss. */
  rank: Tensor;
  /** The singular values of each A, (*, min(m, n)): drivers gelsd, gelss. */
  singularValues: Tensor;
}

const DRIVERS: readonly string[] = ['gels', 'gelsy', 'gelsd', 'gelss'];
const eps = (a: Tensor) => (a.dtype === 'float32' ? 1.1920928955078125e-7 : 2.220446049250313e-16);

/**
 * `torch.linalg.lstsq(A, B, rcond=None, driver=None)`: X minimising |AX - B|_F (of least norm
 * where A is rank-deficient: singular values at or below rcond * the largest count as zero;
 * rcond defaults to eps * max(m, n)); the default driver is 'gelsy', as on PyTorch's CPU.
 * Batched, A's batch broadcast against B's. Only the solution is differentiable; its gradient is
 * PyTorch's linalg_lstsq_backward, that of pinv(A) @ B.
 */
export function lstsq(a: Tensor, b: Tensor, rcond: number | null = null, options: { driver?: LstsqDriver | null } = {}): LstsqResult {
  const driver = options.driver ?? 'gelsy';
  // PyTorch compares the dtypes first: an integer A with a float B is refused as a mismatch.
  if (a.dtype !== b.dtype) {
    throw new TypeError(`torch.linalg.lstsq: Expected input and other to have the same dtype, but got input's dtype ${scalarTypeName[a.dtype]} and other's dtype ${scalarTypeName[b.dtype]}`);
  }
  if (!isFloatingPoint(a.dtype)) throw new TypeError("This function doesn't handle types other than float and double");
  if (a.ndim < 2) throw new RangeError('torch.linalg.lstsq: input must have at least 2 dimensions.');
  if (!(a.ndim >= b.ndim && a.ndim - b.ndim <= 1)) {
    throw new RangeError('torch.linalg.lstsq: input.dim() must be greater or equal to other.dim() and (input.dim() - other.dim()) <= 1');
  }
  const vector = a.ndim - 1 === b.ndim;
  const b2 = vector ? b.unsqueeze(-1) : b;
  const [m, n] = a.shape.slice(-2);
  if (b2.shape[b2.ndim - 2] !== m) throw new RangeError('torch.linalg.lstsq: input.size(-2) should match other.size(-2)');
  if (!DRIVERS.includes(driver)) throw new RangeError('torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)');
  const rc = rcond ?? eps(a) * Math.max(m, n);
  broadcastShapes(a.shape.slice(0, -2), b2.shape.slice(0, -2)); // refuses batches that do not broadcast

  const { x, residuals, rank, singularValues } = noGrad(() => {
    const A = a.detach();
    const B = b2.detach();
    const x = matmul(pinv(A, { rtol: rc }), B);
    const empty = (dtype = a.dtype) => zeros([0], { dtype });
    const s = svdvals(A);
    const rank =
      driver === 'gels' ? empty('int64') : s.shape[s.ndim - 1] === 0 ? zeros(s.shape.slice(0, -1), { dtype: 'int64' }) : sum(s.gt(amax(s, -1, { keepdim: true }).mul(rc)), -1);
    // LAPACK leaves the residuals in rows n..m of the solution for tall A; PyTorch reads them
    // except after gelsy, and after gelsd/gelss only when every A is of full rank.
    const fullRank = driver === 'gels' || (rank.eq(n).all().item() as number) === 1;
    const residuals = m > n && driver !== 'gelsy' && fullRank ? sum(matmul(A, x).sub(B).square(), -2) : empty();
    return { x, residuals, rank, singularValues: driver === 'gelsd' || driver === 'gelss' ? s : empty() };
  });
  const y = vector ? x.squeeze(-1) : x;
  const solution = record('LinalgLstsqBackward0', y, [a, b], [a, b], (g, needs) => {
    const pinvA = pinv(a);
    const gX = vector ? g.unsqueeze(-1) : g;
    const gA = needs[0] ? sumToShape(pinvBackward(matmul(gX, b2.mT), pinvA, a), a.shape) : null;
    const gB = needs[1] ? matmul(pinvA.mT, gX) : null;
    return [gA, gB === null ? null : sumToShape(vector ? gB.squeeze(-1) : gB, b.shape)];
  });
  return { solution, residuals, rank, singularValues };
}
