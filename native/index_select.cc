// index_select of a contiguous float32 tensor: nearest-neighbour upsampling (Stable Diffusion's
// VAE decoder doubles 64 -> 512 px through it) went to wasm, copying the image into wasm memory
// and back. Also float64 (dlab's int64): a training loop gathers a batch's labels with its images
// (x[idx], y[idx]), which in wasm copied the whole label set in each step. Indices are checked by
// the caller. Copies only: the reference's values exactly.
#include <algorithm>
#include <cstring>

#include "kernels.h"
#include "threads.h"

namespace dlab {

namespace {

/** Rows this many ahead of the one copied are prefetched whole. */
constexpr int64_t kRowsAhead = 4;

template <typename T>
void prefetch_row(const T* row, int64_t inner) {
  const char* p = reinterpret_cast<const char*>(row);
  for (int64_t b = 0; b < inner * int64_t(sizeof(T)); b += 64) __builtin_prefetch(p + b);
}

template <typename T>
void index_select(const T* x, int64_t outer, int64_t size, int64_t inner, const int32_t* rows, int64_t count, T* out) {
  auto run = [&](int64_t o, int) {
    const T* src = x + o * size * inner;
    T* dst = out + o * count * inner;
    if (inner == 1) {
      for (int64_t r = 0; r < count; r++) dst[r] = src[rows[r]];
      return;
    }
    // A batch's rows scattered over a data set larger than the caches (MNIST's training images,
    // 188 MB): each row's misses start before its copy, a few rows ahead, so that the memory
    // system works on several rows at once (the hardware prefetcher stops at page boundaries).
    // An MLP training step's gather of 64 images took 29 -> 25 us alone.
    const bool far = inner * int64_t(sizeof(T)) >= 256;
    if (far)
      for (int64_t r = 0; r < std::min(kRowsAhead, count); r++) prefetch_row(src + rows[r] * inner, inner);
    for (int64_t r = 0; r < count; r++) {
      if (far && r + kRowsAhead < count) prefetch_row(src + rows[r + kRowsAhead] * inner, inner);
      std::memcpy(dst + r * inner, src + rows[r] * inner, inner * sizeof(T));
    }
  };
  if (outer < 2 || outer * count * inner < (int64_t(1) << 16)) for (int64_t o = 0; o < outer; o++) run(o, 0);
  else parallel_for(outer, run);
}

}  // namespace

void index_select_f32(const float* x, int64_t outer, int64_t size, int64_t inner, const int32_t* rows, int64_t count, float* out) {
  index_select(x, outer, size, inner, rows, count, out);
}

void index_select_f64(const double* x, int64_t outer, int64_t size, int64_t inner, const int32_t* rows, int64_t count, double* out) {
  index_select(x, outer, size, inner, rows, count, out);
}

}  // namespace dlab
