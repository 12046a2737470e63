// log_softmax along one dim (Backend.logSoftmax), PyTorch's CPU formula per slice:
// x - max - log(sum(exp(x - max))), with max NaN if the slice holds a NaN (so NaN or +inf
// anywhere makes the whole slice NaN). One thread per slice up to 64 elements, else one
// workgroup per slice with fixed trees for the max and the sum.

import { numel } from '../../../tensor/shape.js';
import type { ViewMeta } from '../program.js';
import { alongDim, foldGrid, makeProgram, singlePass, stridedOffsets, Uniforms, type GpuPlan } from './builder.js';

/** Input 0 is x (float32), output 0 the contiguous float32 result of x's shape. */
export function logSoftmax(x: ViewMeta, dim: number): GpuPlan {
  if (x.dtype !== 'float32') throw new TypeError(`webgpu logSoftmax: expected float32, got ${x.dtype}`);
  const a = alongDim(x, dim);
  const groups = numel(a.kept);
  if (groups === 0 || a.size === 0) return { passes: [], temps: [] };
  const threads = a.size <= 64 ? 1 : a.size >= 4096 ? 256 : 64;
  const u = new Uniforms()
    .shape('ks', a.kept).view('xk', { strides: a.xStrides, offset: x.offset }).view('ok', { strides: a.outStrides, offset: 0 })
    .i32('xd', a.xDim).i32('od', a.outDim).i32('size', a.size).i32('outputs', groups);
  // SwiftShader's exp and log of NaN are not NaN: NaN is passed through by hand.
  const maxFn = `fn maxNan(a: f32, b: f32) -> f32 { if (isNan(a) || isNan(b)) { return nanF32(); } return select(a, b, b > a); }
fn expNan(d: f32) -> f32 { return select(exp(d), d, isNan(d)); }
fn logNan(s: f32) -> f32 { return select(log(s), s, isNan(s)); }`;
  const body = threads === 1
    ? `
  let o = flatGroup(wid, nwg) * 64 + i32(lidx);
  if (o >= u.outputs) { return; }
${stridedOffsets('o', a.kept.length, 'ks', ['xk', 'ok'])}
  var m = -infF32();
  for (var j = 0; j < u.size; j++) { m = maxNan(m, x[xk + j * u.xd]); }
  var sum = 0.0;
  for (var j = 0; j < u.size; j++) { sum += expNan(x[xk + j * u.xd] - m); }
  let ls = logNan(sum);
  for (var j = 0; j < u.size; j++) { out[ok + j * u.od] = x[xk + j * u.xd] - m - ls; }`
    : `
  let g = flatGroup(wid, nwg);
  if (g >= u.outputs) { return; }
${stridedOffsets('g', a.kept.length, 'ks', ['xk', 'ok'])}
  let t = i32(lidx);
  var m = -infF32();
  for (var j = t; j < u.size; j += ${threads}) { m = maxNan(m, x[xk + j * u.xd]); }
  partial[t] = m;
  workgroupBarrier();
  for (var width = ${threads / 2}; width > 0; width = width / 2) {
    if (t < width) { partial[t] = maxNan(partial[t], partial[t + width]); }
    workgroupBarrier();
  }
  let mx = partial[0];
  workgroupBarrier();
  var sum = 0.0;
  for (var j = t; j < u.size; j += ${threads}) { sum += expNan(x[xk + j * u.xd] - mx); }
  partial[t] = sum;
  workgroupBarrier();
  for (var width = ${threads / 2}; width > 0; width = width / 2) {
    if (t < width) { partial[t] = partial[t] + partial[t + width]; }
    workgroupBarrier();
  }
  let ls = logNan(partial[0]);
  for (var j = t; j < u.size; j += ${threads}) { out[ok + j * u.od] = x[xk + j * u.xd] - mx - ls; }`;
  return singlePass(makeProgram({
    key: `logsoftmax|k${a.kept.length}|t${threads}`,
    inputs: [{ name: 'x', type: 'f32' }],
    outputs: [{ name: 'out', type: 'f32' }],
    uniforms: u,
    workgroupSize: threads === 1 ? 64 : threads,
    grid: foldGrid(threads === 1 ? Math.ceil(groups / 64) : groups),
    helpers: `${maxFn}${threads === 1 ? '' : `\nvar<workgroup> partial: array<f32, ${threads}>;`}`,
    body,
  }));
}
