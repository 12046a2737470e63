// Max pooling (Backend.maxPool2d) and its backward (Backend.maxPool2dBackward), one thread per
// output element. The forward scans each window exactly as PyTorch's CPU kernel (and the js
// reference): non-padding positions in (ki, kj) row-major order from best = -inf, a strictly
// greater value or a NaN replaces the best (NaN propagates, the last NaN wins, ties keep the first).
// The backward gathers: each input position sums the gradients of the outputs whose index names
// it, in output order (the reference's order), so it needs no atomics and matches bit for bit.

import type { Window2d } from '../../backend.js';
import type { ViewMeta } from '../program.js';
import { perElement, Uniforms, type GpuPlan } from './builder.js';
import { windowUniforms } from './window.js';

/**
 * Input 0 is x [N, C, H, W] float32 (any strides); outputs: 0 the values and 1 the int64 (i32)
 * flat indices ih * W + iw, both contiguous [N, C, outH, outW].
 */
export function maxPool2d(x: ViewMeta, w: Window2d): GpuPlan {
  if (x.dtype !== 'float32') throw new TypeError(`webgpu maxPool2d: expected float32, got ${x.dtype}`);
  const [N, C, H, W] = x.shape;
  return perElement({
    key: 'maxpool2d|f32',
    inputs: [{ name: 'x', type: 'f32' }],
    outputs: [{ name: 'values', type: 'f32' }, { name: 'indices', type: 'i32' }],
    u: windowUniforms(new Uniforms(), w).view('x', x).i32('C', C).i32('H', H).i32('W', W),
    total: N * C * w.output[0] * w.output[1],
    body: `
  let ow = i % u.outW;
  let oh = (i / u.outW) % u.outH;
  let c = (i / (u.outW * u.outH)) % u.C;
  let n = i / (u.outW * u.outH * u.C);
  let plane = u.x_off + n * u.x_st0 + c * u.x_st1;
  // PyTorch's bounds: the window's end clipped to the input, its start stepped past the padding.
  var ih0 = oh * u.sH - u.pH;
  let ih1 = min(ih0 + (u.kH - 1) * u.dH + 1, u.H);
  while (ih0 < 0) { ih0 += u.dH; }
  var iw0 = ow * u.sW - u.pW;
  let iw1 = min(iw0 + (u.kW - 1) * u.dW + 1, u.W);
  while (iw0 < 0) { iw0 += u.dW; }
  var best = -infF32();
  var bestIdx = ih0 * u.W + iw0;
  for (var ih = ih0; ih < ih1; ih += u.dH) {
    for (var iw = iw0; iw < iw1; iw += u.dW) {
      let v = x[plane + ih * u.x_st2 + iw * u.x_st3];
      if (isNan(v) || (!isNan(best) && v > best)) {
        best = v;
        bestIdx = ih * u.W + iw;
      }
    }
  }
  values[i] = best;
  indices[i] = bestIdx;`,
  });
}

/**
 * Inputs (grad, indices), both [N, C, outH, outW] (any strides); output 0 contiguous
 * [N, C, size[0], size[1]] of grad's dtype. With the forward's `window`, each input position
 * looks only at the outputs whose window covers it (indices from maxPool2d always lie in their
 * window); without it, at every output of its plane (correct for any indices, but
 * O(H * W * outH * outW) per plane: pass the window whenever it is known).
 */
export function maxPool2dBackward(grad: ViewMeta, indices: ViewMeta, size: readonly [number, number], window?: Window2d): GpuPlan {
  if (grad.dtype !== 'float32') throw new TypeError(`webgpu maxPool2dBackward: expected float32, got ${grad.dtype}`);
  const [N, C, outH, outW] = grad.shape;
  const [H, W] = size;
  const u = new Uniforms().view('g', grad).view('ix', indices).i32('C', C).i32('H', H).i32('W', W).i32('oH', outH).i32('oW', outW);
  // The output rows (cols) whose window covers input row ih: oh * s - p <= ih <= oh * s - p + (k - 1) * d.
  const range = window
    ? `
  let ohLo = max(0, ceilDiv(ih + u.pH - (u.kH - 1) * u.dH, u.sH));
  let ohHi = min(u.oH, (ih + u.pH) / u.sH + 1);
  let owLo = max(0, ceilDiv(iw + u.pW - (u.kW - 1) * u.dW, u.sW));
  let owHi = min(u.oW, (iw + u.pW) / u.sW + 1);`
    : `
  let ohLo = 0;
  let ohHi = u.oH;
  let owLo = 0;
  let owHi = u.oW;`;
  if (window) windowUniforms(u, window);
  return perElement({
    key: `maxpool2d-backward|f32|${window ? 'window' : 'plane'}`,
    inputs: [{ name: 'grad', type: 'f32' }, { name: 'indices', type: 'i32' }],
    outputs: [{ name: 'out', type: 'f32' }],
    u,
    total: N * C * H * W,
    helpers: 'fn ceilDiv(a: i32, b: i32) -> i32 { return select((a + b - 1) / b, -((-a) / b), a < 0); }',
    body: `
  let p = i % (u.W * u.H);
  let iw = p % u.W;
  let ih = p / u.W;
  let c = (i / (u.W * u.H)) % u.C;
  let n = i / (u.W * u.H * u.C);${range}
  let gb = u.g_off + n * u.g_st0 + c * u.g_st1;
  let ib = u.ix_off + n * u.ix_st0 + c * u.ix_st1;
  var acc = 0.0;
  for (var oh = ohLo; oh < ohHi; oh++) {
    for (var ow = owLo; ow < owHi; ow++) {
      if (indices[ib + oh * u.ix_st2 + ow * u.ix_st3] == p) { acc = acc + grad[gb + oh * u.g_st2 + ow * u.g_st3]; }
    }
  }
  out[i] = acc;`,
  });
}
