// Where a kernel call's operands go in linear memory, and how they get there. A call lays its
// operands out one after another from the operand base (after every thread's scratch area),
// each 64-byte aligned, copies them in, runs, and copies its result out; calls never overlap.

import type { View } from '../backend.js';
import { jsBackend } from '../js/index.js';
import { isContiguous, numel } from '../../tensor/shape.js';
import type { Runtime } from './runtime.js';
import { operandBase } from './threads.js';

/** Bytes rounded up to a whole 64-byte cache line. */
export const align64 = (bytes: number): number => Math.ceil(bytes / 64) * 64;

/** Lays out one call's operands from the operand base; `next` is where the layout ends. */
export class Layout {
  next: number;
  constructor(rt: Runtime) {
    this.next = operandBase(rt);
  }
  /** Byte address of a fresh `bytes`-long area. */
  take(bytes: number): number {
    const at = this.next;
    this.next += align64(bytes);
    return at;
  }
}

/** A float view's values as one contiguous array of its own type: the subarray where it is dense, else a copy. */
export function contiguousValues<T extends Float32Array | Float64Array>(v: View): T {
  const n = numel(v.shape);
  return (isContiguous(v.shape, v.strides) ? v.data.subarray(v.offset, v.offset + n) : jsBackend.copy(v, v.dtype)) as T;
}

/** Copy a float32 view, contiguous, into linear memory at byte `at`. */
export function stageF32(rt: Runtime, v: View, at: number): void {
  rt.f32.set(contiguousValues<Float32Array>(v), at / 4);
}
