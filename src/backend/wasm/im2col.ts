// im2col / col2im on the wasm kernels (assembly/im2col.ts). LeNet's rows are 10-28 values long,
// where a JS loop spends most of its time on loop overhead; in wasm a unit-stride row moves four
// lanes at a time. The input is copied in once (it is small next to the columns it expands to).

import type { View, Window2d } from '../backend.js';
import { numel } from '../../tensor/shape.js';
import { Layout } from './operands.js';
import type { Runtime } from './runtime.js';

/** Below this many output values the JS loop is as fast as the copies. */
const CONV_MIN = 4096;

function geometry(N: number, C: number, H: number, W: number, w: Window2d): number[] {
  return [N, C, H, W, ...w.kernel, ...w.stride, ...w.padding, ...w.dilation, ...w.output];
}

/** F.unfold of float32 x [N, C, H, W]; null when not worth it or out of memory (use js). */
export function wasmIm2col(rt: Runtime, x: View, w: Window2d): Float32Array | null {
  const [N, C, H, W] = x.shape;
  const total = N * C * w.kernel[0] * w.kernel[1] * w.output[0] * w.output[1];
  if (total < CONV_MIN) return null;
  const mem = new Layout(rt);
  const outAt = mem.output(total * 4);
  const xAt = mem.input(x);
  if (!mem.commit()) return null;
  rt.exports.im2colF32(xAt, ...geometry(N, C, H, W, w), outAt);
  return mem.readF32(outAt, total);
}

/** F.fold of float32 cols [N, C*kH*kW, L] into [N, C, H, W]; null when not worth it (use js). */
export function wasmCol2im(rt: Runtime, cols: View, size: readonly [number, number], w: Window2d): Float32Array | null {
  const [N, rows] = cols.shape;
  const C = rows / (w.kernel[0] * w.kernel[1]);
  const [H, W] = size;
  const total = N * C * H * W;
  const n = numel(cols.shape);
  if (n < CONV_MIN) return null;
  const mem = new Layout(rt);
  const outAt = mem.output(total * 4);
  const colsAt = mem.input(cols);
  if (!mem.commit()) return null;
  rt.exports.col2imF32(colsAt, ...geometry(N, C, H, W, w), outAt);
  return mem.readF32(outAt, total);
}
