// amax / amin over the same layouts as sum_f32 (kept dims one run between reduced ones): the max
// of Stable Diffusion's attention scores before their softmax (4096 x 4096 per head) was the
// largest op that still went to wasm. Same values as the js reference, which scans in order:
// any NaN gives NaN, else the first element that no later one beats (v > acc). Only the sign of
// a zero can depend on that order; a result of zero is therefore scanned again in order.
#include <algorithm>
#include <cmath>
#include <limits>

#include "clones.h"
#include "kernels.h"
#include "threads.h"


namespace dlab {

namespace {

constexpr int kLanes = 16;

/** In-order scan of n values from acc: the reference's loop. */
inline float scan(const float* x, int64_t n, float acc, bool is_max) {
  for (int64_t i = 0; i < n; i++) {
    const float v = x[i];
    if (std::isnan(v) || std::isnan(acc)) acc = std::numeric_limits<float>::quiet_NaN();
    else if (is_max ? v > acc : v < acc) acc = v;
  }
  return acc;
}

/** lanes[j] = best of lanes[j] and x[i] for i = j (mod 16); nan[j] set where an x[i] is NaN. n a multiple of 16. */
template <bool kMax>
DLAB_CLONES void lanes_run(const float* x, int64_t n, float* lanes, int* nan) {
  for (int64_t i = 0; i < n; i += kLanes)
    for (int j = 0; j < kLanes; j++) {
      const float v = x[i + j];
      nan[j] |= v != v;
      lanes[j] = (kMax ? v > lanes[j] : v < lanes[j]) ? v : lanes[j];
    }
}

/** acc[m] = best of acc[m] and row[m], element by element (each output in row order). */
template <bool kMax>
DLAB_CLONES void column_step(const float* row, int64_t n, float* acc, int* nan) {
  for (int64_t m = 0; m < n; m++) {
    const float v = row[m];
    nan[m] |= v != v;
    acc[m] = (kMax ? v > acc[m] : v < acc[m]) ? v : acc[m];
  }
}

}  // namespace

void minmax_f32(bool is_max, const float* x, float* out, int64_t rows, int64_t mid, int64_t inner) {
  const float start = is_max ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
  const float nan_value = std::numeric_limits<float>::quiet_NaN();
  if (inner == 1) {
    // Column-wise (the reduced dims lead): 256 outputs per chunk, each scanned down the rows in order.
    auto run = [&](int64_t chunk, int) {
      const int64_t m0 = chunk * 256, m1 = std::min(mid, m0 + 256);
      float acc[256];
      int nan[256];
      std::fill(acc, acc + (m1 - m0), start);
      std::fill(nan, nan + (m1 - m0), 0);
      for (int64_t r = 0; r < rows; r++) {
        if (is_max) column_step<true>(x + r * mid + m0, m1 - m0, acc, nan);
        else column_step<false>(x + r * mid + m0, m1 - m0, acc, nan);
      }
      for (int64_t m = m0; m < m1; m++) out[m] = nan[m - m0] ? nan_value : acc[m - m0];
    };
    const int64_t chunks = (mid + 255) / 256;
    if (rows * mid < (int64_t(1) << 17)) for (int64_t c = 0; c < chunks; c++) run(c, 0);
    else parallel_for(chunks, run);
    return;
  }
  auto run = [&](int64_t m, int) {
    float lanes[kLanes];
    int nan[kLanes] = {0};
    std::fill(lanes, lanes + kLanes, start);
    float tail = start;
    for (int64_t r = 0; r < rows; r++) {
      const float* p = x + (r * mid + m) * inner;
      const int64_t whole = inner / kLanes * kLanes;
      if (is_max) lanes_run<true>(p, whole, lanes, nan);
      else lanes_run<false>(p, whole, lanes, nan);
      tail = scan(p + whole, inner - whole, tail, is_max);
    }
    float best = scan(lanes, kLanes, tail, is_max);
    for (int j = 0; j < kLanes; j++) best = nan[j] ? nan_value : best;
    if (best == 0.0f) {
      // Which zero (+0 or -0) the reference keeps depends on the order: scan again in order.
      best = start;
      for (int64_t r = 0; r < rows; r++) best = scan(x + (r * mid + m) * inner, inner, best, is_max);
    }
    out[m] = best;
  };
  if (rows * mid * inner < (int64_t(1) << 17) || mid < 2) for (int64_t m = 0; m < mid; m++) run(m, 0);
  else parallel_for(mid, run);
}

}  // namespace dlab
