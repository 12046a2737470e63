// One entry point for every thread: the JS side writes a job (kind and i32 fields) into a block
// of linear memory and splits it into `chunks`; each thread calls runJob and claims chunks from
// a shared counter until none are left. Claiming (not a fixed split) keeps a thread that the OS
// schedules late from holding up the others: whoever is running takes the remaining work.
// So that results do not depend on who ran what (nor on the thread count), a chunk writes only
// outputs of its own: a sum over chunks (the weight gradient's over images) gives each chunk its
// own partial sum, in chunks whose bounds do not depend on the thread count, added up in order.

import { sgemm, MR, NR } from './gemm';
import { claim } from './claim';
import { convForwardJob, convInputGradJob, convWeightGradJob } from './im2col-conv';
import { directForwardJob, directWeightGradJob } from './direct-conv';

export const JOB_GEMM: i32 = 1;
export const JOB_CONV_FORWARD: i32 = 2;
export const JOB_CONV_INPUT_GRAD: i32 = 3;
export const JOB_CONV_WEIGHT_GRAD: i32 = 4;
export const JOB_CONV_DIRECT_FORWARD: i32 = 5;
export const JOB_CONV_DIRECT_WEIGHT_GRAD: i32 = 6;

/**
 * Batched C[b] = A[b] B[b] (C contiguous [B, M, N]). Fields after the kind: B, M, N, K,
 * a, a's batch/row/column strides, b, its batch/row/column strides, c, scratch, chunks.
 * A chunk is a range of batches when there are enough, else of rows (or of columns when
 * N > M), in whole micro-tiles. K is never split: each element of C is summed over K in the
 * same order, however many chunks there are.
 */
function gemmJob(job: usize, counter: usize, scratch: usize): void {
  const B = load<i32>(job, 4), M = load<i32>(job, 8), N = load<i32>(job, 12), K = load<i32>(job, 16);
  const a = load<u32>(job, 20), sab = load<i32>(job, 24), sam = load<i32>(job, 28), sak = load<i32>(job, 32);
  const b = load<u32>(job, 36), sbb = load<i32>(job, 40), sbk = load<i32>(job, 44), sbn = load<i32>(job, 48);
  const c = load<u32>(job, 52);
  const chunks = load<i32>(job, 56);
  for (;;) {
    const id = claim(counter);
    if (id >= chunks) return;
    let b0 = 0, b1 = B, m0 = 0, m1 = M, n0 = 0, n1 = N;
    if (B >= chunks) {
      const size = (B + chunks - 1) / chunks;
      b0 = min(B, id * size);
      b1 = min(B, b0 + size);
    } else if (M >= N) {
      const size = ((M + chunks - 1) / chunks + MR - 1) / MR * MR;
      m0 = min(M, id * size);
      m1 = min(M, m0 + size);
    } else {
      const size = ((N + chunks - 1) / chunks + NR - 1) / NR * NR;
      n0 = min(N, id * size);
      n1 = min(N, n0 + size);
    }
    if (m0 >= m1 || n0 >= n1) continue;
    for (let i = b0; i < b1; i++) {
      sgemm(
        K,
        a + <usize>(i * sab) * 4, sam, sak,
        b + <usize>(i * sbb) * 4, sbk, sbn,
        c + <usize>(i * M * N) * 4, N,
        m0, m1, n0, n1, scratch,
      );
    }
  }
}

/** Run chunks of the job at `job`, claimed from the i32 at `counter`, with this thread's scratch. */
export function runJob(job: usize, counter: usize, scratch: usize): void {
  const kind = load<i32>(job);
  if (kind == JOB_GEMM) gemmJob(job, counter, scratch);
  else if (kind == JOB_CONV_FORWARD) convForwardJob(job, counter, scratch);
  else if (kind == JOB_CONV_INPUT_GRAD) convInputGradJob(job, counter, scratch);
  else if (kind == JOB_CONV_WEIGHT_GRAD) convWeightGradJob(job, counter, scratch);
  else if (kind == JOB_CONV_DIRECT_FORWARD) directForwardJob(job, counter, scratch);
  else if (kind == JOB_CONV_DIRECT_WEIGHT_GRAD) directWeightGradJob(job, counter, scratch);
}
