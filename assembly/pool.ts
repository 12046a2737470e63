// Max pooling and ReLU's backward for float32 on raw addresses (the js reference is
// src/backend/js/pool.ts; the geometry is Window2d in src/backend/backend.ts). Indices are int64
// values stored as float64, as every dlab int64 tensor, so the JS side copies them out as is.
//
// The scan rule (PyTorch's): a value replaces the best when it is greater or NaN. It is
// associative ("the last NaN, else the first maximum"), which lets the 2x2 stride-2 kernel take
// four windows per step with lane selects instead of branches (on data like ReLU outputs a
// branch per comparison mispredicts about half the time).

/** Lanes where v replaces the best: v > best, or v is NaN. */
// @ts-ignore: decorator
@inline function wins(v: v128, best: v128): v128 {
  return v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
}

/** Store four int32 indices as four float64 values at `at`. */
// @ts-ignore: decorator
@inline function storeIndices(at: usize, idx: v128): void {
  v128.store(at, f64x2.convert_low_i32x4_s(idx));
  v128.store(at, f64x2.convert_low_i32x4_s(v128.shuffle<i32>(idx, idx, 2, 3, 2, 3)), 16);
}

/**
 * Windows ow .. ow + 3 of one output row of MaxPool2d(2): `top` and `bottom` are the two input
 * rows, `first` the flat index of the row's first window's top-left position.
 */
// @ts-ignore: decorator
@inline function fourWindows(top: usize, bottom: usize, W: i32, first: i32, ow: i32, values: usize, indices: usize): void {
  const at = <usize>(ow * 2) * 4;
  const t0 = v128.load(top + at);
  const t1 = v128.load(top + at, 16);
  const b0 = v128.load(bottom + at);
  const b1 = v128.load(bottom + at, 16);
  // Scan order within a window: top-left, top-right, bottom-left, bottom-right.
  let best = v128.shuffle<f32>(t0, t1, 0, 2, 4, 6);
  let idx = i32x4.add(i32x4.splat(first + 2 * ow), i32x4(0, 2, 4, 6));
  let v = v128.shuffle<f32>(t0, t1, 1, 3, 5, 7);
  let m = wins(v, best);
  best = v128.bitselect(v, best, m);
  idx = i32x4.sub(idx, m); // a true lane is -1: index + 1 (top-right)
  const left = i32x4.add(i32x4.splat(first + 2 * ow + W), i32x4(0, 2, 4, 6));
  v = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
  m = wins(v, best);
  best = v128.bitselect(v, best, m);
  idx = v128.bitselect(left, idx, m);
  v = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
  m = wins(v, best);
  best = v128.bitselect(v, best, m);
  idx = v128.bitselect(i32x4.add(left, i32x4.splat(1)), idx, m);
  v128.store(values + <usize>ow * 4, best);
  storeIndices(indices + <usize>ow * 8, idx);
}

/** MaxPool2d(2) (stride 2, no padding, dilation 1), every window inside the input. */
function maxPool2x2(x: usize, NC: i32, H: i32, W: i32, outH: i32, outW: i32, values: usize, indices: usize): void {
  for (let p = 0; p < NC; p++) {
    const plane = x + <usize>(p * H * W) * 4;
    for (let oh = 0; oh < outH; oh++) {
      const top = plane + <usize>(2 * oh * W) * 4;
      const bottom = top + <usize>W * 4;
      const first = 2 * oh * W;
      const o = (p * outH + oh) * outW;
      const vRow = values + <usize>o * 4;
      const iRow = indices + <usize>o * 8;
      if (outW >= 4) {
        let ow = 0;
        for (; ow + 4 <= outW; ow += 4) fourWindows(top, bottom, W, first, ow, vRow, iRow);
        // The last partial group: redo the last four windows (the same values, written again).
        if (ow < outW) fourWindows(top, bottom, W, first, outW - 4, vRow, iRow);
        continue;
      }
      for (let ow = 0; ow < outW; ow++) {
        const iw = 2 * ow;
        let best = load<f32>(top + <usize>iw * 4);
        let idx = first + iw;
        let v = load<f32>(top + <usize>(iw + 1) * 4);
        if (v > best || v != v) { best = v; idx = first + iw + 1; }
        v = load<f32>(bottom + <usize>iw * 4);
        if (v > best || v != v) { best = v; idx = first + W + iw; }
        v = load<f32>(bottom + <usize>(iw + 1) * 4);
        if (v > best || v != v) { best = v; idx = first + W + iw + 1; }
        store<f32>(vRow + <usize>ow * 4, best);
        store<f64>(iRow + <usize>ow * 8, <f64>idx);
      }
    }
  }
}

/**
 * Max pooling of contiguous float32 x [N, C, H, W]: each window's maximum into `values` (f32)
 * and its flat index ih * W + iw into `indices` (f64), both [N, C, outH, outW].
 */
export function maxPool2dF32(
  x: usize, N: i32, C: i32, H: i32, W: i32, kH: i32, kW: i32, sH: i32, sW: i32,
  pH: i32, pW: i32, dH: i32, dW: i32, outH: i32, outW: i32, values: usize, indices: usize,
): void {
  if (kH == 2 && kW == 2 && sH == 2 && sW == 2 && pH == 0 && pW == 0 && dH == 1 && dW == 1 && 2 * outH <= H && 2 * outW <= W) {
    maxPool2x2(x, N * C, H, W, outH, outW, values, indices);
    return;
  }
  let o = 0;
  for (let p = 0; p < N * C; p++) {
    const plane = x + <usize>(p * H * W) * 4;
    for (let oh = 0; oh < outH; oh++) {
      // PyTorch's bounds: the window's end is clipped to the input, its start stepped past padding.
      let ih0 = oh * sH - pH;
      const ih1 = min(ih0 + (kH - 1) * dH + 1, H);
      while (ih0 < 0) ih0 += dH;
      for (let ow = 0; ow < outW; ow++) {
        let iw0 = ow * sW - pW;
        const iw1 = min(iw0 + (kW - 1) * dW + 1, W);
        while (iw0 < 0) iw0 += dW;
        let best = -Infinity as f32;
        let bestIdx = ih0 * W + iw0;
        for (let ih = ih0; ih < ih1; ih += dH) {
          for (let iw = iw0; iw < iw1; iw += dW) {
            const v = load<f32>(plane + <usize>(ih * W + iw) * 4);
            if (v > best || v != v) {
              best = v;
              bestIdx = ih * W + iw;
            }
          }
        }
        store<f32>(values + <usize>o * 4, best);
        store<f64>(indices + <usize>o * 8, <f64>bestIdx);
        o++;
      }
    }
  }
}

/**
 * Max pooling's backward: grad (f32) and indices (f64) hold NC planes of L values; out, NC planes
 * of `plane` values, is zeroed and gets each grad added at its plane's index.
 */
export function maxPool2dBackwardF32(grad: usize, indices: usize, NC: i32, L: i32, plane: i32, out: usize): void {
  memory.fill(out, 0, <usize>NC * plane * 4);
  let o = 0;
  for (let p = 0; p < NC; p++) {
    const base = out + <usize>(p * plane) * 4;
    for (let i = 0; i < L; i++, o++) {
      const at = base + <usize>(<i32>load<f64>(indices + <usize>o * 8)) * 4;
      store<f32>(at, load<f32>(at) + load<f32>(grad + <usize>o * 4));
    }
  }
}

/** threshold_backward: out[i] = self[i] <= threshold ? 0 : grad[i] (NaN in self passes grad). */
export function thresholdBackwardF32(grad: usize, self: usize, threshold: f32, out: usize, n: i32): void {
  const t = f32x4.splat(threshold);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    v128.store(out + o, v128.andnot(v128.load(grad + o), f32x4.le(v128.load(self + o), t)));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    store<f32>(out + o, load<f32>(self + o) <= threshold ? 0 : load<f32>(grad + o));
  }
}
