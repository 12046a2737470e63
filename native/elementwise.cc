// Elementwise float32 kernels on contiguous operands: the binary ops with a broadcast operand
// (a bias row, a scalar, a per-row statistic), the unary ops of a training step, ReLU's
// backward and the optimizer's axpy. Each loop is compiled for AVX-512, AVX2 and baseline
// (target_clones picks at load); the results are the same bits on all of them (IEEE add, mul,
// div, compare; no contraction). Large arrays are cut into fixed blocks across the pool.
#include <algorithm>
#include <cmath>

#include "kernels.h"
#include "threads.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define DLAB_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define DLAB_CLONES
#endif

namespace dlab {

namespace {

/** Elements per block when an elementwise op is split across threads. */
constexpr int64_t kBlock = int64_t(1) << 15;
constexpr int64_t kParallelMin = int64_t(1) << 17;

/** f(begin, end) over [0, n), in blocks across the pool when n is large. */
template <class F>
void blocks(int64_t n, F&& f) {
  if (n < kParallelMin) {
    f(0, n);
    return;
  }
  parallel_for((n + kBlock - 1) / kBlock, [&](int64_t b, int) { f(b * kBlock, std::min(n, (b + 1) * kBlock)); });
}

template <class Op>
inline void apply_period(const float* a, const float* b, int64_t p, float* out, int64_t begin, int64_t end, Op op) {
  if (p == 1) {
    const float s = b[0];
    for (int64_t i = begin; i < end; i++) out[i] = op(a[i], s);
    return;
  }
  int64_t i = begin;
  while (i < end) {
    int64_t j = i % p;
    int64_t run = std::min(end - i, p - j);
    const float* bb = b + j - i;
    for (int64_t t = i; t < i + run; t++) out[t] = op(a[t], bb[t]);
    i += run;
  }
}

template <class Op>
inline void apply_rows(const float* a, const float* b, int64_t q, float* out, int64_t begin, int64_t end, Op op) {
  int64_t i = begin;
  while (i < end) {
    int64_t r = i / q;
    int64_t stop = std::min(end, (r + 1) * q);
    const float s = b[r];
    for (int64_t t = i; t < stop; t++) out[t] = op(a[t], s);
    i = stop;
  }
}

template <class Op>
DLAB_CLONES void run_binary(const float* a, const float* b, int64_t p, int64_t q, float* out, int64_t begin, int64_t end, Op op) {
  if (q == 1) apply_period(a, b, p, out, begin, end, op);
  else apply_rows(a, b, q, out, begin, end, op);
}

// One function per op and order: the clones then inline the arithmetic.
DLAB_CLONES void add_f(const float* a, const float* b, int64_t p, int64_t q, float* o, int64_t s, int64_t e) { run_binary(a, b, p, q, o, s, e, [](float x, float y) { return x + y; }); }
DLAB_CLONES void sub_f(const float* a, const float* b, int64_t p, int64_t q, float* o, int64_t s, int64_t e) { run_binary(a, b, p, q, o, s, e, [](float x, float y) { return x - y; }); }
DLAB_CLONES void rsub_f(const float* a, const float* b, int64_t p, int64_t q, float* o, int64_t s, int64_t e) { run_binary(a, b, p, q, o, s, e, [](float x, float y) { return y - x; }); }
DLAB_CLONES void mul_f(const float* a, const float* b, int64_t p, int64_t q, float* o, int64_t s, int64_t e) { run_binary(a, b, p, q, o, s, e, [](float x, float y) { return x * y; }); }
DLAB_CLONES void div_f(const float* a, const float* b, int64_t p, int64_t q, float* o, int64_t s, int64_t e) { run_binary(a, b, p, q, o, s, e, [](float x, float y) { return x / y; }); }
DLAB_CLONES void rdiv_f(const float* a, const float* b, int64_t p, int64_t q, float* o, int64_t s, int64_t e) { run_binary(a, b, p, q, o, s, e, [](float x, float y) { return y / x; }); }

DLAB_CLONES void relu_f(const float* x, float* out, int64_t s, int64_t e) {
  // PyTorch's clamp_min(x, 0): NaN and -0 pass unchanged (neither is < 0), as the reference's select.
  for (int64_t i = s; i < e; i++) out[i] = x[i] < 0.0f ? 0.0f : x[i];
}
DLAB_CLONES void neg_f(const float* x, float* out, int64_t s, int64_t e) {
  for (int64_t i = s; i < e; i++) out[i] = -x[i];
}
DLAB_CLONES void abs_f(const float* x, float* out, int64_t s, int64_t e) {
  for (int64_t i = s; i < e; i++) out[i] = std::fabs(x[i]);
}
DLAB_CLONES void sqrt_f(const float* x, float* out, int64_t s, int64_t e) {
  // Correctly rounded in float32, as Math.sqrt in float64 rounded to float32 is.
  for (int64_t i = s; i < e; i++) out[i] = std::sqrt(x[i]);
}
// Transcendentals in float64, rounded once: as the reference (Math.exp on a float64, stored in a Float32Array).
void exp_f(const float* x, float* out, int64_t s, int64_t e) {
  for (int64_t i = s; i < e; i++) out[i] = static_cast<float>(std::exp(static_cast<double>(x[i])));
}
void log_f(const float* x, float* out, int64_t s, int64_t e) {
  for (int64_t i = s; i < e; i++) out[i] = static_cast<float>(std::log(static_cast<double>(x[i])));
}
void tanh_f(const float* x, float* out, int64_t s, int64_t e) {
  for (int64_t i = s; i < e; i++) out[i] = static_cast<float>(std::tanh(static_cast<double>(x[i])));
}
void sigmoid_f(const float* x, float* out, int64_t s, int64_t e) {
  // The reference's two branches (no overflow of exp for large |x|), and its float32 rule: where
  // exp(-x) overflows float32 (x < -88.72) PyTorch's 1 / (1 + exp(-x)) is 0, not a denormal.
  for (int64_t i = s; i < e; i++) {
    double v = x[i];
    if (v < 0 && std::isinf(static_cast<float>(std::exp(-v)))) out[i] = 0.0f;
    else out[i] = static_cast<float>(v >= 0 ? 1.0 / (1.0 + std::exp(-v)) : std::exp(v) / (1.0 + std::exp(v)));
  }
}

DLAB_CLONES void threshold_f(const float* grad, const float* self, float threshold, float* out, int64_t s, int64_t e) {
  for (int64_t i = s; i < e; i++) out[i] = self[i] <= threshold ? 0.0f : grad[i];
}

DLAB_CLONES void axpy_f(float* out, const float* x, float alpha, int64_t s, int64_t e) {
  for (int64_t i = s; i < e; i++) {
    float p = alpha * x[i];  // rounded to float32 before the sum (-ffp-contract=off)
    out[i] = out[i] + p;
  }
}

}  // namespace

void binary_f32(BinaryOp op, const float* a, const float* b, int64_t p, int64_t q, bool b_first, float* out, int64_t n) {
  using Fn = void (*)(const float*, const float*, int64_t, int64_t, float*, int64_t, int64_t);
  Fn fn = add_f;
  switch (op) {
    case BinaryOp::Add: fn = add_f; break;
    case BinaryOp::Mul: fn = mul_f; break;
    case BinaryOp::Sub: fn = b_first ? rsub_f : sub_f; break;
    case BinaryOp::Div: fn = b_first ? rdiv_f : div_f; break;
  }
  blocks(n, [&](int64_t s, int64_t e) { fn(a, b, p, q, out, s, e); });
}

void unary_f32(UnaryOp op, const float* x, float* out, int64_t n) {
  using Fn = void (*)(const float*, float*, int64_t, int64_t);
  Fn fn = relu_f;
  switch (op) {
    case UnaryOp::Relu: fn = relu_f; break;
    case UnaryOp::Neg: fn = neg_f; break;
    case UnaryOp::Abs: fn = abs_f; break;
    case UnaryOp::Sqrt: fn = sqrt_f; break;
    case UnaryOp::Exp: fn = exp_f; break;
    case UnaryOp::Log: fn = log_f; break;
    case UnaryOp::Tanh: fn = tanh_f; break;
    case UnaryOp::Sigmoid: fn = sigmoid_f; break;
  }
  blocks(n, [&](int64_t s, int64_t e) { fn(x, out, s, e); });
}

void threshold_backward_f32(const float* grad, const float* self, float threshold, float* out, int64_t n) {
  blocks(n, [&](int64_t s, int64_t e) { threshold_f(grad, self, threshold, out, s, e); });
}

void axpy_f32(float* out, const float* x, float alpha, int64_t n) {
  blocks(n, [&](int64_t s, int64_t e) { axpy_f(out, x, alpha, s, e); });
}

}  // namespace dlab
