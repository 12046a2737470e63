// Max pooling and ReLU's backward on the wasm kernels (assembly/pool.ts), float32 only. The js
// loops branch on every comparison, and on ReLU outputs (half zeros, half noise) those branches
// mispredict about half the time; the kernels select lane by lane instead. Operands are copied
// into linear memory after the per-thread scratch areas, results copied out.

import type { View, Window2d } from '../backend.js';
import { jsBackend } from '../js/index.js';
import { isContiguous, numel } from '../../tensor/shape.js';
import { SCRATCH_BASE, type Runtime } from './runtime.js';
import { plannedThreads } from './threads.js';

/** Below this many values the js loop is as fast as the copies. */
export const POOL_MIN = 2048;

const align = (bytes: number): number => Math.ceil(bytes / 64) * 64;
const base = (rt: Runtime): number => align(SCRATCH_BASE + plannedThreads(rt) * rt.scratchBytes);

/** A contiguous copy (or the subarray) of a view's values, of the view's own array type. */
function contiguousData<T extends Float32Array | Float64Array>(v: View, type: 'float32' | 'float64'): T {
  const n = numel(v.shape);
  return (isContiguous(v.shape, v.strides) ? v.data.subarray(v.offset, v.offset + n) : jsBackend.copy(v, type)) as T;
}

/** Values and indices of max pooling on float32 x [N, C, H, W]; null when not handled (use js). */
export function wasmMaxPool2d(rt: Runtime, x: View, w: Window2d): { values: Float32Array; indices: Float64Array } | null {
  const [N, C, H, W] = x.shape;
  const n = N * C * w.output[0] * w.output[1];
  const size = N * C * H * W;
  if (n < POOL_MIN / 4) return null;
  const xAt = base(rt);
  const valuesAt = xAt + align(size * 4);
  const indicesAt = valuesAt + align(n * 4);
  if (!rt.reserve(indicesAt + n * 8)) return null;
  rt.f32.set(contiguousData<Float32Array>(x, 'float32'), xAt / 4);
  rt.exports.maxPool2dF32(xAt, N, C, H, W, ...w.kernel, ...w.stride, ...w.padding, ...w.dilation, ...w.output, valuesAt, indicesAt);
  return { values: rt.f32.slice(valuesAt / 4, valuesAt / 4 + n), indices: rt.f64.slice(indicesAt / 8, indicesAt / 8 + n) };
}

/** Max pooling's backward for float32 grad; null when not handled (use js). */
export function wasmMaxPool2dBackward(rt: Runtime, grad: View, indices: View, size: readonly [number, number]): Float32Array | null {
  const [N, C, outH, outW] = grad.shape;
  const L = outH * outW;
  const plane = size[0] * size[1];
  const n = N * C * L;
  if (n < POOL_MIN / 4 || !(indices.data instanceof Float64Array)) return null;
  const gradAt = base(rt);
  const indicesAt = gradAt + align(n * 4);
  const outAt = indicesAt + align(n * 8);
  if (!rt.reserve(outAt + N * C * plane * 4)) return null;
  rt.f32.set(contiguousData<Float32Array>(grad, 'float32'), gradAt / 4);
  rt.f64.set(contiguousData<Float64Array>(indices, 'float64'), indicesAt / 8);
  rt.exports.maxPool2dBackwardF32(gradAt, indicesAt, N * C, L, plane, outAt);
  return rt.f32.slice(outAt / 4, outAt / 4 + N * C * plane);
}

/** threshold_backward for float32 grad and self; null when not handled (use js). */
export function wasmThresholdBackward(rt: Runtime, grad: View, self: View, threshold: number): Float32Array | null {
  const n = numel(grad.shape);
  // The kernel compares in float32: only for thresholds float32 holds exactly (ReLU's 0).
  if (n < POOL_MIN || Math.fround(threshold) !== threshold) return null;
  const gradAt = base(rt);
  const selfAt = gradAt + align(n * 4);
  const outAt = selfAt + align(n * 4);
  if (!rt.reserve(outAt + n * 4)) return null;
  const heap = rt.f32;
  heap.set(contiguousData<Float32Array>(grad, 'float32'), gradAt / 4);
  heap.set(contiguousData<Float32Array>(self, 'float32'), selfAt / 4);
  rt.exports.thresholdBackwardF32(gradAt, selfAt, threshold, outAt, n);
  return heap.slice(outAt / 4, outAt / 4 + n);
}
