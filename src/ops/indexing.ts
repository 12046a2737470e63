// Gather/scatter-style primitives (gather, scatter, scatter_add, index_select, index_add) and
// the indexing built on them: Python-style x[...] indexing, masks, tril/triu.

import { normalizeDim, fmtShape, broadcastShapes, numel } from '../tensor/shape.js';
import { Tensor, type IndexItem, type TensorOrScalar } from '../tensor/tensor.js';
import { backendOf, record, wrap } from './function.js';
import { cast, contiguous, expand, permute, reshape, resolveSlice, select, sliceDim, unsqueeze, type Slice } from './movement.js';
import { checkOperands, where } from './elementwise.js';
import { arange, tensor, zeros, zerosLike } from './creation.js';

function checkIndexTensor(op: string, index: Tensor): void {
  if (index.dtype !== 'int64') throw new TypeError(`${op}(): Expected dtype int64 for index`);
}

/** `what`: PyTorch's word for x in the message (gather says input, scatter self). */
function checkSameRank(x: Tensor, index: Tensor, dim: number, what: 'input' | 'self'): void {
  if (index.ndim !== x.ndim && !(index.ndim <= 1 && x.ndim <= 1)) {
    throw new RangeError(`Index tensor must have the same number of dimensions as ${what} tensor`);
  }
  index.shape.forEach((s, d) => {
    if (d !== dim && s > (x.shape[d] ?? 1)) {
      throw new RangeError(
        `Size does not match at dimension ${d} expected index ${fmtShape(index.shape)} to be smaller than self ${fmtShape(x.shape)} apart from dimension ${dim}`,
      );
    }
  });
}

/** The gather primitive, with the grad_fn name chosen by the caller (max(dim) reuses it). */
export function gatherNamed(x: Tensor, dim: number, index: Tensor, name: string): Tensor {
  checkIndexTensor('gather', index);
  const d = x.ndim === 0 ? 0 : normalizeDim(dim, x.ndim);
  checkSameRank(x, index, d, 'input');
  const backend = backendOf(x, index);
  const xv = x.ndim === 0 ? { ...x._view(), shape: [1], strides: [1] } : x._view();
  const iv = index.ndim === 0 ? { ...index._view(), shape: [1], strides: [1] } : index._view();
  const y = wrap(backend.gather(xv, d, iv), index.shape, x.dtype, backend);
  const [xs, xd] = [x.shape, x.dtype]; // not x: the rule keeps only the index (as PyTorch)
  return record(name, y, [x], [index], (g) => [scatterAdd(zeros(xs, { dtype: xd, device: g.device }), d, index, g)]);
}

/** `torch.gather(x, dim, index)`: out[i][j] = x[index[i][j]][j] for dim 0 (and so on): values picked along dim. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  return gatherNamed(x, dim, index, 'GatherBackward0');
}

function scatterImpl(x: Tensor, dim: number, index: Tensor, src: TensorOrScalar, accumulate: boolean): Tensor {
  const op = accumulate ? 'scatter_add' : 'scatter';
  checkIndexTensor(op, index);
  const d = normalizeDim(dim, Math.max(x.ndim, 1));
  // PyTorch's scatter checks the index against self and src in one message (before gather's check).
  if (index.ndim === x.ndim) {
    const srcShape = src instanceof Tensor ? src.shape : null;
    const bad = index.shape.some((s, k) => (k !== d && s > x.shape[k]) || (srcShape !== null && s > (srcShape[k] ?? 1)));
    if (bad) {
      const against = srcShape === null ? '' : ` and to be smaller size than src ${fmtShape(srcShape)}`;
      throw new RangeError(`Expected index ${fmtShape(index.shape)} to be smaller than self ${fmtShape(x.shape)} apart from dimension ${d}${against}`);
    }
  }
  checkSameRank(x, index, d, 'self');
  const source = src instanceof Tensor ? src : expand(tensor(src, { dtype: x.dtype, device: x.device }), index.shape);
  const backend = backendOf(x, index, source);
  const out = wrap(backend.copy(x._view(), x.dtype), x.shape, x.dtype, backend);
  const srcCast = source.dtype === x.dtype ? source : cast(source, x.dtype, false);
  backend.scatter(out._view(), d, index._view(), srcCast._view(), accumulate);
  const name = accumulate ? 'ScatterAddBackward0' : src instanceof Tensor ? 'ScatterBackward0' : 'ScatterBackward1';
  return record(name, out, [x, src instanceof Tensor ? source : null], [index], (g, needs) => [
    needs[0] ? (accumulate ? g : scatterImpl(g, d, index, 0, false)) : null,
    needs[1] ? gather(g, d, index) : null,
  ]);
}

/** Tensor.scatter: out[index[i][j]][j] = src[i][j] (dim 0), a copy of x. */
export const scatter = (x: Tensor, dim: number, index: Tensor, src: TensorOrScalar) => scatterImpl(x, dim, index, src, false);
/** Tensor.scatter_add: out[index[i][j]][j] += src[i][j] (dim 0), a copy of x. */
export const scatterAdd = (x: Tensor, dim: number, index: Tensor, src: Tensor) => scatterImpl(x, dim, index, src, true);

/** `torch.index_select(x, dim, index)`: the entries of dim at the given int64 indices, a copy. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  if (index.dtype !== 'int64' && index.dtype !== 'int32') throw new TypeError('index_select(): Expected dtype int32 or int64 for index');
  if (index.ndim > 1) throw new RangeError('index_select(): Index is supposed to be a vector');
  const d = x.ndim === 0 ? 0 : normalizeDim(dim, x.ndim);
  const backend = backendOf(x, index);
  const xv = x.ndim === 0 ? { ...x._view(), shape: [1], strides: [1] } : x._view();
  const iv = index.ndim === 0 ? { ...index._view(), shape: [1], strides: [1] } : index._view();
  const shape = x.ndim === 0 ? [] : x.shape.map((s, i) => (i === d ? index.numel() : s));
  const y = wrap(backend.indexSelect(xv, d, iv), shape, x.dtype, backend);
  return record('IndexSelectBackward0', y, [x], [index], (g) => [indexAdd(zerosLike(x), d, index, g)]);
}

/** `torch.index_add(x, dim, index, source, alpha=1)`: x with alpha * source added at the given indices of dim (repeated indices add up). */
export function indexAdd(x: Tensor, dim: number, index: Tensor, source: Tensor, options: { alpha?: number } = {}): Tensor {
  const d = x.ndim === 0 ? 0 : normalizeDim(dim, x.ndim);
  const alpha = options.alpha ?? 1;
  const src = alpha === 1 ? source : source.mul(alpha);
  if (src.ndim !== x.ndim || src.shape[d] !== index.numel()) {
    throw new RangeError(`index_add_(): Number of indices (${index.numel()}) should be equal to source.size(dim): (${src.shape[d]}), for dim: ${d}`);
  }
  const backend = backendOf(x, index, src);
  const out = wrap(backend.copy(x._view(), x.dtype), x.shape, x.dtype, backend);
  const srcCast = src.dtype === x.dtype ? src : cast(src, x.dtype, false);
  backend.indexAdd(out._view(), d, index._view(), srcCast._view());
  return record('IndexAddBackward0', out, [x, src], [index], (g, needs) => [
    needs[0] ? g : null,
    needs[1] ? indexSelect(g, d, index) : null,
  ]);
}

/** Tensor.masked_fill: value where mask is true; keeps x's dtype. */
export function maskedFill(x: Tensor, mask: Tensor, value: TensorOrScalar): Tensor {
  checkOperands('masked_fill', [mask, value]);
  if (mask.dtype !== 'bool') throw new TypeError(`masked_fill_ only supports boolean masks, but got mask with dtype ${mask.dtype}`);
  if (value instanceof Tensor && value.ndim !== 0) {
    throw new RangeError(`masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ${value.ndim} dimension(s).`);
  }
  broadcastShapes(x.shape, mask.shape);
  // The result has the shape x and mask broadcast to (PyTorch's expand_outplace), as where's has.
  const filled = where(mask, value, x);
  return filled.dtype === x.dtype ? filled : cast(filled, x.dtype, false);
}

/** All (row-major) coordinates of nonzero elements, shape [n, ndim]. */
export function nonzero(x: Tensor): Tensor {
  const values = x._host('nonzero');
  const coords: number[] = [];
  const c = new Array<number>(x.ndim);
  for (let i = 0; i < values.length; i++) {
    if (values[i] === 0) continue; // NaN is nonzero (JavaScript's !NaN would skip it)
    for (let d = x.ndim - 1, rem = i; d >= 0; d--) {
      c[d] = rem % x.shape[d];
      rem = Math.floor(rem / x.shape[d]);
    }
    coords.push(...c);
  }
  const n = x.ndim === 0 ? (values[0] !== 0 ? 1 : 0) : coords.length / x.ndim;
  return reshape(tensor(coords, { dtype: 'int64' }), [n, x.ndim]);
}

/** `torch.masked_select(x, mask)`: the elements where the (broadcast) bool mask is true, as a 1-D tensor. */
export function maskedSelect(x: Tensor, mask: Tensor): Tensor {
  if (mask.dtype !== 'bool') throw new TypeError('masked_select: expected BoolTensor or ByteTensor for mask');
  const shape = broadcastShapes(x.shape, mask.shape);
  const flatMask = reshape(contiguous(expand(mask, shape)), [-1]);
  const positions = nonzero(flatMask).reshape(-1);
  return indexSelect(reshape(expand(x, shape), [-1]), 0, positions);
}

function triangle(x: Tensor, diagonal: number, lower: boolean): Tensor {
  // PyTorch 1.13 refuses fewer than 2 dims as the dim -2 it reads.
  if (x.ndim === 0) throw new RangeError('Dimension specified as -2 but tensor has no dimensions');
  if (x.ndim === 1) throw new RangeError('Dimension out of range (expected to be in range of [-1, 0], but got -2)');
  const [rows, cols] = x.shape.slice(-2);
  const offset = arange(cols, { device: x.device }).unsqueeze(0).sub(arange(rows, { device: x.device }).unsqueeze(1));
  const keep = lower ? offset.le(diagonal) : offset.ge(diagonal);
  const out = where(keep, x, 0);
  return out.dtype === x.dtype ? out : cast(out, x.dtype, false);
}

/** `torch.tril(x, diagonal=0)`: the lower triangle of the last two dims, the rest zero. */
export const tril = (x: Tensor, diagonal = 0) => triangle(x, diagonal, true);
/** `torch.triu(x, diagonal=0)`: the upper triangle of the last two dims, the rest zero. */
export const triu = (x: Tensor, diagonal = 0) => triangle(x, diagonal, false);

function isSlice(item: IndexItem): item is Slice {
  return typeof item === 'object' && item !== null && !(item instanceof Tensor) && !Array.isArray(item);
}

/**
 * Python indexing x[items]: numbers select, ':' and slice() take views, null adds a dim, '...'
 * fills the remaining dims, and integer or boolean tensors (or number arrays) index advanced-style.
 */
export function index(x: Tensor, items: readonly IndexItem[]): Tensor {
  const consumes = (it: IndexItem) =>
    it === null || it === '...' ? 0 : it instanceof Tensor && it.dtype === 'bool' ? Math.max(it.ndim, 1) : 1;
  const used = items.reduce<number>((n, it) => n + consumes(it), 0);
  if (used > x.ndim) throw new RangeError(`too many indices for tensor of dimension ${x.ndim}`);
  // PyTorch 1.13 takes several ellipses (numpy refuses them): each skips the dims the other items leave.
  const expanded: IndexItem[] = [];
  for (const it of items) {
    if (it === '...') for (let k = 0; k < x.ndim - used; k++) expanded.push(':');
    else expanded.push(it);
  }
  // Basic indexing first (views), remembering where advanced index tensors apply.
  let out = x;
  let dim = 0;
  const advanced: { dim: number; index: Tensor }[] = [];
  for (const it of expanded) {
    if (it === null) {
      out = unsqueeze(out, dim++);
    } else if (typeof it === 'number') {
      out = select(out, dim, it);
    } else if (it === ':') {
      dim++;
    } else if (isSlice(it)) {
      const s = resolveSlice(it, out.shape[dim]);
      out = sliceDim(out, dim++, s.start, s.length, s.step);
    } else {
      const t = it instanceof Tensor ? it : tensor(it as number[], { dtype: 'int64', device: x.device });
      if (t.dtype === 'bool') {
        // A mask over k dims is the k index tensors of its nonzero coordinates.
        const nz = nonzero(t);
        for (let k = 0; k < t.ndim; k++) advanced.push({ dim: dim++, index: select(nz, 1, k) });
      } else if (t.dtype === 'int64' || t.dtype === 'int32') {
        advanced.push({ dim: dim++, index: t });
      } else {
        throw new TypeError('tensors used as indices must be long, int, byte or bool tensors');
      }
    }
  }
  return advanced.length === 0 ? out : advancedIndex(out, advanced);
}

/** Advanced indexing with integer tensors, reduced to one index_select on a flattened view. */
function advancedIndex(x: Tensor, advanced: { dim: number; index: Tensor }[]): Tensor {
  const dims = advanced.map((a) => a.dim);
  const bshape = broadcastShapes(...advanced.map((a) => a.index.shape));
  const rest = x.shape.map((_, d) => d).filter((d) => !dims.includes(d));
  // Move indexed dims to the front and merge them into one, then select linear positions.
  const moved = permute(x, [...dims, ...rest]);
  const sizes = dims.map((d) => x.shape[d]);
  let linear: Tensor | null = null;
  advanced.forEach((a, k) => {
    const size = sizes[k];
    const idx = cast(a.index, 'int64', false);
    const bad = idx.ge(size).logicalOr(idx.lt(-size));
    if (bad.any().item()) {
      const v = idx.maskedSelect(bad).reshape(-1).index(0).item();
      throw new RangeError(`index ${v} is out of bounds for dimension ${a.dim} with size ${size}`);
    }
    const wrapped = where(idx.lt(0), idx.add(size), idx);
    const scaled = wrapped.mul(numel(sizes.slice(k + 1)));
    linear = linear ? linear.add(scaled) : scaled;
  });
  const flatIdx = reshape(contiguous(expand(linear!, bshape)), [-1]);
  const merged = reshape(moved, [numel(sizes), ...rest.map((d) => x.shape[d])]);
  const picked = reshape(indexSelect(merged, 0, flatIdx), [...bshape, ...rest.map((d) => x.shape[d])]);
  // PyTorch keeps the result dims in place when the indexed dims are adjacent, else in front.
  const adjacent = dims.every((d, i) => i === 0 || d === dims[i - 1] + 1);
  if (!adjacent || dims[0] === 0) return picked;
  const nb = bshape.length;
  const first = dims[0];
  const order = [
    ...Array.from({ length: first }, (_, i) => nb + i),
    ...Array.from({ length: nb }, (_, i) => i),
    ...Array.from({ length: rest.length - first }, (_, i) => nb + first + i),
  ];
  return permute(picked, order);
}
