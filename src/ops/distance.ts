// Distances between vectors (aten/src/ATen/native/Distance.cpp): torch.cdist, torch.pdist,
// torch.cosine_similarity and torch.pairwise_distance, composed from tensor ops so autograd
// differentiates them; where PyTorch's numerics depend on the method (cdist's matrix-product path
// for large inputs, cosine similarity's clamp), dlab computes the same way.

import { isFloatingPoint, scalarTypeName } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { broadcastShapes } from '../tensor/shape.js';
import { noGrad } from '../autograd/grad_mode.js';
import { onesLike, tensor } from './creation.js';
import { broadcastTensors } from './arrangement.js';
import { cat } from './movement.js';
import { indexSelect } from './indexing.js';
import { matmul } from './linalg.js';
import { norm } from './reduce.js';

/** How torch.cdist computes p = 2 distances: by a matrix product (fast, less exact) or directly. */
export type CdistComputeMode = 'use_mm_for_euclid_dist_if_necessary' | 'use_mm_for_euclid_dist' | 'donot_use_mm_for_euclid_dist';

/** norm(diff, p) over the last dim, p >= 0 as torch.norm takes it (inf: the largest |difference|). */
const lpNorm = (diff: Tensor, p: number, keepdim = false) => norm(diff, p, -1, { keepdim });

/**
 * PyTorch's _euclidean_dist: |a|^2 + |b|^2 - 2 a.b as one matrix product of padded operands,
 * clamped at 0 and square-rooted. Fast for many rows; the rounding of the product shows in
 * distances near 0, as in PyTorch.
 */
function euclideanByProduct(x1: Tensor, x2: Tensor): Tensor {
  const n1 = x1.pow(2).sum(-1, { keepdim: true });
  const n2 = x2.pow(2).sum(-1, { keepdim: true });
  const a = cat([x1.mul(-2), n1, onesLike(n1)], -1);
  const b = cat([x2, onesLike(n2), n2], -1);
  return matmul(a, b.mT).clampMin(0).sqrt();
}

/**
 * `torch.cdist(x1, x2, p=2.0, compute_mode=...)`: the p-norm distance between each row of x1
 * [..., P, M] and each row of x2 [..., R, M], as [..., P, R]; the batch dims broadcast. For p = 2,
 * PyTorch's default mode switches to the matrix product when P or R exceeds 25; so does dlab.
 */
export function cdist(x1: Tensor, x2: Tensor, p = 2, computeMode: CdistComputeMode = 'use_mm_for_euclid_dist_if_necessary'): Tensor {
  for (const [name, x] of [['X1', x1], ['X2', x2]] as const) {
    if (x.ndim < 2) throw new RangeError(`cdist only supports at least 2D tensors, ${name} got: ${x.ndim}D`);
  }
  const m1 = x1.shape[x1.ndim - 1];
  const m2 = x2.shape[x2.ndim - 1];
  if (m1 !== m2) throw new RangeError(`X1 and X2 must have the same number of columns. X1: ${m1} X2: ${m2}`);
  for (const [name, x] of [['X1', x1], ['X2', x2]] as const) {
    if (!isFloatingPoint(x.dtype)) throw new TypeError(`cdist only supports floating-point dtypes, ${name} got: ${scalarTypeName[x.dtype]}`);
  }
  if (!(p >= 0)) throw new RangeError('cdist only supports non-negative p values');
  const modes: CdistComputeMode[] = ['use_mm_for_euclid_dist_if_necessary', 'use_mm_for_euclid_dist', 'donot_use_mm_for_euclid_dist'];
  if (!modes.includes(computeMode)) throw new RangeError(`${computeMode} is not a valid value for compute_mode`);
  const rows1 = x1.shape[x1.ndim - 2];
  const rows2 = x2.shape[x2.ndim - 2];
  // The batch dims broadcast; each operand keeps its own rows.
  const batch = broadcastShapes(x1.shape.slice(0, -2), x2.shape.slice(0, -2));
  const a = x1.expand([...batch, rows1, m1]);
  const b = x2.expand([...batch, rows2, m2]);
  const byProduct = computeMode === 'use_mm_for_euclid_dist' || (computeMode === 'use_mm_for_euclid_dist_if_necessary' && (rows1 > 25 || rows2 > 25));
  if (p === 2 && byProduct) return euclideanByProduct(a, b);
  return lpNorm(a.unsqueeze(-2).sub(b.unsqueeze(-3)), p);
}

/**
 * `torch.pdist(input, p=2)` (F.pdist): the distances between the rows of a 2-D input, pair by pair
 * (row i with each later row j), as a 1-D tensor of n(n-1)/2.
 */
export function pdist(input: Tensor, p = 2): Tensor {
  if (input.ndim !== 2) throw new RangeError(`pdist only supports 2D tensors, got: ${input.ndim}D`);
  if (!isFloatingPoint(input.dtype)) throw new TypeError('pdist only supports floating-point dtypes');
  if (!(p >= 0)) throw new RangeError('pdist only supports non-negative p values');
  const n = input.shape[0];
  const first: number[] = [];
  const second: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      first.push(i);
      second.push(j);
    }
  }
  const rows = (idx: number[]) => indexSelect(input, 0, tensor(idx, { dtype: 'int64', device: input.device }));
  return lpNorm(rows(first).sub(rows(second)), p);
}

/**
 * `torch.cosine_similarity(x1, x2, dim=1, eps=1e-8)` (F.cosine_similarity): each operand divided
 * by its 2-norm along dim, then the dot product. As in PyTorch 1.13, the norms are clamped at eps
 * outside the graph: a zero vector divides by eps, and the gradient is the unclamped norm's.
 */
export function cosineSimilarity(x1: Tensor, x2: Tensor, dim = 1, eps = 1e-8): Tensor {
  const [a, b] = broadcastTensors(x1, x2);
  if (!isFloatingPoint(a.dtype)) throw new TypeError(`expected common dtype to be floating point, yet common dtype is ${scalarTypeName[a.dtype]}`);
  const normOf = (x: Tensor) => {
    const n = norm(x, 2, dim, { keepdim: true }).clone();
    noGrad(() => n.clamp_(eps));
    return n;
  };
  return a.div(normOf(a)).mul(b.div(normOf(b))).sum(dim);
}

/**
 * `torch.pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False)` (F.pairwise_distance): the
 * p-norm of x1 - x2 + eps over the last dim of the broadcast operands.
 */
export function pairwiseDistance(x1: Tensor, x2: Tensor, p = 2, eps = 1e-6, keepdim = false): Tensor {
  const dim = Math.max(x1.ndim, x2.ndim) - 1;
  return norm(x1.sub(x2).add(eps), p, dim, { keepdim });
}
