// Direct stride-1 convolution (conv_direct.cc); false where it does not apply (the caller then
// runs the implicit GEMM in conv.cc).
#pragma once

#include "kernels.h"

namespace dlab {

bool conv2d_direct_forward(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y);
bool conv2d_direct_input_grad(const ConvGeometry& g, const float* gy, const float* w, float* dx);

}  // namespace dlab
