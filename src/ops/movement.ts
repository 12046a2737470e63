// Movement ops. Views (reshape, permute, expand, narrow, select, squeeze ...) share storage and
// cost no copy, as in PyTorch; flip, cat, pad and contiguous copy. Each carries its backward rule.

import { type DType, type TypedArray, isFloatingPoint, promoteTypes } from '../tensor/dtype.js';
import { backendFor, device, type Device } from '../tensor/device.js';
import {
  fmtShape, inferSize, normalizeDim, normalizeDims, numel, shapesEqual, viewStrides, type Shape,
} from '../tensor/shape.js';
import { Tensor, type Dims } from '../tensor/tensor.js';
import { asOneNode, backendOf, record, wrap } from './function.js';
import { sum, sumToShape } from './reduce.js';
import { full } from './creation.js';

/** A Python slice start:stop:step (any part may be omitted). */
export interface Slice {
  readonly start?: number | null;
  readonly stop?: number | null;
  readonly step?: number | null;
}

/** slice(1, 3) is 1:3, slice(null, null, 2) is ::2, slice(-2) is -2: (start only, unlike Python's slice(stop)). */
export function slice(start?: number | null, stop?: number | null, step?: number | null): Slice {
  return { start, stop, step };
}

/** Accept both f(2, 3) and f([2, 3]). */
export function sizeArgs(args: readonly (number | readonly number[])[]): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return [...(args[0] as readonly number[])];
  return args as number[];
}

/** A tensor viewing x's storage with new geometry; views keep a link to their base. */
export function makeView(x: Tensor, shape: Shape, strides: Shape, offset: number): Tensor {
  const v = new Tensor(x._storage, shape, x.dtype, strides, offset);
  v._base = x._base ?? x;
  return v;
}

/** The same data with no autograd history (detach, .data). */
export function alias(x: Tensor): Tensor {
  const t = new Tensor(x._storage, x.shape, x.dtype, x._strides, x._offset);
  t._base = x._base;
  return t;
}

/** Tensor.to(dtype): a converted copy (the same tensor when nothing changes and no copy is asked). */
export function cast(x: Tensor, dtype: DType, copy: boolean): Tensor {
  if (dtype === x.dtype && !copy) return x;
  const backend = backendOf(x);
  const y = wrap(backend.copy(x._view(), dtype), x.shape, dtype, backend);
  if (!isFloatingPoint(x.dtype)) return y;
  return record('ToCopyBackward0', y, [x], [], (g) => [cast(g, x.dtype, false)]);
}

/**
 * Tensor.to(device[, dtype]) across devices: x itself when it is on `device` already (the caller
 * casts), else a copy there in `dtype`. CPU to GPU records an upload (synchronous; the GPU copies
 * in queue order); GPU to CPU cannot be synchronous in JavaScript and is refused, naming cpuAsync.
 * The backward moves the gradient back, so it too must go from the GPU to the CPU: a graph that
 * crosses from a CPU leaf onto the GPU cannot be differentiated yet (move the leaf instead).
 */
export function toDevice(x: Tensor, device: Device, dtype: DType): Tensor {
  const target = backendFor(device);
  const source = x._storage.backend;
  if (target.device === source.device) return x;
  if (source.device !== 'cpu') {
    if (target.device === 'cpu') x._readable('to', 'await t.cpuAsync()');
    throw new Error(`to(): moving a tensor from ${source.device} to ${target.device} directly is not supported; go through the CPU (await t.cpuAsync())`);
  }
  const n = x.numel();
  const data = x._storage.data as TypedArray;
  // A contiguous CPU image in the target dtype: the tensor's own memory where it already is one.
  const host = dtype === x.dtype && x.isContiguous() ? data.subarray(x._offset, x._offset + n) : source.copy(x._view(), dtype) as TypedArray;
  const y = wrap(target.upload!(host, dtype), x.shape, dtype, target);
  if (!isFloatingPoint(x.dtype) || !isFloatingPoint(dtype)) return y;
  const xd = x.dtype;
  return record('ToCopyBackward0', y, [x], [], (g) => [toDevice(g, cpuDevice, xd)]);
}
const cpuDevice = device('cpu');

/** A contiguous copy that keeps the gradient path (clone). */
export function clone(x: Tensor): Tensor {
  const backend = backendOf(x);
  const y = wrap(backend.copy(x._view(), x.dtype), x.shape, x.dtype, backend);
  return record('CloneBackward0', y, [x], [], (g) => [g]);
}

/** `Tensor.contiguous()`: the tensor itself if its storage is in row-major order, else a row-major copy. */
export function contiguous(x: Tensor): Tensor {
  return x.isContiguous() ? x : clone(x);
}

/** `Tensor.view(*shape)`: the same storage seen with another shape (one dim may be -1); fails where the strides do not allow it, as PyTorch. */
export function view(x: Tensor, size: readonly number[]): Tensor {
  const shape = inferSize(size, x.numel());
  const strides = viewStrides(x.shape, x._strides, shape);
  if (!strides) {
    throw new Error(
      'view size is not compatible with input tensor\'s size and stride (at least one dimension spans across two ' +
        'contiguous subspaces). Use .reshape(...) instead.',
    );
  }
  const y = makeView(x, shape, strides, x._offset);
  const xs = x.shape; // the shape, not x: the rule must not keep x's storage alive
  return record('ViewBackward0', y, [x], [], (g) => [reshape(g, xs)]);
}

/** A view when the layout allows, else a copy (as PyTorch's reshape). */
export function reshape(x: Tensor, size: readonly number[]): Tensor {
  const shape = inferSize(size, x.numel());
  if (shapesEqual(shape, x.shape)) return x.ndim === 0 ? x : view(x, shape);
  return viewStrides(x.shape, x._strides, shape) ? view(x, shape) : view(clone(x), shape);
}

/** `torch.permute(x, dims)`: the dims reordered, a view. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.ndim) {
    throw new RangeError(
      `permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${x.ndim} is not equal to len(dims) = ${dims.length}`,
    );
  }
  if (new Set(dims.map((d) => normalizeDim(d, x.ndim))).size !== dims.length) throw new RangeError('permute(): duplicate dims are not allowed.');
  // No arrow here mentions x: closures of one scope share a context in V8, so the rule would keep x alive.
  const [ndim, xs, xst] = [x.ndim, x.shape, x._strides];
  const perm = dims.map((d) => normalizeDim(d, ndim));
  const y = makeView(x, perm.map((d) => xs[d]), perm.map((d) => xst[d]), x._offset);
  const inverse = new Array<number>(perm.length);
  perm.forEach((d, i) => (inverse[d] = i));
  return record('PermuteBackward0', y, [x], [], (g) => [permute(g, inverse)]);
}

/**
 * `torch.movedim(x, source, destination)` (also `moveaxis`): the source dims moved to the
 * destination positions, the others keeping their order; a permute view (PermuteBackward0).
 */
export function movedim(x: Tensor, source: number | readonly number[], destination: number | readonly number[]): Tensor {
  const src = typeof source === 'number' ? [source] : [...source];
  const dst = typeof destination === 'number' ? [destination] : [...destination];
  if (src.length !== dst.length) {
    throw new RangeError(
      `movedim: Invalid source or destination dims: source (${fmtShape(src)} dims) should contain the same number of dims as destination (${fmtShape(dst)} dims)`,
    );
  }
  const from = src.map((d) => normalizeDim(d, x.ndim));
  const to = dst.map((d) => normalizeDim(d, x.ndim));
  if (new Set(from).size !== from.length) throw new RangeError(`movedim: repeated dim in \`source\` (${fmtShape(src)})`);
  if (new Set(to).size !== to.length) throw new RangeError(`movedim: repeated dim in \`destination\` (${fmtShape(dst)})`);
  // Place the moved dims, then fill the free positions with the other dims in order.
  const order = new Array<number>(x.ndim).fill(-1);
  to.forEach((d, i) => (order[d] = from[i]));
  const rest = x.shape.map((_, d) => d).filter((d) => !from.includes(d));
  for (let i = 0, r = 0; i < order.length; i++) if (order[i] < 0) order[i] = rest[r++];
  return permute(x, order);
}

/** `torch.transpose(x, dim0, dim1)`: two dims swapped, a view (also exported as `swapaxes`). */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  if (x.ndim === 0) return x;
  const a = normalizeDim(dim0, x.ndim);
  const b = normalizeDim(dim1, x.ndim);
  // No arrow here mentions x (a shared closure context would keep x alive in the rule).
  const [xs, xst] = [x.shape, x._strides];
  const perm = xs.map((_, i) => (i === a ? b : i === b ? a : i));
  const shape = perm.map((d) => xs[d]);
  const strides = perm.map((d) => xst[d]);
  const y = makeView(x, shape, strides, x._offset);
  return record('TransposeBackward0', y, [x], [], (g) => [transpose(g, a, b)]);
}

/** `torch.t(x)`: a matrix transposed (a view of a 0-D or 1-D tensor as it is). */
export function t(x: Tensor): Tensor {
  if (x.ndim > 2) throw new RangeError(`t() expects a tensor with <= 2 dimensions, but self is ${x.ndim}D`);
  // A 0-D or 1-D input gives a new view of itself (TBackward0), as PyTorch, not the same tensor.
  const y = makeView(x, [...x.shape].reverse(), [...x._strides].reverse(), x._offset);
  return record('TBackward0', y, [x], [], (g) => [t(g)]);
}

/** `Tensor.expand(*sizes)`: size-1 dims repeated without copying (-1 keeps a dim). */
export function expand(x: Tensor, size: readonly number[]): Tensor {
  if (size.length < x.ndim) {
    throw new RangeError(
      `expand: the number of sizes provided (${size.length}) must be greater or equal to the number of dimensions in the tensor (${x.ndim})`,
    );
  }
  const lead = size.length - x.ndim;
  const shape: number[] = [];
  const strides: number[] = [];
  for (let i = 0; i < size.length; i++) {
    const src = i - lead;
    const want = size[i];
    if (src < 0) {
      if (want < 0) throw new RangeError(`expand: -1 is not allowed in a leading, non-existing dimension ${i}`);
      shape.push(want);
      strides.push(0);
    } else if (want === -1 || want === x.shape[src]) {
      shape.push(x.shape[src]);
      strides.push(x._strides[src]);
    } else if (x.shape[src] === 1) {
      shape.push(want);
      strides.push(0);
    } else {
      throw new RangeError(
        `The expanded size of the tensor (${want}) must match the existing size (${x.shape[src]}) at non-singleton dimension ${i}.  Target sizes: ${fmtShape(size)}.  Tensor sizes: ${fmtShape(x.shape)}`,
      );
    }
  }
  // A new view even at the same shape, as PyTorch's (its own node; `x.expand(x.shape) !== x`).
  const y = makeView(x, shape, strides, x._offset);
  const xs = x.shape;
  return record('ExpandBackward0', y, [x], [], (g) => [sumToShape(g, xs)]);
}

/** x itself where it has the shape already, else expand(x, shape): for the ops that broadcast without an ExpandBackward0 of their own (copy_, broadcast_tensors). */
export function expandIfNeeded(x: Tensor, shape: readonly number[]): Tensor {
  return shapesEqual(x.shape, shape) ? x : expand(x, shape);
}

/** `torch.squeeze(x, dim=None)`: size-1 dims removed (all of them, or the given ones), a view. */
export function squeeze(x: Tensor, dim?: Dims): Tensor {
  const dims = dim === undefined ? x.shape.map((_, i) => i) : normalizeDims(dim, x.ndim);
  const keep = x.shape.map((d, i) => !(dims.includes(i) && d === 1));
  const y = makeView(x, x.shape.filter((_, i) => keep[i]), x._strides.filter((_, i) => keep[i]), x._offset);
  const xs = x.shape;
  return record(dim === undefined ? 'SqueezeBackward0' : 'SqueezeBackward1', y, [x], [], (g) => [reshape(g, xs)]);
}

/** `torch.unsqueeze(x, dim)`: a size-1 dim inserted at dim, a view. */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, x.ndim + 1);
  const shape = x.shape.slice();
  const strides = x._strides.slice();
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < x.ndim ? x._strides[d] * x.shape[d] : 1);
  const y = makeView(x, shape, strides, x._offset);
  const xs = x.shape;
  return record('UnsqueezeBackward0', y, [x], [], (g) => [reshape(g, xs)]);
}

/** `torch.flatten(x, start_dim=0, end_dim=-1)`: dims start..end merged into one. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim(startDim, x.ndim);
  const e = normalizeDim(endDim, x.ndim);
  if (s > e) throw new RangeError('flatten() has invalid args: start_dim cannot come after end_dim');
  if (s === e) return x;
  const shape = [...x.shape.slice(0, s), numel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/** `torch.unflatten(x, dim, sizes)`: one dim split into sizes. */
export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor {
  const d = normalizeDim(dim, x.ndim);
  const known = sizes.filter((v) => v !== -1).reduce((a, b) => a * b, 1);
  const fits = sizes.includes(-1) ? known !== 0 && x.shape[d] % known === 0 : known === x.shape[d];
  if (!fits) throw new RangeError(`unflatten: Provided sizes ${fmtShape(sizes)} don't multiply up to the size of dim ${d} (${x.shape[d]}) in the input tensor`);
  const inner = inferSize(sizes, x.shape[d]);
  return view(x, [...x.shape.slice(0, d), ...inner, ...x.shape.slice(d + 1)]);
}

/**
 * PyTorch's `_unsafe_view`: a view whose node is UnsafeViewBackward0, where PyTorch reshapes a
 * product it has just made (matmul's folded batch).
 */
export function unsafeView(x: Tensor, size: readonly number[]): Tensor {
  const shape = inferSize(size, x.numel());
  const y = makeView(x, shape, viewStrides(x.shape, x._strides, shape)!, x._offset);
  const xs = x.shape;
  return record('UnsafeViewBackward0', y, [x], [], (g) => [reshape(g, xs)]);
}

/** Resolve a Python-style slice on a dim of `size`: clamped start, element count and step. */
export function resolveSlice(s: Slice, size: number): { start: number; length: number; step: number } {
  const step = s.step ?? 1;
  if (step <= 0) throw new RangeError('step must be greater than zero');
  const clampIdx = (v: number | null | undefined, dflt: number) => {
    if (v == null) return dflt;
    const w = v < 0 ? v + size : v;
    return Math.min(Math.max(w, 0), size);
  };
  const start = clampIdx(s.start, 0);
  const stop = Math.max(clampIdx(s.stop, size), start);
  return { start, length: Math.ceil((stop - start) / step), step };
}

/** x[..., start:start+length*step:step, ...] along `dim`: a view. */
export function sliceDim(x: Tensor, dim: number, start: number, length: number, step = 1): Tensor {
  const d = normalizeDim(dim, x.ndim);
  const shape = x.shape.slice();
  const strides = x._strides.slice();
  shape[d] = length;
  strides[d] = x._strides[d] * step;
  const y = makeView(x, shape, strides, x._offset + start * x._strides[d]);
  const xs = x.shape;
  return record('SliceBackward0', y, [x], [], (g) => [embedSlice(g, xs, d, start, step)]);
}

/** The gradient of a slice: g placed into zeros of the source shape (its own backward slices again). */
function embedSlice(g: Tensor, shape: Shape, dim: number, start: number, step: number): Tensor {
  const backend = backendOf(g);
  const out = wrap(backend.allocate(g.dtype, numel(shape)), shape, g.dtype, backend);
  const window = sliceDim(alias(out), dim, start, g.shape[dim], step);
  backend.assign(window._view(), g._view());
  return record('SliceBackwardBackward0', out, [g], [], (gg) => [sliceDim(gg, dim, start, g.shape[dim], step)]);
}

/** `torch.narrow(x, dim, start, length)`: length entries of dim from start, a view. */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim(dim, x.ndim);
  const size = x.shape[d];
  // PyTorch 1.13 wraps start as a dim index of a dim of `size` entries (its message says so), except
  // start == size: an empty slice at the end.
  const s = start === size ? start : normalizeDim(start, size);
  if (length < 0 || s + length > size) {
    throw new RangeError(`start (${s}) + length (${length}) exceeds dimension size (${size}).`);
  }
  return sliceDim(x, d, s, length);
}

/** `torch.select(x, dim, index)`: one index of dim, the dim removed, a view. */
export function select(x: Tensor, dim: number, index: number): Tensor {
  const d = normalizeDim(dim, x.ndim);
  const size = x.shape[d];
  if (index < -size || index >= size) {
    throw new RangeError(`select(): index ${index} out of range for tensor of size ${fmtShape(x.shape)} at dimension ${d}`);
  }
  const i = index < 0 ? index + size : index;
  const y = makeView(x, x.shape.filter((_, k) => k !== d), x._strides.filter((_, k) => k !== d), x._offset + i * x._strides[d]);
  const xs = x.shape;
  return record('SelectBackward0', y, [x], [], (g) => [embedSlice(unsqueeze(g, d), xs, d, i, 1)]);
}

/** `torch.split(x, split_size_or_sections, dim=0)`: pieces of the given size (the last may be smaller) or sizes, views. */
export function split(x: Tensor, splitSize: number | readonly number[], dim = 0): Tensor[] {
  const d = normalizeDim(dim, x.ndim);
  const size = x.shape[d];
  let sizes: number[];
  if (typeof splitSize === 'number') {
    if (splitSize < 0) throw new RangeError(`split expects split_size be non-negative, but got split_size=${splitSize}`);
    if (splitSize === 0 && size > 0) throw new RangeError(`split_size can only be 0 if dimension size is 0, but got dimension size of ${size}`);
    sizes = [];
    for (let s = 0; s < size; s += splitSize) sizes.push(Math.min(splitSize, size - s));
    if (sizes.length === 0) sizes = [0];
  } else {
    sizes = [...splitSize];
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== size) {
      throw new RangeError(`split_with_sizes expects split_sizes to sum exactly to ${size} (input tensor's size at dimension ${d}), but got split_sizes=${fmtShape(sizes)}`);
    }
  }
  let start = 0;
  return sizes.map((len) => {
    const part = narrow(x, d, start, len);
    start += len;
    return part;
  });
}

/** `torch.chunk(x, chunks, dim=0)`: at most `chunks` pieces of equal size (the last may be smaller), views. */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (chunks <= 0) throw new RangeError(`chunk expects \`chunks\` to be greater than 0, got: ${chunks}`);
  const d = normalizeDim(dim, x.ndim);
  return split(x, Math.ceil(x.shape[d] / chunks) || 1, d);
}

/** `torch.unbind(x, dim=0)`: every index of dim, as a list of views. */
export function unbind(x: Tensor, dim = 0): Tensor[] {
  const d = normalizeDim(dim, x.ndim);
  return Array.from({ length: x.shape[d] }, (_, i) => select(x, d, i));
}

/** `torch.flip(x, dims)`: the order of the given dims reversed (a copy, as PyTorch). */
export function flip(x: Tensor, dims: Dims): Tensor {
  const ds = normalizeDims(dims, x.ndim);
  let offset = x._offset;
  const strides = x._strides.slice();
  for (const d of ds) {
    if (x.shape[d] > 0) offset += (x.shape[d] - 1) * x._strides[d];
    strides[d] = -strides[d];
  }
  const backend = backendOf(x);
  // A negatively strided walk of the same storage, copied out: PyTorch's flip copies too.
  const data = backend.copy({ ...x._view(), strides, offset }, x.dtype);
  const y = wrap(data, x.shape, x.dtype, backend);
  return record('FlipBackward0', y, [x], [], (g) => [flip(g, ds)]);
}

/** `torch.cat(tensors, dim=0)`: tensors joined along an existing dim (also exported as `concat`). */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new RangeError('torch.cat(): expected a non-empty list of Tensors');
  // PyTorch skips 1-D empty tensors (legacy behaviour) when others have data.
  const parts = tensors.filter((t) => !(t.ndim === 1 && t.shape[0] === 0));
  if (parts.length === 0) return tensors[0];
  const ref = parts[0];
  if (ref.ndim === 0) throw new RangeError('zero-dimensional tensor (at position 0) cannot be concatenated');
  const d = normalizeDim(dim, ref.ndim);
  let dtype = ref.dtype;
  parts.forEach((p, i) => {
    if (p.ndim !== ref.ndim) {
      throw new RangeError(`Tensors must have same number of dimensions: got ${ref.ndim} and ${p.ndim}`);
    }
    p.shape.forEach((s, j) => {
      if (j !== d && s !== ref.shape[j]) {
        throw new RangeError(
          `Sizes of tensors must match except in dimension ${d}. Expected size ${ref.shape[j]} but got size ${s} for tensor number ${i} in the list.`,
        );
      }
    });
    dtype = dtype === p.dtype ? dtype : promoteTypes(dtype, p.dtype);
  });
  const shape = ref.shape.slice();
  shape[d] = parts.reduce((n, p) => n + p.shape[d], 0);
  const backend = backendOf(...parts);
  const out = wrap(backend.allocate(dtype, numel(shape)), shape, dtype, backend);
  const target = alias(out);
  let start = 0;
  for (const p of parts) {
    backend.assign(sliceDim(target, d, start, p.shape[d])._view(), p._view());
    start += p.shape[d];
  }
  // Skipped empty inputs still get their (empty) gradient, as in PyTorch.
  return record('CatBackward0', out, tensors, [], (g, needs) => {
    let s = 0;
    return tensors.map((p, i) => {
      if (!parts.includes(p)) return needs[i] ? full([0], 0, { dtype: p.dtype, device: p.device }) : null;
      const piece = needs[i] ? cast(narrow(g, d, s, p.shape[d]), p.dtype, false) : null;
      s += p.shape[d];
      return piece;
    });
  });
}


/** `torch.stack(tensors, dim=0)`: tensors of one shape joined along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new RangeError('stack expects a non-empty TensorList');
  const ref = tensors[0];
  tensors.forEach((t, i) => {
    if (!shapesEqual(t.shape, ref.shape)) {
      throw new RangeError(`stack expects each tensor to be equal size, but got ${fmtShape(ref.shape)} at entry 0 and ${fmtShape(t.shape)} at entry ${i}`);
    }
  });
  const d = normalizeDim(dim, ref.ndim + 1); // PyTorch's message names no op here
  // One node, as PyTorch's StackBackward0: each input's gradient is its slice of g.
  return asOneNode('StackBackward0', tensors, [], (...ts) => cat(ts.map((t) => unsqueeze(t, d)), d), (g) => unbind(g, d));
}

/** Tensor.repeat: tile the tensor `sizes` times along each dim. */
export function repeat(x: Tensor, sizes: readonly number[]): Tensor {
  if (sizes.length < x.ndim) {
    throw new RangeError('Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor');
  }
  const lead = sizes.length - x.ndim;
  const src = [...new Array<number>(lead).fill(1), ...x.shape];
  // [a, b] repeated [r, s]: view as [1, a, 1, b], expand to [r, a, s, b], then merge pairs.
  const interleaved: number[] = [];
  const expanded: number[] = [];
  src.forEach((n, i) => {
    interleaved.push(1, n);
    expanded.push(sizes[i], n);
  });
  const final = src.map((n, i) => n * sizes[i]);
  const negative = final.find((n) => n < 0);
  if (negative !== undefined) throw new RangeError(`Trying to create tensor with negative dimension ${negative}: ${fmtShape(final)}`);
  const xs = x.shape;
  const copies = sizes.map((_, i) => 2 * i);
  // One node, as PyTorch's RepeatBackward0: each element's gradient sums over its copies.
  return asOneNode('RepeatBackward0', [x], [], (t) => reshape(clone(expand(reshape(t, interleaved), expanded)), final), (g) => [
    reshape(sum(reshape(g, expanded), copies), xs),
  ]);
}

/**
 * F.pad with a constant: `pad` lists (before, after) pairs starting from the LAST dim, as
 * PyTorch. Negative amounts crop.
 */
export function pad(x: Tensor, padding: readonly number[], value = 0): Tensor {
  if (padding.length % 2 !== 0) throw new RangeError('Padding length must be divisible by 2');
  if (padding.length / 2 > x.ndim) throw new RangeError('Padding length too large');
  let src = x;
  const shape = x.shape.slice();
  const offsets = new Array<number>(x.ndim).fill(0);
  for (let i = 0; i < padding.length / 2; i++) {
    const d = x.ndim - 1 - i;
    const before = padding[2 * i];
    const after = padding[2 * i + 1];
    // Crop first for negative amounts, the front then the back (as PyTorch, whose narrow messages
    // a crop past the size gives), then pad what remains.
    if (before < 0) src = narrow(src, d, -before, src.shape[d] + before);
    if (after < 0) src = narrow(src, d, 0, src.shape[d] + after);
    shape[d] = src.shape[d] + Math.max(before, 0) + Math.max(after, 0);
    offsets[d] = Math.max(before, 0);
  }
  const out = full(shape, value, { dtype: x.dtype, device: x.device });
  const backend = backendOf(x);
  let window = alias(out);
  for (let d = 0; d < x.ndim; d++) window = sliceDim(window, d, offsets[d], src.shape[d]);
  backend.assign(window._view(), src._view());
  return record('ConstantPadNdBackward0', out, [src], [], (g) => {
    let piece = g;
    for (let d = 0; d < x.ndim; d++) piece = narrow(piece, d, offsets[d], src.shape[d]);
    return [piece];
  });
}
