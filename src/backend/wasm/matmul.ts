// float32 batched matmul on the wasm kernels. Operands are copied into linear memory (O(n^2)
// against the O(n^3) product): a view whose elements lie densely in its array (contiguous,
// transposed, batch-broadcast) is copied as one block and keeps its strides, so the kernel's
// packing reads every transpose form directly; a sparse view is gathered contiguous first.

import type { View } from '../backend.js';
import { jsBackend } from '../js/index.js';
import { align64 } from './operands.js';
import { JOB_PTR, type Runtime } from './runtime.js';
import { operandBase, runJob } from './threads.js';

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

/** Bytes the staged copy of v needs, and how to make it. */
function plan(v: View): { bytes: number; dense: boolean; lo: number; hi: number } {
  const n = v.shape[0] * v.shape[1] * v.shape[2];
  const [lo, hi] = span(v);
  const dense = hi - lo + 1 <= 2 * n + 1024 && v.data instanceof Float32Array;
  return { bytes: align64((dense ? hi - lo + 1 : n) * 4), dense, lo, hi };
}

function stage(rt: Runtime, v: View, p: ReturnType<typeof plan>, at: number): Staged {
  const heap = rt.f32;
  const e = at / 4;
  if (p.dense) {
    heap.set((v.data as Float32Array).subarray(p.lo, p.hi + 1), e);
    return { base: e + v.offset - p.lo, strides: v.strides.slice() };
  }
  heap.set(jsBackend.copy(v, 'float32'), e);
  const [, R, C] = v.shape;
  return { base: e, strides: [R * C, C, 1] };
}

/** [B, M, K] x [B, K, N] in float32, or null when it does not fit in memory (use js). */
export function wasmMatmul(rt: Runtime, a: View, b: View): Float32Array | null {
  const [B, M, K] = a.shape;
  const N = b.shape[2];
  const out = new Float32Array(B * M * N);
  if (out.length === 0) return out;
  const pa = plan(a);
  const pb = plan(b);
  const aAt = operandBase(rt);
  const bAt = aAt + pa.bytes;
  const cAt = bAt + pb.bytes;
  if (!rt.reserve(cAt + out.length * 4)) return null;
  const sa = stage(rt, a, pa, aAt);
  const sb = stage(rt, b, pb, bAt);
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
  out.set(rt.f32.subarray(cAt / 4, cAt / 4 + out.length));
  return out;
}
