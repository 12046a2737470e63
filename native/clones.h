// DLAB_CLONES: compile a loop for AVX-512, AVX2 and baseline x86-64 and let the loader pick
// (GCC's target_clones); elsewhere the one build. The elementwise kernels' results are the same
// bits on every clone (IEEE add, mul, div, compare; no contraction).
#pragma once

#include <cstdint>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define DLAB_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define DLAB_CLONES
#endif

namespace dlab {
/** Elements per block when an elementwise op is split across threads, and the size it starts at. */
constexpr int64_t kElementwiseBlock = int64_t(1) << 15;
constexpr int64_t kElementwiseParallelMin = int64_t(1) << 17;
}  // namespace dlab
