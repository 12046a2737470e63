// Elementwise float32 kernels on contiguous operands: the binary ops with a broadcast operand
// (a bias row, a scalar, a per-row statistic), the unary ops of a training step, ReLU's
// backward and the optimizer's axpy. Each loop is compiled for AVX-512, AVX2 and baseline
// (target_clones picks at load); the results are the same bits on all of them (IEEE add, mul,
// div, compare; no contraction). Large arrays are cut into fixed blocks across the pool.
#include <algorithm>
#include <cmath>

#include "exp_avx512.h"
#include "clones.h"
#include "kernels.h"
#include "threads.h"


namespace dlab {

namespace {

constexpr int64_t kBlock = kElementwiseBlock;
constexpr int64_t kParallelMin = kElementwiseParallelMin;

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
void exp_f(const float* x, float* out, int64_t s, int64_t e) {
  if (exp_avx512(x, out, s, e, exp_one)) return;
  for (int64_t i = s; i < e; i++) out[i] = exp_one(x[i]);
}
void log_f(const float* x, float* out, int64_t s, int64_t e) {
  for (int64_t i = s; i < e; i++) out[i] = static_cast<float>(std::log(static_cast<double>(x[i])));
}
void tanh_f(const float* x, float* out, int64_t s, int64_t e) {
  for (int64_t i = s; i < e; i++) out[i] = static_cast<float>(std::tanh(static_cast<double>(x[i])));
}
float sigmoid_one(float x) {
  const double v = x;
  if (v >= 0) return static_cast<float>(1.0 / (1.0 + std::exp(-v)));
  if (v < -80 && std::isinf(static_cast<float>(std::exp(-v)))) return 0.0f;
  const double ev = std::exp(v);  // NaN lands here too, as in the reference
  return static_cast<float>(ev / (1.0 + ev));
}
void sigmoid_f(const float* x, float* out, int64_t s, int64_t e) {
  // The reference's two branches (no overflow of exp for large |x|), and its float32 rule: where
  // exp(-x) overflows float32 (x < -88.72) PyTorch's 1 / (1 + exp(-x)) is 0, not a denormal.
  // One exp per element: exp(-x) is finite in float32 for x >= -80, so only below is it asked.
  if (sigmoid_avx512(x, out, s, e, sigmoid_one)) return;
  for (int64_t i = s; i < e; i++) out[i] = sigmoid_one(x[i]);
}

/** erfc for a >= 0.5 (Cody), the reference's erfc (src/backend/js/math.ts) operation for operation. */
double erfc_from_half(double a) {
  if (a >= 28) return 0.0;
  double r;
  if (a < 4) {
    const double p = (((((((2.15311535474403846e-8 * a + 0.564188496988670089) * a + 8.88314979438837594) * a + 66.1191906371416295) * a + 298.635138197400131) * a + 881.952221241769090) * a + 1712.04761263407058) * a + 2051.07837782607147) * a + 1230.33935479799725;
    const double q = (((((((a + 15.7449261107098347) * a + 117.693950891312499) * a + 537.181101862009858) * a + 1621.38957456669019) * a + 3290.79923573345963) * a + 4362.61909014324716) * a + 3439.36767414372164) * a + 1230.33935480374942;
    r = p / q;
  } else {
    const double z = 1 / (a * a);
    const double p = ((((0.0163153871373020978 * z + 0.305326634961232344) * z + 0.360344899949804439) * z + 0.125781726111229246) * z + 0.0160837851487422766) * z + 6.58749161529837803e-4;
    const double q = ((((z + 2.56852019228982242) * z + 1.87295284992346725) * z + 0.527905102951428412) * z + 0.0605183413124413191) * z + 0.00233520497626869185;
    r = (1 / std::sqrt(3.141592653589793) - (z * p) / q) / a;
  }
  const double xsq = std::trunc(a * 16) / 16;
  const double del = (a - xsq) * (a + xsq);
  r *= std::exp(-xsq * xsq) * std::exp(-del);
  return r;
}

// erf as the reference's (src/backend/js/math.ts): GELU's, in Stable Diffusion's feed-forwards.
void erf_f(const float* x, float* out, int64_t s, int64_t e) {
  for (int64_t i = s; i < e; i++) {
    const double v = x[i];
    const double a = std::fabs(v);
    double y;
    if (std::isnan(v)) y = v;
    else if (a >= 6) y = v < 0 ? -1.0 : 1.0;
    else if (a < 0.5) {
      const double t = v * v;
      const double p = ((((0.185777706184603153 * t + 3.16112374387056560) * t + 113.864154151050156) * t + 377.485237685302021) * t + 3209.37758913846947);
      const double q = (((t + 23.6012909523441209) * t + 244.024637934444173) * t + 1282.61652607737228) * t + 2844.23683343917062;
      y = (v * p) / q;
    } else {
      const double r = erfc_from_half(a);
      y = v < 0 ? r - 1 : 1 - r;
    }
    out[i] = static_cast<float>(y);
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

// Transcendentals in float64, rounded once: as the reference (Math.exp on a float64, stored in a Float32Array).
float exp_one(float x) { return static_cast<float>(std::exp(static_cast<double>(x))); }

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
    case UnaryOp::Erf: fn = erf_f; break;
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
