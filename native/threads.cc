// The pool: workers spin briefly on a generation counter (a fork-join costs about 0.15 us that
// way, against about 1 us for a futex wake), then sleep on a condition variable. The calling
// thread claims chunks too and, once none are left, closes the job so that a worker that wakes
// late never enters it, then waits only for the workers already inside.
#include "threads.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
static inline void cpu_relax() { _mm_pause(); }
#elif defined(__aarch64__)
static inline void cpu_relax() { asm volatile("yield"); }
#else
static inline void cpu_relax() {}
#endif

#if defined(__linux__)
#include <sched.h>
#endif

namespace dlab {

namespace {

constexpr uint32_t kClosed = 1u << 30;
/** Spins (pause instructions) before a worker sleeps: some tens of microseconds. */
constexpr int kSpinIterations = 4000;

int default_threads() {
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n < kMaxThreads ? n : kMaxThreads;
  }
#endif
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : (n < kMaxThreads ? static_cast<int>(n) : kMaxThreads);
}

class Pool {
 public:
  int threads() const { return requested_; }

  void set_threads(int n) {
    requested_ = n < 1 ? 1 : (n > kMaxThreads ? kMaxThreads : n);
  }

  void run(int64_t chunks, ChunkFn fn, void* ctx) {
    int want = requested_;
    if (want > chunks) want = static_cast<int>(chunks);
    // One caller at a time (a Node worker thread may load the addon too): others run alone.
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (want <= 1 || !busy.owns_lock()) {
      for (int64_t c = 0; c < chunks; c++) fn(ctx, c, 0);
      return;
    }
    ensure_workers(want - 1);
    fn_ = fn;
    ctx_ = ctx;
    chunks_ = chunks;
    limit_ = want;
    next_.store(0, std::memory_order_relaxed);
    tid_.store(1, std::memory_order_relaxed);
    state_.store(0, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    {
      std::lock_guard<std::mutex> lock(sleep_mutex_);
      if (sleepers_ > 0) wake_.notify_all();
    }
    claim(0);
    uint32_t s = state_.fetch_or(kClosed, std::memory_order_acq_rel) | kClosed;
    // A worker still inside may have been preempted (a machine busier than its cores): after a
    // short spin, yield the core so that it can finish its chunk.
    for (int spins = 0; s != kClosed; spins++) {
      if (spins < kSpinIterations) cpu_relax();
      else std::this_thread::yield();
      s = state_.load(std::memory_order_acquire);
    }
  }

 private:
  void claim(int thread) {
    for (;;) {
      int64_t c = next_.fetch_add(1, std::memory_order_relaxed);
      if (c >= chunks_) return;
      fn_(ctx_, c, thread);
    }
  }

  void ensure_workers(int n) {
    while (static_cast<int>(workers_.size()) < n) {
      std::thread t([this] { work(); });
      t.detach();  // the pool lives as long as the process
      workers_.push_back(1);
    }
  }

  void work() {
    uint64_t seen = generation_.load(std::memory_order_acquire);
    for (;;) {
      int spins = 0;
      uint64_t g;
      while ((g = generation_.load(std::memory_order_acquire)) == seen) {
        if (++spins < kSpinIterations) {
          cpu_relax();
          continue;
        }
        std::unique_lock<std::mutex> lock(sleep_mutex_);
        sleepers_++;
        wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
        sleepers_--;
        spins = 0;
      }
      seen = g;
      // Enter the job unless it is closed (then this worker was too late for it).
      uint32_t s = state_.load(std::memory_order_acquire);
      bool entered = false;
      while (!(s & kClosed)) {
        if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel)) {
          entered = true;
          break;
        }
      }
      if (!entered) continue;
      int thread = tid_.fetch_add(1, std::memory_order_relaxed);
      if (thread < limit_) claim(thread);
      state_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  int requested_ = default_threads();
  std::mutex busy_;
  std::vector<char> workers_;
  ChunkFn fn_ = nullptr;
  void* ctx_ = nullptr;
  int64_t chunks_ = 0;
  int limit_ = 1;
  std::atomic<int64_t> next_{0};
  std::atomic<int> tid_{1};
  std::atomic<uint32_t> state_{kClosed};
  std::atomic<uint64_t> generation_{0};
  std::mutex sleep_mutex_;
  std::condition_variable wake_;
  int sleepers_ = 0;
};

// Never destroyed: detached workers may still be sleeping on it at exit.
Pool& pool() {
  static Pool* p = new Pool();
  return *p;
}

}  // namespace

void parallel_for_raw(int64_t chunks, ChunkFn fn, void* ctx) {
  if (chunks <= 0) return;
  pool().run(chunks, fn, ctx);
}

int num_threads() { return pool().threads(); }

void set_num_threads(int n) { pool().set_threads(n); }

}  // namespace dlab
