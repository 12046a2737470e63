// Which instruction set the kernels may use, chosen once at load from what this CPU (and its
// OS, for the wider registers' state) supports; DLAB_CPU=portable|avx2|avx512 lowers it, so
// tests can run every path on one machine.
#pragma once

namespace dlab {

enum class Isa { Portable = 0, Avx2 = 1, Avx512 = 2 };

/** The level the kernels dispatch on. */
Isa cpu_isa();
/** Set the level, at most what the CPU supports (tests run every path); returns the one in effect. */
Isa set_cpu_isa(Isa wanted);
const char* isa_name(Isa isa);
/** The best level this CPU supports (what DLAB_CPU may lower). */
Isa detected_isa();

}  // namespace dlab
