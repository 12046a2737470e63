// float32 batched matmul on the wasm kernels. Operands are copied into linear memory (O(n^2)
// against the O(n^3) product), unless a backward pass left them there (operands.ts): a view
// whose elements lie densely in its array (contiguous, transposed, batch-broadcast) is copied
// as one block and keeps its strides, so the kernel's packing reads every transpose form
// directly; a sparse view is gathered contiguous first.

import type { View } from '../backend.js';
import { jsBackend } from '../js/index.js';
import { Layout, isScratch } from './operands.js';
import { JOB_PTR, type Runtime } from './runtime.js';
import { runJob } from './threads.js';

const JOB_GEMM = 1;
/** Below this many flops a second thread costs more in wake-up than it saves. */
const PARALLEL_MIN_FLOPS = 1 << 21;

interface Staged {
  /** Element index (in the f32 heap) of the view's first element. */
  base: number;
  strides: number[];
}

/** The span of array elements a view touches: [lo, hi]. */
function span(v: View): [number, number] {
  let lo = v.offset;
  let hi = v.offset;
  for (let d = 0; d < v.shape.length; d++) {
    const reach = (v.shape[d] - 1) * v.strides[d];
    if (reach < 0) lo += reach;
    else hi += reach;
  }
  return [lo, hi];
}

/** Where v's elements go: read in place in the backward pass's scratch region, else a block copied in after commit. */
function place(mem: Layout, v: View): { staged: Staged; copy: (() => void) | null } {
  if (isScratch(v.data)) return { staged: { base: v.data.byteOffset / 4 + v.offset, strides: v.strides.slice() }, copy: null };
  const n = v.shape[0] * v.shape[1] * v.shape[2];
  const [lo, hi] = span(v);
  // Dense enough (contiguous, transposed, batch-broadcast): copy the span and keep the strides.
  if (hi - lo + 1 <= 2 * n + 1024 && v.data instanceof Float32Array) {
    const at = mem.take((hi - lo + 1) * 4);
    const data = v.data;
    return { staged: { base: at / 4 + v.offset - lo, strides: v.strides.slice() }, copy: () => mem.f32().set(data.subarray(lo, hi + 1), at / 4) };
  }
  const at = mem.take(n * 4);
  const [, R, C] = v.shape;
  return { staged: { base: at / 4, strides: [R * C, C, 1] }, copy: () => mem.f32().set(jsBackend.copy(v, 'float32'), at / 4) };
}

/** [B, M, K] x [B, K, N] in float32, or null when it does not fit in memory (use js). */
export function wasmMatmul(rt: Runtime, a: View, b: View): Float32Array | null {
  const [B, M, K] = a.shape;
  const N = b.shape[2];
  if (B * M * N === 0) return new Float32Array(0);
  const mem = new Layout(rt);
  const cAt = mem.output(B * M * N * 4);
  const pa = place(mem, a);
  const pb = place(mem, b);
  if (!mem.commit()) return null;
  pa.copy?.();
  pb.copy?.();
  const [sa, sb] = [pa.staged, pb.staged];
  const job = rt.i32;
  const j = JOB_PTR / 4;
  job[j] = JOB_GEMM;
  job[j + 1] = B;
  job[j + 2] = M;
  job[j + 3] = N;
  job[j + 4] = K;
  job[j + 5] = sa.base * 4;
  job[j + 6] = sa.strides[0];
  job[j + 7] = sa.strides[1];
  job[j + 8] = sa.strides[2];
  job[j + 9] = sb.base * 4;
  job[j + 10] = sb.strides[0];
  job[j + 11] = sb.strides[1];
  job[j + 12] = sb.strides[2];
  job[j + 13] = cAt;
  runJob(rt, 2 * B * M * N * K >= PARALLEL_MIN_FLOPS, (chunks) => (job[j + 14] = chunks));
  return mem.readF32(cAt, B * M * N);
}
