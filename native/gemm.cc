// The sgemm driver: blocking, packing, and the thread split. Loops (BLIS's order with A as the
// broadcast operand): for each block of NC columns, each KC slice of K, each MR-row panel of A
// (packed, stays in L1), each NR-column panel of B (packed once per call, streamed from L2).
#include <algorithm>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "buffer.h"
#include "cpu.h"
#include "gemm.h"
#include "threads.h"

namespace dlab {

namespace {
// 512: an 8 x 512 panel of A (16 KB) stays in L1, C is loaded once for K <= 512; measured 3-5%
// faster than 256 on Zen 4.
constexpr int64_t kKc = 512;
constexpr int64_t kNc = 512;
/**
 * Below this many flops a product stays on one thread. Alone, a 12.8 MFLOP product runs 0.8x the
 * time on 2 threads (scripts/bench-gemm-threads.ts), but inside a training step the split leaves
 * its output and packed operands in both cores' caches, and the next ops (the optimizer's update,
 * the next layer) read them across cores: the MNIST MLP's step (784-128-10, batch 64, products of
 * 12.8 MFLOP; scripts/profile-mlp-step.ts) took 0.554 ms on 2 threads with 2^21 here, 0.479 ms on
 * 1 thread and 0.401 ms on 2 threads with 2^24 (2-core Xeon, AVX-512).
 */
constexpr int64_t kParallelMinFlops = int64_t(1) << 24;
}  // namespace

FloatBuffer& thread_buffer(int /*thread*/, int which) {
  // Per OS thread: a Node worker thread running kernels beside the main one has its own.
  thread_local FloatBuffer buffers[4];
  return buffers[which];
}

#if defined(__x86_64__)
/** dst[i * ld + j] = src[j * cs + i] for an 8 x 8 block: 8 source rows (B's columns) read along k. */
__attribute__((target("avx2,fma"))) void transpose8(const float* src, int64_t cs, float* dst, int64_t ld) {
  __m256 r[8];
  for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(src + i * cs);
  __m256 t[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  __m256 u[8];
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 4; i++) {
    _mm256_storeu_ps(dst + i * ld, _mm256_permute2f128_ps(u[i], u[i + 4], 0x20));
    _mm256_storeu_ps(dst + (i + 4) * ld, _mm256_permute2f128_ps(u[i], u[i + 4], 0x31));
  }
}

/** The transposed panel (B's columns contiguous along k) in 8 x 8 blocks; returns the k where the scalar tail starts. */
__attribute__((target("avx2,fma"))) static int64_t pack_b_transposed_avx2(const float* src, int64_t cs, int64_t K, int64_t w, int nr, float* dst) {
  const int64_t k8 = K / 8 * 8, w8 = w / 8 * 8;
  for (int64_t k = 0; k < k8; k += 8)
    for (int64_t t = 0; t < w8; t += 8) transpose8(src + t * cs + k, cs, dst + k * nr + t, nr);
  // Columns past the last whole block of 8, all k; then the caller's tail rows.
  for (int64_t t = w8; t < w; t++)
    for (int64_t k = 0; k < k8; k++) dst[k * nr + t] = src[t * cs + k];
  for (int64_t t = w; t < nr; t++)
    for (int64_t k = 0; k < k8; k++) dst[k * nr + t] = 0.0f;
  return k8;
}
#endif

void pack_b(Strided B, int64_t K, int64_t N, int64_t j0, int64_t j1, int nr, float* dst) {
  for (int64_t j = j0; j < j1; j += nr, dst += K * nr) {
    int64_t w = std::min<int64_t>(nr, N - j);
    const float* src = B.p + j * B.cs;
    if (B.cs == 1) {
      for (int64_t k = 0; k < K; k++) {
        float* d = dst + k * nr;
        std::memcpy(d, src + k * B.rs, w * sizeof(float));
        for (int64_t t = w; t < nr; t++) d[t] = 0.0f;
      }
    } else {
      // Columns read along k (a transposed view: each column is a contiguous row of the source),
      // in 8 x 8 register transposes where AVX2 is there, else 64 k at a time so that the rows
      // written stay in L1.
      int64_t done = 0;
#if defined(__x86_64__)
      if (B.rs == 1 && cpu_isa() != Isa::Portable) done = pack_b_transposed_avx2(src, B.cs, K, w, nr, dst);
#endif
      for (int64_t k0 = done; k0 < K; k0 += 64) {
        int64_t k1 = std::min<int64_t>(K, k0 + 64);
        for (int64_t t = 0; t < w; t++) {
          const float* col = src + t * B.cs;
          for (int64_t k = k0; k < k1; k++) dst[k * nr + t] = col[k * B.rs];
        }
        for (int64_t t = w; t < nr; t++)
          for (int64_t k = k0; k < k1; k++) dst[k * nr + t] = 0.0f;
      }
    }
  }
}

/** Rows [i0, i0 + rows) of A, columns [k0, k0 + kc), into dst[k][mr], zero past the rows. */
static void pack_a(Strided A, int64_t i0, int64_t rows, int64_t k0, int64_t kc, int mr, float* dst) {
  const float* src = A.p + i0 * A.rs + k0 * A.cs;
  if (rows < mr) std::memset(dst, 0, kc * mr * sizeof(float));
#if defined(__x86_64__)
  // Row-major A in whole panels of 8 rows: 8 x 8 register transposes (a scalar transpose costs
  // about a tenth of a large product's time), the last k % 8 columns below.
  if (A.cs == 1 && mr == 8 && rows == 8 && cpu_isa() != Isa::Portable) {
    const int64_t k8 = kc / 8 * 8;
    for (int64_t k = 0; k < k8; k += 8) transpose8(src + k, A.rs, dst + k * 8, 8);
    for (int64_t i = 0; i < 8; i++)
      for (int64_t k = k8; k < kc; k++) dst[k * 8 + i] = src[i * A.rs + k];
    return;
  }
#endif
  if (A.rs == 1) {
    // A transposed view (a weight gradient's gy^T): each k's rows are contiguous already.
    for (int64_t k = 0; k < kc; k++) std::memcpy(dst + k * mr, src + k * A.cs, rows * sizeof(float));
    return;
  }
  for (int64_t i = 0; i < rows; i++) {
    const float* row = src + i * A.rs;
    if (A.cs == 1)
      for (int64_t k = 0; k < kc; k++) dst[k * mr + i] = row[k];
    else
      for (int64_t k = 0; k < kc; k++) dst[k * mr + i] = row[k * A.cs];
  }
}

void pack_a_panels(Strided A, int64_t M, int64_t K, int mr, float* dst) {
  for (int64_t i = 0; i < M; i += mr, dst += K * mr) pack_a(A, i, std::min<int64_t>(mr, M - i), 0, K, mr, dst);
}

/** K slices of gemm_prepacked: a 32-wide B panel's slice in 24 KiB of L1. */
constexpr int64_t kPrepackedKc = 192;

/** An empty product: C is zero for K = 0 (kept when accumulating). True when there is nothing left to do. */
static bool nothing_to_multiply(int64_t M, int64_t N, int64_t K, float* C, int64_t ldc, bool accumulate) {
  if (M <= 0 || N <= 0) return true;
  if (K != 0) return false;
  if (!accumulate)
    for (int64_t i = 0; i < M; i++) std::memset(C + i * ldc, 0, N * sizeof(float));
  return true;
}

void gemm_prepacked(const MicroKernel& mk, int64_t M, int64_t N, int64_t K, const float* Ap, const float* Bp, float* C, int64_t ldc, bool accumulate) {
  if (nothing_to_multiply(M, N, K, C, ldc, accumulate)) return;
  const int mr = mk.mr, nr = mk.nr;
  float edge[32 * 32];
  // Equal slices (676 = 4 x 169), so none is a sliver.
  const int64_t slices = (K + kPrepackedKc - 1) / kPrepackedKc;
  for (int64_t s = 0; s < slices; s++) {
    const int64_t pc = s * K / slices, kc = (s + 1) * K / slices - pc;
    const bool load = accumulate || s > 0;
    for (int64_t j = 0; j < N; j += nr) {
      const int64_t cols = std::min<int64_t>(nr, N - j);
      const float* bp = Bp + (j / nr) * K * nr + pc * nr;
      for (int64_t i = 0; i < M; i += mr) {
        const int64_t rows = std::min<int64_t>(mr, M - i);
        const float* ap = Ap + (i / mr) * K * mr + pc * mr;
        float* c = C + i * ldc + j;
        if (rows == mr && cols == nr) {
          mk.run(kc, ap, bp, c, ldc, load);
        } else {
          if (load)
            for (int64_t r = 0; r < rows; r++) std::memcpy(edge + r * nr, c + r * ldc, cols * sizeof(float));
          mk.run(kc, ap, bp, edge, nr, load);
          for (int64_t r = 0; r < rows; r++) std::memcpy(c + r * ldc, edge + r * nr, cols * sizeof(float));
        }
      }
    }
  }
}

/**
 * Whether gemm_packed reads whole row panels of A in place: A row-major, and N <= 256, where each
 * panel meets at most 8 column panels and transposing it cost 13% of a 1000x784x128 product (the
 * in-place read measured 5-7% faster there). Wider products keep the packed panel, which stays in
 * L1 across many column panels and avoids 4 KiB-strided rows aliasing in the cache.
 */
static bool gemm_direct_a(const MicroKernel& mk, Strided A, int64_t N) {
  return mk.run_rows != nullptr && A.cs == 1 && N <= 256;
}

void gemm_packed(const MicroKernel& mk, int64_t M, int64_t N, int64_t K, Strided A, const float* Bp, float* C, int64_t ldc, bool accumulate, int thread) {
  if (nothing_to_multiply(M, N, K, C, ldc, accumulate)) return;
  const int mr = mk.mr, nr = mk.nr;
  float edge[32 * 32];  // a partial tile (rows < mr or columns < nr) goes through here
  // Whole row panels of a row-major A are read in place where A would otherwise be transposed
  // for only a few column panels (gemm_direct_a).
  const bool direct = gemm_direct_a(mk, A, N);
  // One column panel read in place: nothing in L1 to reuse, so K is not cut (each row of A then
  // streams whole, which measured 20% faster on a 16 x 6400 x 4096 product bound by memory).
  const int64_t kc_step = direct && N <= nr ? K : kKc;
  float* apack = thread_buffer(thread, 0).get(kc_step * mr);  // the row tail's panel is packed even then

  for (int64_t jc = 0; jc < N; jc += kNc) {
    int64_t nc = std::min(kNc, N - jc);
    for (int64_t pc = 0; pc < K; pc += kc_step) {
      int64_t kc = std::min(kc_step, K - pc);
      bool load = accumulate || pc > 0;
      for (int64_t i = 0; i < M; i += mr) {
        int64_t rows = std::min<int64_t>(mr, M - i);
        const bool in_place = direct && rows == mr;
        const float* arows = A.p + i * A.rs + pc;
        if (!in_place) pack_a(A, i, rows, pc, kc, mr, apack);
        auto tile = [&](const float* bp, float* c, int64_t ldc_) {
          if (in_place) mk.run_rows(kc, arows, A.rs, bp, c, ldc_, load);
          else mk.run(kc, apack, bp, c, ldc_, load);
        };
        for (int64_t j = jc; j < jc + nc; j += nr) {
          int64_t cols = std::min<int64_t>(nr, N - j);
          const float* bp = Bp + (j / nr) * K * nr + pc * nr;
          float* c = C + i * ldc + j;
          if (rows == mr && cols == nr) {
            tile(bp, c, ldc);
          } else {
            if (load)
              for (int64_t r = 0; r < rows; r++) std::memcpy(edge + r * nr, c + r * ldc, cols * sizeof(float));
            tile(bp, edge, nr);
            for (int64_t r = 0; r < rows; r++) std::memcpy(c + r * ldc, edge + r * nr, cols * sizeof(float));
          }
        }
      }
    }
  }
}

/**
 * Whether C = A . B runs as C^T = B^T . A^T: up to 256 rows of A against a large B that is a
 * transposed view (a Linear layer's forward, y = x W^T with W [N, K] row-major). Then B^T is W
 * itself, read in place by the kernel (gemm_direct_a, at most 256 columns of C^T), where packing
 * B would transpose all of W: three passes over a matrix larger than L2 (AlexNet's 6400 x 4096
 * fc1 weight, 105 MB). 1 thread, x [M, 6400] . W^T: M = 32: 52 -> 108 GFLOP/s, 64: 68 -> 92,
 * 256: 94 -> 102 (M <= 16 is bound by memory either way).
 * It also pays for a small batch against a smaller weight, where packing x^T costs less than
 * packing W^T (M < N) or W has fewer rows than a kernel tile is wide (N < nr): 1 thread, batch
 * 64, x [64, K] . W^T [K, N]: 784 x 128: 69.2 -> 67.0 us, 400 x 120: 36.9 -> 33.5, 128 x 10:
 * 4.1 -> 2.6; batch 32, 784 x 128: 40.3 -> 33.0; batch 128, 784 x 128: 133 -> 145, so not there.
 */
static bool transposed_product_pays(const MicroKernel& mk, int64_t M, int64_t N, int64_t K, const int64_t* sb) {
  if (mk.run_rows == nullptr || sb[1] != 1 || sb[2] == 1) return false;
  const bool large_weight = M <= 256 && N >= 512 && N * K >= (int64_t(1) << 20);
  const bool small_batch = M <= 64 && (M < N || N < mk.nr);
  return large_weight || small_batch;
}

/**
 * Whether a one-thread product packs all of A first and runs gemm_prepacked's order (each B
 * panel's K slice stays in L1 while A's panels pass): for a transposed A (a weight gradient's
 * gy^T, packed by copying contiguous k rows) meeting a B wider than the direct read takes, A
 * small enough to stay in L2. The MNIST MLP's gy^T x (128 x 64 x 784): 84.5 -> 77.4 us; 256 x
 * 64 x 1024: 211 -> 193; 128 x 1024 x 784: 1503 -> 1367; square ones within 3% either way.
 */
static bool prepacked_a_pays(const MicroKernel& mk, Strided A, int64_t M, int64_t N, int64_t K) {
  return A.rs == 1 && A.cs != 1 && !gemm_direct_a(mk, A, N) && K <= 1024 && M * K <= (int64_t(1) << 17);
}

/** sgemm_batched in the orientation given: C[b] = A[b] . B[b], B packed, A read in place or packed. */
static void sgemm_batched_as_given(const MicroKernel& mk, int64_t batch, int64_t M, int64_t N, int64_t K, const float* a, const int64_t* sa, const float* b, const int64_t* sb, float* c);

void sgemm_batched(int64_t batch, int64_t M, int64_t N, int64_t K, const float* a, const int64_t* sa, const float* b, const int64_t* sb, float* c, const float* bias) {
  if (batch <= 0 || M <= 0 || N <= 0) return;
  const MicroKernel& mk = micro_kernel();
  if (!transposed_product_pays(mk, M, N, K, sb)) {
    sgemm_batched_as_given(mk, batch, M, N, K, a, sa, b, sb, c);
    if (bias != nullptr)
      for (int64_t r = 0; r < batch * M; r++)
        for (int64_t j = 0; j < N; j++) c[r * N + j] += bias[j];
    return;
  }
  // C^T[j][i] is the same fused multiply-adds in the same k order as C[i][j] (a * b == b * a
  // exactly): the same bits as the direct product.
  thread_local FloatBuffer transposed;  // per calling thread, as shared_b below
  float* ct = transposed.get(batch * M * N);
  const int64_t sbt[3] = {sb[0], sb[2], sb[1]}, sat[3] = {sa[0], sa[2], sa[1]};
  sgemm_batched_as_given(mk, batch, N, M, K, b, sbt, a, sat, ct);
  for (int64_t i = 0; i < batch; i++) {
    const float* src = ct + i * M * N;
    float* dst = c + i * M * N;
    for (int64_t r = 0; r < M; r++) {
      if (bias != nullptr)
        for (int64_t j = 0; j < N; j++) dst[r * N + j] = src[j * M + r] + bias[j];
      else
        for (int64_t j = 0; j < N; j++) dst[r * N + j] = src[j * M + r];
    }
  }
}

static void sgemm_batched_as_given(const MicroKernel& mk, int64_t batch, int64_t M, int64_t N, int64_t K, const float* a, const int64_t* sa, const float* b, const int64_t* sb, float* c) {
  const int nr = mk.nr, mr = mk.mr;
  const int threads = num_threads();
  const int64_t flops = 2 * M * N * K;
  const int64_t bsize = packed_b_size(K, N, nr);
  auto matA = [&](int64_t i) { return Strided{a + i * sa[0], sa[1], sa[2]}; };
  auto matB = [&](int64_t i) { return Strided{b + i * sb[0], sb[1], sb[2]}; };

  // Many small products: one batch element per chunk, each packing its own B.
  if (batch > 1 && (flops < kParallelMinFlops || batch >= 4 * threads)) {
    auto one = [&](int64_t i, int thread) {
      float* bp = thread_buffer(thread, 1).get(bsize);
      pack_b(matB(i), K, N, 0, N, nr, bp);
      gemm_packed(mk, M, N, K, matA(i), bp, c + i * M * N, N, false, thread);
    };
    if (flops * batch < kParallelMinFlops)
      for (int64_t i = 0; i < batch; i++) one(i, 0);
    else
      parallel_for(batch, one);
    return;
  }

  // Each product split in tiles of row panels x column blocks across threads.
  thread_local FloatBuffer shared_b;  // per calling thread (a Node worker may run kernels too)
  float* bp = shared_b.get(bsize);
  const bool parallel = flops >= kParallelMinFlops && threads > 1;
  const int64_t mt = (M + mr - 1) / mr, nt = (N + nr - 1) / nr;
  int64_t rg = 1, cg = 1;
  if (parallel) {
    cg = (nt * nr + kNc - 1) / kNc;
    while (rg * cg < 4 * threads && (rg < mt || cg < nt)) {
      // Split whichever side keeps the larger pieces.
      if (rg < mt && (mt / rg >= nt / cg || cg >= nt)) rg++;
      else cg++;
    }
  }
  const int64_t rows_per = ((mt + rg - 1) / rg) * mr;
  const int64_t panels_per = (nt + cg - 1) / cg;
  rg = (M + rows_per - 1) / rows_per;
  cg = (nt + panels_per - 1) / panels_per;
  const bool b_shared_across_batch = sb[0] == 0;
  for (int64_t i = 0; i < batch; i++) {
    if (i == 0 || !b_shared_across_batch) {
      const int64_t groups = (nt + 7) / 8;
      auto pack = [&](int64_t g, int) {
        int64_t j0 = g * 8 * nr, j1 = std::min(N, j0 + 8 * nr);
        pack_b(matB(i), K, N, j0, j1, nr, bp + (j0 / nr) * K * nr);
      };
      if (parallel && K * N >= (int64_t(1) << 16)) parallel_for(groups, pack);
      else for (int64_t g = 0; g < groups; g++) pack(g, 0);
    }
    auto tile = [&](int64_t t, int thread) {
      int64_t r = t / cg, q = t % cg;
      int64_t i0 = r * rows_per, rows = std::min(rows_per, M - i0);
      int64_t j0 = q * panels_per * nr, cols = std::min(panels_per * nr, N - j0);
      Strided A = matA(i);
      A.p += i0 * A.rs;
      gemm_packed(mk, rows, cols, K, A, bp + (j0 / nr) * K * nr, c + i * M * N + i0 * N + j0, N, false, thread);
    };
    if (parallel) {
      parallel_for(rg * cg, tile);
    } else if (prepacked_a_pays(mk, matA(i), M, N, K)) {
      float* ap = thread_buffer(0, 0).get(packed_a_size(M, K, mr));
      pack_a_panels(matA(i), M, K, mr, ap);
      gemm_prepacked(mk, M, N, K, ap, bp, c + i * M * N, N, false);
    } else {
      tile(0, 0);
    }
  }
}

}  // namespace dlab
