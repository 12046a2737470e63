// Winograd F(2x2, 3x3) convolution (conv_winograd.cc) for 3x3, stride-1, undilated, ungrouped
// layers: 16 multiplies per 2x2 outputs and channel pair instead of 36. A 5x5 kernel runs split:
// zero-padded to 6x6, its four 3x3 blocks a 3x3 convolution over 4 Cin virtual channels (channel
// c shifted by the block's offset, read in place), 64 multiplies instead of 100. False where it does not
// apply or the result has a NaN or an infinity (the caller then runs the direct or GEMM path,
// whose non-finite results are the reference's).
//
// The weight gradient is the forward's adjoint, dW = G^T [sum over tiles t of (A gy_t A^T) .
// (B^T x_t B)] G: per position xi a product Cin x tiles x Cout with K = every tile of the batch,
// one chain per (xi, o, c) in tile order for the same bits on any thread count and ISA. The
// tiles are transformed a chunk of 128 at a time and the 16 sums accumulated chunk after chunk,
// so its scratch is bounded whatever the batch (AlexNet's conv4: 16 x 384 x 384 sums, 9 MiB,
// and 2 x 3 MiB of transformed chunk).
#pragma once

#include "kernels.h"

namespace dlab {

/** Whether the layer has the shape F(2x2, 3x3) computes (3x3 or 5x5, stride 1, dilation 1, one group). */
bool winograd_applies(const ConvGeometry& g);
/**
 * Whether Auto picks it for the forward and input gradient (measured against the direct kernel,
 * conv.cc's choice otherwise): enough channels that the GEMMs dominate the transforms and enough
 * tiles to fill the GEMMs' panels; never for a split 5x5 (conv_winograd.cc, split_pays).
 */
bool winograd_pays(const ConvGeometry& g);
/** The same for the weight gradient (its own measurements; a split 5x5's from 96 channels and 1024 tiles). */
bool winograd_weight_grad_pays(const ConvGeometry& g);

bool conv2d_winograd_forward(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y);
/** dx as the forward of gy through the kernel flipped in space and transposed in channels (pad k - 1 - p). */
bool conv2d_winograd_input_grad(const ConvGeometry& g, const float* gy, const float* w, float* dx);
/** dw (not the bias's) as the forward's adjoint: the sums over every tile of the batch of (A gy A^T) . (B^T x B), then G^T . G. */
bool conv2d_winograd_weight_grad(const ConvGeometry& g, const float* x, const float* gy, float* dw);

}  // namespace dlab
