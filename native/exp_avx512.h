// exp and sigmoid on AVX-512 with the scalar kernels' bits (exp_avx512.cc); false where the ISA
// in effect is lower (the caller then runs its scalar loop). `scalar` computes one element.
#pragma once

#include <cstdint>

namespace dlab {

bool exp_avx512(const float* x, float* out, int64_t s, int64_t e, float (*scalar)(float));
bool sigmoid_avx512(const float* x, float* out, int64_t s, int64_t e, float (*scalar)(float));

}  // namespace dlab
