// The direct convolution with output channels in the lanes (conv_rows.h): a tile is up to 14
// output positions of one row (the A operand, broadcast from the padded input: position i reads
// xp[offs[tap] + i], stride 1) times 32 channels (the B operand, the packed weights), 28 accumulators,
// the sgemm micro-kernel's shape (gemm_kernels.cc) with A read straight from the image.
#include <algorithm>
#include <utility>

#include "buffer.h"
#include "conv_rows.h"
#include "cpu.h"
#include "gemm.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace dlab {

namespace {
/** The widest tile: 14 x 2 accumulators + 2 weight vectors + 1 broadcast of the 32 zmm. */
constexpr int kMaxMr = 14;
}  // namespace

#if defined(__x86_64__)

bool conv_rows_applies(int64_t Cout) { return cpu_isa() == Isa::Avx512 && Cout >= kRowsBlock; }

namespace {

/**
 * out [MR][32] = bias + sum over (c, tap) of x(i) * w[c][tap][0..32), x(i) read at
 * x0 + c * plane + offs[tap] + i.
 */
template <int MR, bool kStrided>
__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma"))) void row_tile(const float* x0, int64_t plane, int64_t Cin, const int64_t* offs, int64_t taps, int64_t sW, const float* wp, const float* bias32, float* out) {
  const __m512 bias0 = _mm512_loadu_ps(bias32), bias1 = _mm512_loadu_ps(bias32 + 16);
  __m512 c0[MR], c1[MR];
  for (int i = 0; i < MR; i++) c0[i] = bias0, c1[i] = bias1;
  for (int64_t c = 0; c < Cin; c++) {
    const float* xc = x0 + c * plane;
    for (int64_t t = 0; t < taps; t++, wp += 32) {
      const float* src = xc + offs[t];
      const __m512 b0 = _mm512_load_ps(wp), b1 = _mm512_load_ps(wp + 16);
      for (int i = 0; i < MR; i++) {
        const __m512 a = _mm512_set1_ps(src[kStrided ? i * sW : i]);
        c0[i] = _mm512_fmadd_ps(a, b0, c0[i]);
        c1[i] = _mm512_fmadd_ps(a, b1, c1[i]);
      }
    }
  }
  for (int i = 0; i < MR; i++) {
    _mm512_storeu_ps(out + i * 32, c0[i]);
    _mm512_storeu_ps(out + i * 32 + 16, c1[i]);
  }
}

using TileFn = void (*)(const float*, int64_t, int64_t, const int64_t*, int64_t, int64_t, const float*, const float*, float*);

/** row_tile<mr> for mr in 1..14 (positions at stride 1, or sW). */
template <int... MR>
TileFn pick(int mr, bool strided, std::integer_sequence<int, MR...>) {
  static constexpr TileFn unit[] = {row_tile<MR + 1, false>...};
  static constexpr TileFn any[] = {row_tile<MR + 1, true>...};
  return strided ? any[mr - 1] : unit[mr - 1];
}

}  // namespace

void conv_rows_image(const RowsImage& im, int64_t o_begin, int64_t o_end, const float* xp, const float* wpacked, const float* bias, float* y) {
  // A row of oW positions in equal tiles of at most 14 (26: 13 + 13; 54: 14, 14, 13, 13).
  const int64_t tiles = (im.oW + kMaxMr - 1) / kMaxMr;
  const int64_t K = im.Cin * im.taps, L = im.oH * im.oW;
  // A whole output row's tiles [oW][32], then transposed onto y's channel rows in 8 x 8 blocks
  // (element by element, the transpose cost a quarter of AlexNet's first layer: 121 taps a tile).
  thread_local FloatBuffer row_buffer;
  float* out = row_buffer.get(im.oW * 32);
  alignas(64) float bias32[32];
  for (int64_t o0 = o_begin; o0 < o_end; o0 += kRowsBlock) {
    const int64_t oc = std::min(kRowsBlock, o_end - o0);
    for (int64_t j = 0; j < 32; j++) bias32[j] = bias && j < oc ? bias[o0 + j] : 0.0f;
    const float* wp = wpacked + (o0 / kRowsBlock) * K * 32;
    for (int64_t oh = 0; oh < im.oH; oh++) {
      const float* xrow = xp + oh * im.sH * im.Wp;
      for (int64_t t = 0, ow0 = 0; t < tiles; t++) {
        const int64_t mr = im.oW / tiles + (t < im.oW % tiles ? 1 : 0);
        pick(static_cast<int>(mr), im.sW != 1, std::make_integer_sequence<int, kMaxMr>{})(xrow + ow0 * im.sW, im.plane, im.Cin, im.offs, im.taps, im.sW, wp, bias32, out + ow0 * 32);
        ow0 += mr;
      }
      float* dst = y + o0 * L + oh * im.oW;
      const int64_t oc8 = oc / 8 * 8, oW8 = im.oW / 8 * 8;
      for (int64_t j = 0; j < oc8; j += 8)
        for (int64_t i = 0; i < oW8; i += 8) transpose8(out + i * 32 + j, 32, dst + j * L + i, L);
      for (int64_t j = 0; j < oc; j++)
        for (int64_t i = j < oc8 ? oW8 : 0; i < im.oW; i++) dst[j * L + i] = out[i * 32 + j];
    }
  }
}

namespace {

/** Taps per weight-gradient tile: 12 x 2 accumulators, and the 12 row pointers still fit the registers. */
constexpr int kWgradMr = 12;

/** c[MR][32] (= or +=) sum over positions of x(i, l) * b[l][0..32), x(i, l) at r[i] + oh * row_step + ow * col_step. */
template <int MR>
__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma"))) void wgrad_tile(const float* xp, const int64_t* offs, const RowsWgrad& s, const float* b, float* c, int64_t ldc, bool load) {
  __m512 c0[MR], c1[MR];
  const float* r[MR];
  for (int i = 0; i < MR; i++) {
    r[i] = xp + offs[i];
    c0[i] = load ? _mm512_loadu_ps(c + i * ldc) : _mm512_setzero_ps();
    c1[i] = load ? _mm512_loadu_ps(c + i * ldc + 16) : _mm512_setzero_ps();
  }
  for (int64_t oh = 0; oh < s.oH; oh++) {
    for (int64_t ow = 0, q = 0; ow < s.oW; ow++, q += s.col_step, b += 32) {
      const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
      for (int i = 0; i < MR; i++) {
        const __m512 a = _mm512_set1_ps(r[i][q]);
        c0[i] = _mm512_fmadd_ps(a, b0, c0[i]);
        c1[i] = _mm512_fmadd_ps(a, b1, c1[i]);
      }
    }
    for (int i = 0; i < MR; i++) r[i] += s.row_step;
  }
  for (int i = 0; i < MR; i++) {
    _mm512_storeu_ps(c + i * ldc, c0[i]);
    _mm512_storeu_ps(c + i * ldc + 16, c1[i]);
  }
}

using WgradTileFn = void (*)(const float*, const int64_t*, const RowsWgrad&, const float*, float*, int64_t, bool);

template <int... MR>
WgradTileFn pick_wgrad(int mr, std::integer_sequence<int, MR...>) {
  static constexpr WgradTileFn fns[] = {wgrad_tile<MR + 1>...};
  return fns[mr - 1];
}

}  // namespace

void conv_rows_wgrad(const RowsWgrad& s, const float* xp, const int64_t* offs, int64_t k0, int64_t k1, const float* gyT, float* c, int64_t ldc, bool load) {
  // Equal tiles of at most 12 (40 taps: 10 + 10 + 10 + 10).
  const int64_t tiles = (k1 - k0 + kWgradMr - 1) / kWgradMr;
  for (int64_t t = 0, k = k0; t < tiles; t++) {
    const int64_t mr = (k1 - k0) / tiles + (t < (k1 - k0) % tiles ? 1 : 0);
    pick_wgrad(static_cast<int>(mr), std::make_integer_sequence<int, kWgradMr>{})(xp, offs + k, s, gyT, c + k * ldc, ldc, load);
    k += mr;
  }
}

#else

bool conv_rows_applies(int64_t) { return false; }
void conv_rows_image(const RowsImage&, int64_t, int64_t, const float*, const float*, const float*, float*) {}
void conv_rows_wgrad(const RowsWgrad&, const float*, const int64_t*, int64_t, int64_t, const float*, float*, int64_t, bool) {}

#endif

void conv_rows_pack(const float* w, int64_t Cout, int64_t K, float* dst) {
  for (int64_t o0 = 0; o0 < Cout; o0 += kRowsBlock, dst += K * kRowsBlock)
    for (int64_t k = 0; k < K; k++)
      for (int64_t j = 0; j < kRowsBlock; j++) dst[k * kRowsBlock + j] = o0 + j < Cout ? w[(o0 + j) * K + k] : 0.0f;
}

}  // namespace dlab
