// This CPU core's float32 FMA limit: 16 independent chains of 512-bit fused multiply-adds, nothing
// else. The ceiling a matrix product's GFLOP/s is read against (README, Speed).
//   g++ -O3 -funroll-loops tools/fma-peak.cc -o /tmp/fma-peak && /tmp/fma-peak
// (x86-64 with AVX-512 only.)
#include <immintrin.h>
#include <chrono>
#include <cstdio>
__attribute__((target("avx512f"))) float run(long iters) {
  __m512 a[16]; __m512 b = _mm512_set1_ps(1.0000001f), c = _mm512_set1_ps(1e-7f);
  for (int i = 0; i < 16; i++) a[i] = _mm512_set1_ps(float(i));
  for (long k = 0; k < iters; k++)
    for (int i = 0; i < 16; i++) a[i] = _mm512_fmadd_ps(a[i], b, c);
  __m512 s = a[0]; for (int i = 1; i < 16; i++) s = _mm512_add_ps(s, a[i]);
  return _mm512_reduce_add_ps(s);
}
int main() {
  long iters = 200000000;
  run(1000000);
  auto t0 = std::chrono::steady_clock::now();
  float r = run(iters);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  printf("%.1f GFLOP/s (one core, 16 independent zmm FMA chains) %g\n", iters * 16.0 * 32 / s / 1e9, r);
}
