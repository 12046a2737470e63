// Max pooling and ReLU's backward on the wasm kernels (assembly/pool.ts), float32 only. The js
// loops branch on every comparison, and on ReLU outputs (half zeros, half noise) those branches
// mispredict about half the time; the kernels select lane by lane instead. Operands are copied
// into linear memory (operands.ts), results copied out.

import type { View, Window2d } from '../backend.js';
import { numel } from '../../tensor/shape.js';
import { Layout } from './operands.js';
import type { Runtime } from './runtime.js';

/** Below this many values the js loop is as fast as the copies. */
export const POOL_MIN = 2048;

/** Values and indices of max pooling on float32 x [N, C, H, W]; null when not handled (use js). */
export function wasmMaxPool2d(rt: Runtime, x: View, w: Window2d): { values: Float32Array; indices: Float64Array } | null {
  const [N, C, H, W] = x.shape;
  const n = N * C * w.output[0] * w.output[1];
  if (n < POOL_MIN / 4) return null;
  const mem = new Layout(rt);
  const valuesAt = mem.output(n * 4);
  const indicesAt = mem.output(n * 8);
  const xAt = mem.input(x);
  if (!mem.commit()) return null;
  rt.exports.maxPool2dF32(xAt, N, C, H, W, ...w.kernel, ...w.stride, ...w.padding, ...w.dilation, ...w.output, valuesAt, indicesAt);
  return { values: mem.readF32(valuesAt, n), indices: mem.readF64(indicesAt, n) };
}

/** Max pooling's backward for float32 grad; null when not handled (use js). */
export function wasmMaxPool2dBackward(rt: Runtime, grad: View, indices: View, size: readonly [number, number]): Float32Array | null {
  const [N, C, outH, outW] = grad.shape;
  const L = outH * outW;
  const plane = size[0] * size[1];
  const n = N * C * L;
  if (n < POOL_MIN / 4 || !(indices.data instanceof Float64Array)) return null;
  const mem = new Layout(rt);
  const outAt = mem.output(N * C * plane * 4);
  const gradAt = mem.input(grad);
  const indicesAt = mem.input(indices);
  if (!mem.commit()) return null;
  rt.exports.maxPool2dBackwardF32(gradAt, indicesAt, N * C, L, plane, outAt);
  return mem.readF32(outAt, N * C * plane);
}

/** threshold_backward for float32 grad and self; null when not handled (use js). */
export function wasmThresholdBackward(rt: Runtime, grad: View, self: View, threshold: number): Float32Array | null {
  const n = numel(grad.shape);
  // The kernel compares in float32: only for thresholds float32 holds exactly (ReLU's 0).
  if (n < POOL_MIN || Math.fround(threshold) !== threshold) return null;
  const mem = new Layout(rt);
  const outAt = mem.output(n * 4);
  const gradAt = mem.input(grad);
  const selfAt = mem.input(self);
  if (!mem.commit()) return null;
  rt.exports.thresholdBackwardF32(gradAt, selfAt, threshold, outAt, n);
  return mem.readF32(outAt, n);
}
