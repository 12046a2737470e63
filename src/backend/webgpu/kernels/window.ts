// The sliding-window kernels (Backend.im2col = F.unfold, Backend.col2im = F.fold), one thread
// per output element. col2im gathers: each input position sums the column entries that read it,
// in (ki, kj) order, the order the reference adds them in, so it needs no atomics and matches it.

import type { Window2d } from '../../backend.js';
import type { ViewMeta } from '../program.js';
import { perElement, storageType, Uniforms, type GpuPlan } from './builder.js';

/** The window's geometry as uniforms kH, kW, sH, sW, pH, pW, dH, dW, outH, outW. */
export function windowUniforms(u: Uniforms, w: Window2d): Uniforms {
  return u.i32('kH', w.kernel[0]).i32('kW', w.kernel[1]).i32('sH', w.stride[0]).i32('sW', w.stride[1])
    .i32('pH', w.padding[0]).i32('pW', w.padding[1]).i32('dH', w.dilation[0]).i32('dW', w.dilation[1])
    .i32('outH', w.output[0]).i32('outW', w.output[1]);
}

/** Input 0 is x [N, C, H, W] (any strides); output 0 contiguous [N, C * kH * kW, outH * outW] of x's dtype. */
export function im2col(x: ViewMeta, w: Window2d): GpuPlan {
  const T = storageType(x.dtype);
  const [N, C, H, W] = x.shape;
  const L = w.output[0] * w.output[1];
  const rows = C * w.kernel[0] * w.kernel[1];
  return perElement({
    key: `im2col|${T}`,
    inputs: [{ name: 'x', type: T }],
    outputs: [{ name: 'out', type: T }],
    u: windowUniforms(new Uniforms(), w).view('x', x).i32('H', H).i32('W', W).i32('L', L).i32('rows', rows),
    total: N * rows * L,
    body: `
  let l = i % u.L;
  let row = (i / u.L) % u.rows;
  let n = i / (u.L * u.rows);
  let ih = (l / u.outW) * u.sH - u.pH + ((row / u.kW) % u.kH) * u.dH;
  let iw = (l % u.outW) * u.sW - u.pW + (row % u.kW) * u.dW;
  let c = row / (u.kW * u.kH);
  var v = ${T}(0);
  if (ih >= 0 && ih < u.H && iw >= 0 && iw < u.W) { v = x[u.x_off + n * u.x_st0 + c * u.x_st1 + ih * u.x_st2 + iw * u.x_st3]; }
  out[i] = v;`,
  });
}

/** Input 0 is cols [N, C * kH * kW, outH * outW] (any strides); output 0 contiguous [N, C, size[0], size[1]]. */
export function col2im(cols: ViewMeta, size: readonly [number, number], w: Window2d): GpuPlan {
  const T = storageType(cols.dtype);
  const [N, rows] = cols.shape;
  const C = rows / (w.kernel[0] * w.kernel[1]);
  const [H, W] = size;
  return perElement({
    key: `col2im|${T}`,
    inputs: [{ name: 'cols', type: T }],
    outputs: [{ name: 'out', type: T }],
    u: windowUniforms(new Uniforms(), w).view('cl', cols).i32('H', H).i32('W', W).i32('C', C),
    total: N * C * H * W,
    body: `
  let iw = i % u.W;
  let ih = (i / u.W) % u.H;
  let c = (i / (u.W * u.H)) % u.C;
  let n = i / (u.W * u.H * u.C);
  var acc = ${T}(0);
  for (var ki = 0; ki < u.kH; ki++) {
    let th = ih + u.pH - ki * u.dH;
    if (th < 0 || th % u.sH != 0 || th / u.sH >= u.outH) { continue; }
    for (var kj = 0; kj < u.kW; kj++) {
      let tw = iw + u.pW - kj * u.dW;
      if (tw < 0 || tw % u.sW != 0 || tw / u.sW >= u.outW) { continue; }
      let row = (c * u.kH + ki) * u.kW + kj;
      acc = acc + cols[u.cl_off + n * u.cl_st0 + row * u.cl_st1 + ((th / u.sH) * u.outW + tw / u.sW) * u.cl_st2];
    }
  }
  out[i] = acc;`,
  });
}
