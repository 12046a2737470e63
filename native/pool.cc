// Max pooling and its backward on contiguous float32 planes, one plane (n, c) per chunk: every
// output has one writer, so any thread split gives the same bits. The window scan is PyTorch's
// CPU kernel's: non-padding positions in (ki, kj) order from -inf, a strictly greater value or
// a NaN replaces the best (NaN propagates, the last NaN wins, ties keep the first).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels.h"
#include "threads.h"

namespace dlab {

namespace {
/** Planes per chunk: about 16K output values. */
int64_t planes_per_chunk(int64_t per_plane) { return std::max<int64_t>(1, (int64_t(1) << 14) / std::max<int64_t>(1, per_plane)); }
}  // namespace

void max_pool2d(const ConvGeometry& g, const float* x, float* values, double* indices) {
  const int64_t planes = g.N * g.C, plane = g.H * g.W, L = g.oH * g.oW;
  const int64_t per = planes_per_chunk(L);
  auto run = [&](int64_t chunk, int) {
    for (int64_t p = chunk * per; p < std::min(planes, (chunk + 1) * per); p++) {
      const float* src = x + p * plane;
      float* vo = values + p * L;
      double* io = indices + p * L;
      const bool simple = g.kH == 2 && g.kW == 2 && g.sH == 2 && g.sW == 2 && g.pH == 0 && g.pW == 0 && g.dH == 1 && g.dW == 1 &&
                          2 * g.oH <= g.H && 2 * g.oW <= g.W;
      for (int64_t oh = 0; oh < g.oH; oh++) {
        if (simple) {
          // 2x2, stride 2 (LeNet's): four reads, no bounds checks.
          const float* r0 = src + 2 * oh * g.W;
          const float* r1 = r0 + g.W;
          for (int64_t ow = 0; ow < g.oW; ow++) {
            int64_t base = 2 * oh * g.W + 2 * ow;
            float best = r0[2 * ow];
            int64_t at = base;
            float v = r0[2 * ow + 1];
            if (v > best || std::isnan(v)) best = v, at = base + 1;
            v = r1[2 * ow];
            if (v > best || std::isnan(v)) best = v, at = base + g.W;
            v = r1[2 * ow + 1];
            if (v > best || std::isnan(v)) best = v, at = base + g.W + 1;
            vo[oh * g.oW + ow] = best;
            io[oh * g.oW + ow] = static_cast<double>(at);
          }
          continue;
        }
        for (int64_t ow = 0; ow < g.oW; ow++) {
          // PyTorch's bounds: the window's end clipped to the input, its start stepped past padding.
          int64_t ih0 = oh * g.sH - g.pH, iw0 = ow * g.sW - g.pW;
          const int64_t ih1 = std::min(ih0 + (g.kH - 1) * g.dH + 1, g.H), iw1 = std::min(iw0 + (g.kW - 1) * g.dW + 1, g.W);
          while (ih0 < 0) ih0 += g.dH;
          while (iw0 < 0) iw0 += g.dW;
          float best = -std::numeric_limits<float>::infinity();
          int64_t at = ih0 * g.W + iw0;
          for (int64_t ih = ih0; ih < ih1; ih += g.dH) {
            for (int64_t iw = iw0; iw < iw1; iw += g.dW) {
              const float v = src[ih * g.W + iw];
              if (v > best || std::isnan(v)) {
                best = v;
                at = ih * g.W + iw;
              }
            }
          }
          vo[oh * g.oW + ow] = best;
          io[oh * g.oW + ow] = static_cast<double>(at);
        }
      }
    }
  };
  const int64_t chunks = (planes + per - 1) / per;
  if (planes * L < (int64_t(1) << 15)) for (int64_t c = 0; c < chunks; c++) run(c, 0);
  else parallel_for(chunks, run);
}

bool max_pool2d_backward(int64_t planes, int64_t L, int64_t plane, const float* grad, const double* indices, float* out) {
  // Indices are checked first, so a bad one writes nothing.
  for (int64_t i = 0; i < planes * L; i++) {
    const double k = indices[i];
    if (!(k >= 0 && k < static_cast<double>(plane))) return false;
  }
  const int64_t per = planes_per_chunk(plane);
  auto run = [&](int64_t chunk, int) {
    for (int64_t p = chunk * per; p < std::min(planes, (chunk + 1) * per); p++) {
      float* o = out + p * plane;
      std::memset(o, 0, plane * sizeof(float));
      const float* gp = grad + p * L;
      const double* ip = indices + p * L;
      for (int64_t l = 0; l < L; l++) o[static_cast<int64_t>(ip[l])] += gp[l];
    }
  };
  const int64_t chunks = (planes + per - 1) / per;
  if (planes * plane < (int64_t(1) << 15)) for (int64_t c = 0; c < chunks; c++) run(c, 0);
  else parallel_for(chunks, run);
  return true;
}

}  // namespace dlab
