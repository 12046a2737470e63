// Where a kernel call's operands go in linear memory, and how they get there. A call lays out
// its outputs and inputs, commits (memory grows to fit, inputs are copied in), runs, and reads
// its outputs out into fresh typed arrays; calls never overlap. Areas are laid out one after
// another, 64-byte aligned, past the operand base (after every thread's scratch) and the
// backward pass's scratch region.
//
// Inside a backward pass (autograd brackets it with wasmBackend.scratch) outputs are instead
// bump-allocated in that region and handed out as views of linear memory: the gradients a pass
// makes are mostly read once, by the next rule, so copying each out into a fresh array (and
// its input copied back in) was wasted. The region is reclaimed when the pass ends; autograd
// copies out any gradient that leaves the pass (a hook's, a leaf's .grad, autograd.grad's).
// Only with shared memory: growing private memory would detach the views.

import type { View } from '../backend.js';
import type { TypedArray } from '../../tensor/dtype.js';
import { jsBackend } from '../js/index.js';
import { isContiguous, numel } from '../../tensor/shape.js';
import type { Runtime } from './runtime.js';
import { operandBase, pinThreads } from './threads.js';

/** Bytes rounded up to a whole 64-byte cache line. */
const align64 = (bytes: number): number => Math.ceil(bytes / 64) * 64;

/** Bytes of the backward pass's scratch region (a LeNet step's backward uses about 4 MB). */
const SCRATCH_REGION_BYTES = 64 << 20;

/** The backward pass's scratch region: nesting depth, pauses, bytes handed out, and the buffers its views are on. */
const region = { depth: 0, paused: 0, used: 0, base: 0, buffers: new WeakSet<ArrayBufferLike>() };

/** Enter a backward pass (passes nest: the region is reclaimed when the outermost ends). */
export function beginScratch(rt: Runtime): void {
  if (region.depth++ > 0 || !rt.shared) return;
  pinThreads(rt);
  region.base = operandBase(rt);
  region.used = 0;
}

export function endScratch(rt: Runtime): void {
  if (--region.depth > 0 || !rt.shared) return;
  pinThreads(null);
  region.used = 0;
}

/** Outputs go to fresh arrays until resumed (a user's hook runs: what it computes may be kept). */
export function pauseScratch(): void {
  region.paused++;
}

export function resumeScratch(): void {
  region.paused--;
}

/** Whether data is a view of the scratch region (autograd copies it before it leaves a pass). */
export function isScratch(data: TypedArray): boolean {
  return region.buffers.has(data.buffer) && data.byteOffset >= region.base && data.byteOffset < region.base + SCRATCH_REGION_BYTES;
}

/** One kernel call's operands. */
export class Layout {
  /** Where the layout starts (past the scratch region: an output below it lies in the region) and ends. */
  private readonly start: number;
  next: number;
  private readonly copies: { view: View; at: number }[] = [];

  constructor(private readonly rt: Runtime) {
    this.start = this.next = operandBase(rt) + (rt.shared ? SCRATCH_REGION_BYTES : 0);
  }

  /** Byte address of a fresh `bytes`-long area. */
  take(bytes: number): number {
    const at = this.next;
    this.next += align64(bytes);
    return at;
  }

  /** Byte address for an output: in the scratch region inside a backward pass, where it fits. */
  output(bytes: number): number {
    const size = align64(bytes);
    if (region.depth === 0 || region.paused > 0 || !this.rt.shared || region.used + size > SCRATCH_REGION_BYTES) return this.take(bytes);
    const at = region.base + region.used;
    region.used += size;
    return at;
  }

  /** Byte address of float view v as the kernels read it (contiguous): in place in the scratch region, else an area commit copies it to. */
  input(v: View): number {
    if (isScratch(v.data) && isContiguous(v.shape, v.strides)) return v.data.byteOffset + v.offset * v.data.BYTES_PER_ELEMENT;
    const at = this.take(numel(v.shape) * v.data.BYTES_PER_ELEMENT);
    this.copies.push({ view: v, at });
    return at;
  }

  /** Grow memory to the layout (and the scratch region) and copy the inputs in; false when memory is short (use js). */
  commit(): boolean {
    if (!this.rt.reserve(this.next)) return false;
    for (const { view, at } of this.copies) {
      const values = contiguousValues(view);
      if (values instanceof Float64Array) this.rt.f64.set(values, at / 8);
      else this.rt.f32.set(values, at / 4);
    }
    return true;
  }

  /** The float32 view of the whole memory (for operands a caller copies in itself, after commit). */
  f32(): Float32Array {
    return this.rt.f32;
  }

  /** The n floats at `at`: a view where it is in the scratch region, else a fresh copy. */
  readF32(at: number, n: number): Float32Array {
    if (at < this.start) return this.scratchView(Float32Array, at, n);
    return this.rt.f32.slice(at / 4, at / 4 + n);
  }

  readF64(at: number, n: number): Float64Array {
    if (at < this.start) return this.scratchView(Float64Array, at, n);
    return this.rt.f64.slice(at / 8, at / 8 + n);
  }

  private scratchView<T extends Float32Array | Float64Array>(Type: new (b: ArrayBufferLike, at: number, n: number) => T, at: number, n: number): T {
    const buffer = this.rt.memory.buffer;
    region.buffers.add(buffer);
    return new Type(buffer, at, n);
  }
}

/** A float view's values as one contiguous array of its own type: the subarray where it is dense, else a copy. */
function contiguousValues<T extends Float32Array | Float64Array>(v: View): T {
  const n = numel(v.shape);
  return (isContiguous(v.shape, v.strides) ? v.data.subarray(v.offset, v.offset + n) : jsBackend.copy(v, v.dtype)) as T;
}
