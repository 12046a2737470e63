// The direct convolution with output channels in the vector lanes (conv_rows.cc): for wide
// layers (AlexNet's 96-384 channels at 12-54 px) the position-vectorised tiles of
// conv_direct.cc (stride 1) compute and drop the padded columns and the last partial tile (15-25% of their
// work there); here a tile is MR positions of one output row x 32 channels, so nothing is dropped.
#pragma once

#include <cstdint>

namespace dlab {

/** Channels per tile (two AVX-512 vectors). */
constexpr int64_t kRowsBlock = 32;

/** Whether the kernel runs here: AVX-512 and at least 32 output channels (fewer would leave lanes idle). */
bool conv_rows_applies(int64_t Cout);

/** w [Cout][K] into dst [ceil(Cout / 32)][K][32], zero past Cout (K = Cin * taps). */
void conv_rows_pack(const float* w, int64_t Cout, int64_t K, float* dst);

/** One image's geometry in the zero-padded plane the caller built (conv_direct.cc's Plan). */
struct RowsImage {
  int64_t Cin, Cout, plane, Wp;  // channels, floats per padded plane, padded row length
  int64_t oH, oW;                // output plane
  const int64_t* offs;           // each tap's offset in the padded plane
  int64_t taps;
  int64_t sH, sW;                // stride: output (oh, ow) reads from (oh * sH, ow * sW)
};

/**
 * Channels [o0, o1) (o0 a multiple of 32) of y [Cout][oH][oW] = the (strided) convolution of the padded image xp [Cin][plane] with the packed weights,
 * from bias (or 0): each output one fused multiply-add chain in (c, tap) order, as every other
 * convolution path, so the same bits.
 */
void conv_rows_image(const RowsImage& im, int64_t o0, int64_t o1, const float* xp, const float* wpacked, const float* bias, float* y);

/**
 * The weight gradient's sum with output channels in the lanes: for the taps k (rows of the column
 * matrix, each at offs[k] in a zero-padded image xp), position (oh, ow) read at
 * oh * row_step + ow * col_step, and one image's gradient packed gyT [L][32] (32 channels, L = oH * oW
 * positions in order), c[k][0..32) (row stride ldc) = (load ? c : 0) + sum over positions of
 * x(k, l) * gyT[l]: one fused multiply-add chain per output in position order, as the implicit
 * GEMM's (conv.cc), so the same bits. Taps [k0, k1) in tiles of up to 12.
 */
struct RowsWgrad {
  int64_t oH, oW, row_step, col_step;
};
void conv_rows_wgrad(const RowsWgrad& s, const float* xp, const int64_t* offs, int64_t k0, int64_t k1, const float* gyT, float* c, int64_t ldc, bool load);

}  // namespace dlab
