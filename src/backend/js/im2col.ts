// Sliding-window kernels: im2col (F.unfold) and col2im (F.fold). They are the whole of
// convolution; the rest is matmul in src/ops/conv.ts. (Max pooling's kernels are in pool.ts.)
// Each loop walks one (n, c) plane at a time with the plane's strides, and the innermost loop
// runs over the output columns whose input column is in range, so it has no branch in it.

import type { View, Window2d } from '../backend.js';
import { allocateArray, type TypedArray } from '../../tensor/dtype.js';

/** The output columns ow whose input column ow * s - p + k * d lies in [0, size): [lo, hi). */
function validRange(out: number, size: number, s: number, p: number, kOffset: number): [number, number] {
  // iw = ow * s + base, base = kOffset - p; need 0 <= iw < size.
  const base = kOffset - p;
  const lo = base >= 0 ? 0 : Math.ceil(-base / s);
  const hi = Math.min(out, Math.floor((size - 1 - base) / s) + 1);
  return [lo, Math.max(lo, hi)];
}

export function im2col(x: View, w: Window2d): TypedArray {
  const [N, C, H, W] = x.shape;
  const [sN, sC, sH, sW] = x.strides;
  const { kernel: [kH, kW], stride: [strH, strW], padding: [padH, padW], dilation: [dilH, dilW], output: [outH, outW] } = w;
  const L = outH * outW;
  const rows = C * kH * kW;
  const out = allocateArray(x.dtype, N * rows * L);
  const src = x.data;
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const plane = x.offset + n * sN + c * sC;
      for (let ki = 0; ki < kH; ki++) {
        for (let kj = 0; kj < kW; kj++) {
          const row = (n * rows + (c * kH + ki) * kW + kj) * L;
          const [owLo, owHi] = validRange(outW, W, strW, padW, kj * dilW);
          const iw0 = kj * dilW - padW;
          for (let oh = 0; oh < outH; oh++) {
            const ih = oh * strH - padH + ki * dilH;
            if (ih < 0 || ih >= H) continue; // padding rows stay 0
            const dst = row + oh * outW;
            const rowBase = plane + ih * sH + iw0 * sW;
            if (sW === 1 && strW === 1) {
              for (let ow = owLo; ow < owHi; ow++) out[dst + ow] = src[rowBase + ow];
            } else {
              const step = strW * sW;
              for (let ow = owLo, p = rowBase + owLo * step; ow < owHi; ow++, p += step) out[dst + ow] = src[p];
            }
          }
        }
      }
    }
  }
  return out;
}

export function col2im(cols: View, size: readonly [number, number], w: Window2d): TypedArray {
  const [N, rows] = cols.shape;
  const [sN, sR, sL] = cols.strides;
  const [H, W] = size;
  const { kernel: [kH, kW], stride: [strH, strW], padding: [padH, padW], dilation: [dilH, dilW], output: [outH, outW] } = w;
  const C = rows / (kH * kW);
  const out = allocateArray(cols.dtype, N * C * H * W);
  const src = cols.data;
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const plane = (n * C + c) * H * W;
      for (let ki = 0; ki < kH; ki++) {
        for (let kj = 0; kj < kW; kj++) {
          const row = cols.offset + n * sN + ((c * kH + ki) * kW + kj) * sR;
          const [owLo, owHi] = validRange(outW, W, strW, padW, kj * dilW);
          const iw0 = kj * dilW - padW;
          for (let oh = 0; oh < outH; oh++) {
            const ih = oh * strH - padH + ki * dilH;
            if (ih < 0 || ih >= H) continue; // columns that read padding are dropped
            const dst = plane + ih * W + iw0;
            const from = row + oh * outW * sL;
            if (sL === 1 && strW === 1) {
              for (let ow = owLo; ow < owHi; ow++) out[dst + ow] += src[from + ow];
            } else {
              for (let ow = owLo; ow < owHi; ow++) out[dst + ow * strW] += src[from + ow * sL];
            }
          }
        }
      }
    }
  }
  return out;
}
