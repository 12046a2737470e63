// Large float32 elementwise ops on the wasm kernels. A JS loop costs a few nanoseconds per
// element, a block copy a tenth of that: so for big operands (an optimizer update over every
// weight) copying in, running SIMD and copying out beats the loop. Small ones stay in js,
// where the call costs less than the copies.

import type { BinaryOp, View } from '../backend.js';
import { period } from '../js/fast.js';
import { numel, type Shape } from '../../tensor/shape.js';
import { Layout } from './operands.js';
import type { Runtime } from './runtime.js';

/** Below this many elements the js loop is as fast as the copies. */
export const ELEMENTWISE_MIN = 2048;

const OPS: Partial<Record<BinaryOp, number>> = { add: 0, sub: 1, mul: 2, div: 3 };

/** The n elements of v from its offset on, as a flat view (v repeats them with period n). */
function flat(v: View, n: number): View {
  return { ...v, shape: [n], strides: [1] };
}

/** a op b for float32 a (contiguous) and b (contiguous or a repeated block); null if not handled. */
export function wasmBinary(rt: Runtime, op: BinaryOp, a: View, b: View, shape: Shape, n: number): Float32Array | null {
  const code = OPS[op];
  if (code === undefined || n < ELEMENTWISE_MIN) return null;
  let pa = period(shape, a.strides);
  let pb = period(shape, b.strides);
  if (pa !== n && (op === 'add' || op === 'mul')) {
    [a, b] = [b, a];
    [pa, pb] = [pb, pa];
  }
  if (pa !== n || pb === 0 || n % pb !== 0) return null;
  const mem = new Layout(rt);
  const outAt = mem.output(n * 4);
  const aAt = mem.input(flat(a, n));
  const bAt = mem.input(flat(b, pb));
  if (!mem.commit()) return null;
  rt.exports.binaryF32(code, aAt, bAt, pb, outAt, n);
  return mem.readF32(outAt, n);
}

/** out += x for n float32 values already in linear memory (in place: each lane is read before it is written). */
export function addInMemory(rt: Runtime, outAt: number, xAt: number, n: number): void {
  rt.exports.binaryF32(OPS.add!, outAt, xAt, n, outAt, n);
}

/** relu of a contiguous float32 view; null if not handled. */
export function wasmRelu(rt: Runtime, x: View, n: number): Float32Array | null {
  if (n < ELEMENTWISE_MIN || period(x.shape, x.strides) !== n) return null;
  const mem = new Layout(rt);
  const outAt = mem.output(n * 4);
  const xAt = mem.input(flat(x, n));
  if (!mem.commit()) return null;
  rt.exports.reluF32(xAt, outAt, n);
  return mem.readF32(outAt, n);
}

/** In place out += alpha * x for contiguous float32 views (the optimizer update); false if not handled. */
export function wasmAxpy(rt: Runtime, out: View, x: View, alpha: number): boolean {
  const n = numel(out.shape);
  if (n < ELEMENTWISE_MIN || period(out.shape, out.strides) !== n || period(x.shape, x.strides) !== n) return false;
  const mem = new Layout(rt);
  // out is updated in an area of its own and copied back: it may be anywhere, a leaf's .grad say.
  const outAt = mem.take(n * 4);
  const xAt = mem.input(flat(x, n));
  if (!mem.commit()) return false;
  const o = out.data as Float32Array;
  rt.f32.set(o.subarray(out.offset, out.offset + n), outAt / 4);
  rt.exports.axpyF32(outAt, xAt, Math.fround(alpha), n);
  o.set(rt.f32.subarray(outAt / 4, outAt / 4 + n), out.offset);
  return true;
}
