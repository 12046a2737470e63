// Direct stride-1 convolution (conv_direct.cc); false where it does not apply (the caller then
// runs the implicit GEMM in conv.cc).
#pragma once

#include "kernels.h"

namespace dlab {

bool conv2d_direct_forward(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y);
bool conv2d_direct_input_grad(const ConvGeometry& g, const float* gy, const float* w, float* dx);
/**
 * The weight gradient's sum over each run of images (chunk c: images [c * N / chunks, (c + 1) * N / chunks))
 * into slots[c] ([groups][Og][Cg][kH][kW]) and, unless null, the bias sums into bias_partials[c] ([O], float64).
 */
bool conv2d_direct_weight_grad(const ConvGeometry& g, const float* x, const float* gy, int64_t chunks, float* slots, double* bias_partials);

}  // namespace dlab
