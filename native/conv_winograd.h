// Winograd F(2x2, 3x3) convolution (conv_winograd.cc) for 3x3, stride-1, undilated, ungrouped
// layers: 16 multiplies per 2x2 outputs and channel pair instead of 36. False where it does not
// apply or the result has a NaN or an infinity (the caller then runs the direct or GEMM path,
// whose non-finite results are the reference's).
//
// Not the weight gradient (yet): F(3x3, 2x2) would sum 16 products of O x C over every tile of the
// batch (K = 4608 tiles for AlexNet's conv3 at batch 128), one chain per (xi, o, c) for the same
// bits on any thread count, so the 16 x O x C accumulators (6-9 MiB at 256-384 channels) are
// read and written once per block of tiles from L3, unless blocked by channels as
// conv.cc's weight_grad_rows is; it would also need its own transforms (gy's 2x2 -> 4x4, a 4x3
// output) and its own accuracy check. Left for a later step.
#pragma once

#include "kernels.h"

namespace dlab {

/** Whether the layer has the shape F(2x2, 3x3) computes (3x3, stride 1, dilation 1, one group). */
bool winograd_applies(const ConvGeometry& g);
/**
 * Whether Auto picks it (measured against the direct kernel, conv.cc's choice otherwise): enough
 * channels that the GEMMs dominate the transforms and enough tiles to fill the GEMMs' panels.
 */
bool winograd_pays(const ConvGeometry& g);

bool conv2d_winograd_forward(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y);
/** dx as the forward of gy through the kernel flipped in space and transposed in channels (pad 2 - p). */
bool conv2d_winograd_input_grad(const ConvGeometry& g, const float* gy, const float* w, float* dx);

}  // namespace dlab
