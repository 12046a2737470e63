// Convolution through im2col and gemm, as jobs of one image per chunk (the weight gradient's: a
// fixed run of images, see convWeightGradJob): the forward pass and both backward passes run im2col on a tile of output rows into this thread's column buffer and
// multiply it there, so the [N, C*kH*kW, L] column tensor is never built (LeNet's first layer
// would make 5 MB of it per step) and the tile stays in cache between the copy and the product.
// The geometry and field layout are in conv-geometry.ts.

import { sgemm } from './gemm';
import { im2colRows, col2imRows } from './im2col';
import { claim } from './claim';
import {
  COL_TILE_FLOATS, F_A0, F_A1, F_A2, F_A3, F_A4, decode, at, addRowSums, chunkImages, weightGradSlot, work, gemmScratch,
  N, C, H, W, O, G, kH, kW, sH, sW, pH, pW, dH, dW, outH, outW, Cg, Og, K, L, HW, padded,
} from './conv-geometry';

/** Output rows per column tile, for the current job. */
let tileRows: i32;
let cols: usize;

function setUp(job: usize, scratch: usize): void {
  decode(job, scratch);
  tileRows = max(1, min(outH, COL_TILE_FLOATS / (K * outW)));
  cols = work;
}

/** The column tile of an image's group (its first channel plane at `image`) for output rows [oh0, oh1). */
function tileIm2col(image: usize, oh0: i32, oh1: i32): void {
  if (padded) memory.fill(cols, 0, <usize>(K * (oh1 - oh0) * outW) * 4);
  im2colRows(image, cols, Cg, H, W, kH, kW, sH, sW, pH, pW, dH, dW, outW, oh0, oh1);
}

/** y[n] = w * x[n] (+ bias): fields x, w, bias (0 for none), y. */
export function convForwardJob(job: usize, counter: usize, scratch: usize): void {
  setUp(job, scratch);
  const x = load<u32>(job, F_A0), w = load<u32>(job, F_A1), bias = load<u32>(job, F_A2), y = load<u32>(job, F_A3);
  for (let n = claim(counter); n < N; n = claim(counter)) {
    for (let grp = 0; grp < G; grp++) {
      const wg = w + <usize>(grp * Og * K) * 4;
      for (let oh0 = 0; oh0 < outH; oh0 += tileRows) {
        const oh1 = min(outH, oh0 + tileRows);
        const lt = (oh1 - oh0) * outW;
        tileIm2col(at(x, n, C, grp * Cg, HW), oh0, oh1);
        const out = at(y, n, O, grp * Og, L) + <usize>(oh0 * outW) * 4;
        // With a bias, C starts as the bias and the product accumulates onto it.
        if (bias != 0) {
          for (let o = 0; o < Og; o++) {
            const b = load<f32>(bias + <usize>(grp * Og + o) * 4);
            const row = out + <usize>(o * L) * 4;
            let j = 0;
            for (; j + 4 <= lt; j += 4) v128.store(row + <usize>j * 4, f32x4.splat(b));
            for (; j < lt; j++) store<f32>(row + <usize>j * 4, b);
          }
        }
        sgemm(K, wg, K, 1, cols, lt, 1, out, L, 0, Og, 0, lt, gemmScratch, bias != 0);
      }
    }
  }
}

/** gx[n] = w^T gy[n], folded back (the adjoint in x): fields gy, w, gx. */
export function convInputGradJob(job: usize, counter: usize, scratch: usize): void {
  setUp(job, scratch);
  const gy = load<u32>(job, F_A0), w = load<u32>(job, F_A1), gx = load<u32>(job, F_A2);
  for (let n = claim(counter); n < N; n = claim(counter)) {
    memory.fill(at(gx, n, C, 0, HW), 0, <usize>(C * HW) * 4);
    for (let grp = 0; grp < G; grp++) {
      const wg = w + <usize>(grp * Og * K) * 4;
      for (let oh0 = 0; oh0 < outH; oh0 += tileRows) {
        const oh1 = min(outH, oh0 + tileRows);
        const lt = (oh1 - oh0) * outW;
        const src = at(gy, n, O, grp * Og, L) + <usize>(oh0 * outW) * 4;
        sgemm(Og, wg, 1, K, src, L, 1, cols, lt, 0, K, 0, lt, gemmScratch, false);
        col2imRows(cols, at(gx, n, C, grp * Cg, HW), Cg, H, W, kH, kW, sH, sW, pH, pW, dH, dW, outW, oh0, oh1);
      }
    }
  }
}

/**
 * gw = the sum of gy[n] cols[n]^T over a chunk's images, and gb = the sums of gy[n]'s rows:
 * fields x, gy, partials, chunks, with bias (0/1). Chunk c covers images chunkImages(c) and
 * writes slot c of partials (O*K weight floats, then O bias floats); the caller adds the slots
 * up in order. Which thread runs a chunk changes nothing, so neither do the thread count or timing.
 */
export function convWeightGradJob(job: usize, counter: usize, scratch: usize): void {
  setUp(job, scratch);
  const x = load<u32>(job, F_A0), gy = load<u32>(job, F_A1), partials = load<u32>(job, F_A2);
  const chunks = load<i32>(job, F_A3);
  const withBias = load<i32>(job, F_A4) != 0;
  for (let c = claim(counter); c < chunks; c = claim(counter)) {
    const gw = weightGradSlot(partials, c);
    for (let n = chunkImages(c, chunks); n < chunkImages(c + 1, chunks); n++) {
      for (let grp = 0; grp < G; grp++) {
        for (let oh0 = 0; oh0 < outH; oh0 += tileRows) {
          const oh1 = min(outH, oh0 + tileRows);
          const lt = (oh1 - oh0) * outW;
          tileIm2col(at(x, n, C, grp * Cg, HW), oh0, oh1);
          const src = at(gy, n, O, grp * Og, L) + <usize>(oh0 * outW) * 4;
          sgemm(lt, src, L, 1, cols, 1, lt, gw + <usize>(grp * Og * K) * 4, K, 0, Og, 0, K, gemmScratch, true);
        }
      }
      if (withBias) addRowSums(gw + <usize>(O * K) * 4, gy, n);
    }
  }
}
