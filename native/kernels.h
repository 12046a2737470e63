// The kernels beside sgemm (gemm.h) that the bindings call: convolution, pooling, elementwise,
// softmax and reductions, all float32 on contiguous operands (the TypeScript side falls back to
// wasm for any other layout or dtype).
#pragma once

#include <cstdint>

namespace dlab {

/** Convolution geometry, as Window2d plus the shapes (see src/backend/backend.ts). */
struct ConvGeometry {
  int64_t N, C, H, W, O, groups;
  int64_t kH, kW, sH, sW, pH, pW, dH, dW, oH, oW;
};

/** y [N, O, oH, oW] = x [N, C, H, W] * w [O, C/groups, kH, kW] (+ bias [O] unless null). */
void conv2d_forward(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y);
/** dx [N, C, H, W] from gy [N, O, oH, oW] through w. */
void conv2d_input_grad(const ConvGeometry& g, const float* gy, const float* w, float* dx);
/** dw [O, C/groups, kH, kW] (and db [O] unless null) from x and gy; bit-identical for any thread count. */
void conv2d_weight_grad(const ConvGeometry& g, const float* x, const float* gy, float* dw, float* db);

enum class ConvAlgorithm { Auto = 0, Direct = 1, Gemm = 2, Winograd = 3 };
/**
 * For measurements and tests: force the direct or the implicit-GEMM convolution where both apply,
 * or Winograd F(2x2, 3x3) wherever it applies (the forward and both gradients of 3x3 stride-1 layers).
 */
void set_conv_algorithm(ConvAlgorithm a);

/** Max pooling over contiguous x [NC, H, W] (planes), PyTorch's scan order; indices as float64 (dlab's int64). */
void max_pool2d(const ConvGeometry& g, const float* x, float* values, double* indices);
/** out [NC, plane] = 0, then out[p, indices[p, l]] += grad[p, l]; false if an index is out of range. */
bool max_pool2d_backward(int64_t planes, int64_t L, int64_t plane, const float* grad, const double* indices, float* out);

enum class BinaryOp { Add = 0, Sub = 1, Mul = 2, Div = 3 };
/**
 * out[i] = a[i] op b[(i / q) % p] for i < n: b a block of p values repeated (q = 1: a bias row,
 * p = 1: a scalar) or one value per run of q (p = n / q: a per-row statistic); with `b_first`,
 * b op a.
 */
void binary_f32(BinaryOp op, const float* a, const float* b, int64_t p, int64_t q, bool b_first, float* out, int64_t n);

/**
 * out (contiguous, shape[0..nd)) = a op b, a and b strided (sa, sb per dim) with the last dim's
 * stride 0 or 1 in each (elementwise_strided.cc).
 */
void binary_strided_f32(BinaryOp op, const float* a, const int64_t* sa, const float* b, const int64_t* sb, const int64_t* shape, int nd, float* out);

enum class UnaryOp { Relu = 0, Neg = 1, Exp = 2, Log = 3, Tanh = 4, Sqrt = 5, Sigmoid = 6, Abs = 7, Erf = 8 };
void unary_f32(UnaryOp op, const float* x, float* out, int64_t n);

/** out[i] = self[i] <= threshold ? 0 : grad[i]. */
void threshold_backward_f32(const float* grad, const float* self, float threshold, float* out, int64_t n);
/** out[i] += alpha * x[i], the product rounded to float32 first (mul then add). */
void axpy_f32(float* out, const float* x, float alpha, int64_t n);

/** exp in float64 rounded once to float32: the reference's (Math.exp stored in a Float32Array), every exp kernel's scalar step. */
float exp_one(float x);

/** log_softmax over contiguous [outer, size, inner] along size, in float64 as the js reference. */
void log_softmax_f32(const float* x, float* out, int64_t outer, int64_t size, int64_t inner);
/** log_softmax's gradient: dx = g - exp(out) * sum(g) per slice, with the bits of those ops run one by one. */
void log_softmax_backward_f32(const float* g, const float* out, float* dx, int64_t outer, int64_t size, int64_t inner);

/** out[m] = sum over r < rows, i < inner of x[(r * mid + m) * inner + i], in float64, rounded once. */
void sum_f32(const float* x, float* out, int64_t rows, int64_t mid, int64_t inner);
/** out [outer][count][inner] = x [outer][size][inner] at rows[r] < size along the middle dim (index_select.cc). */
void index_select_f32(const float* x, int64_t outer, int64_t size, int64_t inner, const int32_t* rows, int64_t count, float* out);
void index_select_f64(const double* x, int64_t outer, int64_t size, int64_t inner, const int32_t* rows, int64_t count, double* out);

/** out[m] = max (or min) over the same elements as sum_f32, with the reference's NaN and signed-zero results (reduce_minmax.cc). */
void minmax_f32(bool is_max, const float* x, float* out, int64_t rows, int64_t mid, int64_t inner);

}  // namespace dlab
