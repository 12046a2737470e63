// Packed, cache-blocked single-precision matrix products with register-tiled micro-kernels
// (AVX-512 8x32, AVX2 6x16, portable 4x16 with fmaf). B is packed into column panels of the
// kernel's width (zero-padded), A into row panels; each C element is one fused multiply-add
// chain in k order, from 0 (or from C when accumulating), so the result does not depend on the
// blocking, the thread split or even the ISA.
#pragma once

#include <cstdint>

namespace dlab {

/** Element (i, j) of a strided matrix is p[i * rs + j * cs]. */
struct Strided {
  const float* p;
  int64_t rs, cs;
};

struct MicroKernel {
  int mr, nr;
  /** C[mr x nr] (row stride ldc) = (load ? C : 0) + a-panel (kc x mr) . b-panel (kc x nr). */
  void (*run)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool load);
  /**
   * The same tile with A read in place: row i of the panel at a + i * lda, contiguous along k
   * (no packing; the same multiply-adds in the same order, so the same bits). Null where the ISA
   * has no such kernel.
   */
  void (*run_rows)(int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc, bool load);
};

/** The kernel for the ISA in effect (cpu.h). */
const MicroKernel& micro_kernel();

/** Floats of packed B for K rows and N columns at panel width nr. */
inline int64_t packed_b_size(int64_t K, int64_t N, int nr) { return ((N + nr - 1) / nr) * nr * K; }

/** Pack columns [j0, j1) (j0 a multiple of nr) of the K x N matrix B into panels dst[(j - j0) / nr][k][nr]. */
void pack_b(Strided B, int64_t K, int64_t N, int64_t j0, int64_t j1, int nr, float* dst);

/**
 * C[M x N] (row stride ldc, contiguous rows) = (accumulate ? C : 0) + A[M x K] . B, B packed by
 * pack_b (all of its N columns, from column 0). One thread; the caller splits rows or panels.
 */
void gemm_packed(const MicroKernel& mk, int64_t M, int64_t N, int64_t K, Strided A, const float* Bp, float* C, int64_t ldc, bool accumulate, int thread);

#if defined(__x86_64__)
/** dst[i * ld + j] = src[j * cs + i] for i, j < 8 (AVX2; the caller checks the ISA). */
void transpose8(const float* src, int64_t cs, float* dst, int64_t ld);
#endif

/** Floats of A (M x K) packed whole into row panels of height mr. */
inline int64_t packed_a_size(int64_t M, int64_t K, int mr) { return ((M + mr - 1) / mr) * mr * K; }

/** Pack all of A (M x K) into row panels dst[i / mr][k][mr], zero past row M. */
void pack_a_panels(Strided A, int64_t M, int64_t K, int mr, float* dst);

/**
 * C[M x N] (row stride ldc) = (accumulate ? C : 0) + A . B with A packed by pack_a_panels and B
 * by pack_b (all N columns), in slices of K, then column panels, then row panels: each B panel's
 * slice stays in L1 while A's panels stream past (A in L2), the order for a B that is wider than
 * it is tall. One thread.
 */
void gemm_prepacked(const MicroKernel& mk, int64_t M, int64_t N, int64_t K, const float* Ap, const float* Bp, float* C, int64_t ldc, bool accumulate);

/**
 * Batched C[b] = A[b] . B[b] for b < batch (C contiguous [batch, M, N]), threaded over rows,
 * panels or batches by size. With a bias (N floats), each row of C then adds it: each product
 * rounded first, then the add (the bits of the product followed by a separate add).
 */
void sgemm_batched(int64_t batch, int64_t M, int64_t N, int64_t K, const float* a, const int64_t* sa, const float* b, const int64_t* sb, float* c, const float* bias = nullptr);

}  // namespace dlab
