// The geometry of a convolution job, decoded once per thread from the job block for both
// algorithms (im2col + gemm in im2col-conv.ts, direct in direct-conv.ts).
//
// Geometry (i32 fields of the job after its kind, as Window2d in src/backend/backend.ts):
//   N C H W O groups kH kW sH sW pH pW dH dW outH outW, then the kind's addresses.
// x [N, C, H, W], w [O, C/groups, kH, kW], y [N, O, outH, outW], all contiguous float32.

import { gemmScratchBytes } from './gemm';

/** Floats of the per-thread work area after the gemm scratch (a column tile, or the direct kernels' tables). */
export const COL_TILE_FLOATS: i32 = 1 << 18;

// Byte offsets of the kind's address fields in the job block.
export const F_A0 = 68, F_A1 = 72, F_A2 = 76, F_A3 = 80, F_A4 = 84;

// Module globals belong to this thread's instance, so they are thread-local and nothing is allocated.
export let N: i32, C: i32, H: i32, W: i32, O: i32, G: i32, kH: i32, kW: i32;
export let sH: i32, sW: i32, pH: i32, pW: i32, dH: i32, dW: i32, outH: i32, outW: i32;
/** Channels in and out per group, the reduction length K = Cg*kH*kW, positions L, plane H*W. */
export let Cg: i32, Og: i32, K: i32, L: i32, HW: i32;
/** Whether some window reads padding. */
export let padded: bool;
/** This thread's gemm scratch, and its work area (COL_TILE_FLOATS floats) after it. */
export let gemmScratch: usize, work: usize;

export function decode(job: usize, scratch: usize): void {
  N = load<i32>(job, 4); C = load<i32>(job, 8); H = load<i32>(job, 12); W = load<i32>(job, 16);
  O = load<i32>(job, 20); G = load<i32>(job, 24); kH = load<i32>(job, 28); kW = load<i32>(job, 32);
  sH = load<i32>(job, 36); sW = load<i32>(job, 40); pH = load<i32>(job, 44); pW = load<i32>(job, 48);
  dH = load<i32>(job, 52); dW = load<i32>(job, 56); outH = load<i32>(job, 60); outW = load<i32>(job, 64);
  Cg = C / G;
  Og = O / G;
  K = Cg * kH * kW;
  L = outH * outW;
  HW = H * W;
  padded = pH > 0 || pW > 0 || (outH - 1) * sH + (kH - 1) * dH >= H || (outW - 1) * sW + (kW - 1) * dW >= W;
  gemmScratch = scratch;
  work = scratch + <usize>gemmScratchBytes();
}

/** Byte address of image n, channel c of an [N, channels, plane] tensor at base. */
// @ts-ignore: decorator
@inline export function at(base: usize, n: i32, channels: i32, c: i32, plane: i32): usize {
  return base + <usize>((n * channels + c) * plane) * 4;
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

/** gb[o] += the sum of gy[n]'s row o, for every output channel o (the bias gradient of image n). */
export function addRowSums(gb: usize, gy: usize, n: i32): void {
  for (let o = 0; o < O; o++) store<f32>(gb + <usize>o * 4, load<f32>(gb + <usize>o * 4) + rowSum(at(gy, n, O, o, L), L));
}

/**
 * The first image of chunk c when the weight gradient's N images are cut into `chunks` runs
 * of consecutive images (as evenly as they go); chunkImages(chunks) is N.
 */
// @ts-ignore: decorator
@inline export function chunkImages(c: i32, chunks: i32): i32 {
  return <i32>(<i64>c * N / chunks);
}

/** The weight gradient's slot of chunk c (O*K weight floats, then O bias floats), zeroed. */
export function weightGradSlot(partials: usize, c: i32): usize {
  const bytes = <usize>(O * K + O) * 4;
  const slot = partials + <usize>c * bytes;
  memory.fill(slot, 0, bytes);
  return slot;
}

/** Bytes of scratch one thread needs for any job: the gemm's packing buffers and the work area. */
export function threadScratchBytes(): i32 {
  return gemmScratchBytes() + COL_TILE_FLOATS * 4;
}
