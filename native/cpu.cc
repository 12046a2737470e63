// Runtime CPU feature detection. libgcc's __builtin_cpu_supports also checks that the OS saves
// the wide registers (XGETBV), so a VM with AVX-512 state disabled reports false.
#include "cpu.h"

#include <cstdlib>
#include <cstring>

namespace dlab {

Isa detected_isa() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma"))
    return Isa::Avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::Avx2;
#endif
  return Isa::Portable;
}

static Isa initial_isa() {
  Isa isa = detected_isa();
  const char* env = std::getenv("DLAB_CPU");
  if (env == nullptr) return isa;
  Isa wanted = isa;
  if (std::strcmp(env, "portable") == 0) wanted = Isa::Portable;
  if (std::strcmp(env, "avx2") == 0) wanted = Isa::Avx2;
  if (std::strcmp(env, "avx512") == 0) wanted = Isa::Avx512;
  return wanted < isa ? wanted : isa;
}

static Isa current = initial_isa();

Isa cpu_isa() { return current; }

Isa set_cpu_isa(Isa wanted) {
  Isa best = detected_isa();
  current = wanted < best ? wanted : best;
  return current;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    default: return "portable";
  }
}

}  // namespace dlab
