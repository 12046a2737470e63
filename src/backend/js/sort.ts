// Sorting along one dim, the reference definition: a stable sort of each slice's positions by
// value, NaN ordered above every number (PyTorch's sort puts NaN last ascending, first descending).

import type { View } from '../backend.js';
import { allocateArray, type TypedArray } from '../../tensor/dtype.js';
import { numel } from '../../tensor/shape.js';
import { slicesAlong } from './strided.js';

/** The int64 positions along `dim` that put each slice of x in order (ties keep their order). */
export function sort(x: View, dim: number, descending: boolean): TypedArray {
  const { offs, outOffs, size } = slicesAlong(x, dim);
  const out = allocateArray('int64', numel(x.shape));
  const order = Array.from({ length: size }, (_, j) => j);
  const values = new Float64Array(size);
  // NaN compares as the largest value; equal keys compare 0, so Array.prototype.sort (stable) keeps their order.
  const ascending = (a: number, b: number) => {
    const va = values[a];
    const vb = values[b];
    if (Number.isNaN(va)) return Number.isNaN(vb) ? 0 : 1;
    if (Number.isNaN(vb)) return -1;
    return va < vb ? -1 : va > vb ? 1 : 0;
  };
  const compare = descending ? (a: number, b: number) => ascending(b, a) : ascending;
  for (let p = 0; p < offs.length; p += size) {
    for (let j = 0; j < size; j++) {
      values[j] = x.data[offs[p + j]];
      order[j] = j;
    }
    order.sort(compare);
    for (let j = 0; j < size; j++) out[outOffs[p + j]] = order[j];
  }
  return out;
}
