// log_softmax and sums, in float64 and rounded once, as the js reference computes them: per
// slice x - max - log(sum(exp(x - max))), a NaN anywhere making the slice NaN.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels.h"
#include "threads.h"

namespace dlab {

void log_softmax_f32(const float* x, float* out, int64_t outer, int64_t size, int64_t inner) {
  auto run = [&](int64_t o, int) {
    for (int64_t i = 0; i < inner; i++) {
      const int64_t base = o * size * inner + i;
      double max = -std::numeric_limits<double>::infinity();
      for (int64_t k = 0, q = base; k < size; k++, q += inner) {
        const double v = x[q];
        if (v > max || std::isnan(v)) max = v;
        if (std::isnan(v)) break;
      }
      double sum = 0;
      for (int64_t k = 0, q = base; k < size; k++, q += inner) sum += std::exp(static_cast<double>(x[q]) - max);
      const double log_sum = std::log(sum);
      for (int64_t k = 0, q = base; k < size; k++, q += inner) out[q] = static_cast<float>(static_cast<double>(x[q]) - max - log_sum);
    }
  };
  if (outer * size * inner < (int64_t(1) << 15)) for (int64_t o = 0; o < outer; o++) run(o, 0);
  else parallel_for(outer, run);
}

void log_softmax_backward_f32(const float* g, const float* out, float* dx, int64_t outer, int64_t size, int64_t inner) {
  // The composed ops' bits: the slice's sum of g in float64 rounded once (sum_f32's order), the
  // exp kernel's exp_one, then a float32 multiply and subtract.
  auto run = [&](int64_t o, int) {
    for (int64_t i = 0; i < inner; i++) {
      const int64_t base = o * size * inner + i;
      double acc = 0;
      for (int64_t k = 0, q = base; k < size; k++, q += inner) acc += g[q];
      const float sum = static_cast<float>(acc);
      for (int64_t k = 0, q = base; k < size; k++, q += inner) {
        const float scaled = exp_one(out[q]) * sum;
        dx[q] = g[q] - scaled;
      }
    }
  };
  if (outer * size * inner < (int64_t(1) << 15)) for (int64_t o = 0; o < outer; o++) run(o, 0);
  else parallel_for(outer, run);
}

void sum_f32(const float* x, float* out, int64_t rows, int64_t mid, int64_t inner) {
  if (inner == 1) {
    // Column sums (a bias gradient over the batch): one float64 accumulator per column, down the rows.
    auto run = [&](int64_t chunk, int) {
      const int64_t m0 = chunk * 256, m1 = std::min(mid, m0 + 256);
      double acc[256];
      for (int64_t m = m0; m < m1; m++) acc[m - m0] = 0;
      for (int64_t r = 0; r < rows; r++) {
        const float* row = x + r * mid;
        for (int64_t m = m0; m < m1; m++) acc[m - m0] += row[m];
      }
      for (int64_t m = m0; m < m1; m++) out[m] = static_cast<float>(acc[m - m0]);
    };
    const int64_t chunks = (mid + 255) / 256;
    if (rows * mid < (int64_t(1) << 17)) for (int64_t c = 0; c < chunks; c++) run(c, 0);
    else parallel_for(chunks, run);
    return;
  }
  // Runs of `inner` summed into one float64 per output, in row-major order (as the reference).
  auto run = [&](int64_t m, int) {
    double acc = 0;
    for (int64_t r = 0; r < rows; r++) {
      const float* p = x + (r * mid + m) * inner;
      for (int64_t i = 0; i < inner; i++) acc += p[i];
    }
    out[m] = static_cast<float>(acc);
  };
  if (rows * mid * inner < (int64_t(1) << 17) || mid < 2) for (int64_t m = 0; m < mid; m++) run(m, 0);
  else parallel_for(mid, run);
}

}  // namespace dlab
