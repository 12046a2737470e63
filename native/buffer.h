// A growable 64-byte-aligned float buffer: packing and partial-sum scratch that outlives a call,
// so a kernel does not allocate on every step.
#pragma once

#include <cstdint>
#include <cstdlib>

namespace dlab {

class FloatBuffer {
 public:
  FloatBuffer() = default;
  FloatBuffer(const FloatBuffer&) = delete;
  FloatBuffer& operator=(const FloatBuffer&) = delete;
  ~FloatBuffer() { std::free(data_); }

  /** At least n floats (contents undefined after growth). */
  float* get(int64_t n) {
    if (n > size_) {
      std::free(data_);
      int64_t bytes = ((n * 4 + 63) / 64) * 64;
      data_ = static_cast<float*>(std::aligned_alloc(64, static_cast<size_t>(bytes)));
      if (data_ == nullptr) std::abort();
      size_ = bytes / 4;
    }
    return data_;
  }

 private:
  float* data_ = nullptr;
  int64_t size_ = 0;
};

/** Per-thread scratch: thread t of a parallel_for uses slot t. */
FloatBuffer& thread_buffer(int thread, int which);

}  // namespace dlab
