// Cutting and repeating along a dim (aten/src/ATen/native/TensorShape.cpp, Repeat.cpp):
// torch.tensor_split and its hsplit/vsplit/dsplit faces (views of consecutive runs, by a number of
// near-equal sections or at given indices), and repeat_interleave.

import { scalarTypeName } from '../tensor/dtype.js';
import { normalizeDim } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { narrow } from './movement.js';
import { arange, tensor } from './creation.js';
import { indexSelect } from './indexing.js';

/** A number of sections, or the indices to split before (a number, a list, or a 0-D/1-D int64 tensor). */
export type SplitSpec = number | readonly number[] | Tensor;

/**
 * `torch.tensor_split(x, indices_or_sections, dim=0)`: a number s gives s views, the first
 * size % s of them one longer; a list gives the runs between its indices (clamped as slices are).
 */
export function tensorSplit(x: Tensor, indicesOrSections: SplitSpec, dim = 0): Tensor[] {
  if (x.ndim === 0) throw new RangeError('tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims');
  const d = normalizeDim(dim, x.ndim);
  let spec: number | readonly number[] = indicesOrSections as number | readonly number[];
  if (indicesOrSections instanceof Tensor) {
    const t = indicesOrSections;
    if (t.dtype !== 'int64') throw new TypeError(`tensor_split expected tensor_indices_or_sections to have dtype of long, but got ${scalarTypeName[t.dtype]}`);
    if (t.ndim > 1) throw new RangeError(`tensor_split expected tensor_indices_or_sections to be a zero-dimensional or one-dimensional tensor, but got a tensor with ${t.ndim} dims`);
    spec = t.ndim === 0 ? t.item() : (t.tolist() as number[]);
  }
  const size = x.shape[d];
  if (typeof spec === 'number') {
    if (spec <= 0) throw new RangeError(`number of sections must be larger than 0, got ${spec}`);
    const base = Math.floor(size / spec);
    const extra = size % spec;
    const out: Tensor[] = [];
    let start = 0;
    for (let i = 0; i < spec; i++) {
      const length = base + (i < extra ? 1 : 0);
      out.push(narrow(x, d, start, length));
      start += length;
    }
    return out;
  }
  // Like x[start:stop] along d: negative indices count from the end, all clamped into [0, size].
  const clamp = (i: number) => Math.min(Math.max(i < 0 ? i + size : i, 0), size);
  const bounds = [0, ...spec.map(clamp), size];
  return bounds.slice(0, -1).map((start, i) => narrow(x, d, start, Math.max(bounds[i + 1] - start, 0)));
}

/** hsplit/vsplit/dsplit: tensor_split along one dim, a number of sections dividing it exactly. */
function splitAlong(name: string, x: Tensor, spec: SplitSpec, minDims: number, dim: number): Tensor[] {
  if (x.ndim < minDims) {
    const rank = minDims === 1 ? 'at least 1 dimension' : `at least ${minDims} dimension`;
    throw new RangeError(`torch.${name} requires a tensor with ${rank}, but got a tensor with ${x.ndim} dimensions!`);
  }
  if (typeof spec === 'number' && spec !== 0 && x.shape[dim] % spec !== 0) {
    throw new RangeError(`torch.${name} attempted to split along dimension ${dim}, but the size of the dimension ${x.shape[dim]} is not divisible by the split_size ${spec}!`);
  }
  return tensorSplit(x, spec, dim);
}

/** `torch.hsplit(x, indices_or_sections)`: along dim 1 (dim 0 of a 1-D tensor). */
export const hsplit = (x: Tensor, spec: SplitSpec): Tensor[] => splitAlong('hsplit', x, spec, 1, x.ndim === 1 ? 0 : 1);
/** `torch.vsplit(x, indices_or_sections)`: along dim 0 of a tensor of at least 2 dims. */
export const vsplit = (x: Tensor, spec: SplitSpec): Tensor[] => splitAlong('vsplit', x, spec, 2, 0);
/** `torch.dsplit(x, indices_or_sections)`: along dim 2 of a tensor of at least 3 dims. */
export const dsplit = (x: Tensor, spec: SplitSpec): Tensor[] => splitAlong('dsplit', x, spec, 3, 2);

/**
 * `torch.repeat_interleave(x, repeats, dim=None)`: each element (each slice along dim) repeated
 * `repeats` times in place (a number, or an int64 tensor with one count per slice); without dim, of
 * the flattened input. Given only counts (`repeatInterleave(counts)`), the indices 0, 1, ... each
 * repeated its count.
 */
export function repeatInterleave(x: Tensor, repeats?: number | Tensor, dim: number | null = null): Tensor {
  if (repeats === undefined) {
    if (x.ndim !== 1) throw new RangeError('repeat_interleave only accept 1D vector as repeat');
    if (x.dtype !== 'int64' && x.dtype !== 'int32') throw new TypeError(`"repeat_interleave_cpu" not implemented for '${scalarTypeName[x.dtype]}'`);
    return repeatInterleave(arange(x.shape[0], { dtype: x.dtype, device: x.device }), x, 0); // indices in the counts' dtype
  }
  const input = dim === null ? x.reshape(-1) : x;
  const d = dim === null ? 0 : normalizeDim(dim, x.ndim);
  const size = input.shape[d];
  let counts: number[];
  if (repeats instanceof Tensor) {
    if (repeats.ndim > 1) throw new RangeError('repeats must be 0-dim or 1-dim tensor');
    counts = repeats.ndim === 0 ? new Array<number>(size).fill(repeats.item()) : (repeats.tolist() as number[]);
    if (repeats.ndim === 1 && counts.length !== size) {
      throw new RangeError('repeats must have the same size as input along dim');
    }
  } else {
    counts = new Array<number>(size).fill(repeats);
  }
  if (counts.some((c) => c < 0)) throw new RangeError('repeats can not be negative');
  const index = counts.flatMap((c, i) => new Array<number>(c).fill(i));
  return indexSelect(input, d, tensor(index, { dtype: 'int64', device: x.device }));
}
