// Winograd F(2x2, 3x3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks",
// CVPR 2016) for 3x3, stride-1 convolutions. The output is cut into 2x2 tiles, each read from a
// 4x4 patch of the input d (zero outside the image); with the transformed filter U = G g G^T and
// patch V = B^T d B (both 4x4), a tile is A^T [sum over channels of U . V] A (. elementwise). The
// sum over channels at each of the 16 positions xi is a GEMM, M[xi] (Cout x tiles) =
// U[xi] (Cout x Cin) . V[xi] (Cin x tiles), run on the packed sgemm's micro-kernel (gemm.h):
// 16 x Cin x Cout multiply-adds per 4 outputs instead of 36, 2.25x fewer.
//
// Work is cut into blocks of tiles (over the whole batch), fixed by the shape: a task transforms
// its block's patches straight into the kernel's packed B panels, runs the 16 products into a
// scratch M and transforms M into the output. Every output is computed the same way whatever
// the split (each GEMM element one fused multiply-add chain in channel order, the transforms
// exact-order adds), on any thread count and ISA (AVX-512 and AVX2 transforms, and a portable
// lane-by-lane one). Float32 error: the transforms round values up
// to 4x (input) and 9/4x (filter) the originals, but each sum is Cin terms long instead of 9 Cin;
// on AlexNet's conv3-5 the largest error is 6-7e-7 of the largest output against float64, the
// direct kernel's 1.2-2.3e-6 (scripts/winograd-error.ts). Near-zero outputs of short sums move
// further than the direct sum's (test/nn/conv.test.ts).
//
// The weight gradient (weight_grad) runs the forward backwards: the same patches V = B^T x B, the
// output gradient's 2x2 tiles spread to 4x4 by A (a = A gy A^T), and per position xi the sum over
// all tiles of the batch, M[xi] (Cin x Cout) = V[xi] (Cin x tiles) . a[xi] (tiles x Cout), again
// on the micro-kernel; then dW = G^T M G per channel pair, once per layer. Its sums are 4x
// shorter than the direct kernel's but as long as the batch: on AlexNet's conv3-5 the largest
// error is 1.4-1.6e-6 of the largest weight at batch 32 (1152 tiles) and 2.8-3.2e-6 at batch
// 128 (4608 tiles), the direct kernel's 1.9-2.1e-6 and 3.8-4.9e-6; among weights above a tenth
// of the largest, 1.2-1.5x the direct kernel's elementwise error (2.3-3.0e-5 against 1.5-2.4e-5
// at batch 128).
//
// A 5x5 kernel (Plan::parts = 4) is split: zero-padded to 6x6, its blocks at (dy, dx) in {0, 3}^2
// are the 3x3 filters of 4 Cin virtual channels, virtual channel b Cin + c being input channel c
// read at padding (pH - dy, pW - dx). Each part's patches are transformed from the input in place
// (input_run and patch_run called per part with the shifted plan, writing their rows of the
// panels: no 4x copy of the input), so one GEMM of depth 4 Cin per position and one output
// transform per tile cover all four blocks: 64 multiplies per 2x2 outputs and channel pair
// instead of 100, but four input transforms per channel. The weight gradient's sums are the 6x6
// gradient's blocks, of which the top-left 5x5 is kept. On AlexNet's conv2 (batch 8) the largest
// error is 6.8e-7 (forward), 1.35e-6 (input gradient) and 1.6e-6 (weight gradient) of the
// largest output, the direct kernel's 1.4e-6, 2.9e-6 and 2.4e-6; elementwise above a tenth of the
// largest 5.4e-6, 1.3e-5 and 1.2e-5 against 6.0e-6, 1.6e-5 and 0.9e-5.
#include "conv_winograd.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "buffer.h"
#include "cpu.h"
#include "gemm.h"
#include "threads.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace dlab {

namespace {

/**
 * One convolution as F(2x2, 3x3) sees it: Cin planes of H x W in, Cout planes of oH x oW out, the
 * input at (pH, pW) (either may be negative: a crop). A 5x5 kernel is split (parts = 4): its
 * zero-padded 6x6 as four 3x3 blocks at (dy, dx) = 3 (b / 2, b % 2), a 3x3 convolution over
 * parts x Cin virtual channels, virtual channel b Cin + c being channel c read at (pH - dy, pW - dx).
 */
struct Plan {
  int64_t N, Cin, H, W, Cout, pH, pW, oH, oW;
  int64_t tH, tW, tiles;  // tiles per column and row of an image, in all
  int64_t parts = 1;
};

/** The channels the products sum over (the virtual channels of a split kernel). */
inline int64_t virtual_channels(const Plan& p) { return p.parts * p.Cin; }
/** Part b of a split kernel's input: the plan of one 3x3 block, its Cin channels read shifted by (dy, dx). */
inline Plan part_plan(const Plan& p, int64_t b) {
  Plan q = p;
  q.pH -= 3 * (b / 2), q.pW -= 3 * (b % 2);
  return q;
}

/** Up to 16 consecutive tiles of one tile row of image n, from column tile tw: lanes [lane, lane + count) of their block. */
struct Run {
  int64_t n, th, tw, count, lane;
};

/**
 * Where lanes [lane, lane + count) of a block go in its packed B panels (nr tiles wide, Cin
 * rows): `first` of them from `off` in panel `panel`, the rest from 0 in the next.
 */
struct PanelSpan {
  int64_t panel, off, first;
};
inline PanelSpan panel_span(const Run& r, int64_t nr) {
  const int64_t off = r.lane % nr;
  return {r.lane / nr, off, std::min(r.count, nr - off)};
}

#if defined(__x86_64__)
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl")
namespace avx512 {
struct V {
  using T = __m512;
  static inline T set1(float v) { return _mm512_set1_ps(v); }
  static inline T add(T a, T b) { return _mm512_add_ps(a, b); }
  static inline T sub(T a, T b) { return _mm512_sub_ps(a, b); }
  static inline T mul(T a, T b) { return _mm512_mul_ps(a, b); }
};
#include "conv_winograd_lanes.inc"

inline __mmask16 lanes(int64_t n) { return n >= 16 ? 0xFFFF : n <= 0 ? 0 : static_cast<__mmask16>((1u << n) - 1); }

/**
 * One run's patches, every channel, into the packed B panels vp ([P][K][nr] per position, K the virtual channels,
 * positions xi_stride apart): the 16 tiles' element (i, j) is every other column of input row i from column j, so each row is
 * four masked loads (zero outside the image) and four even/odd permutes, no gathers.
 */
void input_run(const Plan& p, const float* xn, const Run& r, float* vp, int64_t xi_stride, int64_t nr) {
  const int64_t K = virtual_channels(p);  // rows of a panel
  const int64_t r0 = 2 * r.th - p.pH, s0 = 2 * r.tw - p.pW;
  // Columns s0 + k (k < 32) and s0 + 2 + k that lie inside the image and that some tile reads.
  __mmask32 cols0 = 0, cols2 = 0;
  for (int64_t k = 0; k < 32; k++) {
    if (s0 + k >= 0 && s0 + k < p.W && k < 2 * r.count + 2) cols0 |= __mmask32(1) << k;
    if (s0 + 2 + k >= 0 && s0 + 2 + k < p.W && k < 2 * r.count) cols2 |= __mmask32(1) << k;
  }
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  const PanelSpan ps = panel_span(r, nr);
  const __mmask16 m1 = lanes(ps.first), m2 = static_cast<__mmask16>(lanes(r.count) & ~m1);
  const int64_t plane = p.H * p.W;
  for (int64_t c = 0; c < p.Cin; c++) {
    __m512 d[16], v[16];
    for (int i = 0; i < 4; i++) {
      const int64_t row = r0 + i;
      if (row < 0 || row >= p.H) {
        for (int j = 0; j < 4; j++) d[4 * i + j] = _mm512_setzero_ps();
        continue;
      }
      const float* src = xn + c * plane + row * p.W + s0;  // may point before the row: those lanes are masked
      const __m512 a0 = _mm512_maskz_loadu_ps(static_cast<__mmask16>(cols0), src), a1 = _mm512_maskz_loadu_ps(static_cast<__mmask16>(cols0 >> 16), src + 16);
      const __m512 b0 = _mm512_maskz_loadu_ps(static_cast<__mmask16>(cols2), src + 2), b1 = _mm512_maskz_loadu_ps(static_cast<__mmask16>(cols2 >> 16), src + 18);
      d[4 * i] = _mm512_permutex2var_ps(a0, even, a1);
      d[4 * i + 1] = _mm512_permutex2var_ps(a0, odd, a1);
      d[4 * i + 2] = _mm512_permutex2var_ps(b0, even, b1);
      d[4 * i + 3] = _mm512_permutex2var_ps(b0, odd, b1);
    }
    transform_input(d, v);
    float* out = vp + (ps.panel * K + c) * nr + ps.off;
    for (int xi = 0; xi < 16; xi++) {
      _mm512_mask_storeu_ps(out + xi * xi_stride, m1, v[xi]);
      // Lanes past the panel: lane `first` at the next panel's column 0.
      if (m2) _mm512_mask_storeu_ps(out + xi * xi_stride + K * nr - nr, m2, v[xi]);
    }
  }
}

/**
 * One run's outputs for `rows` channels: m (channel o's products at m + xi * xi_stride + o *
 * ldm, the run's tiles in lanes) -> A^T m A + bias, the 2x2 outputs interleaved into output rows
 * (yn + o * oplane). Returns whether every output is finite.
 */
bool output_run(const Plan& p, const float* m, int64_t xi_stride, int64_t rows, int64_t ldm, const float* bias, float* yn, const Run& r) {
  const __mmask16 in = lanes(r.count);
  const int64_t col0 = 2 * r.tw, ncols = std::min(2 * r.count, p.oW - col0), oplane = p.oH * p.oW;
  const __mmask16 lo_cols = lanes(ncols), hi_cols = lanes(ncols - 16);
  const bool second_row = 2 * r.th + 1 < p.oH;
  const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i hi = _mm512_add_epi32(lo, _mm512_set1_epi32(8));
  __m512 finite = _mm512_setzero_ps();  // sum of y - y: stays 0 while every y is finite
  for (int64_t o = 0; o < rows; o++) {
    __m512 mv[16], y[4];
    for (int xi = 0; xi < 16; xi++) mv[xi] = _mm512_maskz_loadu_ps(in, m + xi * xi_stride + o * ldm);
    transform_output(mv, y);
    if (bias) {
      const __m512 b = _mm512_set1_ps(bias[o]);
      for (int k = 0; k < 4; k++) y[k] = _mm512_add_ps(y[k], b);
    }
    for (int k = 0; k < 4; k++) finite = _mm512_add_ps(finite, _mm512_sub_ps(y[k], y[k]));
    float* out = yn + o * oplane + 2 * r.th * p.oW + col0;
    for (int rr = 0; rr < (second_row ? 2 : 1); rr++, out += p.oW) {
      _mm512_mask_storeu_ps(out, lo_cols, _mm512_permutex2var_ps(y[2 * rr], lo, y[2 * rr + 1]));
      if (hi_cols) _mm512_mask_storeu_ps(out + 16, hi_cols, _mm512_permutex2var_ps(y[2 * rr], hi, y[2 * rr + 1]));
    }
  }
  return _mm512_cmp_ps_mask(finite, _mm512_setzero_ps(), _CMP_NEQ_UQ) == 0;
}

/**
 * U for panel pi of the A panels (mr = 8): 16 filters at a time, 2 input channels x 8 output
 * channels, gathered from w (offsets fit 32 bits: convolve checks), stored as 16 contiguous floats.
 */
void filter_panel(const Plan& p, const float* w, bool flip, int64_t pi, int64_t panels, float* up) {
  alignas(64) int32_t base[16];
  for (int64_t c = 0; c < p.Cin; c += 2) {
    __mmask16 valid = 0;
    for (int l = 0; l < 16; l++) {
      const int64_t o = pi * 8 + l % 8, cc = c + l / 8;
      base[l] = 0;
      if (o >= p.Cout || cc >= p.Cin) continue;
      valid |= __mmask16(1) << l;
      base[l] = static_cast<int32_t>(flip ? (cc * p.Cout + o) * 9 + 8 : (o * p.Cin + cc) * 9);
    }
    const __m512i b = _mm512_load_si512(base);
    __m512 g[9], u[16];
    for (int k = 0; k < 9; k++) g[k] = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), valid, _mm512_add_epi32(b, _mm512_set1_epi32(flip ? -k : k)), w, 4);
    transform_filter(g, u);
    const __mmask16 store = c + 1 < p.Cin ? 0xFFFF : 0x00FF;
    for (int xi = 0; xi < 16; xi++) _mm512_mask_storeu_ps(up + ((xi * panels + pi) * p.Cin + c) * 8, store, u[xi]);
  }
}
/**
 * One run's patches for the weight gradient, input channels in the lanes (16 at a time, gathered
 * across planes; offsets fit 32 bits: weight_grad checks), into the micro-kernel's A panels va
 * (mr = 8: [Cin / 8][K][8] per position, positions xi_stride apart; tile lane at row lane): B^T d B.
 * With 16 lanes of channels no lane idles on short tile rows (AlexNet's 6-tile rows leave 10 of
 * input_run's 16 idle: it and the packing of its rows took 15% of conv3's weight gradient, this
 * 9%), and the panels need no packing.
 */
void patch_run(const Plan& p, const float* xn, const Run& r, float* va, int64_t xi_stride, int64_t K, int64_t /*mr: 8*/) {
  const int64_t plane = p.H * p.W, cpad = (p.Cin + 7) / 8 * 8;
  const __m512i planes = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), _mm512_set1_epi32(static_cast<int>(plane)));
  const __m512 zero = _mm512_setzero_ps();
  for (int64_t c0 = 0; c0 < p.Cin; c0 += 16) {
    const __mmask16 valid = lanes(p.Cin - c0);
    const float* planes0 = xn + c0 * plane;
    float* out = va + (c0 / 8) * K * 8;
    for (int64_t l = 0; l < r.count; l++) {
      const int64_t r0 = 2 * r.th - p.pH, s0 = 2 * (r.tw + l) - p.pW;
      __m512 d[16], v[16];
      for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
          const int64_t row = r0 + i, col = s0 + j;
          d[4 * i + j] = row >= 0 && row < p.H && col >= 0 && col < p.W ? _mm512_mask_i32gather_ps(zero, valid, planes, planes0 + row * p.W + col, 4) : zero;
        }
      transform_input(d, v);
      float* dst = out + (r.lane + l) * 8;
      for (int xi = 0; xi < 16; xi++) {
        _mm256_storeu_ps(dst + xi * xi_stride, _mm512_castps512_ps256(v[xi]));
        if (c0 + 8 < cpad) _mm256_storeu_ps(dst + xi * xi_stride + K * 8, _mm512_extractf32x8_ps(v[xi], 1));
      }
    }
  }
}

/**
 * One run's gradient tiles for the weight gradient, output channels in the lanes (16 at a time,
 * gathered across planes; offsets fit 32 bits: weight_grad checks), into the B panels gb
 * ([Opad / nr][K][nr] per position, positions xi_stride apart; tile lane at row lane): A' gy A'^T, zero past Cout and past the
 * output's last row or column. The 16 planes' lines are read for the whole run of tiles.
 */
void grad_run(const Plan& p, const float* gyn, const Run& r, float* gb, int64_t xi_stride, int64_t K, int64_t nr, int64_t Opad) {
  const int64_t oplane = p.oH * p.oW;
  const __m512i planes = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), _mm512_set1_epi32(static_cast<int>(oplane)));
  const __m512 zero = _mm512_setzero_ps();
  for (int64_t o0 = 0; o0 < Opad; o0 += 16) {
    const __mmask16 valid = lanes(p.Cout - o0);
    const float* planes0 = gyn + std::min(o0, p.Cout - 1) * oplane;  // past Cout: no lane is read
    float* out = gb + (o0 / nr) * K * nr + o0 % nr;
    for (int64_t l = 0; l < r.count; l++) {
      const int64_t row = 2 * r.th, col = 2 * (r.tw + l);
      __m512 g[4], a[16];
      for (int k = 0; k < 4; k++) {
        const int64_t rr = row + k / 2, cc = col + k % 2;
        g[k] = rr < p.oH && cc < p.oW ? _mm512_mask_i32gather_ps(zero, valid, planes, planes0 + rr * p.oW + cc, 4) : zero;
      }
      transform_grad(g, a);
      float* dst = out + (r.lane + l) * nr;
      for (int xi = 0; xi < 16; xi++) _mm512_storeu_ps(dst + xi * xi_stride, a[xi]);
    }
  }
}
}  // namespace avx512
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace avx2 {
/** 16 lanes as two ymm. */
struct V {
  struct T {
    __m256 lo, hi;
  };
  static inline T set1(float v) { return {_mm256_set1_ps(v), _mm256_set1_ps(v)}; }
  static inline T add(T a, T b) { return {_mm256_add_ps(a.lo, b.lo), _mm256_add_ps(a.hi, b.hi)}; }
  static inline T sub(T a, T b) { return {_mm256_sub_ps(a.lo, b.lo), _mm256_sub_ps(a.hi, b.hi)}; }
  static inline T mul(T a, T b) { return {_mm256_mul_ps(a.lo, b.lo), _mm256_mul_ps(a.hi, b.hi)}; }
};
#include "conv_winograd_lanes.inc"

/** Lanes [lo, hi) of 8 as a maskload/maskstore mask (lanes may run past 0..8). */
inline __m256i lanes8(int64_t lo, int64_t hi) {
  const __m256i k = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i a = _mm256_cmpgt_epi32(k, _mm256_set1_epi32(static_cast<int>(std::max<int64_t>(-1, std::min<int64_t>(8, lo)) - 1)));
  const __m256i b = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(8, hi)))), k);
  return _mm256_and_si256(a, b);
}
/** The even (or odd) elements of 16 consecutive floats a, b, in order. */
inline __m256 even(__m256 a, __m256 b) { return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0))), _MM_SHUFFLE(3, 1, 2, 0))); }
inline __m256 odd(__m256 a, __m256 b) { return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1))), _MM_SHUFFLE(3, 1, 2, 0))); }

/** avx512::input_run with 16 lanes as two ymm (masked loads, even/odd shuffles), the same bits. */
void input_run(const Plan& p, const float* xn, const Run& r, float* vp, int64_t xi_stride, int64_t nr) {
  const int64_t K = virtual_channels(p);  // rows of a panel
  const int64_t r0 = 2 * r.th - p.pH, s0 = 2 * r.tw - p.pW;
  // Columns s0 + k (k < 32, four masks of 8) and s0 + 2 + k inside the image and read by a tile.
  const int64_t need0 = 2 * r.count + 2, need2 = 2 * r.count;
  __m256i cols0[4], cols2[4];
  for (int q = 0; q < 4; q++) {
    cols0[q] = lanes8(std::max<int64_t>(0, -s0 - 8 * q), std::min(need0, p.W - s0) - 8 * q);
    cols2[q] = lanes8(std::max<int64_t>(0, -s0 - 2 - 8 * q), std::min(need2, p.W - s0 - 2) - 8 * q);
  }
  const PanelSpan ps = panel_span(r, nr);
  const __m256i m1lo = lanes8(0, ps.first), m1hi = lanes8(-8, ps.first - 8);
  const __m256i m2lo = lanes8(ps.first, r.count), m2hi = lanes8(ps.first - 8, r.count - 8);
  const bool split = r.count > ps.first;
  const int64_t plane = p.H * p.W;
  for (int64_t c = 0; c < p.Cin; c++) {
    V::T d[16], v[16];
    for (int i = 0; i < 4; i++) {
      const int64_t row = r0 + i;
      if (row < 0 || row >= p.H) {
        for (int j = 0; j < 4; j++) d[4 * i + j] = V::set1(0.0f);
        continue;
      }
      const float* src = xn + c * plane + row * p.W + s0;  // may point before the row: those lanes are masked
      __m256 a[4], b[4];
      for (int q = 0; q < 4; q++) a[q] = _mm256_maskload_ps(src + 8 * q, cols0[q]), b[q] = _mm256_maskload_ps(src + 2 + 8 * q, cols2[q]);
      d[4 * i] = {even(a[0], a[1]), even(a[2], a[3])};
      d[4 * i + 1] = {odd(a[0], a[1]), odd(a[2], a[3])};
      d[4 * i + 2] = {even(b[0], b[1]), even(b[2], b[3])};
      d[4 * i + 3] = {odd(b[0], b[1]), odd(b[2], b[3])};
    }
    transform_input(d, v);
    float* out = vp + (ps.panel * K + c) * nr + ps.off;
    for (int xi = 0; xi < 16; xi++) {
      float* o = out + xi * xi_stride;
      _mm256_maskstore_ps(o, m1lo, v[xi].lo), _mm256_maskstore_ps(o + 8, m1hi, v[xi].hi);
      // Lanes past the panel: lane `first` at the next panel's column 0.
      if (split) _mm256_maskstore_ps(o + K * nr - nr, m2lo, v[xi].lo), _mm256_maskstore_ps(o + K * nr - nr + 8, m2hi, v[xi].hi);
    }
  }
}

/** avx512::output_run with 16 lanes as two ymm, the same bits. */
bool output_run(const Plan& p, const float* m, int64_t xi_stride, int64_t rows, int64_t ldm, const float* bias, float* yn, const Run& r) {
  const __m256i in_lo = lanes8(0, r.count), in_hi = lanes8(-8, r.count - 8);
  const int64_t col0 = 2 * r.tw, ncols = std::min(2 * r.count, p.oW - col0), oplane = p.oH * p.oW;
  __m256i out_cols[4];
  for (int q = 0; q < 4; q++) out_cols[q] = lanes8(-8 * q, ncols - 8 * q);
  const bool second_row = 2 * r.th + 1 < p.oH;
  V::T finite = V::set1(0.0f);
  for (int64_t o = 0; o < rows; o++) {
    V::T mv[16], y[4];
    for (int xi = 0; xi < 16; xi++) {
      const float* src = m + xi * xi_stride + o * ldm;
      mv[xi] = {_mm256_maskload_ps(src, in_lo), _mm256_maskload_ps(src + 8, in_hi)};
    }
    transform_output(mv, y);
    if (bias)
      for (int k = 0; k < 4; k++) y[k] = V::add(y[k], V::set1(bias[o]));
    for (int k = 0; k < 4; k++) finite = V::add(finite, V::sub(y[k], y[k]));
    float* out = yn + o * oplane + 2 * r.th * p.oW + col0;
    for (int rr = 0; rr < (second_row ? 2 : 1); rr++, out += p.oW) {
      const V::T& e = y[2 * rr];
      const V::T& f = y[2 * rr + 1];
      // Interleave e and f: outputs 2l and 2l + 1 of tile l.
      const __m256 l0 = _mm256_unpacklo_ps(e.lo, f.lo), h0 = _mm256_unpackhi_ps(e.lo, f.lo);
      const __m256 l1 = _mm256_unpacklo_ps(e.hi, f.hi), h1 = _mm256_unpackhi_ps(e.hi, f.hi);
      const __m256 q[4] = {_mm256_permute2f128_ps(l0, h0, 0x20), _mm256_permute2f128_ps(l0, h0, 0x31), _mm256_permute2f128_ps(l1, h1, 0x20), _mm256_permute2f128_ps(l1, h1, 0x31)};
      for (int k = 0; k < 4; k++) _mm256_maskstore_ps(out + 8 * k, out_cols[k], q[k]);
    }
  }
  const __m256 zero = _mm256_setzero_ps();
  return _mm256_movemask_ps(_mm256_or_ps(_mm256_cmp_ps(finite.lo, zero, _CMP_NEQ_UQ), _mm256_cmp_ps(finite.hi, zero, _CMP_NEQ_UQ))) == 0;
}
/** avx512::patch_run with 16 lanes as two ymm (masked gathers) into A panels of any height mr, the same bits. */
void patch_run(const Plan& p, const float* xn, const Run& r, float* va, int64_t xi_stride, int64_t K, int64_t mr) {
  const int64_t plane = p.H * p.W, cpad = (p.Cin + mr - 1) / mr * mr;
  const __m256i planes = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(static_cast<int>(plane)));
  const __m256 zero = _mm256_setzero_ps();
  for (int64_t c0 = 0; c0 < p.Cin; c0 += 16) {
    const __m256 valid_lo = _mm256_castsi256_ps(lanes8(0, p.Cin - c0)), valid_hi = _mm256_castsi256_ps(lanes8(-8, p.Cin - c0 - 8));
    const float* planes0 = xn + c0 * plane;
    for (int64_t l = 0; l < r.count; l++) {
      const int64_t r0 = 2 * r.th - p.pH, s0 = 2 * (r.tw + l) - p.pW;
      V::T d[16], v[16];
      for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
          const int64_t row = r0 + i, col = s0 + j;
          if (row < 0 || row >= p.H || col < 0 || col >= p.W) {
            d[4 * i + j] = V::set1(0.0f);
            continue;
          }
          const float* src = planes0 + row * p.W + col;
          d[4 * i + j] = {_mm256_mask_i32gather_ps(zero, src, planes, valid_lo, 4), _mm256_mask_i32gather_ps(zero, src + 8 * plane, planes, valid_hi, 4)};
        }
      transform_input(d, v);
      const int64_t k = r.lane + l;
      for (int xi = 0; xi < 16; xi++) {
        alignas(32) float lane[16];
        _mm256_store_ps(lane, v[xi].lo), _mm256_store_ps(lane + 8, v[xi].hi);
        float* out = va + xi * xi_stride;
        for (int64_t c = c0; c < std::min(cpad, c0 + 16); c++) out[((c / mr) * K + k) * mr + c % mr] = lane[c - c0];
      }
    }
  }
}

/** avx512::grad_run with 16 lanes as two ymm (masked gathers), the same bits. */
void grad_run(const Plan& p, const float* gyn, const Run& r, float* gb, int64_t xi_stride, int64_t K, int64_t nr, int64_t Opad) {
  const int64_t oplane = p.oH * p.oW;
  const __m256i planes = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(static_cast<int>(oplane)));
  const __m256 zero = _mm256_setzero_ps();
  for (int64_t o0 = 0; o0 < Opad; o0 += 16) {
    const __m256 valid_lo = _mm256_castsi256_ps(lanes8(0, p.Cout - o0)), valid_hi = _mm256_castsi256_ps(lanes8(-8, p.Cout - o0 - 8));
    const float* planes0 = gyn + std::min(o0, p.Cout - 1) * oplane;  // past Cout: no lane is read
    float* out = gb + (o0 / nr) * K * nr + o0 % nr;
    for (int64_t l = 0; l < r.count; l++) {
      const int64_t row = 2 * r.th, col = 2 * (r.tw + l);
      V::T g[4], a[16];
      for (int k = 0; k < 4; k++) {
        const int64_t rr = row + k / 2, cc = col + k % 2;
        if (rr >= p.oH || cc >= p.oW) {
          g[k] = V::set1(0.0f);
          continue;
        }
        const float* src = planes0 + rr * p.oW + cc;
        g[k] = {_mm256_mask_i32gather_ps(zero, src, planes, valid_lo, 4), _mm256_mask_i32gather_ps(zero, src + 8 * oplane, planes, valid_hi, 4)};
      }
      transform_grad(g, a);
      float* dst = out + (r.lane + l) * nr;
      for (int xi = 0; xi < 16; xi++) _mm256_storeu_ps(dst + xi * xi_stride, a[xi].lo), _mm256_storeu_ps(dst + xi * xi_stride + 8, a[xi].hi);
    }
  }
}
}  // namespace avx2
#pragma GCC pop_options
#endif

namespace portable {
/** 16 lanes as floats. */
struct V {
  struct T {
    float v[16];
  };
  static inline T set1(float x) {
    T t;
    for (int i = 0; i < 16; i++) t.v[i] = x;
    return t;
  }
  static inline T add(T a, T b) {
    for (int i = 0; i < 16; i++) a.v[i] += b.v[i];
    return a;
  }
  static inline T sub(T a, T b) {
    for (int i = 0; i < 16; i++) a.v[i] -= b.v[i];
    return a;
  }
  static inline T mul(T a, T b) {
    for (int i = 0; i < 16; i++) a.v[i] *= b.v[i];
    return a;
  }
};
#include "conv_winograd_lanes.inc"

/** input_run's result, lane by lane. */
void input_run(const Plan& p, const float* xn, const Run& r, float* vp, int64_t xi_stride, int64_t nr) {
  const int64_t K = virtual_channels(p);  // rows of a panel
  const int64_t r0 = 2 * r.th - p.pH, s0 = 2 * r.tw - p.pW, plane = p.H * p.W;
  const PanelSpan ps = panel_span(r, nr);
  for (int64_t c = 0; c < p.Cin; c++) {
    V::T d[16], v[16];
    for (int k = 0; k < 16; k++) {
      const int64_t row = r0 + k / 4;
      for (int l = 0; l < 16; l++) {
        const int64_t col = s0 + 2 * l + k % 4;
        d[k].v[l] = l < r.count && row >= 0 && row < p.H && col >= 0 && col < p.W ? xn[c * plane + row * p.W + col] : 0.0f;
      }
    }
    transform_input(d, v);
    for (int64_t l = 0; l < r.count; l++) {
      float* out = l < ps.first ? vp + (ps.panel * K + c) * nr + ps.off + l : vp + ((ps.panel + 1) * K + c) * nr + (l - ps.first);
      for (int xi = 0; xi < 16; xi++) out[xi * xi_stride] = v[xi].v[l];
    }
  }
}

/** output_run's result, lane by lane. */
bool output_run(const Plan& p, const float* m, int64_t xi_stride, int64_t rows, int64_t ldm, const float* bias, float* yn, const Run& r) {
  const int64_t oplane = p.oH * p.oW;
  V::T finite = V::set1(0.0f);
  for (int64_t o = 0; o < rows; o++) {
    V::T mv[16], y[4];
    for (int xi = 0; xi < 16; xi++)
      for (int l = 0; l < 16; l++) mv[xi].v[l] = l < r.count ? m[xi * xi_stride + o * ldm + l] : 0.0f;
    transform_output(mv, y);
    if (bias)
      for (int k = 0; k < 4; k++) y[k] = V::add(y[k], V::set1(bias[o]));
    for (int k = 0; k < 4; k++) finite = V::add(finite, V::sub(y[k], y[k]));
    for (int64_t l = 0; l < r.count; l++)
      for (int k = 0; k < 4; k++) {
        const int64_t row = 2 * r.th + k / 2, col = 2 * (r.tw + l) + k % 2;
        if (row < p.oH && col < p.oW) yn[o * oplane + row * p.oW + col] = y[k].v[l];
      }
  }
  bool ok = true;
  for (int l = 0; l < 16; l++) ok = ok && finite.v[l] == 0.0f;
  return ok;
}

/** U for panel pi of the A panels (any mr): 16 input channels of one output channel at a time. */
void filter_panel(const Plan& p, const float* w, bool flip, int64_t pi, int64_t panels, int64_t mr, float* up) {
  for (int64_t r = 0; r < mr; r++) {
    const int64_t o = pi * mr + r;
    for (int64_t c0 = 0; c0 < p.Cin; c0 += 16) {
      V::T g[9], u[16];
      for (int l = 0; l < 16; l++) {
        const int64_t c = c0 + l;
        const bool in = o < p.Cout && c < p.Cin;
        const float* src = in ? (flip ? w + (c * p.Cout + o) * 9 : w + (o * p.Cin + c) * 9) : nullptr;
        for (int k = 0; k < 9; k++) g[k].v[l] = in ? src[flip ? 8 - k : k] : 0.0f;
      }
      transform_filter(g, u);
      for (int64_t c = c0; c < std::min(p.Cin, c0 + 16); c++)
        for (int xi = 0; xi < 16; xi++) up[((xi * panels + pi) * p.Cin + c) * mr + r] = u[xi].v[c - c0];
    }
  }
}
/** patch_run's result, lane by lane. */
void patch_run(const Plan& p, const float* xn, const Run& r, float* va, int64_t xi_stride, int64_t K, int64_t mr) {
  const int64_t plane = p.H * p.W, cpad = (p.Cin + mr - 1) / mr * mr;
  for (int64_t c0 = 0; c0 < p.Cin; c0 += 16) {
    for (int64_t l = 0; l < r.count; l++) {
      const int64_t r0 = 2 * r.th - p.pH, s0 = 2 * (r.tw + l) - p.pW;
      V::T d[16], v[16];
      for (int k = 0; k < 16; k++) {
        const int64_t row = r0 + k / 4, col = s0 + k % 4;
        const bool in = row >= 0 && row < p.H && col >= 0 && col < p.W;
        for (int j = 0; j < 16; j++) d[k].v[j] = in && c0 + j < p.Cin ? xn[(c0 + j) * plane + row * p.W + col] : 0.0f;
      }
      transform_input(d, v);
      const int64_t k = r.lane + l;
      for (int xi = 0; xi < 16; xi++)
        for (int64_t c = c0; c < std::min(cpad, c0 + 16); c++) va[xi * xi_stride + ((c / mr) * K + k) * mr + c % mr] = v[xi].v[c - c0];
    }
  }
}

/** grad_run's result, lane by lane. */
void grad_run(const Plan& p, const float* gyn, const Run& r, float* gb, int64_t xi_stride, int64_t K, int64_t nr, int64_t Opad) {
  const int64_t oplane = p.oH * p.oW;
  for (int64_t o0 = 0; o0 < Opad; o0 += 16) {
    float* out = gb + (o0 / nr) * K * nr + o0 % nr;
    for (int64_t l = 0; l < r.count; l++) {
      V::T g[4], a[16];
      for (int k = 0; k < 4; k++) {
        const int64_t rr = 2 * r.th + k / 2, cc = 2 * (r.tw + l) + k % 2;
        for (int j = 0; j < 16; j++) g[k].v[j] = o0 + j < p.Cout && rr < p.oH && cc < p.oW ? gyn[(o0 + j) * oplane + rr * p.oW + cc] : 0.0f;
      }
      transform_grad(g, a);
      float* dst = out + (r.lane + l) * nr;
      for (int xi = 0; xi < 16; xi++) std::memcpy(dst + xi * xi_stride, a[xi].v, sizeof(a[xi].v));
    }
  }
}

/**
 * dw for output channels [o0, o0 + 16) and part b from the 16 sums m (m + xi * xi_stride, input
 * channel c's row at (b rows + c) Cout): G'^T m G', the 3x3 block at (dy, dx) of the kernel
 * (kernel x kernel: 3, or 5 for a split plan, whose padded sixth row and column are dropped).
 * Once per layer, so lane by lane on every ISA. Returns whether every weight is finite.
 */
bool weight_run(const Plan& p, const float* m, int64_t xi_stride, int64_t rows, int64_t o0, int64_t b, float* dw) {
  const int64_t n = std::min<int64_t>(16, p.Cout - o0), kernel = p.parts == 1 ? 3 : 5;
  const int64_t dy = 3 * (b / 2), dx = 3 * (b % 2);
  bool ok = true;
  for (int64_t c = 0; c < p.Cin; c++) {
    V::T mv[16], w[9];
    for (int xi = 0; xi < 16; xi++)
      for (int l = 0; l < 16; l++) mv[xi].v[l] = l < n ? m[xi * xi_stride + (b * rows + c) * p.Cout + o0 + l] : 0.0f;
    transform_weight(mv, w);
    for (int64_t l = 0; l < n; l++)
      for (int k = 0; k < 9; k++) {
        const int64_t ky = dy + k / 3, kx = dx + k % 3;
        if (ky >= kernel || kx >= kernel) continue;
        ok = ok && std::isfinite(w[k].v[l]);
        dw[((o0 + l) * p.Cin + c) * kernel * kernel + ky * kernel + kx] = w[k].v[l];
      }
  }
  return ok;
}
}  // namespace portable

/**
 * Tiles per block: 2 column panels of the AVX-512 kernel (each panel of U is read into L1 for 2
 * kernel calls); blocks of 32 to 256 tiles and passes of 32 to 128 channels measured within the
 * noise of each other on AlexNet's conv3 (1 thread, batch 128, 178-198 ms), and the smallest
 * pads the fewest tiles (a layer's last block).
 */
constexpr int64_t kTileBlock = 64;
/** Output channels per pass over a block's products (their scratch, 16 x 64 x 64 floats, stays in L2 beside the patches). */
constexpr int64_t kChannelBlock = 64;
/** Tasks a layer is cut into at least (blocks of output channels where the tile blocks are fewer). */
constexpr int64_t kMinTasks = 8;
/** K (input channels) per micro-kernel call: an 8 x 512 panel of U stays in L1 (gemm.cc's KC). */
constexpr int64_t kKc = 512;

/**
 * U = G g G^T for each (output, input) channel pair, packed as the micro-kernel's A panels:
 * up[((xi * panels + o / mr) * Cin + c) * mr + o % mr], zero past Cout. With `flip`, the
 * filter of (o, c) is w[c][o] rotated by 180 degrees (the input gradient's kernel), else w[o][c].
 */
void transform_filters(const Plan& p, const float* w, bool flip, int64_t mr, float* up, bool parallel) {
  const int64_t panels = (p.Cout + mr - 1) / mr;
  auto panel = [&](int64_t pi, int) {
#if defined(__x86_64__)
    if (cpu_isa() == Isa::Avx512 && mr == 8) return avx512::filter_panel(p, w, flip, pi, panels, up);
#endif
    portable::filter_panel(p, w, flip, pi, panels, mr, up);
  };
  if (parallel) parallel_for(panels, panel);
  else for (int64_t pi = 0; pi < panels; pi++) panel(pi, 0);
}

/**
 * The distance in floats between the 16 positions' matrices of n floats each: a cache line past a
 * multiple of 4 KiB, so that a tile's 16 stores (or loads) do not all fall in one set of L1
 * (AlexNet's conv3 weight gradient, 1 thread: 3-6% faster than 256 KiB apart).
 */
int64_t spaced(int64_t n) { return n / 1024 * 1024 + 1024 + 16; }

/** Tiles [t0, t1) (over the batch, image by image, row by row) as runs along tile rows, lanes from t0; returns how many. */
int64_t tile_runs(const Plan& p, int64_t t0, int64_t t1, Run* runs) {
  const int64_t per_image = p.tH * p.tW;
  int64_t nruns = 0;
  for (int64_t tile = t0; tile < t1;) {
    const int64_t n = tile / per_image, th = (tile % per_image) / p.tW, tw = tile % p.tW;
    const int64_t count = std::min({int64_t(16), p.tW - tw, t1 - tile});
    runs[nruns++] = Run{n, th, tw, count, tile - t0};
    tile += count;
  }
  return nruns;
}

/** y = the convolution of x with the filters transformed into up (transform_filters), + bias. False if any output is not finite. */
bool run(const Plan& p, const float* x, const float* up, const float* bias, float* y) {
  const MicroKernel& mk = micro_kernel();
  const int64_t mr = mk.mr, nr = mk.nr;
  auto input_fn = portable::input_run;
  auto output_fn = portable::output_run;
#if defined(__x86_64__)
  if (cpu_isa() == Isa::Avx512) input_fn = avx512::input_run, output_fn = avx512::output_run;
  if (cpu_isa() == Isa::Avx2) input_fn = avx2::input_run, output_fn = avx2::output_run;
#endif
  const int64_t T = std::min(kTileBlock, (p.tiles + 31) / 32 * 32);  // a multiple of 16 and of nr (16 or 32)
  const int64_t K = virtual_channels(p);
  const int64_t P = T / nr, v_stride = spaced(P * K * nr), vsize = 16 * v_stride;
  const int64_t blocks = (p.tiles + T - 1) / T;
  const int64_t panels = (p.Cout + mr - 1) / mr;
  const int64_t split = blocks >= kMinTasks ? 1 : std::min(panels, (kMinTasks + blocks - 1) / blocks);
  const int64_t chunk_panels = std::max<int64_t>(1, kChannelBlock / mr);
  const int64_t in_image = p.Cin * p.H * p.W, out_plane = p.oH * p.oW, out_image = p.Cout * out_plane;
  const bool parallel = p.N * p.Cout * K * out_plane * 9 >= (int64_t(1) << 18);
  auto tasks = [&](int64_t n, auto&& f) {
    if (parallel) parallel_for(n, f);
    else for (int64_t t = 0; t < n; t++) f(t, 0);
  };
  auto block_runs = [&](int64_t b, Run* runs) { return tile_runs(p, b * T, std::min(p.tiles, b * T + T), runs); };
  auto transform_block = [&](int64_t b, float* vp) {
    Run runs[kTileBlock];
    const int64_t nruns = block_runs(b, runs);
    if (b == blocks - 1 && p.tiles % T != 0) std::memset(vp, 0, vsize * sizeof(float));  // lanes past the last tile: zero products
    // Each part's channels read in place at its shift (no copy of the input per part).
    for (int64_t i = 0; i < nruns; i++)
      for (int64_t b = 0; b < p.parts; b++) input_fn(part_plan(p, b), x + runs[i].n * in_image, runs[i], vp + b * p.Cin * nr, v_stride, nr);
  };
  // Where the blocks are split by output channels, their patches are transformed once, up front.
  thread_local FloatBuffer shared_patches;  // per calling thread; the pool's threads read it
  float* shared = split > 1 ? shared_patches.get(blocks * vsize) : nullptr;
  if (shared) tasks(blocks, [&](int64_t b, int) { transform_block(b, shared + b * vsize); });
  std::vector<char> finite(blocks * split, 1);
  tasks(blocks * split, [&](int64_t t, int thread) {
    const int64_t b = t / split, s = t % split;
    float* vp = shared ? shared + b * vsize : thread_buffer(thread, 1).get(vsize);
    if (!shared) transform_block(b, vp);
    Run runs[kTileBlock];
    const int64_t nruns = block_runs(b, runs);
    // This task's output-channel panels, in passes of chunk_panels: the 16 products, then the output transform.
    const int64_t q0 = s * panels / split, q1 = (s + 1) * panels / split;
    const int64_t rows_pad = std::min(q1 - q0, chunk_panels) * mr;
    const int64_t xi_stride = spaced(rows_pad * T);
    float* m = thread_buffer(thread, 2).get(16 * xi_stride);
    bool ok = true;
    for (int64_t qa = q0; qa < q1; qa += chunk_panels) {
      const int64_t qb = std::min(q1, qa + chunk_panels);
      for (int xi = 0; xi < 16; xi++) {
        for (int64_t q = qa; q < qb; q++) {
          const float* ap = up + (xi * panels + q) * K * mr;
          float* mrow = m + xi * xi_stride + (q - qa) * mr * T;
          for (int64_t j = 0; j < P; j++) {
            const float* bp = vp + xi * v_stride + j * K * nr;
            for (int64_t k0 = 0; k0 < K; k0 += kKc)
              mk.run(std::min(kKc, K - k0), ap + k0 * mr, bp + k0 * nr, mrow + j * nr, T, k0 > 0);
          }
        }
      }
      const int64_t o0 = qa * mr, o1 = std::min(p.Cout, qb * mr);
      for (int64_t i = 0; i < nruns; i++)
        ok &= output_fn(p, m + runs[i].lane, xi_stride, o1 - o0, T, bias ? bias + o0 : nullptr, y + runs[i].n * out_image + o0 * out_plane, runs[i]);
    }
    finite[t] = ok;
  });
  return std::all_of(finite.begin(), finite.end(), [](char f) { return f != 0; });
}

/**
 * The 5x5 kernel w (w[c][o] rotated by 180 degrees with `flip`) as the 3x3 filters of a split
 * plan's virtual channels, w3[o][b Cin + c]: block b of the kernel zero-padded to 6x6.
 */
void split_kernel(const Plan& p, const float* w, bool flip, float* w3) {
  const int64_t K = virtual_channels(p);
  for (int64_t o = 0; o < p.Cout; o++)
    for (int64_t b = 0; b < p.parts; b++)
      for (int64_t c = 0; c < p.Cin; c++)
        for (int64_t k = 0; k < 9; k++) {
          const int64_t ky = 3 * (b / 2) + k / 3, kx = 3 * (b % 2) + k % 3;
          const float* src = flip ? w + (c * p.Cout + o) * 25 + (4 - ky) * 5 + (4 - kx) : w + (o * p.Cin + c) * 25 + ky * 5 + kx;
          w3[(o * K + b * p.Cin + c) * 9 + k] = ky < 5 && kx < 5 ? *src : 0.0f;
        }
}

bool convolve(Plan p, const float* x, const float* w, bool flip, const float* bias, float* y) {
  if (p.N == 0 || p.Cout == 0) return true;
  const int64_t K = virtual_channels(p);
  if (K * p.Cout * 9 >= (int64_t(1) << 31)) return false;  // the filter gathers' offsets are 32-bit
  p.tH = (p.oH + 1) / 2, p.tW = (p.oW + 1) / 2, p.tiles = p.N * p.tH * p.tW;
  const int64_t mr = micro_kernel().mr;
  thread_local FloatBuffer filters, split;  // per calling thread; the pool's threads read them
  float* up = filters.get(16 * ((p.Cout + mr - 1) / mr) * mr * K);
  if (p.parts == 1) {
    transform_filters(p, w, flip, mr, up, p.Cout * p.Cin >= 4096);
  } else {
    // The split kernel's 3x3 filters over the virtual channels, then transformed as any 3x3's.
    Plan q = p;
    q.Cin = K, q.parts = 1;
    float* w3 = split.get(p.Cout * K * 9);
    split_kernel(p, w, flip, w3);
    transform_filters(q, w3, false, mr, up, p.Cout * K >= 4096);
  }
  return run(p, x, up, bias, y);
}

/**
 * Tiles per chunk of the weight gradient's sums: its patches and gradient tiles transformed, then
 * the 16 products added to the sums. AlexNet's conv3 (1 thread, batch 128): 256 within 5% of
 * 128, 64 (the sums read and written twice as often) 3-7% slower and 512-4608 (the transformed
 * chunk far past L2; at 4608, every tile of the batch first, 189 MB) 9-15% slower.
 */
constexpr int64_t kGradTiles = 128;

/**
 * dw = sum over the batch's tiles, G'^T [(A' gy A'^T) . (B^T x B)] G' (conv_winograd_lanes.inc):
 * per position xi, the sums over tiles M[xi] (Cin x Cout) = V[xi] (Cin x tiles) . a[xi] (tiles x
 * Cout) on the micro-kernel, both transformed straight into its panels (channels in the lanes),
 * a chunk of kGradTiles tiles at a time, each chunk's products added to the last's: each sum is
 * one fused multiply-add chain in tile order whatever the chunk, thread count or ISA. False if
 * any weight is not finite.
 */
bool weight_grad(const Plan& p, const float* x, const float* gy, float* dw) {
  const MicroKernel& mk = micro_kernel();
  const int64_t mr = mk.mr, nr = mk.nr;
  auto patch_fn = portable::patch_run;
  auto grad_fn = portable::grad_run;
#if defined(__x86_64__)
  if (cpu_isa() == Isa::Avx512) patch_fn = avx512::patch_run, grad_fn = avx512::grad_run;
  if (cpu_isa() == Isa::Avx2) patch_fn = avx2::patch_run, grad_fn = avx2::grad_run;
#endif
  const int64_t K = std::min(kGradTiles, p.tiles);
  // A split plan's parts each fill whole A panels: Cpad rows apiece, the rows past Cin zero.
  const int64_t Cpad = (p.Cin + mr - 1) / mr * mr, Opad = (p.Cout + nr - 1) / nr * nr, rows = p.parts * Cpad;
  const int64_t in_image = p.Cin * p.H * p.W, out_image = p.Cout * p.oH * p.oW;
  const bool parallel = p.N * p.Cout * p.Cin * p.parts * p.oH * p.oW * 9 >= (int64_t(1) << 18);
  auto tasks = [&](int64_t n, auto&& f) {
    if (parallel) parallel_for(n, f);
    else for (int64_t t = 0; t < n; t++) f(t, 0);
  };
  const int64_t v_stride = spaced(rows * K), g_stride = spaced(Opad * K), m_stride = spaced(rows * p.Cout);
  thread_local FloatBuffer patches, grads, sums;  // per calling thread; the pool's threads use them
  float* va = patches.get(16 * v_stride);  // per position A panels [Cpad / mr][tiles][mr]
  float* gb = grads.get(16 * g_stride);    // per position B panels [Opad / nr][tiles][nr]
  float* m = sums.get(16 * m_stride);      // per position the sums (rows x Cout)
  std::vector<Run> runs(K);
  for (int64_t t0 = 0; t0 < p.tiles; t0 += K) {
    const int64_t kc = std::min(K, p.tiles - t0);
    const int64_t nruns = tile_runs(p, t0, t0 + kc, runs.data());
    tasks(nruns, [&](int64_t i, int) {
      const Run& r = runs[i];
      for (int64_t b = 0; b < p.parts; b++) patch_fn(part_plan(p, b), x + r.n * in_image, r, va + b * Cpad * kc, v_stride, kc, mr);
      grad_fn(p, gy + r.n * out_image, r, gb, g_stride, kc, nr, Opad);
    });
    tasks(16, [&](int64_t xi, int) {
      gemm_prepacked(mk, rows, p.Cout, kc, va + xi * v_stride, gb + xi * g_stride, m + xi * m_stride, p.Cout, t0 > 0);
    });
  }
  const int64_t blocks = (p.Cout + 15) / 16;
  std::vector<char> finite(blocks * p.parts, 1);
  tasks(blocks * p.parts, [&](int64_t t, int) { finite[t] = portable::weight_run(p, m, m_stride, Cpad, 16 * (t / p.parts), t % p.parts, dw); });
  return std::all_of(finite.begin(), finite.end(), [](char f) { return f != 0; });
}

}  // namespace

bool winograd_applies(const ConvGeometry& g) {
  return g.kH == g.kW && (g.kH == 3 || g.kH == 5) && g.sH == 1 && g.sW == 1 && g.dH == 1 && g.dW == 1 && g.groups == 1 && g.C > 0 && g.oH > 0 && g.oW > 0;
}

/**
 * Where a split 5x5's weight gradient runs (1 thread, scripts/bench-conv-winograd.ts and
 * bench-conv-alexnet.ts, CPU time, a machine loaded 3-7x its 2 cores): AlexNet's conv2 (96 ->
 * 256, 26x26) takes 0.76-0.78 of the direct kernel's time at batch 128, 0.85 at 32, 0.89-0.92
 * at 8 (1352 tiles), on AVX2 0.80-0.88; it loses at batch 1 (169 tiles: 1.4x), at 64 channels
 * (28x28, 1568 tiles: 1.04x), 32 (1.07x) and on LeNet's 1 -> 6 and 6 -> 16 (1.0-19x): its 36
 * taps of 25 and four transforms per channel take back most of F(2x2, 3x3)'s 2.25x. The forward
 * and input gradient stay direct: on conv2 the forward takes 0.88-0.95 of the direct kernel's
 * time on AVX-512 but 1.21-1.28 on AVX2 (which must make the same choice, for the same bits),
 * and the input gradient, whose 1024 virtual channels' transforms cost a quarter of its time,
 * 1.0-1.1 on AVX-512 and 1.28 on AVX2.
 */
static bool split_pays(const ConvGeometry& g) {
  const int64_t tiles = g.N * ((g.oH + 1) / 2) * ((g.oW + 1) / 2);
  return std::min(g.C, g.O) >= 96 && tiles >= 1024;
}

bool winograd_pays(const ConvGeometry& g) {
  // Against the direct kernel (1 thread, scripts/bench-conv-winograd.ts, CPU time): 1.6-1.8x at
  // 128-384 channels from 144 tiles (AlexNet's conv3-5 from batch 4), 1.3x at 128 channels on 12x12
  // maps (288 tiles), 1.35-1.8x at 64 channels on 28-56 px; no gain at 64 channels on 12x12 maps
  // (6-tile rows leave most lanes of the transforms idle), at 32 channels or fewer (0.7-1.15x), or
  // below about 100 tiles (one image at 12x12: 0.6-1.0x). The choice ignores the ISA, so that
  // every ISA gives the same bits; on AVX2 (the 6x16 micro-kernel, transforms on two ymm) it only
  // matches the direct kernel on AlexNet's layers (conv4 at batch 32: 1.03-1.07x) and loses on
  // the smaller ones (0.57-0.78x), and the portable path's lane-by-lane transforms are slower still.
  const int64_t tiles = g.N * ((g.oH + 1) / 2) * ((g.oW + 1) / 2), channels = std::min(g.C, g.O);
  if (g.kH == 5) return false;  // a split 5x5: split_pays says why not
  return winograd_applies(g) && channels >= 64 && tiles >= 128 && (channels >= 128 || g.oW >= 16);
}


bool winograd_weight_grad_pays(const ConvGeometry& g) {
  // Against the direct kernel or the GEMM, whichever conv.cc picks (1 thread,
  // scripts/bench-conv-winograd.ts and bench-conv-alexnet.ts, CPU time): AlexNet's conv3-5 at
  // batch 128 (4608 tiles) 1.7-1.85x (conv4 1.5-1.75x, the most sensitive to a busy machine's
  // caches), 1.25-1.45x from 144 tiles at 128-384 channels; 1.05-2x from 392 tiles at 16-64
  // channels; 2-4x at 16-32 channels from 144 tiles, where the direct weight gradient runs at
  // 20-25 GFLOP/s. Not below 128 tiles (0.7-1.0x at 384 and 512 channels on 16-36 tiles: the 16
  // sums' passes and the output transform outweigh the products), at 48-96 channels below 384
  // tiles (0.9-1.0x) nor at 3-8 channels (0.5-1.05x). On AVX2 it gains more (conv3 2.1x, the
  // smaller layers above 1.5-2.9x), so the choice, which ignores the ISA, holds there too.
  const int64_t tiles = g.N * ((g.oH + 1) / 2) * ((g.oW + 1) / 2);
  const int64_t least = std::min(g.C, g.O), most = std::max(g.C, g.O);
  if (g.kH == 5) return winograd_applies(g) && split_pays(g);
  return winograd_applies(g) && tiles >= 128 && least >= 16 && (least >= 128 || tiles >= 384 || most <= 32);
}

/** The plan's parts: 1 for a 3x3 kernel, 4 for a 5x5 split into the 3x3 blocks of its zero-padded 6x6. */
static int64_t parts(const ConvGeometry& g) { return g.kH == 5 ? 4 : 1; }

bool conv2d_winograd_forward(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y) {
  if (!winograd_applies(g)) return false;
  const Plan p{g.N, g.C, g.H, g.W, g.O, g.pH, g.pW, g.oH, g.oW, 0, 0, 0, parts(g)};
  return convolve(p, x, w, false, bias, y);
}

bool conv2d_winograd_input_grad(const ConvGeometry& g, const float* gy, const float* w, float* dx) {
  const int64_t k = g.kH;
  if (!winograd_applies(g) || g.H != g.oH + k - 1 - 2 * g.pH || g.W != g.oW + k - 1 - 2 * g.pW) return false;
  // The full correlation of gy with the flipped, transposed kernel: padding k - 1 - p (negative: a crop).
  const Plan p{g.N, g.O, g.oH, g.oW, g.C, k - 1 - g.pH, k - 1 - g.pW, g.H, g.W, 0, 0, 0, parts(g)};
  return convolve(p, gy, w, true, nullptr, dx);
}

bool conv2d_winograd_weight_grad(const ConvGeometry& g, const float* x, const float* gy, float* dw) {
  const int64_t k = g.kH;
  if (!winograd_applies(g) || g.oH != g.H + 2 * g.pH - (k - 1) || g.oW != g.W + 2 * g.pW - (k - 1)) return false;
  if (std::max(g.C * g.H * g.W, g.O * g.oH * g.oW) >= (int64_t(1) << 31)) return false;  // the gathers' offsets are 32-bit
  Plan p{g.N, g.C, g.H, g.W, g.O, g.pH, g.pW, g.oH, g.oW, 0, 0, 0, parts(g)};
  p.tH = (p.oH + 1) / 2, p.tW = (p.oW + 1) / 2, p.tiles = p.N * p.tH * p.tW;
  if (p.Cout == 0) return true;
  if (p.tiles == 0) return std::fill(dw, dw + p.Cout * p.Cin * k * k, 0.0f), true;
  return weight_grad(p, x, gy, dw);
}

}  // namespace dlab
