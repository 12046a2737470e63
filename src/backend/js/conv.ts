// Sliding-window kernels: im2col (F.unfold), col2im (F.fold) and max pooling's argmax. They are
// the whole of convolution and pooling; the rest is matmul and gather in src/ops/conv.ts.
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

export function maxPool2dArgmax(x: View, w: Window2d): TypedArray {
  const [N, C, H, W] = x.shape;
  const [sN, sC, sH, sW] = x.strides;
  const { kernel: [kH, kW], stride: [strH, strW], padding: [padH, padW], dilation: [dilH, dilW], output: [outH, outW] } = w;
  const out = allocateArray('int64', N * C * outH * outW);
  const src = x.data;
  const pairs = kH === 2 && kW === 2 && strH === 2 && strW === 2 && padH === 0 && padW === 0 && dilH === 1 && dilW === 1;
  if (pairs && sW === 1 && 2 * outH <= H && 2 * outW <= W) {
    maxPool2x2(src, out, N, C, W, sN, sC, sH, x.offset, outH, outW);
    return out;
  }
  let o = 0;
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const plane = x.offset + n * sN + c * sC;
      for (let oh = 0; oh < outH; oh++) {
        // PyTorch's bounds: the window's end is clipped to the input, its start stepped past padding.
        let ih0 = oh * strH - padH;
        const ih1 = Math.min(ih0 + (kH - 1) * dilH + 1, H);
        while (ih0 < 0) ih0 += dilH;
        for (let ow = 0; ow < outW; ow++) {
          let iw0 = ow * strW - padW;
          const iw1 = Math.min(iw0 + (kW - 1) * dilW + 1, W);
          while (iw0 < 0) iw0 += dilW;
          let best = -Infinity;
          let bestIdx = ih0 * W + iw0;
          for (let ih = ih0; ih < ih1; ih += dilH) {
            const rowBase = plane + ih * sH;
            for (let iw = iw0; iw < iw1; iw += dilW) {
              const v = src[rowBase + iw * sW];
              if (v > best || v !== v) {
                best = v;
                bestIdx = ih * W + iw;
              }
            }
          }
          out[o++] = bestIdx;
        }
      }
    }
  }
  return out;
}

/**
 * MaxPool2d(2), the common case, unrolled: every window lies inside the input, so the general
 * loop's bounds and short inner loops (most of its time) go away. Same scan order and NaN rule.
 */
function maxPool2x2(
  src: TypedArray, out: TypedArray, N: number, C: number, W: number,
  sN: number, sC: number, sH: number, offset: number, outH: number, outW: number,
): void {
  let o = 0;
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const plane = offset + n * sN + c * sC;
      for (let oh = 0; oh < outH; oh++) {
        const ih = 2 * oh;
        const top = plane + ih * sH;
        const bottom = top + sH;
        for (let ow = 0, iw = 0; ow < outW; ow++, iw += 2) {
          // Scan (ih, iw), (ih, iw+1), (ih+1, iw), (ih+1, iw+1): greater or NaN replaces the best.
          let best = src[top + iw];
          let idx = ih * W + iw;
          let v = src[top + iw + 1];
          if (v > best || v !== v) { best = v; idx = ih * W + iw + 1; }
          v = src[bottom + iw];
          if (v > best || v !== v) { best = v; idx = (ih + 1) * W + iw; }
          v = src[bottom + iw + 1];
          if (v > best || v !== v) idx = (ih + 1) * W + iw + 1;
          out[o++] = idx;
        }
      }
    }
  }
}
