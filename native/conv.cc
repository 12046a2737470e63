// Convolution as implicit GEMM on the packed sgemm (gemm.h): the column matrix im2col would
// build is never materialised; the packing routines read the windows straight from x into the
// micro-kernel's panels.
//   forward      y[n, g] (Og x L)  = w[g] (Og x CKg) . cols(x[n, g]) (CKg x L), from the bias
//   input grad   cols (CKg x L)   = w[g]^T . gy[n, g], then folded back onto dx[n, g] (col2im)
//   weight grad  dw[g] (Og x CKg) = sum over n of gy[n, g] (Og x L) . cols(x[n, g])^T (L x CKg)
// The forward and input gradient split by image (and column blocks); every output has one
// writer. The weight gradient is one chain per output over all images where its output has
// enough tiles to share out (threads own blocks of it); smaller ones cut the sum over images into
// a fixed number of runs (whatever the thread count), each summed into a slot of its own, the
// slots added in order. All three go to Winograd F(2x2, 3x3) (conv_winograd.h) where it is chosen
// (3x3 and 5x5 kernels).
#include <algorithm>
#include <cstring>
#include <vector>

#include "buffer.h"
#include "conv_direct.h"
#include "conv_rows.h"
#include "conv_winograd.h"
#include "cpu.h"
#include "gemm.h"
#include "kernels.h"
#include "threads.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace dlab {

namespace {

/** Columns (output positions) per forward task. */
constexpr int64_t kColumnBlock = 1024;
/** Forward tasks a batch-1 layer is cut into at least (output-channel blocks), so that every core has work. */
constexpr int64_t kMinForwardTasks = 16;
/** Runs of images the weight gradient's sum is cut into (at most one per image). */
constexpr int64_t kWeightGradChunks = 16;
constexpr int64_t kParallelMinMacs = int64_t(1) << 18;

struct Dims {
  int64_t Cg, Og, CK, L, HW;
};

Dims dims(const ConvGeometry& g) {
  Dims d;
  d.Cg = g.C / g.groups;
  d.Og = g.O / g.groups;
  d.CK = d.Cg * g.kH * g.kW;
  d.L = g.oH * g.oW;
  d.HW = g.H * g.W;
  return d;
}

/**
 * Pack columns [l0, l1) of cols(x) (rows k = (c, ki, kj) < CK, column l = (oh, ow)) into panels
 * of nr columns: dst[(l - l0) / nr][k][nr], zero for padding and past l1. xg: one image's group.
 */
void pack_cols(const ConvGeometry& g, const Dims& d, const float* xg, int64_t l0, int64_t l1, int nr, float* dst) {
  int64_t ih0[64], iw0[64];
  for (int64_t l = l0; l < l1; l += nr, dst += d.CK * nr) {
    const int64_t w = std::min<int64_t>(nr, l1 - l);
    for (int64_t t = 0; t < w; t++) {
      const int64_t oh = (l + t) / g.oW, ow = (l + t) % g.oW;
      ih0[t] = oh * g.sH - g.pH;
      iw0[t] = ow * g.sW - g.pW;
    }
    float* row = dst;
    // A whole panel of one output row at stride 1 reads a run of one input row per tap: copied
    // as a run where it lies inside the image (large images: the per-element form cost about as
    // much as the product itself at 128 output channels).
    const bool run = g.sW == 1 && w == nr && ih0[0] == ih0[nr - 1];
    for (int64_t c = 0; c < d.Cg; c++) {
      const float* plane = xg + c * d.HW;
      for (int64_t ki = 0; ki < g.kH; ki++) {
        for (int64_t kj = 0; kj < g.kW; kj++, row += nr) {
          const int64_t dh = ki * g.dH, dw = kj * g.dW;
          if (run) {
            const int64_t ih = ih0[0] + dh, iw = iw0[0] + dw;
            if (ih < 0 || ih >= g.H) {
              std::memset(row, 0, nr * sizeof(float));
              continue;
            }
            if (iw >= 0 && iw + nr <= g.W) {
              std::memcpy(row, plane + ih * g.W + iw, nr * sizeof(float));
              continue;
            }
          }
          for (int64_t t = 0; t < w; t++) {
            const int64_t ih = ih0[t] + dh, iw = iw0[t] + dw;
            row[t] = (ih >= 0 && ih < g.H && iw >= 0 && iw < g.W) ? plane[ih * g.W + iw] : 0.0f;
          }
          for (int64_t t = w; t < nr; t++) row[t] = 0.0f;
        }
      }
    }
  }
}

/**
 * Pack columns [k0, k1) (k0 a multiple of nr) of cols(x)^T (rows l < L, columns k < CK) into
 * panels of nr columns: dst[(k - k0) / nr][l][nr], the B operand of the weight gradient.
 */
void pack_cols_t(const ConvGeometry& g, const Dims& d, const float* xg, int64_t k0, int64_t k1, int nr, float* dst) {
  for (int64_t k = k0; k < k1; k += nr, dst += d.L * nr) {
    const int64_t w = std::min<int64_t>(nr, k1 - k);
    for (int64_t t = 0; t < w; t++) {
      const int64_t c = (k + t) / (g.kH * g.kW), r = (k + t) % (g.kH * g.kW);
      const int64_t dh = (r / g.kW) * g.dH - g.pH, dw = (r % g.kW) * g.dW - g.pW;
      const float* plane = xg + c * d.HW;
      float* col = dst + t;
      for (int64_t oh = 0, l = 0; oh < g.oH; oh++) {
        const int64_t ih = oh * g.sH + dh;
        const bool row_in = ih >= 0 && ih < g.H;
        for (int64_t ow = 0; ow < g.oW; ow++, l++) {
          const int64_t iw = ow * g.sW + dw;
          col[l * nr] = (row_in && iw >= 0 && iw < g.W) ? plane[ih * g.W + iw] : 0.0f;
        }
      }
    }
    for (int64_t t = w; t < nr; t++)
      for (int64_t l = 0; l < d.L; l++) dst[l * nr + t] = 0.0f;
  }
}

#if defined(__x86_64__)
/** The lanes of a 16-wide gather that hold one of the first n (n may be out of 0..16). */
static inline __mmask16 lane_mask(int64_t n) {
  return n >= 16 ? 0xFFFF : n <= 0 ? 0 : static_cast<__mmask16>((1u << n) - 1);
}

/**
 * pack_cols_t (columns [k0, k1)) for nr = 32 from a zero-padded copy of the image (xp: Cg planes of Hp x Wp, where
 * every window lies inside): each output position's 32 columns are two masked gathers at fixed
 * offsets (k's channel, row and column), so no bounds checks (the scalar form was about a sixth
 * of AlexNet's weight-gradient time).
 */
__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl"))) void pack_cols_t_avx512(const ConvGeometry& g, const Dims& d, const float* xp, int64_t Hp, int64_t Wp, int64_t k0, int64_t k1, float* dst) {
  alignas(64) int32_t offs[32];
  for (int64_t k = k0; k < k1; k += 32, dst += d.L * 32) {
    const int64_t w = std::min<int64_t>(32, k1 - k);
    for (int64_t t = 0; t < 32; t++) {
      const int64_t kk = std::min(k + t, k1 - 1);  // past k1: masked off, any valid offset
      const int64_t c = kk / (g.kH * g.kW), r = kk % (g.kH * g.kW);
      offs[t] = static_cast<int32_t>(c * Hp * Wp + (r / g.kW) * g.dH * Wp + (r % g.kW) * g.dW);
    }
    const __m512i i0 = _mm512_load_si512(offs), i1 = _mm512_load_si512(offs + 16);
    const __mmask16 m0 = lane_mask(w), m1 = lane_mask(w - 16);
    float* out = dst;
    for (int64_t oh = 0; oh < g.oH; oh++) {
      const float* row = xp + oh * g.sH * Wp;
      for (int64_t ow = 0; ow < g.oW; ow++, out += 32) {
        const float* base = row + ow * g.sW;
        _mm512_store_ps(out, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m0, i0, base, 4));
        _mm512_store_ps(out + 16, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m1, i1, base, 4));
      }
    }
  }
}

/**
 * pack_cols for nr = 32 from a zero-padded copy of the image (as pack_cols_t_avx512): a panel's
 * 32 output positions are fixed offsets into xp, so each row k (channel, kernel row, kernel
 * column) is two masked gathers from k's offset.
 */
__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl"))) void pack_cols_avx512(const ConvGeometry& g, const Dims& d, const float* xp, int64_t Hp, int64_t Wp, int64_t l0, int64_t l1, float* dst) {
  alignas(64) int32_t pos[32];
  for (int64_t l = l0; l < l1; l += 32, dst += d.CK * 32) {
    const int64_t w = std::min<int64_t>(32, l1 - l);
    for (int64_t t = 0; t < 32; t++) {
      const int64_t p = std::min(l + t, l1 - 1);  // past l1: masked off, any valid offset
      pos[t] = static_cast<int32_t>((p / g.oW) * g.sH * Wp + (p % g.oW) * g.sW);
    }
    const __m512i i0 = _mm512_load_si512(pos), i1 = _mm512_load_si512(pos + 16);
    const __mmask16 m0 = lane_mask(w), m1 = lane_mask(w - 16);
    float* out = dst;
    for (int64_t c = 0; c < d.Cg; c++)
      for (int64_t ki = 0; ki < g.kH; ki++)
        for (int64_t kj = 0; kj < g.kW; kj++, out += 32) {
          const float* base = xp + c * Hp * Wp + ki * g.dH * Wp + kj * g.dW;
          _mm512_store_ps(out, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m0, i0, base, 4));
          _mm512_store_ps(out + 16, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m1, i1, base, 4));
        }
  }
}
#endif

/** Rows and columns of the zero-padded image the windows reach (pad_image). */
int64_t padded_rows(const ConvGeometry& g) { return (g.oH - 1) * g.sH + (g.kH - 1) * g.dH + 1; }
int64_t padded_cols(const ConvGeometry& g) { return (g.oW - 1) * g.sW + (g.kW - 1) * g.dW + 1; }

/** xp (Cg planes of Hp x Wp) = one image group's planes at (pH, pW), zero elsewhere, cropped to what windows reach. */
void pad_image(const ConvGeometry& g, const Dims& d, const float* xg, int64_t Hp, int64_t Wp, float* xp) {
  std::memset(xp, 0, d.Cg * Hp * Wp * sizeof(float));
  const int64_t r0 = std::max<int64_t>(0, -g.pH), r1 = std::min(g.H, Hp - g.pH);
  const int64_t c0 = std::max<int64_t>(0, -g.pW), c1 = std::min(g.W, Wp - g.pW);
  if (r1 <= r0 || c1 <= c0) return;
  for (int64_t c = 0; c < d.Cg; c++)
    for (int64_t r = r0; r < r1; r++) std::memcpy(xp + (c * Hp + r + g.pH) * Wp + g.pW + c0, xg + c * d.HW + r * g.W + c0, (c1 - c0) * sizeof(float));
}

/** dx_g (Cg planes) += cols (CK x L) folded back onto the positions they were read from. */
void col2im(const ConvGeometry& g, const Dims& d, const float* cols, float* dxg) {
  for (int64_t c = 0, k = 0; c < d.Cg; c++) {
    float* plane = dxg + c * d.HW;
    for (int64_t ki = 0; ki < g.kH; ki++) {
      for (int64_t kj = 0; kj < g.kW; kj++, k++) {
        const float* row = cols + k * d.L;
        const int64_t dh = ki * g.dH - g.pH, dw = kj * g.dW - g.pW;
        for (int64_t oh = 0, l = 0; oh < g.oH; oh++) {
          const int64_t ih = oh * g.sH + dh;
          if (ih < 0 || ih >= g.H) {
            l += g.oW;
            continue;
          }
          float* prow = plane + ih * g.W;
          for (int64_t ow = 0; ow < g.oW; ow++, l++) {
            const int64_t iw = ow * g.sW + dw;
            if (iw >= 0 && iw < g.W) prow[iw] += row[l];
          }
        }
      }
    }
  }
}

bool worth_threads(const ConvGeometry& g, const Dims& d) { return g.N * g.O * d.CK * d.L >= kParallelMinMacs; }

template <class F>
void run_chunks(bool parallel, int64_t chunks, F&& f) {
  if (parallel) parallel_for(chunks, f);
  else for (int64_t c = 0; c < chunks; c++) f(c, 0);
}

}  // namespace

static ConvAlgorithm algorithm = ConvAlgorithm::Auto;

void set_conv_algorithm(ConvAlgorithm a) { algorithm = a; }

/**
 * Whether the direct kernel (conv_direct.cc) runs where it applies (stride 1; the weight gradient
 * also needs its 16-lane partials to stay cache-sized). It measured faster than the implicit GEMM
 * on every layer of scripts/bench-conv.ts (LeNet's, 3->32, 32->64, 64->128 at 3x3, 1 thread: 1.1x
 * to 6x) but the 32->64 weight gradient, which its size limit sends to the GEMM.
 */
static bool direct_pays() { return algorithm != ConvAlgorithm::Gemm; }

/** Whether Winograd F(2x2, 3x3) runs (conv_winograd.h): forced, or where it measured faster (`pays`, the pass's rule). */
static bool winograd_chosen(const ConvGeometry& g, bool pays) {
  return algorithm == ConvAlgorithm::Winograd ? winograd_applies(g) : algorithm == ConvAlgorithm::Auto && pays;
}

/**
 * Whether the direct forward suits this layer's size: its tiles stream the whole zero-padded
 * image once per 6 output channels, so past a few MiB of image (Stable Diffusion's VAE decoder,
 * 128-512 channels at 128-512 px) it runs from memory at a third of the GEMM's speed (1 thread:
 * 256->256 at 256x256, 26 against 87 GFLOP/s; 128->128 at 512x512, 26 against 77).
 */
static bool direct_forward_fits(const ConvGeometry& g) {
  const int64_t padded = (g.C / g.groups) * (g.oH + (g.kH - 1) * g.dH) * (g.oW + (g.kW - 1) * g.dW);
  return algorithm == ConvAlgorithm::Direct || padded <= (int64_t(1) << 22);
}

void conv2d_forward(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y) {
  if (winograd_chosen(g, winograd_pays(g)) && conv2d_winograd_forward(g, x, w, bias, y)) return;
  if (direct_pays() && direct_forward_fits(g) && conv2d_direct_forward(g, x, w, bias, y)) return;
  const Dims d = dims(g);
  const MicroKernel& mk = micro_kernel();
  // Column blocks and, where images x groups x column blocks are too few for the pool, row
  // blocks of output channels, each packing its columns again. The split only moves work:
  // every output is the same chain whatever it is.
  const int64_t cols = kColumnBlock;
  const int64_t blocks = (d.L + cols - 1) / cols;
  const int64_t units = g.N * g.groups * blocks;
  if (units == 0 || d.Og == 0) return;  // no outputs
  int64_t rows = d.Og;
  if (units < kMinForwardTasks) {
    const int64_t panels = (d.Og + mk.mr - 1) / mk.mr;
    const int64_t split = std::min(panels, (kMinForwardTasks + units - 1) / units);
    rows = (panels + split - 1) / split * mk.mr;
  }
  const int64_t row_blocks = (d.Og + rows - 1) / rows;
  // AVX-512 packs by gathers from a padded copy of the image (made per task), where that copy is
  // small beside the block's packed columns (AlexNet's 11x11 stride-4 first layer; not the large
  // images of Stable Diffusion's VAE) and its offsets fit in 32 bits.
  const int64_t Hp = padded_rows(g), Wp = padded_cols(g);
  const bool gather = mk.nr == 32 && cpu_isa() == Isa::Avx512 && Hp * Wp <= 2 * g.kH * g.kW * cols && d.Cg * Hp * Wp < (int64_t(1) << 31);
  auto task = [&](int64_t t, int thread) {
    const int64_t rb = t % row_blocks, u = t / row_blocks;
    const int64_t b = u % blocks, ng = u / blocks, n = ng / g.groups, gr = ng % g.groups;
    const int64_t l0 = b * cols, l1 = std::min(d.L, l0 + cols);
    const int64_t o0 = rb * rows, o1 = std::min(d.Og, o0 + rows);
    float* bp = thread_buffer(thread, 1).get(packed_b_size(d.CK, l1 - l0, mk.nr));
    const float* xg = x + (n * g.C + gr * d.Cg) * d.HW;
#if defined(__x86_64__)
    if (gather) {
      float* xp = thread_buffer(thread, 2).get(d.Cg * Hp * Wp);
      pad_image(g, d, xg, Hp, Wp, xp);
      pack_cols_avx512(g, d, xp, Hp, Wp, l0, l1, bp);
    } else
#endif
      pack_cols(g, d, xg, l0, l1, mk.nr, bp);
    float* yg = y + (n * g.O + gr * d.Og + o0) * d.L + l0;
    if (bias)
      for (int64_t o = o0; o < o1; o++) std::fill(yg + (o - o0) * d.L, yg + (o - o0) * d.L + (l1 - l0), bias[gr * d.Og + o]);
    gemm_packed(mk, o1 - o0, l1 - l0, d.CK, Strided{w + (gr * d.Og + o0) * d.CK, d.CK, 1}, bp, yg, d.L, bias != nullptr, thread);
  };
  run_chunks(worth_threads(g, d), units * row_blocks, task);
}

void conv2d_input_grad(const ConvGeometry& g, const float* gy, const float* w, float* dx) {
  if (winograd_chosen(g, winograd_pays(g)) && conv2d_winograd_input_grad(g, gy, w, dx)) return;
  if (direct_pays() && conv2d_direct_input_grad(g, gy, w, dx)) return;
  const Dims d = dims(g);
  const MicroKernel& mk = micro_kernel();
  auto task = [&](int64_t t, int thread) {
    const int64_t n = t / g.groups, gr = t % g.groups;
    float* bp = thread_buffer(thread, 1).get(packed_b_size(d.Og, d.L, mk.nr));
    float* cols = thread_buffer(thread, 2).get(d.CK * d.L);
    pack_b(Strided{gy + (n * g.O + gr * d.Og) * d.L, d.L, 1}, d.Og, d.L, 0, d.L, mk.nr, bp);
    gemm_packed(mk, d.CK, d.L, d.Og, Strided{w + gr * d.Og * d.CK, 1, d.CK}, bp, cols, d.L, false, thread);
    float* dxg = dx + (n * g.C + gr * d.Cg) * d.HW;
    std::memset(dxg, 0, d.Cg * d.HW * sizeof(float));
    col2im(g, d, cols, dxg);
  };
  run_chunks(worth_threads(g, d), g.N * g.groups, task);
}

namespace {

/**
 * Whether the weight gradient runs as one chain per output (weight_grad_chained): where its
 * output has enough tiles of 8 x 32 to share out (a fixed tile, not the ISA's, so that every ISA
 * takes the same path and gives the same bits). Smaller outputs keep the runs of images, whose
 * slots give the pool work over images instead.
 */
constexpr int64_t kChainMinTiles = 16;
bool chained_pays(const Dims& d) { return ((d.Og + 7) / 8) * ((d.CK + 31) / 32) >= kChainMinTiles; }

/** Bytes of one column block's gradient and packed columns, sized to stay in L2 across the images. */
constexpr int64_t kChainBlockBytes = int64_t(1) << 19;

#if defined(__x86_64__)
/**
 * weight_grad_chained's sums on AVX-512 with the output channels in the lanes (conv_rows_wgrad):
 * dw[g]^T (CK x Og) = cols(x) . gy^T, the column matrix read in place from each zero-padded image
 * (row k at tap k's offset, any stride) and broadcast, against gy transposed into 32-channel
 * panels once per image. No column packing (its gathers took 6-12% of the time) and a tile of
 * 12 taps x 32 channels (measured 1 thread, batch 16: AlexNet's conv2-5 89-94 -> 96-107 GFLOP/s).
 * The same chains, so the same bits.
 */
void weight_grad_rows(const ConvGeometry& g, const Dims& d, const float* x, const float* gy, float* dw, int64_t chunks, double* bias_sums) {
  const int64_t Hp = padded_rows(g), Wp = padded_cols(g), padded = d.Cg * Hp * Wp;
  const int64_t images = g.N * g.groups;
  const bool parallel = worth_threads(g, d);
  const int64_t panels = (d.Og + kRowsBlock - 1) / kRowsBlock, Opad = panels * kRowsBlock;
  thread_local FloatBuffer padded_batch, transposed_gy, transposed_dw;  // per calling thread; the pool's threads read them
  float* xpad = padded_batch.get(images * padded);
  float* gyT = transposed_gy.get(images * Opad * d.L);
  float* dwT = transposed_dw.get(g.groups * d.CK * Opad);
  // By runs of images (as the bias sums): each image padded and its gy transposed, and the bias
  // sums taken from the transposed panels while they are in cache (gy is read once).
  run_chunks(parallel, chunks * g.groups, [&](int64_t u, int) {
    const int64_t chunk = u / g.groups, gr = u % g.groups;
    const int64_t n0 = chunk * g.N / chunks, n1 = (chunk + 1) * g.N / chunks;
    for (int64_t n = n0; n < n1; n++) {
      const int64_t t = n * g.groups + gr;
      pad_image(g, d, x + t * d.Cg * d.HW, Hp, Wp, xpad + t * padded);
      const float* src = gy + t * d.Og * d.L;
      float* dst = gyT + t * Opad * d.L;
      for (int64_t p = 0; p < panels; p++) {
        const int64_t o0 = p * kRowsBlock, oc = std::min(kRowsBlock, d.Og - o0);
        float* panel = dst + p * d.L * kRowsBlock;
        if (oc < kRowsBlock) std::memset(panel, 0, d.L * kRowsBlock * sizeof(float));
        // 8 x 8 register transposes, the channels and positions past whole blocks of 8 one by one.
        const int64_t oc8 = oc / 8 * 8, L8 = d.L / 8 * 8;
        for (int64_t l = 0; l < L8; l += 8)
          for (int64_t j = 0; j < oc8; j += 8) transpose8(src + (o0 + j) * d.L + l, d.L, panel + l * kRowsBlock + j, kRowsBlock);
        for (int64_t j = 0; j < oc; j++)
          for (int64_t l = j < oc8 ? L8 : 0; l < d.L; l++) panel[l * kRowsBlock + j] = src[(o0 + j) * d.L + l];
        if (bias_sums) {
          // Each channel's chain in position order, as bias_run's.
          double* bsum = bias_sums + chunk * g.O + gr * d.Og + o0;
          double acc[kRowsBlock];
          for (int64_t j = 0; j < kRowsBlock; j++) acc[j] = j < oc ? bsum[j] : 0.0;
          for (int64_t l = 0; l < d.L; l++)
            for (int64_t j = 0; j < kRowsBlock; j++) acc[j] += panel[l * kRowsBlock + j];
          for (int64_t j = 0; j < oc; j++) bsum[j] = acc[j];
        }
      }
    }
  });
  std::vector<int64_t> offs(d.CK);
  for (int64_t k = 0; k < d.CK; k++) {
    const int64_t c = k / (g.kH * g.kW), r = k % (g.kH * g.kW);
    offs[k] = c * Hp * Wp + (r / g.kW) * g.dH * Wp + (r % g.kW) * g.dW;
  }
  const RowsWgrad sum{g.oH, g.oW, g.sH * Wp, g.sW};
  // Blocks of taps: a block's dw^T within kChainBlockBytes (it stays in L2 across the images),
  // as many blocks as threads at least.
  const int threads = parallel ? num_threads() : 1;
  const int64_t fit = std::max<int64_t>(12, kChainBlockBytes / (4 * Opad) / 12 * 12);
  int64_t blocks = std::max<int64_t>((d.CK + fit - 1) / fit, (threads + g.groups - 1) / g.groups);
  blocks = std::min(d.CK, (blocks + threads - 1) / threads * threads);
  auto task = [&](int64_t t, int) {
    const int64_t gr = t / blocks, b = t % blocks;
    const int64_t k0 = b * d.CK / blocks, k1 = (b + 1) * d.CK / blocks;
    float* out = dwT + gr * d.CK * Opad;
    for (int64_t n = 0; n < g.N; n++) {
      const int64_t ng = n * g.groups + gr;
      for (int64_t p = 0; p < panels; p++)
        conv_rows_wgrad(sum, xpad + ng * padded, offs.data(), k0, k1, gyT + (ng * Opad + p * kRowsBlock) * d.L, out + p * kRowsBlock, Opad, n > 0);
    }
  };
  run_chunks(parallel, g.groups * blocks, task);
  // dw^T back to dw in runs of 64 taps, shared out over the pool.
  const int64_t runs = (d.CK + 63) / 64;
  run_chunks(parallel, g.groups * runs, [&](int64_t t, int) {
    const int64_t gr = t / runs, k0 = t % runs * 64, k1 = std::min(d.CK, k0 + 64);
    const float* src = dwT + gr * d.CK * Opad;
    float* dst = dw + gr * d.Og * d.CK;
    for (int64_t o = 0; o < d.Og; o++)
      for (int64_t k = k0; k < k1; k++) dst[o * d.CK + k] = src[k * Opad + o];
  });
}
#endif

/**
 * dw[g] (Og x CK) = sum over images n, then positions l, of gy[n, g] (Og x L) . cols(x[n, g])^T
 * as one fused multiply-add chain per output in (n, l) order: the product of all images is one
 * GEMM with K = N * L, accumulated into dw image after image. Tasks own blocks of dw's columns
 * (and rows where those are too few), so the result does not depend on the split, and no
 * per-run slots are written and summed (at 16 images, AlexNet's conv2-5 wrote and read back
 * 16 slots of 2-5 MiB each, beyond the caches). Returns whether it also took the bias sums
 * (bias_sums[chunk][O], runs of images as conv2d_weight_grad's).
 */
bool weight_grad_chained(const ConvGeometry& g, const Dims& d, const float* x, const float* gy, float* dw, int64_t chunks, double* bias_sums) {
#if defined(__x86_64__)
  if (cpu_isa() == Isa::Avx512 && g.N > 0) return weight_grad_rows(g, d, x, gy, dw, chunks, bias_sums), true;
#endif
  const MicroKernel& mk = micro_kernel();
  const int64_t Hp = padded_rows(g), Wp = padded_cols(g), padded = d.Cg * Hp * Wp;
  const bool gather = mk.nr == 32 && cpu_isa() == Isa::Avx512 && padded < (int64_t(1) << 31);
  const bool parallel = worth_threads(g, d);
  // Every image (group) padded once, for all tasks' gathers.
  thread_local FloatBuffer padded_batch;  // per calling thread; the pool's threads read it
  float* xpad = gather ? padded_batch.get(g.N * g.groups * padded) : nullptr;
  if (gather)
    run_chunks(parallel, g.N * g.groups, [&](int64_t t, int) {
      pad_image(g, d, x + t * d.Cg * d.HW, Hp, Wp, xpad + t * padded);
    });
  // Every image's gy (group) packed once into the micro-kernel's row panels, for all tasks.
  const int64_t apanel = packed_a_size(d.Og, d.L, mk.mr);
  thread_local FloatBuffer packed_gy;
  float* gyp = packed_gy.get(g.N * g.groups * apanel);
  run_chunks(parallel, g.N * g.groups, [&](int64_t t, int) { pack_a_panels(Strided{gy + t * d.Og * d.L, d.L, 1}, d.Og, d.L, mk.mr, gyp + t * apanel); });
  // Column blocks: a block of dw and one image's packed columns within kChainBlockBytes, as many
  // blocks as threads at least; rows split too where the columns give too few.
  const int threads = parallel ? num_threads() : 1;
  const int64_t panels = (d.CK + mk.nr - 1) / mk.nr;
  const int64_t fit = std::max<int64_t>(1, kChainBlockBytes / (4 * (d.L + d.Og) * mk.nr));
  int64_t col_tasks = std::min(panels, std::max<int64_t>((panels + fit - 1) / fit, (threads + g.groups - 1) / g.groups));
  col_tasks = std::min(panels, (col_tasks + threads - 1) / threads * threads);
  const int64_t panels_per = (panels + col_tasks - 1) / col_tasks;
  col_tasks = (panels + panels_per - 1) / panels_per;
  const int64_t row_panels = (d.Og + mk.mr - 1) / mk.mr;
  const int64_t row_tasks = std::min(row_panels, std::max<int64_t>(1, 2 * threads / (col_tasks * g.groups)));
  const int64_t rows_per = (row_panels + row_tasks - 1) / row_tasks * mk.mr;
  const int64_t row_blocks = (d.Og + rows_per - 1) / rows_per;
  auto task = [&](int64_t t, int thread) {
    const int64_t cb = t % col_tasks, rb = (t / col_tasks) % row_blocks, gr = t / (col_tasks * row_blocks);
    const int64_t k0 = cb * panels_per * mk.nr, k1 = std::min(d.CK, k0 + panels_per * mk.nr);
    const int64_t o0 = rb * rows_per, o1 = std::min(d.Og, o0 + rows_per);
    float* bp = thread_buffer(thread, 1).get(packed_b_size(d.L, k1 - k0, mk.nr));
    float* out = dw + (gr * d.Og + o0) * d.CK + k0;
    if (g.N == 0)
      for (int64_t o = o0; o < o1; o++) std::memset(out + (o - o0) * d.CK, 0, (k1 - k0) * sizeof(float));
    for (int64_t n = 0; n < g.N; n++) {
      const int64_t ng = n * g.groups + gr;
#if defined(__x86_64__)
      if (gather) pack_cols_t_avx512(g, d, xpad + ng * padded, Hp, Wp, k0, k1, bp);
      else
#endif
        pack_cols_t(g, d, x + ng * d.Cg * d.HW, k0, k1, mk.nr, bp);
      gemm_prepacked(mk, o1 - o0, k1 - k0, d.L, gyp + ng * apanel + o0 * d.L, bp, out, d.CK, n > 0);
    }
  };
  run_chunks(parallel, g.groups * row_blocks * col_tasks, task);
  return false;
}

}  // namespace

void conv2d_weight_grad(const ConvGeometry& g, const float* x, const float* gy, float* dw, float* db) {
  const Dims d = dims(g);
  const MicroKernel& mk = micro_kernel();
  const int64_t chunks = std::max<int64_t>(1, std::min(g.N, kWeightGradChunks));
  const int64_t per = d.Og * d.CK;  // one group's weight gradient
  const int64_t slot = g.groups * per;
  thread_local FloatBuffer partials_buffer;  // per calling thread (a Node worker may run kernels too)
  thread_local std::vector<double> bias_partials;
  if (db) bias_partials.assign(chunks * g.O, 0.0);
  // A pointer, not the name: inside the tasks a thread_local's name means the worker's own.
  double* bias_sums = db ? bias_partials.data() : nullptr;
  /** The bias gradient's run of images `chunk` (group gr) into bias_sums, in float64. */
  auto bias_run = [&](int64_t chunk, int64_t gr) {
    const int64_t n0 = chunk * g.N / chunks, n1 = (chunk + 1) * g.N / chunks;
    double* bsum = bias_sums + chunk * g.O + gr * d.Og;
    for (int64_t n = n0; n < n1; n++) {
      const float* gyg = gy + (n * g.O + gr * d.Og) * d.L;
      // Eight channels' chains side by side (one chain alone waits on each add's latency); each
      // chain's order is unchanged.
      int64_t o = 0;
      for (; o + 8 <= d.Og; o += 8) {
        double s[8];
        for (int j = 0; j < 8; j++) s[j] = bsum[o + j];
        for (int64_t l = 0; l < d.L; l++)
          for (int j = 0; j < 8; j++) s[j] += gyg[(o + j) * d.L + l];
        for (int j = 0; j < 8; j++) bsum[o + j] = s[j];
      }
      for (; o < d.Og; o++) {
        double s = bsum[o];
        for (int64_t l = 0; l < d.L; l++) s += gyg[o * d.L + l];
        bsum[o] = s;
      }
    }
  };
  float* partials = partials_buffer.get(chunks * slot);  // address space only, until a path writes it
  const bool winograd = winograd_chosen(g, winograd_weight_grad_pays(g)) && conv2d_winograd_weight_grad(g, x, gy, dw);
  const bool direct = !winograd && direct_pays() && conv2d_direct_weight_grad(g, x, gy, chunks, partials, bias_sums);
  if (winograd) {
    if (db) run_chunks(worth_threads(g, d), chunks * g.groups, [&](int64_t t, int) { bias_run(t / g.groups, t % g.groups); });
  } else if (!direct && chained_pays(d)) {
    const bool bias_done = weight_grad_chained(g, d, x, gy, dw, chunks, bias_sums);
    if (db && !bias_done) run_chunks(worth_threads(g, d), chunks * g.groups, [&](int64_t t, int) { bias_run(t / g.groups, t % g.groups); });
  } else {
    if (!direct) {
      // AVX-512 packs by gathers from a padded copy where its offsets fit in 32 bits.
      const int64_t Hp = padded_rows(g), Wp = padded_cols(g);
      const bool gather = mk.nr == 32 && cpu_isa() == Isa::Avx512 && d.L > 0 && d.Cg * Hp * Wp < (int64_t(1) << 31);
      auto task = [&](int64_t t, int thread) {
        const int64_t chunk = t / g.groups, gr = t % g.groups;
        const int64_t n0 = chunk * g.N / chunks, n1 = (chunk + 1) * g.N / chunks;
        float* out = partials + chunk * slot + gr * per;
        float* bp = thread_buffer(thread, 1).get(packed_b_size(d.L, d.CK, mk.nr));
        float* xp = gather ? thread_buffer(thread, 2).get(d.Cg * Hp * Wp) : nullptr;
        if (n0 == n1) std::memset(out, 0, per * sizeof(float));  // no images: a zero gradient
        for (int64_t n = n0; n < n1; n++) {
          const float* gyg = gy + (n * g.O + gr * d.Og) * d.L;
          const float* xg = x + (n * g.C + gr * d.Cg) * d.HW;
#if defined(__x86_64__)
          if (gather) {
            pad_image(g, d, xg, Hp, Wp, xp);
            pack_cols_t_avx512(g, d, xp, Hp, Wp, 0, d.CK, bp);
          } else
#endif
            pack_cols_t(g, d, xg, 0, d.CK, mk.nr, bp);
          gemm_packed(mk, d.Og, d.CK, d.L, Strided{gyg, d.L, 1}, bp, out, d.CK, n > n0, thread);
        }
        if (db) bias_run(chunk, gr);
      };
      run_chunks(worth_threads(g, d), chunks * g.groups, task);
    }
    // Slots added in chunk order (each element's order is fixed; the split over elements is free).
    std::memcpy(dw, partials, slot * sizeof(float));
    for (int64_t c = 1; c < chunks; c++) {
      const float* p = partials + c * slot;
      for (int64_t i = 0; i < slot; i++) dw[i] += p[i];
    }
  }
  if (db) {
    for (int64_t o = 0; o < g.O; o++) {
      double s = 0;
      for (int64_t c = 0; c < chunks; c++) s += bias_sums[c * g.O + o];
      db[o] = static_cast<float>(s);
    }
  }
}

}  // namespace dlab
