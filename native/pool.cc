// Max pooling and its backward on contiguous float32 planes, one plane (n, c) per chunk: every
// output has one writer, so any thread split gives the same bits. The window scan is PyTorch's
// CPU kernel's: non-padding positions in (ki, kj) order from -inf, a strictly greater value or
// a NaN replaces the best (NaN propagates, the last NaN wins, ties keep the first).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>

#include "cpu.h"
#include "clones.h"
#include "kernels.h"
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include "threads.h"

namespace dlab {

namespace {


/**
 * One output row of 2x2, stride-2 pooling (LeNet's), without branches: the scan order's
 * replacements as selects (a value replaces the best if greater or NaN), which the compiler
 * turns into vector blends. Starting from the first value equals starting from -inf.
 */
DLAB_CLONES void pool_row_2x2(const float* r0, int32_t W, int32_t base, int64_t oW, float* values, double* indices) {
  const float* r1 = r0 + W;
  for (int32_t ow = 0; ow < oW; ow++) {
    const float a = r0[2 * ow], b = r0[2 * ow + 1], c = r1[2 * ow], d = r1[2 * ow + 1];
    float best = a;
    int32_t at = 0;
    bool t = b > best || b != b;
    best = t ? b : best;
    at = t ? 1 : at;
    t = c > best || c != c;
    best = t ? c : best;
    at = t ? W : at;
    t = d > best || d != d;
    best = t ? d : best;
    at = t ? W + 1 : at;
    values[ow] = best;
    indices[ow] = static_cast<double>(base + 2 * ow + at);
  }
}

#if defined(__x86_64__)
/** pool_row_2x2 in AVX-512, 16 outputs a step (a masked tail): LeNet's rows (14 outputs) are shorter than one vector of the loop above. */
__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl"))) void pool_row_2x2_avx512(const float* r0, int32_t W, int32_t base, int64_t oW, float* values, double* indices) {
  const float* r1 = r0 + W;
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  for (int64_t ow = 0; ow < oW; ow += 16) {
    const int64_t n = std::min<int64_t>(16, oW - ow);
    const __mmask16 m = static_cast<__mmask16>((1u << n) - 1);
    const __mmask16 lo = static_cast<__mmask16>((1u << std::min<int64_t>(16, 2 * n)) - 1);
    const __mmask16 hi = static_cast<__mmask16>(2 * n > 16 ? (1u << (2 * n - 16)) - 1 : 0);
    const float* p0 = r0 + 2 * ow;
    const float* p1 = r1 + 2 * ow;
    const __m512 x0 = _mm512_maskz_loadu_ps(lo, p0), x1 = _mm512_maskz_loadu_ps(hi, p0 + 16);
    const __m512 y0 = _mm512_maskz_loadu_ps(lo, p1), y1 = _mm512_maskz_loadu_ps(hi, p1 + 16);
    const __m512 a = _mm512_permutex2var_ps(x0, even, x1), b = _mm512_permutex2var_ps(x0, odd, x1);
    const __m512 c = _mm512_permutex2var_ps(y0, even, y1), d = _mm512_permutex2var_ps(y0, odd, y1);
    __m512 best = a;
    __m512i at = _mm512_setzero_si512();
    __mmask16 t = _mm512_cmp_ps_mask(b, best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(b, b, _CMP_UNORD_Q);
    best = _mm512_mask_mov_ps(best, t, b);
    at = _mm512_mask_mov_epi32(at, t, _mm512_set1_epi32(1));
    t = _mm512_cmp_ps_mask(c, best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(c, c, _CMP_UNORD_Q);
    best = _mm512_mask_mov_ps(best, t, c);
    at = _mm512_mask_mov_epi32(at, t, _mm512_set1_epi32(W));
    t = _mm512_cmp_ps_mask(d, best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(d, d, _CMP_UNORD_Q);
    best = _mm512_mask_mov_ps(best, t, d);
    at = _mm512_mask_mov_epi32(at, t, _mm512_set1_epi32(W + 1));
    // index = base + 2 * (ow + lane) + at
    const __m512i lane2 = _mm512_add_epi32(even, _mm512_set1_epi32(static_cast<int32_t>(base + 2 * ow)));
    at = _mm512_add_epi32(at, lane2);
    _mm512_mask_storeu_ps(values + ow, m, best);
    _mm512_mask_storeu_pd(indices + ow, static_cast<__mmask8>(m & 0xff), _mm512_cvtepi32_pd(_mm512_castsi512_si256(at)));
    _mm512_mask_storeu_pd(indices + ow + 8, static_cast<__mmask8>(m >> 8), _mm512_cvtepi32_pd(_mm512_extracti32x8_epi32(at, 1)));
  }
}

/**
 * One output row of any window that lies inside the input (no padding, dilation 1: AlexNet's
 * 3x3 stride 2), 16 outputs a step with gathers: the scalar scan's data-dependent branch
 * mispredicts on about every other value. Same scan order and replacement rule as the scalar
 * loop, so the same values and indices.
 */
__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl"))) void pool_row_inside_avx512(const float* src, const ConvGeometry& g, int64_t oh, float* values, double* indices) {
  const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i step = _mm512_mullo_epi32(lanes, _mm512_set1_epi32(static_cast<int32_t>(g.sW)));
  const int32_t row0 = static_cast<int32_t>(oh * g.sH * g.W);
  for (int64_t ow = 0; ow < g.oW; ow += 16) {
    const int64_t n = std::min<int64_t>(16, g.oW - ow);
    const __mmask16 m = static_cast<__mmask16>((1u << n) - 1);
    const __m512i start = _mm512_add_epi32(step, _mm512_set1_epi32(row0 + static_cast<int32_t>(ow * g.sW)));
    __m512 best = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, start, src, 4);
    __m512i at = start;
    for (int64_t ki = 0; ki < g.kH; ki++) {
      for (int64_t kj = ki == 0 ? 1 : 0; kj < g.kW; kj++) {
        const __m512i idx = _mm512_add_epi32(start, _mm512_set1_epi32(static_cast<int32_t>(ki * g.W + kj)));
        const __m512 v = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, idx, src, 4);
        const __mmask16 t = _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
        best = _mm512_mask_mov_ps(best, t, v);
        at = _mm512_mask_mov_epi32(at, t, idx);
      }
    }
    _mm512_mask_storeu_ps(values + ow, m, best);
    _mm512_mask_storeu_pd(indices + ow, static_cast<__mmask8>(m & 0xff), _mm512_cvtepi32_pd(_mm512_castsi512_si256(at)));
    _mm512_mask_storeu_pd(indices + ow + 8, static_cast<__mmask8>(m >> 8), _mm512_cvtepi32_pd(_mm512_extracti32x8_epi32(at, 1)));
  }
}
#endif

/** Planes per chunk: about 16K output values. */
int64_t planes_per_chunk(int64_t per_plane) { return std::max<int64_t>(1, (int64_t(1) << 14) / std::max<int64_t>(1, per_plane)); }
}  // namespace

void max_pool2d(const ConvGeometry& g, const float* x, float* values, double* indices) {
  const int64_t planes = g.N * g.C, plane = g.H * g.W, L = g.oH * g.oW;
  const int64_t per = planes_per_chunk(L);
  const bool avx512 = cpu_isa() == Isa::Avx512;
  auto run = [&](int64_t chunk, int) {
    for (int64_t p = chunk * per; p < std::min(planes, (chunk + 1) * per); p++) {
      const float* src = x + p * plane;
      float* vo = values + p * L;
      double* io = indices + p * L;
      const bool simple = g.kH == 2 && g.kW == 2 && g.sH == 2 && g.sW == 2 && g.pH == 0 && g.pW == 0 && g.dH == 1 && g.dW == 1 &&
                          2 * g.oH <= g.H && 2 * g.oW <= g.W && plane < (int64_t(1) << 30);
      // Every window inside the input (no padding, no dilation, no clipped last window).
      const bool inside = g.pH == 0 && g.pW == 0 && g.dH == 1 && g.dW == 1 && (g.oH - 1) * g.sH + g.kH <= g.H &&
                          (g.oW - 1) * g.sW + g.kW <= g.W && plane < (int64_t(1) << 30);
      for (int64_t oh = 0; oh < g.oH; oh++) {
#if defined(__x86_64__)
        if (inside && avx512 && !simple) {
          pool_row_inside_avx512(src, g, oh, vo + oh * g.oW, io + oh * g.oW);
          continue;
        }
#endif
        if (simple) {
#if defined(__x86_64__)
          if (avx512) {
            pool_row_2x2_avx512(src + 2 * oh * g.W, static_cast<int32_t>(g.W), static_cast<int32_t>(2 * oh * g.W), g.oW, vo + oh * g.oW, io + oh * g.oW);
            continue;
          }
#endif
          pool_row_2x2(src + 2 * oh * g.W, static_cast<int32_t>(g.W), static_cast<int32_t>(2 * oh * g.W), g.oW, vo + oh * g.oW, io + oh * g.oW);
          continue;
        }
        for (int64_t ow = 0; ow < g.oW; ow++) {
          // PyTorch's bounds: the window's end clipped to the input, its start stepped past padding.
          int64_t ih0 = oh * g.sH - g.pH, iw0 = ow * g.sW - g.pW;
          const int64_t ih1 = std::min(ih0 + (g.kH - 1) * g.dH + 1, g.H), iw1 = std::min(iw0 + (g.kW - 1) * g.dW + 1, g.W);
          while (ih0 < 0) ih0 += g.dH;
          while (iw0 < 0) iw0 += g.dW;
          float best = -std::numeric_limits<float>::infinity();
          int64_t at = ih0 * g.W + iw0;
          for (int64_t ih = ih0; ih < ih1; ih += g.dH) {
            for (int64_t iw = iw0; iw < iw1; iw += g.dW) {
              const float v = src[ih * g.W + iw];
              if (v > best || std::isnan(v)) {
                best = v;
                at = ih * g.W + iw;
              }
            }
          }
          vo[oh * g.oW + ow] = best;
          io[oh * g.oW + ow] = static_cast<double>(at);
        }
      }
    }
  };
  const int64_t chunks = (planes + per - 1) / per;
  if (planes * L < (int64_t(1) << 15)) for (int64_t c = 0; c < chunks; c++) run(c, 0);
  else parallel_for(chunks, run);
}

bool max_pool2d_backward(int64_t planes, int64_t L, int64_t plane, const float* grad, const double* indices, float* out) {
  // Each index is checked where it is used: a bad one is skipped (nothing is written outside its
  // plane) and reported, and the caller throws, dropping its fresh output. A separate pass over
  // the indices first took 45% of the call (LeNet's first pool: 47 of 104 us).
  std::atomic<bool> bad{false};
  const double limit = static_cast<double>(plane);
  const int64_t per = planes_per_chunk(plane);
  auto run = [&](int64_t chunk, int) {
    for (int64_t p = chunk * per; p < std::min(planes, (chunk + 1) * per); p++) {
      float* o = out + p * plane;
      std::memset(o, 0, plane * sizeof(float));
      const float* gp = grad + p * L;
      const double* ip = indices + p * L;
      for (int64_t l = 0; l < L; l++) {
        const double k = ip[l];
        if (k >= 0 && k < limit) o[static_cast<int64_t>(k)] += gp[l];
        else bad.store(true, std::memory_order_relaxed);
      }
    }
  };
  const int64_t chunks = (planes + per - 1) / per;
  if (planes * plane < (int64_t(1) << 15)) for (int64_t c = 0; c < chunks; c++) run(c, 0);
  else parallel_for(chunks, run);
  return !bad.load();
}

}  // namespace dlab
