// The reference convolution: im2col, one batched matrix product per group, col2im. Readable
// rather than fast (the column tensor is built whole); the wasm backend's fused kernels must
// agree with it. `be` supplies im2col, col2im, matmul and copy, so float64 reuses them as is.

import type { Backend, View, Window2d } from '../backend.js';
import { allocateArray, type DType, type TypedArray } from '../../tensor/dtype.js';

type Parts = Pick<Backend, 'im2col' | 'col2im' | 'matmul' | 'copy'>;

/** A view over a whole contiguous array, with the given shape/strides/offset. */
function view(data: TypedArray, dtype: DType, shape: number[], strides: number[], offset = 0): View {
  return { data, dtype, shape, strides, offset };
}

interface Sizes {
  N: number;
  C: number;
  O: number;
  /** Reduction length per group (C/groups * kH * kW), positions L, output channels per group. */
  K: number;
  L: number;
  Og: number;
}

function sizes(N: number, C: number, O: number, groups: number, w: Window2d): Sizes {
  return { N, C, O, K: (C / groups) * w.kernel[0] * w.kernel[1], L: w.output[0] * w.output[1], Og: O / groups };
}

export function conv2d(be: Parts, x: View, weight: View, bias: View | null, window: Window2d, groups: number): TypedArray {
  const { dtype } = x;
  const s = sizes(x.shape[0], x.shape[1], weight.shape[0], groups, window);
  const { N, O, K, L, Og } = s;
  const cols = be.im2col(x, window); // [N, C*kH*kW, L]
  const w = be.copy(weight, dtype); // [O, K]
  const out = allocateArray(dtype, N * O * L);
  for (let g = 0; g < groups; g++) {
    const a = view(w, dtype, [N, Og, K], [0, K, 1], g * Og * K);
    const b = view(cols, dtype, [N, K, L], [groups * K * L, L, 1], g * K * L);
    const prod = be.matmul(a, b, dtype); // [N, Og, L]
    for (let n = 0; n < N; n++) out.set(prod.subarray(n * Og * L, (n + 1) * Og * L), (n * O + g * Og) * L);
  }
  if (bias) {
    const bv = be.copy(bias, dtype);
    for (let n = 0; n < N; n++) {
      for (let o = 0; o < O; o++) {
        const row = (n * O + o) * L;
        for (let l = 0; l < L; l++) out[row + l] += bv[o];
      }
    }
  }
  return out;
}

export function conv2dInputGrad(be: Parts, grad: View, weight: View, size: readonly [number, number], window: Window2d, groups: number): TypedArray {
  const { dtype } = grad;
  const s = sizes(grad.shape[0], weight.shape[1] * groups, grad.shape[1], groups, window);
  const { N, O, K, L, Og } = s;
  const gy = be.copy(grad, dtype); // [N, O, L]
  const w = be.copy(weight, dtype); // [O, K]
  const cols = allocateArray(dtype, N * groups * K * L);
  for (let g = 0; g < groups; g++) {
    const a = view(w, dtype, [N, K, Og], [0, 1, K], g * Og * K); // w^T
    const b = view(gy, dtype, [N, Og, L], [O * L, L, 1], g * Og * L);
    const prod = be.matmul(a, b, dtype); // [N, K, L]
    for (let n = 0; n < N; n++) cols.set(prod.subarray(n * K * L, (n + 1) * K * L), (n * groups + g) * K * L);
  }
  return be.col2im(view(cols, dtype, [N, groups * K, L], [groups * K * L, L, 1]), size, window);
}

export function conv2dWeightGrad(be: Parts, x: View, grad: View, window: Window2d, groups: number, withBias: boolean): { weight: TypedArray; bias: TypedArray | null } {
  const { dtype } = x;
  const s = sizes(x.shape[0], x.shape[1], grad.shape[1], groups, window);
  const { N, O, K, L, Og } = s;
  const cols = be.im2col(x, window); // [N, C*kH*kW, L]
  const gy = be.copy(grad, dtype); // [N, O, L]
  const weight = allocateArray(dtype, O * K);
  for (let g = 0; g < groups; g++) {
    const a = view(gy, dtype, [N, Og, L], [O * L, L, 1], g * Og * L);
    const b = view(cols, dtype, [N, L, K], [groups * K * L, 1, L], g * K * L); // cols^T
    const prod = be.matmul(a, b, dtype); // [N, Og, K], summed over the images below
    for (let i = 0; i < Og * K; i++) {
      let acc = 0;
      for (let n = 0; n < N; n++) acc += prod[n * Og * K + i];
      weight[g * Og * K + i] = acc;
    }
  }
  let bias: TypedArray | null = null;
  if (withBias) {
    bias = allocateArray(dtype, O);
    for (let o = 0; o < O; o++) {
      let acc = 0;
      for (let n = 0; n < N; n++) for (let l = 0, p = (n * O + o) * L; l < L; l++, p++) acc += gy[p];
      bias[o] = acc;
    }
  }
  return { weight, bias };
}
