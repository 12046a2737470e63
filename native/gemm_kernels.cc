// The register-tiled micro-kernels, one per ISA, each compiled for its ISA alone (target
// attributes), so one binary runs on any x86-64 and picks at run time. Every product is an
// explicit fused multiply-add in k order (the build has -ffp-contract=off), so all three give
// the same bits.
#include <cmath>

#include "cpu.h"
#include "gemm.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define DLAB_X86 1
#endif

namespace dlab {

namespace {

/** Portable: 4 x 16 with fmaf (vectorized where the target has fused multiply-add, NEON included). */
constexpr int kPortableMr = 4, kPortableNr = 16;
void kernel_portable(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool load) {
  float acc[kPortableMr][kPortableNr];
  for (int i = 0; i < kPortableMr; i++)
    for (int j = 0; j < kPortableNr; j++) acc[i][j] = load ? c[i * ldc + j] : 0.0f;
  for (int64_t k = 0; k < kc; k++, a += kPortableMr, b += kPortableNr)
    for (int i = 0; i < kPortableMr; i++)
      for (int j = 0; j < kPortableNr; j++) acc[i][j] = std::fmaf(a[i], b[j], acc[i][j]);
  for (int i = 0; i < kPortableMr; i++)
    for (int j = 0; j < kPortableNr; j++) c[i * ldc + j] = acc[i][j];
}

#ifdef DLAB_X86

/** AVX2: 6 x 16, twelve ymm accumulators, each k one broadcast per row against two vectors of B. */
__attribute__((target("avx2,fma"))) void kernel_avx2(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool load) {
  constexpr int MR = 6;
  __m256 c0[MR], c1[MR];
  for (int i = 0; i < MR; i++) {
    c0[i] = load ? _mm256_loadu_ps(c + i * ldc) : _mm256_setzero_ps();
    c1[i] = load ? _mm256_loadu_ps(c + i * ldc + 8) : _mm256_setzero_ps();
  }
  for (int64_t k = 0; k < kc; k++, a += MR, b += 16) {
    __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    for (int i = 0; i < MR; i++) {
      __m256 av = _mm256_broadcast_ss(a + i);
      c0[i] = _mm256_fmadd_ps(av, b0, c0[i]);
      c1[i] = _mm256_fmadd_ps(av, b1, c1[i]);
    }
  }
  for (int i = 0; i < MR; i++) {
    _mm256_storeu_ps(c + i * ldc, c0[i]);
    _mm256_storeu_ps(c + i * ldc + 8, c1[i]);
  }
}

/** AVX-512: MR x 32, 2 * MR zmm accumulators. */
template <int MR>
__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma"))) void kernel_avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool load) {
  __m512 c0[MR], c1[MR];
  for (int i = 0; i < MR; i++) {
    c0[i] = load ? _mm512_loadu_ps(c + i * ldc) : _mm512_setzero_ps();
    c1[i] = load ? _mm512_loadu_ps(c + i * ldc + 16) : _mm512_setzero_ps();
  }
  for (int64_t k = 0; k < kc; k++, a += MR, b += 32) {
    __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
    for (int i = 0; i < MR; i++) {
      __m512 av = _mm512_set1_ps(a[i]);
      c0[i] = _mm512_fmadd_ps(av, b0, c0[i]);
      c1[i] = _mm512_fmadd_ps(av, b1, c1[i]);
    }
  }
  for (int i = 0; i < MR; i++) {
    _mm512_storeu_ps(c + i * ldc, c0[i]);
    _mm512_storeu_ps(c + i * ldc + 16, c1[i]);
  }
}

/**
 * AVX-512 MR x 32 with A unpacked: each k broadcasts one float from each of MR rows (MR
 * sequential streams the prefetcher follows). Saves the transpose of A into panels, which is
 * most of the packing time when A is large and each panel meets few column panels (N <= 256).
 */
template <int MR>
__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma"))) void kernel_avx512_rows(int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc, bool load) {
  __m512 c0[MR], c1[MR];
  const float* row[MR];
  for (int i = 0; i < MR; i++) {
    row[i] = a + i * lda;
    c0[i] = load ? _mm512_loadu_ps(c + i * ldc) : _mm512_setzero_ps();
    c1[i] = load ? _mm512_loadu_ps(c + i * ldc + 16) : _mm512_setzero_ps();
  }
  for (int64_t k = 0; k < kc; k++, b += 32) {
    __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
    for (int i = 0; i < MR; i++) {
      __m512 av = _mm512_set1_ps(row[i][k]);
      c0[i] = _mm512_fmadd_ps(av, b0, c0[i]);
      c1[i] = _mm512_fmadd_ps(av, b1, c1[i]);
    }
  }
  for (int i = 0; i < MR; i++) {
    _mm512_storeu_ps(c + i * ldc, c0[i]);
    _mm512_storeu_ps(c + i * ldc + 16, c1[i]);
  }
}

#endif

const MicroKernel kPortable{kPortableMr, kPortableNr, kernel_portable, nullptr};
#ifdef DLAB_X86
const MicroKernel kAvx2{6, 16, kernel_avx2, nullptr};
const MicroKernel kAvx512{8, 32, kernel_avx512<8>, kernel_avx512_rows<8>};
#endif

}  // namespace

const MicroKernel& micro_kernel() {
#ifdef DLAB_X86
  switch (cpu_isa()) {
    case Isa::Avx512: return kAvx512;
    case Isa::Avx2: return kAvx2;
    default: break;
  }
#endif
  return kPortable;
}

}  // namespace dlab
