// Direct convolution for stride 1 (any padding and dilation), the forward pass and, as the
// forward of the gradient through the flipped, transposed kernel, the input gradient. The
// image is copied once into a zero-padded buffer (Hp x Wp per channel); then output position
// (oh, ow) reads position oh * Wp + ow + ki * dH * Wp + kj * dW of it, so a run of output
// positions in "padded coordinates" l = oh * Wp + ow is a 1-D convolution over contiguous memory:
// each tap is one vector load, broadcast weights, fused multiply-adds into a tile of OB output
// channels x LANES positions held in registers. Positions with ow >= oW are computed and
// dropped (LeNet: 28 of 32 and 10 of 14 are kept). Every output is one fmaf chain in (c, ki, kj)
// order from the bias (or 0): the same bits on every ISA and any thread split (one image per chunk).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "buffer.h"
#include "conv_direct.h"
#include "conv_rows.h"
#include "cpu.h"
#include "threads.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace dlab {

namespace {

struct Plan {
  int64_t Cin, Cout;      // channels read, channels written (per group)
  int64_t H, W, Hp, Wp;   // input plane, padded plane
  int64_t pH, pW;         // where the input sits in the padded plane
  int64_t oH, oW, P;      // output plane, positions in padded coordinates (oH * Wp)
  int64_t taps;           // kH * kW
  int64_t sH = 1, sW = 1; // stride (only the channel-lane kernel, run_rows, takes one)
};

#if defined(__x86_64__)
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl,fma")
namespace avx512 {
struct V {
  using T = __m512;
  static constexpr int W = 16;
  static inline T zero() { return _mm512_setzero_ps(); }
  static inline T set1(float v) { return _mm512_set1_ps(v); }
  static inline T load(const float* p) { return _mm512_loadu_ps(p); }
  static inline T fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static inline void store(float* p, T v) { _mm512_storeu_ps(p, v); }
};
using V16 = V;  // one zmm is the 16 lanes
#include "conv_direct_tile.inc"
void plane(const float* xp, const Plan& p, const int64_t* offs, const float* w, const float* bias, float* out, int64_t ostride) {
  plane_body<V, 2>(xp, p, offs, w, bias, out, ostride);
}
constexpr int kWgOB = 4, kWgKB = 5;
void wgrad(const float* xp, int64_t plane, int64_t Cin, const float* gyp, int64_t Opad, int64_t P16, const int64_t* offs, int64_t taps_pad, float* partial) {
  wgrad_image<V16, kWgOB, kWgKB>(xp, plane, Cin, gyp, Opad, P16, offs, taps_pad, partial);
}
}  // namespace avx512
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace avx2 {
struct V {
  using T = __m256;
  static constexpr int W = 8;
  static inline T zero() { return _mm256_setzero_ps(); }
  static inline T set1(float v) { return _mm256_set1_ps(v); }
  static inline T load(const float* p) { return _mm256_loadu_ps(p); }
  static inline T fma(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static inline void store(float* p, T v) { _mm256_storeu_ps(p, v); }
};
/** 16 lanes as two ymm. */
struct V16 {
  struct T {
    __m256 lo, hi;
  };
  static inline T load(const float* p) { return {_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)}; }
  static inline T fma(T a, T b, T c) { return {_mm256_fmadd_ps(a.lo, b.lo, c.lo), _mm256_fmadd_ps(a.hi, b.hi, c.hi)}; }
  static inline void store(float* p, T v) { _mm256_storeu_ps(p, v.lo), _mm256_storeu_ps(p + 8, v.hi); }
};
#include "conv_direct_tile.inc"
void plane(const float* xp, const Plan& p, const int64_t* offs, const float* w, const float* bias, float* out, int64_t ostride) {
  plane_body<V, 2>(xp, p, offs, w, bias, out, ostride);
}
constexpr int kWgOB = 2, kWgKB = 5;
void wgrad(const float* xp, int64_t plane, int64_t Cin, const float* gyp, int64_t Opad, int64_t P16, const int64_t* offs, int64_t taps_pad, float* partial) {
  wgrad_image<V16, kWgOB, kWgKB>(xp, plane, Cin, gyp, Opad, P16, offs, taps_pad, partial);
}
}  // namespace avx2
#pragma GCC pop_options
#endif

namespace portable {
struct V {
  using T = float;
  static constexpr int W = 1;
  static inline T zero() { return 0.0f; }
  static inline T set1(float v) { return v; }
  static inline T load(const float* p) { return *p; }
  static inline T fma(T a, T b, T c) { return std::fmaf(a, b, c); }
  static inline void store(float* p, T v) { *p = v; }
};
/** 16 lanes as floats. */
struct V16 {
  struct T {
    float v[16];
  };
  static inline T load(const float* p) {
    T t;
    for (int i = 0; i < 16; i++) t.v[i] = p[i];
    return t;
  }
  static inline T fma(T a, T b, T c) {
    for (int i = 0; i < 16; i++) c.v[i] = std::fmaf(a.v[i], b.v[i], c.v[i]);
    return c;
  }
  static inline void store(float* p, T v) {
    for (int i = 0; i < 16; i++) p[i] = v.v[i];
  }
};
#include "conv_direct_tile.inc"
void plane(const float* xp, const Plan& p, const int64_t* offs, const float* w, const float* bias, float* out, int64_t ostride) {
  plane_body<V, 4>(xp, p, offs, w, bias, out, ostride);
}
constexpr int kWgOB = 2, kWgKB = 5;
void wgrad(const float* xp, int64_t plane, int64_t Cin, const float* gyp, int64_t Opad, int64_t P16, const int64_t* offs, int64_t taps_pad, float* partial) {
  wgrad_image<V16, kWgOB, kWgKB>(xp, plane, Cin, gyp, Opad, P16, offs, taps_pad, partial);
}
}  // namespace portable

using PlaneFn = void (*)(const float*, const Plan&, const int64_t*, const float*, const float*, float*, int64_t);

PlaneFn plane_fn(int* lanes) {
#if defined(__x86_64__)
  if (cpu_isa() == Isa::Avx512) return *lanes = 32, avx512::plane;
  if (cpu_isa() == Isa::Avx2) return *lanes = 16, avx2::plane;
#endif
  *lanes = 4;
  return portable::plane;
}

using WgradFn = void (*)(const float*, int64_t, int64_t, const float*, int64_t, int64_t, const int64_t*, int64_t, float*);

WgradFn wgrad_fn(int* ob, int* kb) {
#if defined(__x86_64__)
  if (cpu_isa() == Isa::Avx512) return *ob = avx512::kWgOB, *kb = avx512::kWgKB, avx512::wgrad;
  if (cpu_isa() == Isa::Avx2) return *ob = avx2::kWgOB, *kb = avx2::kWgKB, avx2::wgrad;
#endif
  *ob = portable::kWgOB, *kb = portable::kWgKB;
  return portable::wgrad;
}

/** Copy image planes (C of H x W) into a zeroed padded buffer (C of Hp x Wp, the image at (pH, pW)). */
void pad_image(const float* xs, const Plan& p, int64_t C, float* xp, int64_t xp_size) {
  const int64_t plane = p.Hp * p.Wp;
  std::memset(xp, 0, xp_size * sizeof(float));
  const int64_t rows = std::min(p.H, p.Hp - p.pH), cols = std::min(p.W, p.Wp - p.pW);
  const int64_t r0 = std::max<int64_t>(0, -p.pH), c0 = std::max<int64_t>(0, -p.pW);
  for (int64_t c = 0; c < C; c++)
    for (int64_t r = r0; r < rows; r++)
      std::memcpy(xp + c * plane + (r + p.pH) * p.Wp + p.pW + c0, xs + (c * p.H + r) * p.W + c0, std::max<int64_t>(0, cols - c0) * sizeof(float));
}

/** Images (x groups) below which the pool splits each image's output channels instead of taking whole images. */
constexpr int64_t kMinImageTasks = 8;
/** Output channels per task when one image is split (a multiple of the 6-channel tile). */
constexpr int64_t kSplitChannels = 24;

/**
 * run()'s work for a few large images (batch-1 inference): each image is padded once, then the
 * pool takes blocks of output channels, so both cores work on one image. Each output is the
 * same chain as in run(), only computed by another thread.
 */
void run_split(int64_t N, int64_t groups, const Plan& p, PlaneFn fn, const int64_t* offs, int64_t positions, int64_t xp_size, const float* x, const float* w, const float* bias, float* y) {
  thread_local FloatBuffer padded;  // per calling thread; the pool's threads read it
  float* xp = padded.get(xp_size);
  const int64_t blocks = (p.Cout + kSplitChannels - 1) / kSplitChannels;
  for (int64_t t = 0; t < N * groups; t++) {
    pad_image(x + t * p.Cin * p.H * p.W, p, p.Cin, xp, xp_size);
    const int64_t g = t % groups;
    const float* wg = w + g * p.Cout * p.Cin * p.taps;
    const float* bg = bias ? bias + g * p.Cout : nullptr;
    float* ys = y + t * p.Cout * p.oH * p.oW;
    parallel_for(blocks, [&](int64_t b, int thread) {
      const int64_t o0 = b * kSplitChannels, o1 = std::min(p.Cout, o0 + kSplitChannels);
      Plan q = p;
      q.Cout = o1 - o0;
      float* tmp = thread_buffer(thread, 2).get(q.Cout * positions);
      fn(xp, q, offs, wg + o0 * p.Cin * p.taps, bg ? bg + o0 : nullptr, tmp, positions);
      for (int64_t o = o0; o < o1; o++)
        for (int64_t r = 0; r < p.oH; r++) std::memcpy(ys + (o * p.oH + r) * p.oW, tmp + (o - o0) * positions + r * p.Wp, p.oW * sizeof(float));
    });
  }
}

/**
 * run() on the channel-lane kernel (conv_rows.h): tasks are (image,
 * group) pairs, each cut into blocks of 32 channels where they are too few for the pool (the
 * image then padded once per block).
 */
void run_rows(int64_t N, int64_t groups, const Plan& p, const int64_t* offs, int64_t xp_size, const float* x, const float* w, const float* bias, float* y) {
  const int64_t K = p.Cin * p.taps;
  const int64_t blocks = (p.Cout + kRowsBlock - 1) / kRowsBlock;
  const int64_t packed_size = blocks * K * kRowsBlock;
  thread_local FloatBuffer packed;  // per calling thread; the pool's threads read it
  float* wp = packed.get(groups * packed_size);
  for (int64_t g = 0; g < groups; g++) conv_rows_pack(w + g * p.Cout * K, p.Cout, K, wp + g * packed_size);
  const RowsImage im{p.Cin, p.Cout, p.Hp * p.Wp, p.Wp, p.oH, p.oW, offs, p.taps, p.sH, p.sW};
  const int64_t split = N * groups >= kMinImageTasks ? 1 : blocks;
  auto task = [&](int64_t t, int thread) {
    const int64_t b = t % split, ng = t / split, n = ng / groups, g = ng % groups;
    float* xp = thread_buffer(thread, 1).get(xp_size);
    pad_image(x + (n * groups + g) * p.Cin * p.H * p.W, p, p.Cin, xp, xp_size);
    const int64_t o0 = split == 1 ? 0 : b * kRowsBlock, o1 = split == 1 ? p.Cout : std::min(p.Cout, o0 + kRowsBlock);
    conv_rows_image(im, o0, o1, xp, wp + g * packed_size, bias ? bias + g * p.Cout : nullptr, y + (n * groups + g) * p.Cout * p.oH * p.oW);
  };
  const int64_t tasks = N * groups * split;
  if (N * groups * p.Cout * K * p.oH * p.oW < (int64_t(1) << 18)) for (int64_t t = 0; t < tasks; t++) task(t, 0);
  else parallel_for(tasks, task);
}

/**
 * y[n] (Cout planes of oH x oW, for images n < N, groups) = the stride-1 convolution of x (Cin
 * planes of H x W per group) with w [groups * Cout][Cin][kH][kW], padding (pH, pW), dilation
 * (dH, dW), from bias. Threads take one (image, group) each.
 */
void run(int64_t N, int64_t groups, const Plan& base, int64_t kH, int64_t kW, int64_t dH, int64_t dW, const float* x, const float* w, const float* bias, float* y) {
  int lanes = 16;
  PlaneFn fn = plane_fn(&lanes);
  Plan p = base;
  std::vector<int64_t> offs(p.taps);
  for (int64_t ki = 0, k = 0; ki < kH; ki++)
    for (int64_t kj = 0; kj < kW; kj++, k++) offs[k] = ki * dH * p.Wp + kj * dW;
  const int64_t plane = p.Hp * p.Wp;
  const int64_t positions = (p.P + 4 * lanes - 1) / (4 * lanes) * (4 * lanes);  // whole tiles of any width
  // A tile's loads reach past the last plane by up to a tile's width (dropped positions).
  const int64_t xp_size = p.Cin * plane + positions + p.Wp + 4 * lanes;
  if (conv_rows_applies(p.Cout)) return run_rows(N, groups, p, offs.data(), xp_size, x, w, bias, y);
  auto task = [&](int64_t t, int thread) {
    const int64_t n = t / groups, g = t % groups;
    float* xp = thread_buffer(thread, 1).get(xp_size);
    float* tmp = thread_buffer(thread, 2).get(p.Cout * positions);
    std::memset(xp, 0, xp_size * sizeof(float));
    const float* xs = x + (n * groups + g) * p.Cin * p.H * p.W;
    const int64_t rows = std::min(p.H, p.Hp - p.pH), cols = std::min(p.W, p.Wp - p.pW);
    const int64_t r0 = std::max<int64_t>(0, -p.pH), c0 = std::max<int64_t>(0, -p.pW);
    for (int64_t c = 0; c < p.Cin; c++)
      for (int64_t r = r0; r < rows; r++)
        std::memcpy(xp + c * plane + (r + p.pH) * p.Wp + p.pW + c0, xs + (c * p.H + r) * p.W + c0, std::max<int64_t>(0, cols - c0) * sizeof(float));
    fn(xp, p, offs.data(), w + g * p.Cout * p.Cin * p.taps, bias ? bias + g * p.Cout : nullptr, tmp, positions);
    float* ys = y + (n * groups + g) * p.Cout * p.oH * p.oW;
    for (int64_t o = 0; o < p.Cout; o++)
      for (int64_t r = 0; r < p.oH; r++) std::memcpy(ys + (o * p.oH + r) * p.oW, tmp + o * positions + r * p.Wp, p.oW * sizeof(float));
  };
  const int64_t tasks = N * groups;
  const bool small = N * groups * p.Cout * p.Cin * p.taps * p.P < (int64_t(1) << 18);
  if (small) for (int64_t t = 0; t < tasks; t++) task(t, 0);
  else if (tasks >= kMinImageTasks) parallel_for(tasks, task);
  else run_split(N, groups, p, fn, offs.data(), positions, xp_size, x, w, bias, y);
}

/**
 * Whether a strided forward runs on the channel-lane kernel (the others take stride 1 only):
 * AVX-512, 32 or more output channels, and few input channels, where the implicit GEMM's K (taps
 * x channels) is short and its gathered column panels cost a fifth of the time (AlexNet's 11x11
 * stride-4 first layer, 1 channel, batch 16, 1 thread: 88 against 80 GFLOP/s).
 */
bool strided_rows_pay(const ConvGeometry& g) { return conv_rows_applies(g.O / g.groups) && g.C / g.groups <= 4; }

}  // namespace

bool conv2d_direct_forward(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y) {
  const bool strided = g.sH != 1 || g.sW != 1;
  if (strided && !strided_rows_pay(g)) return false;
  Plan p;
  p.Cin = g.C / g.groups;
  p.Cout = g.O / g.groups;
  p.H = g.H, p.W = g.W;
  p.oH = g.oH, p.oW = g.oW;
  p.Hp = (g.oH - 1) * g.sH + (g.kH - 1) * g.dH + 1;
  p.Wp = (g.oW - 1) * g.sW + (g.kW - 1) * g.dW + 1;
  p.pH = g.pH, p.pW = g.pW;
  p.P = p.oH * p.Wp;
  p.taps = g.kH * g.kW;
  p.sH = g.sH, p.sW = g.sW;
  run(g.N, g.groups, p, g.kH, g.kW, g.dH, g.dW, x, w, bias, y);
  return true;
}

bool conv2d_direct_input_grad(const ConvGeometry& g, const float* gy, const float* w, float* dx) {
  if (g.sH != 1 || g.sW != 1) return false;
  // The gradient is the convolution of gy with the kernel flipped in space and transposed in
  // channels, padded by d * (k - 1) - p: only where that padding is not negative and the sizes
  // match (no output cropped, as ceil modes or conv_transpose's output_padding may).
  const int64_t qH = g.dH * (g.kH - 1) - g.pH, qW = g.dW * (g.kW - 1) - g.pW;
  if (qH < 0 || qW < 0 || g.H != g.oH + 2 * qH - g.dH * (g.kH - 1) || g.W != g.oW + 2 * qW - g.dW * (g.kW - 1)) return false;
  const int64_t Cg = g.C / g.groups, Og = g.O / g.groups, taps = g.kH * g.kW;
  static thread_local std::vector<float> flipped;
  flipped.resize(g.groups * Cg * Og * taps);
  for (int64_t gr = 0; gr < g.groups; gr++)
    for (int64_t o = 0; o < Og; o++)
      for (int64_t c = 0; c < Cg; c++)
        for (int64_t k = 0; k < taps; k++)
          flipped[((gr * Cg + c) * Og + o) * taps + (taps - 1 - k)] = w[((gr * Og + o) * Cg + c) * taps + k];
  Plan p;
  p.Cin = Og;
  p.Cout = Cg;
  p.H = g.oH, p.W = g.oW;
  p.oH = g.H, p.oW = g.W;
  p.Hp = g.H + (g.kH - 1) * g.dH;
  p.Wp = g.W + (g.kW - 1) * g.dW;
  p.pH = qH, p.pW = qW;
  p.P = p.oH * p.Wp;
  p.taps = taps;
  run(g.N, g.groups, p, g.kH, g.kW, g.dH, g.dW, gy, flipped.data(), nullptr, dx);
  return true;
}

}  // namespace dlab

namespace dlab {

namespace {
bool all_finite(const float* x, int64_t n) {
  // x - x is 0 for a finite x and NaN otherwise; a sum of those stays 0 only if all are finite.
  float acc = 0.0f;
  for (int64_t i = 0; i < n; i++) acc += x[i] - x[i];
  return acc == 0.0f;
}
}  // namespace

bool conv2d_direct_weight_grad(const ConvGeometry& g, const float* x, const float* gy, int64_t chunks, float* slots, double* bias_partials) {
  if (g.sH != 1 || g.sW != 1) return false;
  const int64_t Cg = g.C / g.groups, Og = g.O / g.groups, taps = g.kH * g.kW;
  int ob = 1, kb = 1;
  WgradFn fn = wgrad_fn(&ob, &kb);
  const int64_t Opad = (Og + ob - 1) / ob * ob, taps_pad = (taps + kb - 1) / kb * kb;
  // The 16-lane partials of one chunk: keep them cache-sized (else the implicit GEMM runs),
  // counted with the channels padded to 4 (the widest ISA's tile) on every ISA, so that all take
  // the same path and give the same bits (6 channels: 8 on AVX-512, 6 on AVX2 once sent them apart).
#if defined(__x86_64__)
  static_assert(avx512::kWgOB == 4 && avx2::kWgOB <= 4 && avx2::kWgKB == portable::kWgKB && avx512::kWgKB == portable::kWgKB, "the size limit assumes these tiles");
#endif
  static_assert(portable::kWgOB <= 4, "the size limit assumes these tiles");
  if ((Og + 3) / 4 * 4 * Cg * taps_pad * 16 > (int64_t(1) << 18)) return false;
  // Dropped positions multiply x by a zero gradient: 0 * inf would put a NaN where the sum has
  // no such term. With an infinite or NaN input the implicit GEMM (exact terms only) runs.
  if (!all_finite(x, g.N * g.C * g.H * g.W)) return false;
  Plan p;
  p.Cin = Cg;
  p.Cout = Og;
  p.H = g.H, p.W = g.W;
  p.oH = g.oH, p.oW = g.oW;
  p.Hp = g.oH + (g.kH - 1) * g.dH;
  p.Wp = g.oW + (g.kW - 1) * g.dW;
  p.pH = g.pH, p.pW = g.pW;
  p.P = p.oH * p.Wp;
  p.taps = taps;
  const int64_t P16 = (p.P + 15) / 16 * 16;
  const int64_t plane = p.Hp * p.Wp;
  const int64_t xp_size = Cg * plane + P16 + p.Wp + 64;
  std::vector<int64_t> offs(taps_pad, 0);  // padded taps read offset 0 into an unused lane row
  for (int64_t ki = 0, k = 0; ki < g.kH; ki++)
    for (int64_t kj = 0; kj < g.kW; kj++, k++) offs[k] = ki * g.dH * p.Wp + kj * g.dW;
  const int64_t L = g.oH * g.oW, per = Og * Cg * taps, slot = g.groups * per;
  const int64_t lanes_size = Opad * Cg * taps_pad * 16;
  auto task = [&](int64_t t, int thread) {
    const int64_t chunk = t / g.groups, gr = t % g.groups;
    const int64_t n0 = chunk * g.N / chunks, n1 = (chunk + 1) * g.N / chunks;
    float* xp = thread_buffer(thread, 1).get(xp_size);
    float* gyp = thread_buffer(thread, 2).get(Opad * P16);
    float* lanes = thread_buffer(thread, 3).get(lanes_size);
    std::memset(lanes, 0, lanes_size * sizeof(float));
    std::memset(gyp, 0, Opad * P16 * sizeof(float));  // dropped positions and padded channels stay 0
    for (int64_t n = n0; n < n1; n++) {
      pad_image(x + (n * g.C + gr * Cg) * g.H * g.W, p, Cg, xp, xp_size);
      const float* gys = gy + (n * g.O + gr * Og) * L;
      for (int64_t o = 0; o < Og; o++)
        for (int64_t r = 0; r < g.oH; r++) std::memcpy(gyp + o * P16 + r * p.Wp, gys + (o * g.oH + r) * g.oW, g.oW * sizeof(float));
      fn(xp, plane, Cg, gyp, Opad, P16, offs.data(), taps_pad, lanes);
      if (bias_partials) {
        double* bsum = bias_partials + chunk * g.O + gr * Og;
        for (int64_t o = 0; o < Og; o++) {
          double s = bsum[o];
          for (int64_t l = 0; l < L; l++) s += gys[o * L + l];
          bsum[o] = s;
        }
      }
    }
    // The lanes reduced by one fixed tree: (i, i + 8), then (i, i + 4), (i, i + 2), (0, 1).
    float* out = slots + chunk * slot + gr * per;
    for (int64_t o = 0; o < Og; o++)
      for (int64_t c = 0; c < Cg; c++)
        for (int64_t k = 0; k < taps; k++) {
          const float* v = lanes + ((o * Cg + c) * taps_pad + k) * 16;
          float s8[8], s4[4];
          for (int i = 0; i < 8; i++) s8[i] = v[i] + v[i + 8];
          for (int i = 0; i < 4; i++) s4[i] = s8[i] + s8[i + 4];
          out[(o * Cg + c) * taps + k] = (s4[0] + s4[2]) + (s4[1] + s4[3]);
        }
  };
  const int64_t tasks = chunks * g.groups;
  if (g.N * g.O * Cg * taps * p.P < (int64_t(1) << 18)) for (int64_t t = 0; t < tasks; t++) task(t, 0);
  else parallel_for(tasks, task);
  return true;
}

}  // namespace dlab
