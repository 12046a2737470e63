// Convolution and its two gradients (Backend.conv2d, conv2dInputGrad, conv2dWeightGrad) as
// implicit GEMMs on the engine in gemm.ts: the GEMM's operand readers compute the window
// positions themselves, so no im2col matrix is materialised and nothing is scattered:
//  - conv2d:       batch (n, g), M = O/groups, N = outH * outW, K = C/groups * kH * kW (+ bias);
//                  a 1x1, stride-1, unpadded kernel reads x as a plain matrix (the matmul case);
//  - input grad:   batch (n, g), M = C/groups, N = H * W, K = O/groups * kH * kW, B reading the
//                  output gradient at the position each (input, kernel tap) pair came from (0 where
//                  the stride skips it): a gather, one fixed sum per input element;
//  - weight grad:  batch g, M = O/groups, N = C/groups * kH * kW, K = N * outH * outW (long: split-K
//                  slices summed in order when there are few outputs), and the bias gradient as a
//                  sum of grad over (N, outH, outW).

import type { Window2d } from '../../backend.js';
import type { ViewMeta } from '../program.js';
import { type BufferRef, type GpuPlan, type Uniforms } from './builder.js';
import { gemmPlan, type GemmOptions } from './gemm.js';
import { reduce } from './reduce.js';
import { windowUniforms } from './window.js';

function checkFloat(op: string, ...views: ViewMeta[]): void {
  for (const v of views) if (v.dtype !== 'float32') throw new TypeError(`webgpu ${op}: expected float32, got ${v.dtype}`);
}

/** x[n, c, ih, iw] read through x's strides, 0 outside the input (padding). */
const READ_X = `fn readX(n: i32, c: i32, ih: i32, iw: i32) -> f32 {
  if (ih < 0 || ih >= u.H || iw < 0 || iw >= u.W) { return 0.0; }
  return x[u.x_off + n * u.x_st0 + c * u.x_st1 + ih * u.x_st2 + iw * u.x_st3];
}`;

/** Is this the plain matrix case: 1x1 kernel, stride 1, no padding (so outH = H, outW = W)? */
function isPointwise(w: Window2d): boolean {
  return w.kernel[0] === 1 && w.kernel[1] === 1 && w.stride[0] === 1 && w.stride[1] === 1 && w.padding[0] === 0 && w.padding[1] === 0;
}

/**
 * Inputs (x [N, C, H, W], weight [O, C/groups, kH, kW], bias [O] when given), any strides;
 * output 0 contiguous [N, O, outH, outW]. A splitK plan needs temps[0].
 */
export function conv2d(x: ViewMeta, weight: ViewMeta, bias: ViewMeta | null, w: Window2d, groups: number, options: GemmOptions = {}): GpuPlan {
  checkFloat('conv2d', x, weight, ...(bias ? [bias] : []));
  const [N, C, H, W] = x.shape;
  const O = weight.shape[0];
  const Cg = C / groups;
  const Og = O / groups;
  const taps = w.kernel[0] * w.kernel[1];
  const pointwise = isPointwise(w) && w.output[0] === H && w.output[1] === W;
  const readB = pointwise
    ? `fn readB(b: i32, k: i32, l: i32) -> f32 {
  return x[u.x_off + (b / u.groups) * u.x_st0 + ((b % u.groups) * u.Cg + k) * u.x_st1 + (l / u.W) * u.x_st2 + (l % u.W) * u.x_st3];
}`
    : `${READ_X}
fn readB(b: i32, k: i32, l: i32) -> f32 {
  let t = k % (u.kH * u.kW);
  return readX(b / u.groups, (b % u.groups) * u.Cg + k / (u.kH * u.kW),
               (l / u.outW) * u.sH - u.pH + (t / u.kW) * u.dH, (l % u.outW) * u.sW - u.pW + (t % u.kW) * u.dW);
}`;
  return gemmPlan({
    key: `conv2d|${pointwise ? 'pointwise' : 'window'}`,
    type: 'f32',
    inputs: [{ name: 'x', type: 'f32' }, { name: 'wt', type: 'f32' }, ...(bias ? [{ name: 'bias', type: 'f32' }] : [])],
    uniforms: (u: Uniforms) => {
      windowUniforms(u, w).view('x', x).view('w', weight).i32('H', H).i32('W', W).i32('Cg', Cg).i32('Og', Og);
      if (bias) u.view('bs', bias);
    },
    helpers: `fn readA(b: i32, r: i32, k: i32) -> f32 {
  let t = k % (u.kH * u.kW);
  return wt[u.w_off + ((b % u.groups) * u.Og + r) * u.w_st0 + (k / (u.kH * u.kW)) * u.w_st1 + (t / u.kW) * u.w_st2 + (t % u.kW) * u.w_st3];
}
${readB}${bias ? '\nfn readBias(o: i32) -> f32 { return bias[u.bs_off + o * u.bs_st0]; }' : ''}`,
    vec4A: false,
    vec4B: false,
    groups,
    bias: bias !== null,
  }, { batch: N * groups, M: Og, N: w.output[0] * w.output[1], K: Cg * taps }, options);
}

/**
 * Inputs (grad [N, O, outH, outW], weight [O, C/groups, kH, kW]), any strides; output 0
 * contiguous [N, C, size[0], size[1]]. A splitK plan needs temps[0].
 */
export function conv2dInputGrad(grad: ViewMeta, weight: ViewMeta, size: readonly [number, number], w: Window2d, groups: number, options: GemmOptions = {}): GpuPlan {
  checkFloat('conv2dInputGrad', grad, weight);
  const [N, O] = grad.shape;
  const Cg = weight.shape[1];
  const Og = O / groups;
  const [H, W] = size;
  return gemmPlan({
    key: 'conv2d-input-grad',
    type: 'f32',
    inputs: [{ name: 'gy', type: 'f32' }, { name: 'wt', type: 'f32' }],
    uniforms: (u: Uniforms) => windowUniforms(u, w).view('g', grad).view('w', weight).i32('H', H).i32('W', W).i32('Cg', Cg).i32('Og', Og),
    // A(c, r): weight[g * Og + o, c, ki, kj] with r = (o, ki, kj).
    // B(r, p): grad[n, g * Og + o, oh, ow] where input p = (ih, iw) is tap (ki, kj) of window (oh, ow), else 0.
    helpers: `fn readA(b: i32, c: i32, r: i32) -> f32 {
  let t = r % (u.kH * u.kW);
  return wt[u.w_off + ((b % u.groups) * u.Og + r / (u.kH * u.kW)) * u.w_st0 + c * u.w_st1 + (t / u.kW) * u.w_st2 + (t % u.kW) * u.w_st3];
}
fn readB(b: i32, r: i32, p: i32) -> f32 {
  let t = r % (u.kH * u.kW);
  let th = p / u.W + u.pH - (t / u.kW) * u.dH;
  let tw = p % u.W + u.pW - (t % u.kW) * u.dW;
  if (th < 0 || tw < 0 || th % u.sH != 0 || tw % u.sW != 0) { return 0.0; }
  let oh = th / u.sH;
  let ow = tw / u.sW;
  if (oh >= u.outH || ow >= u.outW) { return 0.0; }
  return gy[u.g_off + (b / u.groups) * u.g_st0 + ((b % u.groups) * u.Og + r / (u.kH * u.kW)) * u.g_st1 + oh * u.g_st2 + ow * u.g_st3];
}`,
    vec4A: false,
    vec4B: false,
    groups,
  }, { batch: N * groups, M: Cg, N: H * W, K: Og * w.kernel[0] * w.kernel[1] }, options);
}

/** A plan's buffer references renumbered to sit inside a larger plan. */
function remap(plan: GpuPlan, inputs: readonly number[], outputs: readonly number[], tempBase: number): GpuPlan {
  const ref = (r: BufferRef): BufferRef =>
    r.from === 'input' ? { from: 'input', index: inputs[r.index] } : r.from === 'output' ? { from: 'output', index: outputs[r.index] } : { from: 'temp', index: tempBase + r.index };
  return {
    passes: plan.passes.map((p) => ({ program: p.program, inputs: p.inputs.map(ref), outputs: p.outputs.map(ref) })),
    temps: plan.temps,
  };
}

/**
 * Inputs (x [N, C, H, W], grad [N, O, outH, outW]), any strides; output 0 the contiguous weight
 * gradient [O, C/groups, kH, kW] and, with `withBias`, output 1 the bias gradient [O]. Temps as
 * the plan lists them (split-K slices, the bias sum's partials).
 */
export function conv2dWeightGrad(x: ViewMeta, grad: ViewMeta, w: Window2d, groups: number, withBias: boolean, options: GemmOptions = {}): GpuPlan {
  checkFloat('conv2dWeightGrad', x, grad);
  const [N, C, H, W] = x.shape;
  const O = grad.shape[1];
  const Cg = C / groups;
  const Og = O / groups;
  const L = w.output[0] * w.output[1];
  const weightPlan = gemmPlan({
    key: 'conv2d-weight-grad',
    type: 'f32',
    inputs: [{ name: 'x', type: 'f32' }, { name: 'gy', type: 'f32' }],
    uniforms: (u: Uniforms) => windowUniforms(u, w).view('x', x).view('g', grad).i32('H', H).i32('W', W).i32('Cg', Cg).i32('Og', Og).i32('L', L),
    // A(o, r): grad[n, g * Og + o, oh, ow] with r = (n, oh, ow); B(r, k): x at tap k = (c, ki, kj) of window (oh, ow).
    helpers: `${READ_X}
fn readA(b: i32, o: i32, r: i32) -> f32 {
  let l = r % u.L;
  return gy[u.g_off + (r / u.L) * u.g_st0 + (b * u.Og + o) * u.g_st1 + (l / u.outW) * u.g_st2 + (l % u.outW) * u.g_st3];
}
fn readB(b: i32, r: i32, k: i32) -> f32 {
  let l = r % u.L;
  let t = k % (u.kH * u.kW);
  return readX(r / u.L, b * u.Cg + k / (u.kH * u.kW),
               (l / u.outW) * u.sH - u.pH + (t / u.kW) * u.dH, (l % u.outW) * u.sW - u.pW + (t % u.kW) * u.dW);
}`,
    vec4A: false,
    vec4B: false,
  }, { batch: groups, M: Og, N: Cg * w.kernel[0] * w.kernel[1], K: N * L }, options);
  if (!withBias) return weightPlan;
  const biasPlan = remap(reduce('sum', grad, [0, 2, 3], 'float32'), [1], [1], weightPlan.temps.length);
  return { passes: [...weightPlan.passes, ...biasPlan.passes], temps: [...weightPlan.temps, ...biasPlan.temps] };
}
