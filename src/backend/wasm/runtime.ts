// The one wasm instance of the main thread and the layout of its linear memory. The kernel
// build is chosen once: relaxed SIMD (fused multiply-add, about 1.5x the matmul throughput)
// where the engine validates it, else plain SIMD128; shared memory where threads can use it
// (worker threads exist and this thread may block in Atomics.wait), else private memory.
//
// Layout (bytes): [0, 256) control words for the thread pool, [256, 512) the job block that
// runJob reads, then per-thread kernel scratch (thread id at SCRATCH_BASE + id * scratchBytes),
// then the operands of the current call. Each
// call lays out its operands from scratch; calls never overlap (kernels are synchronous).

import { platform } from '#wasm-platform';
import { wasmBinaries, type WasmVariant } from './binary.js';

export interface KernelExports {
  /** Run chunks of the job at `job`, claimed from the i32 at byte `counter`, using `scratch`. */
  runJob(job: number, counter: number, scratch: number): void;
  /** Bytes of per-thread scratch any job needs (gemm packing buffers, a convolution column tile). */
  threadScratchBytes(): number;
  /** Whether the direct convolution's tables for the job in the job block fit a thread's scratch (forward 1, weight gradient 0). */
  directConvFits(job: number, forward: number): number;
  /** out[i] = a[i] op b[i % p], op 0..3 = add, sub, mul, div (float32, byte addresses). */
  binaryF32(op: number, a: number, b: number, p: number, out: number, n: number): void;
  reluF32(x: number, out: number, n: number): void;
  /** out[i] += alpha * x[i] in float32, rounded as mul then add. */
  axpyF32(out: number, x: number, alpha: number, n: number): void;
  /**
   * im2col / col2im in float32: (input address, N, C, H, W, kH, kW, strides, paddings,
   * dilations, outH, outW, output address), the geometry of Window2d; input contiguous.
   */
  im2colF32(...args: number[]): void;
  col2imF32(...args: number[]): void;
  /**
   * Max pooling of contiguous float32 x: (x address, N, C, H, W, kH, kW, strides, paddings,
   * dilations, outH, outW, values address (f32), indices address (f64)).
   */
  maxPool2dF32(...args: number[]): void;
  /** Zero `out` (NC planes of `plane` f32) and add grad (f32) at indices (f64), L per plane. */
  maxPool2dBackwardF32(grad: number, indices: number, NC: number, L: number, plane: number, out: number): void;
  /** out[i] = self[i] <= threshold ? 0 : grad[i] in float32. */
  thresholdBackwardF32(grad: number, self: number, threshold: number, out: number, n: number): void;
}

/**
 * Int32 indices of the control words (shared with the worker source): the job generation,
 * the job state (threads inside it, plus CLOSED once the main thread is done claiming), the
 * chunk counter, an error flag, how many times a worker joined a job (for tests), the number
 * of threads (ids) this job may use (the scratch areas laid out for it), and one ready word
 * per worker.
 */
export const CTL = { gen: 0, state: 1, next: 2, error: 3, joined: 4, active: 5, ready: 16 } as const;
export const CLOSED = 1 << 30;
export const MAX_THREADS = 64;
export const JOB_PTR = 256;
export const SCRATCH_BASE = 4096;
const PAGE = 65536;
/** Pages the shared memory may grow to (1 GiB); the binary declares the same maximum. */
export const SHARED_MAX_PAGES = 16384;
const PRIVATE_MAX_PAGES = 65536;

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/**
 * Relaxed SIMD is on by default from V8 11.4 (Chrome 114, Node 22). Node 20 has it behind a
 * flag, which we turn on for this process before compiling (it only adds wasm opcodes).
 */
function relaxedAvailable(): boolean {
  const probe = decode(wasmBinaries.relaxed);
  if (WebAssembly.validate(probe)) return true;
  return platform.setEngineFlags('--experimental-wasm-relaxed-simd') && WebAssembly.validate(probe);
}

/**
 * V8 first compiles wasm with its baseline compiler (Liftoff) and swaps in optimized code only
 * after a function has run a while, between calls. A long matmul is one call, so a process could
 * measure 8 GFLOP/s where the optimized kernel gives 30 (seen in bench runs). Our module is small:
 * in Node, compile it optimized from the start. (Browsers tier up on their own terms.)
 */
function compileOptimized(): void {
  platform.setEngineFlags('--no-liftoff');
}

/** Whether this thread may block (Atomics.wait throws on a browser's main thread). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

function workersAvailable(): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && platform.workersAvailable();
}

export class Runtime {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly exports: KernelExports;
  /** Shared memory: worker threads can join. */
  readonly shared: boolean;
  readonly variant: WasmVariant;
  readonly scratchBytes: number;
  private f32View = new Float32Array(0);
  private i32View = new Int32Array(0);
  private f64View = new Float64Array(0);

  constructor() {
    const relaxed = relaxedAvailable();
    let memory: WebAssembly.Memory | null = null;
    if (workersAvailable() && canBlock()) {
      try {
        memory = new WebAssembly.Memory({ initial: 64, maximum: SHARED_MAX_PAGES, shared: true });
      } catch {
        memory = null; // shared memory refused (e.g. not cross-origin isolated)
      }
    }
    this.shared = memory !== null;
    this.memory = memory ?? new WebAssembly.Memory({ initial: 64, maximum: PRIVATE_MAX_PAGES });
    this.variant = `${relaxed ? 'relaxed' : 'simd'}${this.shared ? '-shared' : ''}` as WasmVariant;
    compileOptimized();
    this.module = new WebAssembly.Module(decode(wasmBinaries[this.variant]));
    const instance = new WebAssembly.Instance(this.module, { env: { memory: this.memory } });
    this.exports = instance.exports as unknown as KernelExports;
    this.scratchBytes = this.exports.threadScratchBytes();
  }

  /** Grow the memory to at least `bytes`; false when it cannot (the caller falls back to js). */
  reserve(bytes: number): boolean {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return true;
    try {
      this.memory.grow(Math.ceil((bytes - have) / PAGE));
      return true;
    } catch {
      return false;
    }
  }

  /** Views of the whole memory, renewed after growth. */
  get f32(): Float32Array {
    if (this.f32View.byteLength !== this.memory.buffer.byteLength) {
      this.f32View = new Float32Array(this.memory.buffer);
    }
    return this.f32View;
  }
  get f64(): Float64Array {
    if (this.f64View.byteLength !== this.memory.buffer.byteLength) {
      this.f64View = new Float64Array(this.memory.buffer);
    }
    return this.f64View;
  }
  get i32(): Int32Array {
    if (this.i32View.byteLength !== this.memory.buffer.byteLength) {
      this.i32View = new Int32Array(this.memory.buffer);
    }
    return this.i32View;
  }
}

let runtime: Runtime | null | undefined;

/** The main thread's runtime, compiled on first use; null where wasm SIMD is unavailable. */
export function getRuntime(): Runtime | null {
  if (runtime === undefined) {
    try {
      runtime = wasmSimdSupported() ? new Runtime() : null;
    } catch {
      runtime = null;
    }
  }
  return runtime;
}

/** Whether this engine runs wasm SIMD128 (every current browser and Node >= 16). */
export function wasmSimdSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(decode(wasmBinaries.simd));
}
