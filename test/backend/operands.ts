// Operands for backend kernel tests: reproducible random data in the strided layouts a kernel
// must read (offset, transposed, sliced, flipped, broadcast).

import type { View } from '../../src/backend/backend.js';

/** Deterministic pseudo-random floats in [-1, 1) (xorshift), so a failure reproduces. */
export function randomArray(n: number, seed: number, Type: Float32ArrayConstructor | Float64ArrayConstructor = Float32Array) {
  const out = new Type(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 2 ** 32) * 2 - 1;
  }
  return out;
}

export type Layout = 'rowmajor' | 'transposed' | 'sliced' | 'flipped' | 'broadcast';

/** A [B, R, C] operand viewed in the given layout over a fresh random array. */
export function operand(B: number, R: number, C: number, layout: Layout, seed: number, dtype: 'float32' | 'float64' = 'float32'): View {
  const Type = dtype === 'float32' ? Float32Array : Float64Array;
  switch (layout) {
    case 'rowmajor':
      return { data: randomArray(B * R * C + 3, seed, Type), dtype, shape: [B, R, C], strides: [R * C, C, 1], offset: 3 };
    case 'transposed':
      return { data: randomArray(B * R * C, seed, Type), dtype, shape: [B, R, C], strides: [R * C, 1, R], offset: 0 };
    case 'sliced':
      // Every third column of a wider array: too sparse to copy as one block.
      return { data: randomArray(B * R * C * 3, seed, Type), dtype, shape: [B, R, C], strides: [R * C * 3, C * 3, 3], offset: 0 };
    case 'flipped':
      return { data: randomArray(B * R * C, seed, Type), dtype, shape: [B, R, C], strides: [R * C, -C, 1], offset: (R - 1) * C };
    case 'broadcast':
      return { data: randomArray(R * C, seed, Type), dtype, shape: [B, R, C], strides: [0, C, 1], offset: 0 };
  }
}
