// Walking strided views in row-major order: the one loop every reference kernel is built on.

import type { View } from '../backend.js';
import type { Shape } from '../../tensor/shape.js';
import { contiguousStrides, isContiguous, numel } from '../../tensor/shape.js';

/**
 * The storage offset of every element of (shape, strides, offset), in row-major order.
 * Returns null when the view is contiguous, so callers can use `offset + i` instead.
 */
export function elementOffsets(shape: Shape, strides: Shape, offset: number): Int32Array | null {
  if (isContiguous(shape, strides)) return null;
  const n = numel(shape);
  const out = new Int32Array(n);
  const ndim = shape.length;
  const counter = new Array<number>(ndim).fill(0);
  let pos = offset;
  for (let i = 0; i < n; i++) {
    out[i] = pos;
    pos = nextOffset(counter, shape, strides, ndim - 1, pos);
  }
  return out;
}

/**
 * One step of a row-major walk over dims 0..last of (shape, strides): counts `counter` up like an
 * odometer and returns the storage offset `pos` moves to.
 */
export function nextOffset(counter: number[], shape: Shape, strides: Shape, last: number, pos: number): number {
  for (let d = last; d >= 0; d--) {
    if (++counter[d] < shape[d]) return pos + strides[d];
    pos -= strides[d] * (shape[d] - 1);
    counter[d] = 0;
  }
  return pos;
}

export function viewOffsets(v: View): Int32Array | null {
  return elementOffsets(v.shape, v.strides, v.offset);
}

/** Offsets as a plain indexable: either the real offsets or offset + i. */
export function offsetsOf(v: View, shape: Shape = v.shape, strides: Shape = v.strides): ArrayLike<number> {
  const offs = elementOffsets(shape, strides, v.offset);
  if (offs) return offs;
  const n = numel(shape);
  const base = v.offset;
  const seq = new Int32Array(n);
  for (let i = 0; i < n; i++) seq[i] = base + i;
  return seq;
}

/** Move `dims` to the end of (shape, strides): reductions then walk contiguous groups. */
export function moveDimsLast(shape: Shape, strides: Shape, dims: readonly number[]): { shape: number[]; strides: number[] } {
  const keep: number[] = [];
  for (let d = 0; d < shape.length; d++) if (!dims.includes(d)) keep.push(d);
  const order = [...keep, ...dims];
  return { shape: order.map((d) => shape[d]), strides: order.map((d) => strides[d]) };
}

/**
 * Walk x slice by slice along `dim` (a scan, a sort): `offs` are x's element offsets in that walk,
 * `outOffs` where each lands in a contiguous result of x's shape, `size` the length of a slice.
 */
export function slicesAlong(x: View, dim: number): { offs: ArrayLike<number>; outOffs: ArrayLike<number>; size: number } {
  const moved = moveDimsLast(x.shape, x.strides, [dim]);
  const outStrides = contiguousStrides(x.shape);
  const outMoved = moveDimsLast(x.shape, outStrides, [dim]);
  return {
    offs: offsetsOf(x, moved.shape, moved.strides),
    outOffs: offsetsOf({ ...x, offset: 0, strides: outStrides }, outMoved.shape, outMoved.strides),
    size: x.shape[dim] ?? 1,
  };
}
