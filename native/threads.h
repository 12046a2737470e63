// A persistent pool of kernel threads, as torch.set_num_threads. Work is cut into a number of
// chunks the caller fixes from the problem alone; threads claim chunks in any order, so a
// result never depends on the thread count or on timing as long as each chunk writes its own
// outputs (reductions keep one partial per chunk and combine them in chunk order).
#pragma once

#include <cstdint>
#include <type_traits>

namespace dlab {

/** fn(chunk, thread) for every chunk in [0, chunks); thread < num_threads() picks scratch. */
using ChunkFn = void (*)(void* ctx, int64_t chunk, int thread);

void parallel_for_raw(int64_t chunks, ChunkFn fn, void* ctx);

/** Run f(chunk, thread) for each chunk, on up to num_threads() threads (the caller is thread 0). */
template <class F>
void parallel_for(int64_t chunks, F&& f) {
  parallel_for_raw(chunks, [](void* ctx, int64_t chunk, int thread) { (*static_cast<std::remove_reference_t<F>*>(ctx))(chunk, thread); }, &f);
}

/** Threads a parallel_for may use (default: the cores this process may run on). */
int num_threads();
void set_num_threads(int n);
/** The most threads a parallel_for can name (scratch arrays are sized by it). */
constexpr int kMaxThreads = 64;

}  // namespace dlab
