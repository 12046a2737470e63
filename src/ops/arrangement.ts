// Arranging tensors, built from the movement ops: roll, tile, rot90, fliplr/flipud, ravel, the
// atleast_nd family, hstack/vstack/dstack/column_stack, broadcast_tensors and meshgrid, with
// PyTorch 1.13's refusals. roll and rot90 are one node each (RollBackward0, Rot90Backward0).

import { broadcastShapes, fmtShape, normalizeDim } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { asOneNode } from './function.js';
import { cat, clone, expand, expandIfNeeded, flip, narrow, repeat, reshape, transpose, unsqueeze } from './movement.js';

const asList = (v: number | readonly number[]) => (typeof v === 'number' ? [v] : [...v]);

/**
 * `torch.roll(x, shifts, dims=None)`: elements shifted along dims, wrapping around; without dims
 * the tensor is rolled flattened and reshaped back.
 */
export function roll(x: Tensor, shifts: number | readonly number[], dims?: number | readonly number[] | null): Tensor {
  const s = asList(shifts);
  const d = dims == null ? [] : asList(dims);
  if (s.length === 0) throw new RangeError('`shifts` required');
  if (d.length === 0 && s.length === 1) {
    // Rolled flattened, one node all the same (PyTorch's RollBackward0 sits on top here too).
    const shape = x.shape;
    return asOneNode('RollBackward0', [x], [], (t) => reshape(roll(reshape(t, [-1]), s, 0), shape), (g) => [roll(g, -s[0])]);
  }
  if (s.length !== d.length) throw new RangeError(`shifts and dimensions must align. shifts: ${s.length}, dims:${d.length}`);
  const ds = d.map((v) => normalizeDim(v, x.ndim));
  const back = s.map((v) => -v);
  return asOneNode('RollBackward0', [x], [], (t) => {
    let y = t;
    ds.forEach((dim, i) => {
      const n = y.shape[dim];
      const k = n === 0 ? 0 : ((s[i] % n) + n) % n;
      if (k !== 0) y = cat([narrow(y, dim, n - k, k), narrow(y, dim, 0, n - k)], dim);
    });
    return y === t ? clone(t) : y;
  }, (g) => [roll(g, back, ds)]);
}

/** `torch.tile(x, dims)`: x repeated dims times along each dim; fewer dims than x's are padded with 1s in front. */
export function tile(x: Tensor, dims: readonly number[]): Tensor {
  const reps = dims.length < x.ndim ? [...new Array<number>(x.ndim - dims.length).fill(1), ...dims] : [...dims];
  return repeat(x, reps);
}

/** `torch.ravel(x)`: x flattened to 1-D (a view when its layout allows, else a copy). */
export const ravel = (x: Tensor) => reshape(x, [-1]);

/** `torch.fliplr(x)`: columns reversed (dim 1); x must be at least 2-D. */
export function fliplr(x: Tensor): Tensor {
  if (x.ndim < 2) throw new RangeError('Input must be >= 2-d.');
  return flip(x, [1]);
}

/** `torch.flipud(x)`: rows reversed (dim 0); x must be at least 1-D. */
export function flipud(x: Tensor): Tensor {
  if (x.ndim < 1) throw new RangeError('Input must be >= 1-d.');
  return flip(x, [0]);
}

/** `torch.rot90(x, k=1, dims=[0, 1])`: rotated k quarter turns from dims[0] towards dims[1]. */
export function rot90(x: Tensor, k = 1, dims: readonly number[] = [0, 1]): Tensor {
  const n = x.ndim;
  if (dims.length !== 2) throw new RangeError(`expected total rotation dims == 2, but got dims = ${dims.length}`);
  if (n < 2) throw new RangeError(`expected total dims >= 2, but got total dims = ${n}`);
  const [d0, d1] = dims;
  if (d0 === d1 || Math.abs(d0 - d1) === n) throw new RangeError(`expected rotation dims to be different, but got dim0 = ${d0} and dim1 = ${d1}`);
  if (d0 >= n || d0 < -n) throw new RangeError(`Rotation dim0 out of range, dim0 = ${d0}`);
  if (d1 >= n || d1 < -n) throw new RangeError(`Rotation dim1 out of range, dim1 = ${d1}`);
  const turns = ((k % 4) + 4) % 4;
  return asOneNode('Rot90Backward0', [x], [], (t) => {
    if (turns === 1) return clone(transpose(flip(t, [d1]), d0, d1));
    if (turns === 2) return clone(flip(t, [d0, d1]));
    if (turns === 3) return clone(transpose(flip(t, [d0]), d0, d1));
    return clone(t);
  }, (g) => [rot90(g, -k, dims)]);
}

/**
 * `torch.atleast_1d(x)` (or a list): a 0-D tensor as [1], others as they are. The list form
 * returns a list, as PyTorch returns a tuple.
 */
export function atleast1d(x: Tensor): Tensor;
export function atleast1d(xs: readonly Tensor[]): Tensor[];
export function atleast1d(x: Tensor | readonly Tensor[]): Tensor | Tensor[] {
  if (Array.isArray(x)) return (x as readonly Tensor[]).map((t) => atleast1d(t));
  const t = x as Tensor;
  return t.ndim === 0 ? reshape(t, [1]) : t;
}

/** `torch.atleast_2d(x)` (or a list): 0-D as [1, 1], 1-D [n] as [1, n], others as they are. */
export function atleast2d(x: Tensor): Tensor;
export function atleast2d(xs: readonly Tensor[]): Tensor[];
export function atleast2d(x: Tensor | readonly Tensor[]): Tensor | Tensor[] {
  if (Array.isArray(x)) return (x as readonly Tensor[]).map((t) => atleast2d(t));
  const t = x as Tensor;
  return t.ndim === 0 ? reshape(t, [1, 1]) : t.ndim === 1 ? unsqueeze(t, 0) : t;
}

/** `torch.atleast_3d(x)` (or a list): 0-D as [1, 1, 1], 1-D [n] as [1, n, 1], 2-D [m, n] as [m, n, 1]. */
export function atleast3d(x: Tensor): Tensor;
export function atleast3d(xs: readonly Tensor[]): Tensor[];
export function atleast3d(x: Tensor | readonly Tensor[]): Tensor | Tensor[] {
  if (Array.isArray(x)) return (x as readonly Tensor[]).map((t) => atleast3d(t));
  const t = x as Tensor;
  if (t.ndim === 0) return reshape(t, [1, 1, 1]);
  if (t.ndim === 1) return unsqueeze(unsqueeze(t, 0), -1);
  return t.ndim === 2 ? unsqueeze(t, -1) : t;
}

function nonEmpty(op: string, tensors: readonly Tensor[]): void {
  if (tensors.length === 0) throw new RangeError(`${op} expects a non-empty TensorList`);
}

/** `torch.hstack(tensors)`: concatenated along dim 1 (dim 0 for 1-D tensors), after atleast_1d. */
export function hstack(tensors: readonly Tensor[]): Tensor {
  nonEmpty('hstack', tensors);
  const ts = atleast1d(tensors);
  return cat(ts, ts[0].ndim === 1 ? 0 : 1);
}

/** `torch.vstack(tensors)` (row_stack): concatenated along dim 0, after atleast_2d. */
export function vstack(tensors: readonly Tensor[]): Tensor {
  nonEmpty('vstack', tensors);
  return cat(atleast2d(tensors), 0);
}

/** `torch.dstack(tensors)`: concatenated along dim 2, after atleast_3d. */
export function dstack(tensors: readonly Tensor[]): Tensor {
  nonEmpty('dstack', tensors);
  return cat(atleast3d(tensors), 2);
}

/** `torch.column_stack(tensors)`: 0-D and 1-D tensors as columns, concatenated along dim 1. */
export function columnStack(tensors: readonly Tensor[]): Tensor {
  nonEmpty('column_stack', tensors);
  return cat(tensors.map((t) => (t.ndim <= 1 ? reshape(t, [t.numel(), 1]) : t)), 1);
}

/**
 * `torch.broadcast_tensors(*tensors)`: each expanded (a view) to their common broadcast shape; one
 * that has it already comes back itself, as in PyTorch.
 */
export function broadcastTensors(...tensors: Tensor[]): Tensor[] {
  const shape = broadcastShapes(...tensors.map((t) => t.shape));
  return tensors.map((t) => expandIfNeeded(t, shape));
}

/**
 * `torch.meshgrid(*tensors, indexing='ij')`: coordinate grids of 0-D or 1-D tensors, each expanded
 * (a view) to [len0, len1, ...]; 'xy' swaps the first two dims (numpy's Cartesian indexing).
 * PyTorch 1.13 warns when indexing is not given and uses 'ij', as here.
 */
export function meshgrid(tensors: readonly Tensor[], options: { indexing?: 'ij' | 'xy' } = {}): Tensor[] {
  const indexing = options.indexing ?? 'ij';
  if (tensors.length === 0) throw new RangeError('meshgrid expects a non-empty TensorList');
  for (const t of tensors) {
    // PyTorch prints the tensor itself after 'got:'; dlab names its shape.
    if (t.ndim > 1) throw new RangeError(`torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: a tensor of shape ${fmtShape(t.shape)}`);
  }
  if (tensors.some((t) => t.dtype !== tensors[0].dtype)) throw new TypeError('meshgrid expects all tensors to have the same dtype');
  if (indexing !== 'ij' && indexing !== 'xy') throw new RangeError(`torch.meshgrid: indexing must be one of "xy" or "ij", but received: ${indexing}`);
  const swap = indexing === 'xy' && tensors.length >= 2;
  const ordered = swap ? [tensors[1], tensors[0], ...tensors.slice(2)] : [...tensors];
  const sizes = ordered.map((t) => t.numel());
  const grids = ordered.map((t, i) => expand(reshape(t, sizes.map((s, j) => (j === i ? s : 1))), sizes));
  return swap ? [grids[1], grids[0], ...grids.slice(2)] : grids;
}

/**
 * `torch.diff(x, n=1, dim=-1, prepend=None, append=None)`: the n-th forward difference along
 * dim (for bools, whether neighbours differ), after prepending and appending along it.
 */
export function diff(x: Tensor, n = 1, dim = -1, prepend: Tensor | null = null, append: Tensor | null = null): Tensor {
  if (x.ndim === 0) throw new RangeError('diff expects input to be at least one-dimensional');
  const d = normalizeDim(dim, x.ndim);
  for (const t of [prepend, append]) {
    if (t === null) continue;
    if (t.ndim !== x.ndim) throw new RangeError('diff expects prepend or append to be the same dimension as input');
    t.shape.forEach((s, i) => {
      if (i !== d && s !== x.shape[i]) {
        throw new RangeError(
          `diff expects the shape of tensor to prepend or append to match that of input except along the differencing dimension; input.size(${i}) = ${x.shape[i]}, but got tensor.size(${i}) = ${s}`,
        );
      }
    });
  }
  // A new tensor even for n = 0, as PyTorch.
  let y = prepend || append ? cat([...(prepend ? [prepend] : []), x, ...(append ? [append] : [])], d) : n <= 0 ? clone(x) : x;
  for (let k = 0; k < n; k++) {
    const len = y.shape[d];
    if (len === 0) break;
    const [later, earlier] = [narrow(y, d, 1, len - 1), narrow(y, d, 0, len - 1)];
    y = y.dtype === 'bool' ? later.logicalXor(earlier) : later.sub(earlier);
  }
  return y;
}
