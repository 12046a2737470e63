// Matrix products. One primitive, batched [B, M, K] x [B, K, N], reads transposed views without
// copying; matmul's 1-D/2-D/N-D broadcasting rules, mm, bmm, mv, dot, outer and einsum are built on it.

import { scalarTypeName } from '../tensor/dtype.js';
import { broadcastShapes, numel } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { backendOf, record, wrap } from './function.js';
import { expand, permute, reshape, squeeze, transpose, unsqueeze } from './movement.js';
import { sum } from './reduce.js';

/** PyTorch's kernels named in its refusals of a bool product (einsum contracts with bmm). */
const boolKernel = { mm: 'addmm_impl_cpu_', mv: 'addmv_impl_cpu', bmm: 'bmm', dot: 'dot', einsum: 'bmm' };

function checkDtypes(op: keyof typeof boolKernel, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) {
    throw new TypeError(
      op === 'dot'
        ? `dot : expected both vectors to have same dtype, but found ${scalarTypeName[a.dtype]} and ${scalarTypeName[b.dtype]}`
        : `expected scalar type ${scalarTypeName[a.dtype]} but found ${scalarTypeName[b.dtype]}`,
    );
  }
  if (a.dtype === 'bool') throw new TypeError(`"${boolKernel[op]}" not implemented for 'Bool'`);
}

/** The primitive: [B, M, K] x [B, K, N] -> [B, M, N]. */
function batchedMatmul(a: Tensor, b: Tensor): Tensor {
  const [B, M] = a.shape;
  const N = b.shape[2];
  const backend = backendOf(a, b);
  const y = wrap(backend.matmul(a._view(), b._view(), a.dtype), [B, M, N], a.dtype, backend);
  return record('BmmBackward0', y, [a, b], [a, b], (g, needs) => [
    needs[0] ? batchedMatmul(g, transpose(b, 1, 2)) : null,
    needs[1] ? batchedMatmul(transpose(a, 1, 2), g) : null,
  ]);
}

function mismatch(a: Shape2, b: Shape2): never {
  throw new RangeError(`mat1 and mat2 shapes cannot be multiplied (${a[0]}x${a[1]} and ${b[0]}x${b[1]})`);
}
type Shape2 = readonly [number, number];

/** `torch.mm(a, b)`: the product of two matrices (n, m) x (m, p). */
export function mm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 2) throw new RangeError(`self must be a matrix`);
  if (b.ndim !== 2) throw new RangeError(`mat2 must be a matrix`);
  if (a.shape[1] !== b.shape[0]) mismatch([a.shape[0], a.shape[1]], [b.shape[0], b.shape[1]]);
  checkDtypes('mm', a, b);
  return matrixProduct(a, b);
}

/** The 2-D case of the primitive, recorded as PyTorch's MmBackward0 (no batch dim in the graph). */
function matrixProduct(a: Tensor, b: Tensor): Tensor {
  const [M, K] = a.shape;
  const N = b.shape[1];
  const backend = backendOf(a, b);
  const asBatch = (x: Tensor, rows: number, cols: number) => ({ ...x._view(), shape: [1, rows, cols], strides: [0, ...x._strides] });
  const y = wrap(backend.matmul(asBatch(a, M, K), asBatch(b, K, N), a.dtype), [M, N], a.dtype, backend);
  // PyTorch's mm_mat1_backward / mm_mat2_backward: an operand stored column-major gets its
  // gradient column-major too, so the gradient reaching Linear's weight through weight.t() is
  // contiguous in the weight's own layout (no transposed copy when it is accumulated).
  return record('MmBackward0', y, [a, b], [a, b], (g, needs) => [
    needs[0] ? (columnMajor(a) ? transpose(matrixProduct(b, transpose(g, 0, 1)), 0, 1) : matrixProduct(g, transpose(b, 0, 1))) : null,
    needs[1] ? (columnMajor(b) ? transpose(matrixProduct(transpose(g, 0, 1), a), 0, 1) : matrixProduct(transpose(a, 0, 1), g)) : null,
  ]);
}

const columnMajor = (x: Tensor) => x._strides[0] === 1 && x._strides[1] === x.shape[0];

/** `torch.bmm(a, b)`: a batch of matrix products, (b, n, m) x (b, m, p). */
export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 3) throw new RangeError(`batch1 must be a 3D tensor`);
  if (b.ndim !== 3) throw new RangeError(`batch2 must be a 3D tensor`);
  if (b.shape[0] !== a.shape[0] || b.shape[1] !== a.shape[2]) {
    throw new RangeError(
      `Expected size for first two dimensions of batch2 tensor to be: [${a.shape[0]}, ${a.shape[2]}] but got: [${b.shape[0]}, ${b.shape[1]}].`,
    );
  }
  checkDtypes('bmm', a, b);
  return batchedMatmul(a, b);
}

/** `torch.dot(a, b)`: the inner product of two 1-D tensors. */
export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new RangeError(`1D tensors expected, but got ${a.ndim}D and ${b.ndim}D tensors`);
  }
  if (a.shape[0] !== b.shape[0]) {
    throw new RangeError(
      `inconsistent tensor size, expected tensor [${a.shape[0]}] and src [${b.shape[0]}] to have the same number of elements, but got ${a.shape[0]} and ${b.shape[0]} elements respectively`,
    );
  }
  checkDtypes('dot', a, b);
  return reshape(mm(unsqueeze(a, 0), unsqueeze(b, 1)), []);
}

/** `torch.mv(a, v)`: a matrix times a vector. */
export function mv(a: Tensor, v: Tensor): Tensor {
  // PyTorch's addmv message also counts the (1-D) vector it adds to.
  if (a.ndim !== 2 || v.ndim !== 1) throw new RangeError(`vector + matrix @ vector expected, got 1, ${a.ndim}, ${v.ndim}`);
  if (a.shape[1] !== v.shape[0]) {
    mvMismatch(a.shape[0], a.shape[1], v.shape[0]);
  }
  checkDtypes('mv', a, v);
  return squeeze(mm(a, unsqueeze(v, 1)), 1);
}

/** addmv's refusal of a [rows, cols] matrix times a vector of another length. */
function mvMismatch(rows: number, cols: number, n: number): never {
  throw new RangeError(`size mismatch, got ${rows}, ${rows}x${cols},${n}`);
}

/** `torch.outer(a, b)`: the outer product of two 1-D tensors. */
export function outer(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1) throw new RangeError(`outer: Expected 1-D argument self, but got ${a.ndim}-D`);
  if (b.ndim !== 1) throw new RangeError(`outer: Expected 1-D argument vec2, but got ${b.ndim}-D`);
  return unsqueeze(a, 1).mul(unsqueeze(b, 0));
}

/** torch.matmul with PyTorch's rules for 1-D operands and broadcast batch dims. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) {
    throw new RangeError(`both arguments to matmul need to be at least 1D, but they are ${a.ndim}D and ${b.ndim}D`);
  }
  if (a.ndim === 1 && b.ndim === 1) return dot(a, b);
  if (a.ndim === 2 && b.ndim === 1) return mv(a, b);
  if (a.ndim === 1 && b.ndim === 2) return squeeze(mm(unsqueeze(a, 0), b), 0);
  if (a.ndim === 2 && b.ndim === 2) return mm(a, b);
  // One operand of 3 or more dims: PyTorch folds the batch into the rows of one matrix product
  // (mv beside a 1-D operand, mm beside a 2-D one, the 2-D one transposed when it comes first)
  // or broadcasts the batch dims for bmm; its refusals name the product it ran, with its sizes.
  checkDtypes(a.ndim === 1 || b.ndim === 1 ? 'mv' : a.ndim === 2 || b.ndim === 2 ? 'mm' : 'bmm', a, b);
  const a2 = a.ndim === 1 ? unsqueeze(a, 0) : a;
  const b2 = b.ndim === 1 ? unsqueeze(b, 1) : b;
  const [M, K] = a2.shape.slice(-2);
  const [K2, N] = b2.shape.slice(-2);
  let out: Tensor;
  if (b2.ndim === 2) {
    if (K !== K2) {
      const rows = numel(a2.shape) / K;
      if (b.ndim === 1) mvMismatch(rows, K, K2);
      mismatch([rows, K], [K2, N]);
    }
    // [..., M, K] x [K, N]: fold the batch into the rows, one matrix product (MmBackward0, as PyTorch's).
    out = reshape(matrixProduct(reshape(a2, [-1, K]), b2), [...a2.shape.slice(0, -1), N]);
  } else if (a.ndim <= 2 && K !== K2) {
    // PyTorch runs b^T a^T with b's batch folded into its rows.
    const rows = numel(b2.shape) / K2;
    if (a.ndim === 1) mvMismatch(rows, K2, K);
    mismatch([rows, K2], [K, M]);
  } else {
    const batch = broadcastShapes(a2.shape.slice(0, -2), b2.shape.slice(0, -2));
    const B = numel(batch);
    if (K !== K2) {
      throw new RangeError(`Expected size for first two dimensions of batch2 tensor to be: [${B}, ${K}] but got: [${B}, ${K2}].`);
    }
    const aa = reshape(expand(a2, [...batch, M, K]), [B, M, K]);
    const bb = reshape(expand(b2, [...batch, K, N]), [B, K, N]);
    out = reshape(batchedMatmul(aa, bb), [...batch, M, N]);
  }
  if (a.ndim === 1) out = squeeze(out, -2);
  if (b.ndim === 1) out = squeeze(out, -1);
  return out;
}

/**
 * torch.einsum for equations with explicit or implicit output ('ij,jk->ik', 'bij,bjk', 'ii->i'
 * is not supported: repeated labels within one operand are rejected). Two operands contract with
 * one batched matrix product; more are folded pairwise from the left.
 */
export function einsum(equation: string, ...operands: Tensor[]): Tensor {
  const eq = equation.replace(/\s+/g, '');
  const [lhs, rhsGiven] = eq.split('->');
  const inputs = lhs.split(',');
  if (inputs.length !== operands.length) {
    throw new RangeError(`einsum(): ${inputs.length > operands.length ? 'fewer' : 'more'} operands were provided than specified in the equation`);
  }
  inputs.forEach((labels, i) => {
    if (labels.length !== operands[i].ndim) {
      throw new RangeError(
        `einsum(): the number of subscripts in the equation (${labels.length}) does not match the number of dimensions (${operands[i].ndim}) for operand ${i} and no ellipsis was given`,
      );
    }
    if (new Set(labels).size !== labels.length) {
      throw new RangeError(`einsum(): repeated subscripts within one operand ('${labels}') are not supported`);
    }
  });
  const counts = new Map<string, number>();
  for (const labels of inputs) for (const c of labels) counts.set(c, (counts.get(c) ?? 0) + 1);
  // Implicit output: labels that appear once, in alphabetical order (as numpy/PyTorch).
  const output = rhsGiven ?? [...counts.keys()].filter((c) => counts.get(c) === 1).sort().join('');
  const sizes = new Map<string, number>();
  inputs.forEach((labels, i) =>
    [...labels].forEach((c, d) => {
      const s = operands[i].shape[d];
      const prev = sizes.get(c);
      if (prev !== undefined && prev !== s && prev !== 1 && s !== 1) {
        throw new RangeError(`einsum(): subscript ${c} has size ${s} for operand ${i} which does not broadcast with previously seen size ${prev}`);
      }
      sizes.set(c, Math.max(prev ?? 1, s));
    }),
  );
  let acc = operands[0];
  let accLabels = inputs[0];
  for (let i = 1; i < operands.length; i++) {
    const later = new Set([...inputs.slice(i + 1).join(''), ...output]);
    [acc, accLabels] = contractPair(acc, accLabels, operands[i], inputs[i], later);
  }
  // Sum labels that are not in the output, then order as the output asks.
  const dropped = [...accLabels].map((c, d) => (output.includes(c) ? -1 : d)).filter((d) => d >= 0);
  if (dropped.length > 0) {
    acc = sum(acc, dropped);
    accLabels = [...accLabels].filter((c) => output.includes(c)).join('');
  }
  return accLabels === output ? acc : permute(acc, [...output].map((c) => accLabels.indexOf(c)));
}

/** Contract two labelled operands into [batch..., left..., right...], summing labels no longer needed. */
function contractPair(a: Tensor, la: string, b: Tensor, lb: string, keep: Set<string>): [Tensor, string] {
  const inA = new Set(la);
  const inB = new Set(lb);
  const batch = [...la].filter((c) => inB.has(c) && keep.has(c));
  const contracted = [...la].filter((c) => inB.has(c) && !keep.has(c));
  // Labels in only one operand and needed nowhere else are summed away first.
  const sumA = [...la].filter((c) => !inB.has(c) && !keep.has(c));
  const sumB = [...lb].filter((c) => !inA.has(c) && !keep.has(c));
  if (sumA.length) {
    a = sum(a, sumA.map((c) => la.indexOf(c)));
    la = [...la].filter((c) => !sumA.includes(c)).join('');
  }
  if (sumB.length) {
    b = sum(b, sumB.map((c) => lb.indexOf(c)));
    lb = [...lb].filter((c) => !sumB.includes(c)).join('');
  }
  const left = [...la].filter((c) => !inB.has(c));
  const right = [...lb].filter((c) => !inA.has(c));
  const size = (t: Tensor, labels: string, c: string) => t.shape[labels.indexOf(c)];
  const dimSize = (c: string) => Math.max(la.includes(c) ? size(a, la, c) : 1, lb.includes(c) ? size(b, lb, c) : 1);
  const pa = permute(a, [...batch, ...left, ...contracted].map((c) => la.indexOf(c)));
  const pb = permute(b, [...batch, ...contracted, ...right].map((c) => lb.indexOf(c)));
  const Bs = batch.map(dimSize);
  const B = numel(Bs);
  const M = numel(left.map(dimSize));
  const K = numel(contracted.map(dimSize));
  const N = numel(right.map(dimSize));
  // A size-1 label broadcasts against the other operand's size, batch and contracted alike.
  const ea = reshape(expand(pa, [...batch, ...left, ...contracted].map(dimSize)), [B, M, K]);
  const eb = reshape(expand(pb, [...batch, ...contracted, ...right].map(dimSize)), [B, K, N]);
  checkDtypes('einsum', ea, eb);
  const out = reshape(batchedMatmul(ea, eb), [...Bs, ...left.map(dimSize), ...right.map(dimSize)]);
  return [out, [...batch, ...left, ...right].join('')];
}
