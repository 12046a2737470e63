// Products beyond matmul (aten/src/ATen/native/Linear.cpp, LinearAlgebra.cpp, Cross.cpp):
// torch.tensordot, inner, kron and cross, from permutes, reshapes, matmul and rolls, so autograd
// differentiates them through those.

import { normalizeDim, fmtShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { roll } from './arrangement.js';
import { matmul } from './linalg.js';

/**
 * `torch.tensordot(a, b, dims=2)`: the sum over the last `dims` dims of a and the first of b, or
 * over the paired dims [dimsA, dimsB]; the result has a's other dims, then b's.
 */
export function tensordot(a: Tensor, b: Tensor, dims: number | readonly [readonly number[], readonly number[]] = 2): Tensor {
  // As torch.tensordot: dims = k pairs a's last k dims (-k..-1) with b's first k (a k beyond either rank is
  // refused as those dims are); messages show the dims as given.
  let givenA: readonly number[];
  let givenB: readonly number[];
  if (typeof dims === 'number') {
    if (dims < 0) throw new RangeError(`tensordot expects dims >= 0, but got dims=${dims}`);
    givenA = Array.from({ length: dims }, (_, i) => i - dims);
    givenB = Array.from({ length: dims }, (_, i) => i);
  } else {
    if (dims[0].length !== dims[1].length) throw new RangeError('both dimension lists should have same length');
    [givenA, givenB] = dims;
  }
  const dimsA = givenA.map((d) => normalizeDim(d, a.ndim));
  const dimsB = givenB.map((d) => normalizeDim(d, b.ndim));
  let size = 1;
  dimsA.forEach((da, i) => {
    const db = dimsB[i];
    if (a.shape[da] !== b.shape[db]) {
      throw new RangeError(`contracted dimensions need to match, but first has size ${a.shape[da]} in dim ${givenA[i]} and second has size ${b.shape[db]} in dim ${givenB[i]}`);
    }
    size *= a.shape[da];
  });
  const freeA = a.shape.map((_, i) => i).filter((i) => !dimsA.includes(i));
  const freeB = b.shape.map((_, i) => i).filter((i) => !dimsB.includes(i));
  const outA = freeA.map((i) => a.shape[i]);
  const outB = freeB.map((i) => b.shape[i]);
  const left = a.permute([...freeA, ...dimsA]).reshape([outA.reduce((p, s) => p * s, 1), size]);
  const right = b.permute([...dimsB, ...freeB]).reshape([size, outB.reduce((p, s) => p * s, 1)]);
  return matmul(left, right).reshape([...outA, ...outB]);
}

/** `torch.inner(a, b)`: the sum over the last dim of both (a product when either is 0-D). */
export function inner(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) return a.mul(b);
  const ka = a.shape[a.ndim - 1];
  const kb = b.shape[b.ndim - 1];
  if (ka !== kb) {
    throw new RangeError(`inner() the last dimension must match on both input tensors but got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  return tensordot(a, b, [[-1], [-1]]);
}

/** `torch.kron(a, b)`: the Kronecker product, each element of a times the whole of b, ranks padded to match. */
export function kron(a: Tensor, b: Tensor): Tensor {
  const ndim = Math.max(a.ndim, b.ndim);
  const pad = (t: Tensor) => t.reshape([...new Array<number>(ndim - t.ndim).fill(1), ...t.shape]);
  const [pa, pb] = [pad(a), pad(b)];
  // a as [a0, 1, a1, 1, ...], b as [1, b0, 1, b1, ...]: the product interleaves them.
  const spreadA = pa.reshape(pa.shape.flatMap((s) => [s, 1]));
  const spreadB = pb.reshape(pb.shape.flatMap((s) => [1, s]));
  return spreadA.mul(spreadB).reshape(pa.shape.map((s, i) => s * pb.shape[i]));
}

/**
 * `torch.cross(a, b, dim=None)`: the 3-D cross product along dim; without dim, as PyTorch 1.13,
 * the first dim of size 3 (torch.linalg.cross takes the last).
 */
export function cross(a: Tensor, b: Tensor, dim?: number | null): Tensor {
  if (a.ndim !== b.ndim) throw new RangeError(`linalg.cross: inputs must have the same number of dimensions.`);
  let d: number;
  if (dim === undefined || dim === null) {
    d = a.shape.findIndex((s) => s === 3);
    if (d < 0) throw new RangeError('no dimension of size 3 in input');
  } else {
    d = normalizeDim(dim, a.ndim);
  }
  if (a.shape[d] !== 3 || b.shape[d] !== 3) {
    throw new RangeError(`linalg.cross: inputs dimension ${dim ?? d} must have length 3. Got ${a.shape[d]} and ${b.shape[d]}`);
  }
  // c_i = a_(i+1) b_(i+2) - a_(i+2) b_(i+1), indices mod 3: rolls bring each term into place.
  return roll(a, -1, d).mul(roll(b, -2, d)).sub(roll(a, -2, d).mul(roll(b, -1, d)));
}
