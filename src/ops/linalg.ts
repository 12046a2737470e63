// Matrix products. One primitive, batched [B, M, K] x [B, K, N], reads transposed views without
// copying; matmul's 1-D/2-D/N-D broadcasting rules, mm, bmm, mv, dot, outer and einsum are built on it.

import { type DType, castScalar, scalarTypeName } from '../tensor/dtype.js';
import { broadcastShapes, numel } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { asOneNode, backendOf, record, type Rule, wrap } from './function.js';
import { diagonal } from './diagonal.js';
import { expand, movedim, permute, reshape, squeeze, transpose, unsafeView, unsqueeze } from './movement.js';
import { sum, sumToShape } from './reduce.js';

/** PyTorch's kernels named in its refusals of a bool product (einsum contracts with bmm). */
const boolKernel = { mm: 'addmm_impl_cpu_', mv: 'addmv_impl_cpu', bmm: 'bmm', baddbmm: 'baddbmm', dot: 'dot', einsum: 'bmm' };

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
  const y = wrap(backend.matmul(asBatch(a, M, K), asBatch(b, K, N), a.dtype), [M, N], a.dtype, backend);
  return record('MmBackward0', y, [a, b], [a, b], (g, needs) => [needs[0] ? mat1Grad(g, a, b) : null, needs[1] ? mat2Grad(g, a, b) : null]);
}

/** A [rows, cols] matrix as the primitive's one-element batch. */
const asBatch = (x: Tensor, rows: number, cols: number) => ({ ...x._view(), shape: [1, rows, cols], strides: [0, ...x._strides] });

// PyTorch's mm_mat1_backward / mm_mat2_backward (mm's and addmm's gradients): an operand stored
// column-major gets its gradient column-major too, so the gradient reaching Linear's weight
// through weight.t() is contiguous in the weight's own layout (no transposed copy when it is
// accumulated).
const columnMajor = (x: Tensor) => x._strides[0] === 1 && x._strides[1] === x.shape[0];
const mat1Grad = (g: Tensor, a: Tensor, b: Tensor) => (columnMajor(a) ? transpose(matrixProduct(b, transpose(g, 0, 1)), 0, 1) : matrixProduct(g, transpose(b, 0, 1)));
const mat2Grad = (g: Tensor, a: Tensor, b: Tensor) => (columnMajor(b) ? transpose(matrixProduct(transpose(g, 0, 1), a), 0, 1) : matrixProduct(transpose(a, 0, 1), g));

/** `torch.bmm(a, b)`: a batch of matrix products, (b, n, m) x (b, m, p). */
export function bmm(a: Tensor, b: Tensor): Tensor {
  checkBatches(a, b, 'bmm');
  return batchedMatmul(a, b);
}

/** bmm's and baddbmm's checks of their batches: ranks, sizes, dtypes (a Bool refusal names the op). */
function checkBatches(a: Tensor, b: Tensor, op: 'bmm' | 'baddbmm'): void {
  if (a.ndim !== 3) throw new RangeError(`batch1 must be a 3D tensor`);
  if (b.ndim !== 3) throw new RangeError(`batch2 must be a 3D tensor`);
  if (b.shape[0] !== a.shape[0] || b.shape[1] !== a.shape[2]) {
    throw new RangeError(
      `Expected size for first two dimensions of batch2 tensor to be: [${a.shape[0]}, ${a.shape[2]}] but got: [${b.shape[0]}, ${b.shape[1]}].`,
    );
  }
  checkDtypes(op, a, b);
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

/** The scalars of addmm, addmv and baddbmm: beta * input + alpha * product. */
export interface AddProductOptions {
  beta?: number;
  alpha?: number;
}

/**
 * beta * input + alpha * product as PyTorch's addmm family computes it: input broadcast to the
 * product's shape and cast to its dtype (addmv and baddbmm take an input of any dtype), the
 * scalars cast to that dtype too (an integer product truncates 1.5 to 1, as beta.to<int64_t>()),
 * and with beta 0 ignored (its NaNs and infinities do not reach the result).
 */
function addScaled(input: Tensor, product: Tensor, beta: number, alpha: number): Tensor {
  const b = castScalar(beta, product.dtype);
  const a = castScalar(alpha, product.dtype);
  const scaled = a === 1 ? product : product.mul(a);
  if (b === 0) return scaled.add(0); // a new tensor even with alpha 1
  const base = expand(input.to(product.dtype), product.shape);
  return (b === 1 ? base : base.mul(b)).add(scaled);
}

/** The gradient of the added input: beta * g summed back to its shape, in its dtype. */
const inputGrad = (g: Tensor, shape: readonly number[], dtype: DType, beta: number) => sumToShape(beta === 1 ? g : g.mul(beta), shape).to(dtype);
const scaledGrad = (g: Tensor, alpha: number) => (alpha === 1 ? g : g.mul(alpha));

/** `torch.addmm(input, mat1, mat2, beta=1, alpha=1)`: beta * input + alpha * (mat1 @ mat2), one node (AddmmBackward0). */
export function addmm(input: Tensor, mat1: Tensor, mat2: Tensor, options: AddProductOptions = {}): Tensor {
  const { beta = 1, alpha = 1 } = options;
  // PyTorch's addmm meta function checks the dtypes first (all three alike), then the shapes.
  if (input.dtype !== mat2.dtype) throw new TypeError('self and mat2 must have the same dtype');
  if (mat1.dtype !== mat2.dtype) throw new TypeError('mat1 and mat2 must have the same dtype');
  if (mat1.ndim !== 2) throw new RangeError(`mat1 must be a matrix, got ${mat1.ndim}-D tensor`);
  if (mat2.ndim !== 2) throw new RangeError(`mat2 must be a matrix, got ${mat2.ndim}-D tensor`);
  if (mat1.shape[1] !== mat2.shape[0]) mismatch([mat1.shape[0], mat1.shape[1]], [mat2.shape[0], mat2.shape[1]]);
  const [M, N] = [mat1.shape[0], mat2.shape[1]];
  const row = input.ndim === 1 && (input.shape[0] === N || input.shape[0] === 1);
  if (!row) expand(input, [M, N]); // refuses an input that does not broadcast, in expand's words
  const { shape, dtype } = input;
  const rule: Rule = (g, needs) => [
    needs[0] ? inputGrad(g, shape, dtype, beta) : null,
    needs[1] ? scaledGrad(mat1Grad(g, mat1, mat2), alpha) : null,
    needs[2] ? scaledGrad(mat2Grad(g, mat1, mat2), alpha) : null,
  ];
  const fused = withBiasRow(input, mat1, mat2, beta, alpha);
  if (fused !== null) return record('AddmmBackward0', fused, [input, mat1, mat2], [mat1, mat2], rule);
  return asOneNode('AddmmBackward0', [input, mat1, mat2], [mat1, mat2], (i, a, b) => addScaled(i, mm(a, b), beta, alpha), rule);
}

/**
 * A Linear layer's addmm (a float32 bias row, beta and alpha 1) in one backend call where the
 * backend has one (matmulBias): the bits of the product then the add, one array and one call
 * fewer per layer and step. Null where it does not apply.
 */
function withBiasRow(bias: Tensor, a: Tensor, b: Tensor, beta: number, alpha: number): Tensor | null {
  const [M, K] = a.shape;
  const N = b.shape[1];
  if (beta !== 1 || alpha !== 1 || a.dtype !== 'float32' || bias.dtype !== 'float32' || bias.ndim !== 1 || bias.shape[0] !== N || bias._strides[0] !== 1) return null;
  const backend = backendOf(bias, a, b);
  if (backend.matmulBias === undefined) return null;
  return wrap(backend.matmulBias(asBatch(a, M, K), asBatch(b, K, N), bias._view()), [M, N], 'float32', backend);
}

/** `torch.addmv(input, mat, vec, beta=1, alpha=1)`: beta * input + alpha * (mat @ vec), one node (AddmvBackward0). */
export function addmv(input: Tensor, mat: Tensor, vec: Tensor, options: AddProductOptions = {}): Tensor {
  const { beta = 1, alpha = 1 } = options;
  if (mat.ndim !== 2 || vec.ndim !== 1 || input.ndim > 1) {
    throw new RangeError(`vector + matrix @ vector expected, got ${input.ndim}, ${mat.ndim}, ${vec.ndim}`);
  }
  if (mat.shape[1] !== vec.shape[0] || (mat.shape[0] !== input.numel() && input.numel() !== 1)) {
    // PyTorch's message reads self.size(0), which a 0-D input does not have.
    if (input.ndim === 0) throw new RangeError('Dimension specified as 0 but tensor has no dimensions');
    throw new RangeError(`size mismatch, got ${input.shape[0]}, ${mat.shape[0]}x${mat.shape[1]},${vec.shape[0]}`);
  }
  // mat and vec alike (mv refuses them in PyTorch's words); the input is cast to their dtype.
  const { shape, dtype } = input;
  return asOneNode('AddmvBackward0', [input, mat, vec], [mat, vec], (i, m, v) => addScaled(i, mv(m, v), beta, alpha), (g, needs) => [
    needs[0] ? inputGrad(g, shape, dtype, beta) : null,
    needs[1] ? scaledGrad(outer(g, vec), alpha) : null,
    needs[2] ? scaledGrad(mv(transpose(mat, 0, 1), g), alpha) : null,
  ]);
}

/** PyTorch's t.size(d) for d >= 0, refused in its words where t has no dim d. */
function sizeAt(t: Tensor, d: number): number {
  if (t.ndim === 0) throw new RangeError(`Dimension specified as ${d} but tensor has no dimensions`);
  if (d >= t.ndim) throw new RangeError(`Dimension out of range (expected to be in range of [${-t.ndim}, ${t.ndim - 1}], but got ${d})`);
  return t.shape[d];
}

/** `torch.baddbmm(input, batch1, batch2, beta=1, alpha=1)`: beta * input + alpha * (batch1 @ batch2), one node (BaddbmmBackward0). */
export function baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, options: AddProductOptions = {}): Tensor {
  const { beta = 1, alpha = 1 } = options;
  // PyTorch 1.13's meta function expands the input to [batch1.size(0), batch1.size(1),
  // batch2.size(2)] before it checks the ranks: a tensor short of those dims gets size()'s words.
  expand(input, [sizeAt(batch1, 0), sizeAt(batch1, 1), sizeAt(batch2, 2)]);
  checkBatches(batch1, batch2, 'baddbmm');
  const { shape, dtype } = input;
  return asOneNode('BaddbmmBackward0', [input, batch1, batch2], [batch1, batch2], (i, a, b) => addScaled(i, batchedMatmul(a, b), beta, alpha), (g, needs) => [
    needs[0] ? inputGrad(g, shape, dtype, beta) : null,
    needs[1] ? scaledGrad(bmm(g, transpose(batch2, 1, 2)), alpha) : null,
    needs[2] ? scaledGrad(bmm(transpose(batch1, 1, 2), g), alpha) : null,
  ]);
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
    out = unsafeView(matrixProduct(reshape(a2, [-1, K]), b2), [...a2.shape.slice(0, -1), N]);
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
    out = unsafeView(batchedMatmul(aa, bb), [...batch, M, N]);
  }
  if (a.ndim === 1) out = squeeze(out, -2);
  if (b.ndim === 1) out = squeeze(out, -1);
  return out;
}

/** A label for dim j of the ellipsis: one character outside [a-zA-Z], so the contraction treats it as a label. */
const ellipsisLabel = (j: number) => String.fromCharCode(0x100 + j);

const isLetter = (c: string) => /^[a-zA-Z]$/.test(c);

/**
 * Read `...` at `i` of `side` (the caller has seen '.'): PyTorch accepts exactly three dots, once.
 * Returns the index of the last dot.
 */
function readEllipsis(side: string, i: number, seen: boolean, where: string, already: string): number {
  if (seen) throw new RangeError(`einsum(): found '.' for ${where}${already}`);
  if (!(i + 2 < side.length && side[i + 1] === '.' && side[i + 2] === '.')) throw new RangeError(`einsum(): found '.' for ${where} that is not part of any ellipsis${where === 'output' ? ' (...)' : ''}`);
  return i + 2;
}

/**
 * torch.einsum(equation, *operands) (or one list of operands), as PyTorch 1.13 parses it: letters
 * [a-zA-Z], spaces ignored, one `...` per operand standing for its leading unlabelled dims
 * (broadcast across operands, right-aligned), an implicit output of the ellipsis then the labels
 * seen once in alphabetical order (upper case first), and a label repeated within an operand
 * taking that diagonal. Two operands contract with one batched matrix product; more fold
 * pairwise from the left.
 */
export function einsum(equation: string, ...given: (Tensor | readonly Tensor[])[]): Tensor {
  const operands = (given.length === 1 && Array.isArray(given[0]) ? given[0] : given) as Tensor[];
  if (operands.length === 0) throw new RangeError('einsum(): must specify the equation string and at least one operand, or at least one operand and its subscripts list');
  const arrow = equation.indexOf('->');
  const lhs = arrow >= 0 ? equation.slice(0, arrow) : equation;
  // Each operand's labels as written, '.' for its ellipsis.
  const written: string[][] = [[]];
  for (let i = 0; i < lhs.length; i++) {
    const c = lhs[i];
    const labels = written[written.length - 1];
    if (c === ' ') continue;
    if (c === '.') {
      i = readEllipsis(lhs, i, labels.includes('.'), `operand ${written.length - 1}`, ' for which an ellipsis was already found');
      labels.push('.');
    } else if (c === ',') {
      if (written.length >= operands.length) throw new RangeError('einsum(): fewer operands were provided than specified in the equation');
      written.push([]);
    } else if (isLetter(c)) labels.push(c);
    else throw new RangeError(`einsum(): invalid subscript given at index ${i} in the equation string, subscripts must be in [a-zA-Z]`);
  }
  if (written.length !== operands.length) throw new RangeError('einsum(): more operands were provided than specified in the equation');

  const counts = new Map<string, number>();
  let ellipsisDims = 0;
  written.forEach((labels, i) => {
    const named = labels.filter((c) => c !== '.').length;
    const hasEllipsis = labels.includes('.');
    const ndim = operands[i].ndim;
    if (hasEllipsis ? named > ndim : named !== ndim) {
      throw new RangeError(
        `einsum(): the number of subscripts in the equation (${named}) ${hasEllipsis ? 'is more than' : 'does not match'} the number of dimensions (${ndim}) for operand ${i}${hasEllipsis ? '' : ' and no ellipsis was given'}`,
      );
    }
    if (hasEllipsis) ellipsisDims = Math.max(ellipsisDims, ndim - named);
    for (const c of labels) if (c !== '.') counts.set(c, (counts.get(c) ?? 0) + 1);
  });
  const ellipsis = Array.from({ length: ellipsisDims }, (_, j) => ellipsisLabel(j)).join('');

  let output = '';
  if (arrow < 0) {
    output = ellipsis + [...counts.keys()].filter((c) => counts.get(c) === 1).sort().join('');
  } else {
    const rhs = equation.slice(arrow + 2);
    let seenEllipsis = false;
    for (let i = 0; i < rhs.length; i++) {
      const c = rhs[i];
      if (c === ' ') continue;
      if (c === '.') {
        i = readEllipsis(rhs, i, seenEllipsis, 'output', ' but an ellipsis (...) was already found');
        seenEllipsis = true;
        output += ellipsis;
        continue;
      }
      if (!isLetter(c)) throw new RangeError(`einsum(): invalid subscript given at index ${lhs.length + 2 + i} in the equation string, subscripts must be in [a-zA-Z]`);
      if (!counts.has(c) || output.includes(c)) {
        throw new RangeError(`einsum(): output subscript ${c} ${output.includes(c) ? 'appears more than once in the output' : 'does not appear in the equation for any input operand'}`);
      }
      output += c;
    }
  }

  // Each operand with one dim per distinct label: the ellipsis spelled out, repeated labels taken
  // as diagonals; sizes checked against the other operands' (size 1 broadcasts).
  const sizes = new Map<string, number>();
  const ops: Tensor[] = [];
  const labelsOf: string[] = [];
  written.forEach((labels, i) => {
    let op = operands[i];
    const own = op.ndim - labels.filter((c) => c !== '.').length;
    const cur: string[] = [];
    for (const c of labels) {
      const spelled = c === '.' ? Array.from({ length: own }, (_, k) => ellipsisLabel(ellipsisDims - own + k)) : [c];
      for (const label of spelled) {
        const dim = cur.length;
        const prevDim = cur.indexOf(label);
        if (prevDim >= 0) {
          if (op.shape[dim] !== op.shape[prevDim]) {
            throw new RangeError(`einsum(): subscript ${label} is repeated for operand ${i} but the sizes don't match, ${op.shape[dim]} != ${op.shape[prevDim]}`);
          }
          op = movedim(diagonal(op, 0, prevDim, dim), -1, prevDim);
          continue;
        }
        const size = op.shape[dim];
        const prev = sizes.get(label) ?? 1;
        if (size !== 1) {
          if (prev !== 1 && prev !== size) {
            throw new RangeError(
              c === '.'
                ? `einsum(): dimension ${dim} covered by ellipsis in operand ${i}has size ${size} which does not broadcast with previously seen ellipsis with size ${prev} for the respective dimension`
                : `einsum(): subscript ${label} has size ${size} for operand ${i} which does not broadcast with previously seen size ${prev}`,
            );
          }
          sizes.set(label, size);
        }
        cur.push(label);
      }
    }
    ops.push(op);
    labelsOf.push(cur.join(''));
  });

  let acc = ops[0];
  let accLabels = labelsOf[0];
  for (let i = 1; i < ops.length; i++) {
    const later = new Set([...labelsOf.slice(i + 1).join(''), ...output]);
    [acc, accLabels] = contractPair(acc, accLabels, ops[i], labelsOf[i], later);
  }
  // Sum labels that are not in the output, then order as the output asks.
  const dropped = [...accLabels].map((c, d) => (output.includes(c) ? -1 : d)).filter((d) => d >= 0);
  if (dropped.length > 0) {
    acc = sum(acc, dropped);
    accLabels = [...accLabels].filter((c) => output.includes(c)).join('');
  }
  // Always a new tensor (a permute view, as PyTorch), even for 'ij->ij'.
  return permute(acc, [...output].map((c) => accLabels.indexOf(c)));
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
