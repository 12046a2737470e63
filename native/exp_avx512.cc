// exp and sigmoid of float32 arrays on AVX-512, exactly as the scalar kernels (elementwise.cc)
// round them: the scalar form takes glibc's float64 exp and rounds once to float32, about 4 ns
// an element, a tenth of Stable Diffusion's UNet (the attention softmax's exp over 4096 x 4096
// scores per head) and of its VAE decoder (SiLU at 512 px). Here 8 lanes of float64 are
// computed to within 2^-46 (Cody-Waite reduction, a degree-11 Taylor polynomial), and a lane is
// kept only where both ends of [y (1 - 2^-40), y (1 + 2^-40)], an interval holding the true
// value and glibc's, round to the same float32: then that float32 is the scalar kernel's too.
// Any other lane (one in 2^15 or so, and every NaN, infinity or |x| > 80) is computed by the
// scalar form. So the bits are the same on every ISA, by construction.
#include <cmath>
#include <cstdint>

#include "cpu.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace dlab {

#if defined(__x86_64__)
namespace {

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512vl,fma")

/** exp(x) for |x| <= 87, relative error below 2^-46. */
inline __m512d exp_pd(__m512d x) {
  const __m512d k = _mm512_roundscale_pd(_mm512_mul_pd(x, _mm512_set1_pd(1.4426950408889634)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  // ln 2 in two parts (fdlibm's): k * hi is exact for |k| < 2^20.
  __m512d r = _mm512_fnmadd_pd(k, _mm512_set1_pd(6.93147180369123816490e-01), x);
  r = _mm512_fnmadd_pd(k, _mm512_set1_pd(1.90821492927058770002e-10), r);
  // Taylor to r^11 / 11!: |r| <= 0.347, so the first term left out is below 2^-47.
  __m512d p = _mm512_set1_pd(1.0 / 39916800.0);
  const double c[] = {1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0};
  for (double ci : c) p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(ci));
  const __m512i bits = _mm512_slli_epi64(_mm512_add_epi64(_mm512_cvtpd_epi64(k), _mm512_set1_epi64(1023)), 52);
  return _mm512_mul_pd(p, _mm512_castsi512_pd(bits));
}

/** Lanes where y rounds to float32 as any value within 2^-40 of it does; f = y rounded. */
inline __mmask8 settled(__m512d y, __m256* f) {
  *f = _mm512_cvtpd_ps(y);
  const __m256 lo = _mm512_cvtpd_ps(_mm512_mul_pd(y, _mm512_set1_pd(1.0 - 0x1p-40)));
  const __m256 hi = _mm512_cvtpd_ps(_mm512_mul_pd(y, _mm512_set1_pd(1.0 + 0x1p-40)));
  return _mm256_cmp_ps_mask(lo, hi, _CMP_EQ_OQ);
}

/** Lanes with |x| <= limit (false for NaN). */
inline __mmask8 within(__m512d x, double limit) {
  return _mm512_cmp_pd_mask(_mm512_abs_pd(x), _mm512_set1_pd(limit), _CMP_LE_OQ);
}

}  // namespace

/**
 * out[i] = the float32 of y(x[i]) computed in double, 8 lanes at a time; a lane whose double result
 * does not settle to one float32 (or whose input is out of range) takes `scalar`, so the bits are
 * the scalar code's on every lane.
 */
template <__m512d (*y)(__m512d)>
bool map_avx512(const float* x, float* out, int64_t s, int64_t e, float (*scalar)(float)) {
  if (cpu_isa() != Isa::Avx512) return false;
  int64_t i = s;
  for (; i + 8 <= e; i += 8) {
    const __m512d v = _mm512_cvtps_pd(_mm256_loadu_ps(x + i));
    __m256 f;
    const __mmask8 ok = within(v, 80.0) & settled(y(v), &f);
    _mm256_storeu_ps(out + i, f);
    if (ok != 0xFF)
      for (int j = 0; j < 8; j++)
        if (!((ok >> j) & 1)) out[i + j] = scalar(x[i + j]);
  }
  for (; i < e; i++) out[i] = scalar(x[i]);
  return true;
}

/** The scalar sigmoid's form: 1 / (1 + exp(-v)) for v >= 0, exp(v) / (1 + exp(v)) below; both exp(-|v|). */
inline __m512d sigmoid_pd(__m512d v) {
  const __m512d one = _mm512_set1_pd(1.0);
  const __m512d ev = exp_pd(_mm512_sub_pd(_mm512_setzero_pd(), _mm512_abs_pd(v)));
  const __mmask8 neg = _mm512_cmp_pd_mask(v, _mm512_setzero_pd(), _CMP_LT_OQ);
  return _mm512_div_pd(_mm512_mask_blend_pd(neg, one, ev), _mm512_add_pd(one, ev));
}

bool exp_avx512(const float* x, float* out, int64_t s, int64_t e, float (*scalar)(float)) {
  return map_avx512<exp_pd>(x, out, s, e, scalar);
}

bool sigmoid_avx512(const float* x, float* out, int64_t s, int64_t e, float (*scalar)(float)) {
  return map_avx512<sigmoid_pd>(x, out, s, e, scalar);
}

#pragma GCC pop_options

#else
bool exp_avx512(const float*, float*, int64_t, int64_t, float (*)(float)) { return false; }
bool sigmoid_avx512(const float*, float*, int64_t, int64_t, float (*)(float)) { return false; }
#endif

}  // namespace dlab
