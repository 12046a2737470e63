// Convolution as jobs, one image per chunk: the forward pass and both backward passes run
// im2col on a tile of output rows into this thread's column buffer and multiply it there, so
// the [N, C*kH*kW, L] column tensor is never built (LeNet's first layer would make 5 MB of it
// per step) and the tile stays in cache between the copy and the product.
//
// Geometry (i32 fields of the job after its kind, as Window2d in src/backend/backend.ts):
//   N C H W O groups kH kW sH sW pH pW dH dW outH outW, then the kind's addresses.
// x [N, C, H, W], w [O, C/groups, kH, kW], y [N, O, outH, outW], all contiguous float32.

import { sgemm, gemmScratchBytes } from './gemm';
import { im2colRows, col2imRows } from './conv';
import { claim } from './claim';

/** Floats of the per-thread column tile: the caller checks C/groups*kH*kW*outW fits. */
export const COL_TILE_FLOATS: i32 = 1 << 18;

// Field offsets (bytes) in the job block.
const F_N = 4, F_C = 8, F_H = 12, F_W = 16, F_O = 20, F_G = 24, F_KH = 28, F_KW = 32;
const F_SH = 36, F_SW = 40, F_PH = 44, F_PW = 48, F_DH = 52, F_DW = 56, F_OUTH = 60, F_OUTW = 64;
const F_A0 = 68, F_A1 = 72, F_A2 = 76, F_A3 = 80, F_A4 = 84;

// The geometry of the current job, decoded once per thread. Module globals belong to this
// thread's instance, so they are thread-local and nothing is allocated.
let N: i32, C: i32, H: i32, W: i32, O: i32, G: i32, kH: i32, kW: i32;
let sH: i32, sW: i32, pH: i32, pW: i32, dH: i32, dW: i32, outH: i32, outW: i32;
/** Channels in and out per group, the reduction length K = Cg*kH*kW, positions L, plane H*W. */
let Cg: i32, Og: i32, K: i32, L: i32, HW: i32;
/** Output rows per column tile. */
let tileRows: i32;
/** Whether some window reads padding (then the column tile is zeroed before im2col fills it). */
let padded: bool;
let cols: usize, gemmScratch: usize;

function decode(job: usize, scratch: usize): void {
  N = load<i32>(job, F_N); C = load<i32>(job, F_C); H = load<i32>(job, F_H); W = load<i32>(job, F_W);
  O = load<i32>(job, F_O); G = load<i32>(job, F_G); kH = load<i32>(job, F_KH); kW = load<i32>(job, F_KW);
  sH = load<i32>(job, F_SH); sW = load<i32>(job, F_SW); pH = load<i32>(job, F_PH); pW = load<i32>(job, F_PW);
  dH = load<i32>(job, F_DH); dW = load<i32>(job, F_DW); outH = load<i32>(job, F_OUTH); outW = load<i32>(job, F_OUTW);
  Cg = C / G;
  Og = O / G;
  K = Cg * kH * kW;
  L = outH * outW;
  HW = H * W;
  tileRows = max(1, min(outH, COL_TILE_FLOATS / (K * outW)));
  padded = pH > 0 || pW > 0 || (outH - 1) * sH + (kH - 1) * dH >= H || (outW - 1) * sW + (kW - 1) * dW >= W;
  gemmScratch = scratch;
  cols = scratch + <usize>gemmScratchBytes();
}

/** The column tile of an image's group (its first channel plane at `image`) for output rows [oh0, oh1). */
function tileIm2col(image: usize, oh0: i32, oh1: i32): void {
  if (padded) memory.fill(cols, 0, <usize>(K * (oh1 - oh0) * outW) * 4);
  im2colRows(image, cols, Cg, H, W, kH, kW, sH, sW, pH, pW, dH, dW, outW, oh0, oh1);
}

/** Byte address of image n, channel c of an [N, channels, plane] tensor at base. */
// @ts-ignore: decorator
@inline function at(base: usize, n: i32, channels: i32, c: i32, plane: i32): usize {
  return base + <usize>((n * channels + c) * plane) * 4;
}

/** y[n] = w * x[n] (+ bias): fields x, w, bias (0 for none), y. */
export function convForwardJob(job: usize, counter: usize, scratch: usize): void {
  decode(job, scratch);
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
  decode(job, scratch);
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
 * gw += gy[n] cols[n]^T over this thread's images, and gb += the sums of gy[n]'s rows: fields
 * x, gy, partials, slot counter, with bias (0/1). Each thread claims a slot of partials
 * (O*K weight floats, then O bias floats, zeroed by the caller), who adds the slots up.
 */
export function convWeightGradJob(job: usize, counter: usize, scratch: usize): void {
  decode(job, scratch);
  const x = load<u32>(job, F_A0), gy = load<u32>(job, F_A1), partials = load<u32>(job, F_A2);
  const slots = load<u32>(job, F_A3);
  const withBias = load<i32>(job, F_A4) != 0;
  let gw: usize = 0;
  for (let n = claim(counter); n < N; n = claim(counter)) {
    if (gw == 0) gw = partials + <usize>(claim(slots) * (O * K + O)) * 4;
    for (let grp = 0; grp < G; grp++) {
      for (let oh0 = 0; oh0 < outH; oh0 += tileRows) {
        const oh1 = min(outH, oh0 + tileRows);
        const lt = (oh1 - oh0) * outW;
        tileIm2col(at(x, n, C, grp * Cg, HW), oh0, oh1);
        const src = at(gy, n, O, grp * Og, L) + <usize>(oh0 * outW) * 4;
        sgemm(lt, src, L, 1, cols, 1, lt, gw + <usize>(grp * Og * K) * 4, K, 0, Og, 0, K, gemmScratch, true);
      }
    }
    if (withBias) {
      const gb = gw + <usize>(O * K) * 4;
      for (let o = 0; o < O; o++) store<f32>(gb + <usize>o * 4, load<f32>(gb + <usize>o * 4) + rowSum(at(gy, n, O, o, L), L));
    }
  }
}

/** Sum of n floats at p, four lanes at a time. */
function rowSum(p: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) acc = f32x4.add(acc, v128.load(p + <usize>i * 4));
  let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; i < n; i++) s += load<f32>(p + <usize>i * 4);
  return s;
}

/** Bytes of scratch one thread needs for any job: the gemm's packing buffers and a column tile. */
export function threadScratchBytes(): i32 {
  return gemmScratchBytes() + COL_TILE_FLOATS * 4;
}
