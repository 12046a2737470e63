// Binary ops on strided operands: any outer strides, the last dim contiguous (stride 1) or
// broadcast (stride 0) in each. A view that is not one block (a half of a tensor from chunk(),
// as GEGLU's value and gate in Stable Diffusion's feed-forwards) otherwise went to wasm, which
// copies both operands in and the result out. IEEE arithmetic per element: the reference's bits.
#include <algorithm>

#include "clones.h"
#include "kernels.h"
#include "threads.h"


namespace dlab {

namespace {

constexpr int64_t kBlock = kElementwiseBlock;
constexpr int64_t kParallelMin = kElementwiseParallelMin;

template <int Op>
inline float apply(float x, float y) {
  if (Op == 0) return x + y;
  if (Op == 1) return x - y;
  if (Op == 2) return x * y;
  return x / y;
}

/** out[i] = a[i * sa] op b[i * sb], i < n, for strides 0 or 1. */
template <int Op>
DLAB_CLONES void row(const float* a, int64_t sa, const float* b, int64_t sb, float* out, int64_t n) {
  if (sa == 1 && sb == 1)
    for (int64_t i = 0; i < n; i++) out[i] = apply<Op>(a[i], b[i]);
  else if (sa == 1) {
    const float y = b[0];
    for (int64_t i = 0; i < n; i++) out[i] = apply<Op>(a[i], y);
  } else if (sb == 1) {
    const float x = a[0];
    for (int64_t i = 0; i < n; i++) out[i] = apply<Op>(x, b[i]);
  } else {
    const float v = apply<Op>(a[0], b[0]);
    for (int64_t i = 0; i < n; i++) out[i] = v;
  }
}

using RowFn = void (*)(const float*, int64_t, const float*, int64_t, float*, int64_t);

}  // namespace

void binary_strided_f32(BinaryOp op, const float* a, const int64_t* sa, const float* b, const int64_t* sb, const int64_t* shape, int nd, float* out) {
  RowFn fn = row<0>;
  switch (op) {
    case BinaryOp::Add: fn = row<0>; break;
    case BinaryOp::Sub: fn = row<1>; break;
    case BinaryOp::Mul: fn = row<2>; break;
    case BinaryOp::Div: fn = row<3>; break;
  }
  const int64_t inner = nd > 0 ? shape[nd - 1] : 1;
  int64_t rows = 1;
  for (int d = 0; d + 1 < nd; d++) rows *= shape[d];
  if (inner == 0 || rows == 0) return;
  const int64_t ia = nd > 0 ? sa[nd - 1] : 0, ib = nd > 0 ? sb[nd - 1] : 0;
  /** Rows [r0, r1): each row's operand offsets from its index, digit by digit. */
  auto run = [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      int64_t oa = 0, ob = 0, rest = r;
      for (int d = nd - 2; d >= 0; d--) {
        const int64_t i = rest % shape[d];
        rest /= shape[d];
        oa += i * sa[d];
        ob += i * sb[d];
      }
      fn(a + oa, ia, b + ob, ib, out + r * inner, inner);
    }
  };
  const int64_t per = std::max<int64_t>(1, kBlock / inner);  // rows per chunk
  if (rows * inner < kParallelMin) run(0, rows);
  else parallel_for((rows + per - 1) / per, [&](int64_t c, int) { run(c * per, std::min(rows, (c + 1) * per)); });
}

}  // namespace dlab
