// Direct convolution: the forward pass and the weight gradient without im2col or gemm packing.
// Small convolutions (LeNet's: 6 or 16 channels, 25 or 150 taps) spend more time copying
// columns into sgemm's packed strips than multiplying them. Here a micro-kernel keeps a tile
// of 4 output positions x 8 channels in registers and reads the input in place: tap k of
// position p sits at the window corner of p plus a fixed offset, so two tables of byte offsets
// (taps, window corners) replace the column matrix. Padding is handled by copying the image
// into a zero-bordered plane; stride, dilation and groups are only different offsets. The
// weights are packed once per job into blocks of 8 output channels.
//
// Jobs split by image (the weight gradient by fixed runs of images) like the im2col jobs
// (im2col-conv.ts) and share their fields.

import { madd } from './simd';
import { claim } from './claim';
import {
  COL_TILE_FLOATS, F_A0, F_A1, F_A2, F_A3, F_A4, decode, at, addRowSums, chunkImages, weightGradSlot, work,
  N, C, H, W, O, G, kH, kW, sH, sW, pH, pW, dH, dW, outH, outW, Cg, Og, K, L, HW, padded,
} from './conv-geometry';

/** Output channels per block: two f32x4 of accumulators per position. */
const OB: i32 = 8;

/** The plane the windows read: the zero-bordered copy when padded, else the image itself. */
let srcH: i32, srcW: i32;
/** Blocks of OB output channels per group. */
let blocks: i32;
// This thread's work area: tap offsets (K i32), window corners (L i32), the padded copy of one
// image's group, then packed weights and bias (forward) or gy transposed (weight gradient).
let offsets: usize, corners: usize, plane: usize, packed: usize, packedBias: usize, gyT: usize;

// @ts-ignore: decorator
@inline function align64(bytes: usize): usize {
  return (bytes + 63) & ~(<usize>63);
}

/** Lay out the work area for the current job; returns its end. */
function layOut(forward: bool): usize {
  // The windows reach rows 0 .. (outH-1)*sH + (kH-1)*dH of the padded image; the image sits at pH.
  srcH = padded ? max(pH + H, (outH - 1) * sH + (kH - 1) * dH + 1) : H;
  srcW = padded ? max(pW + W, (outW - 1) * sW + (kW - 1) * dW + 1) : W;
  blocks = (Og + OB - 1) / OB;
  let p = work;
  offsets = p;
  p = align64(p + <usize>K * 4);
  corners = p;
  p = align64(p + <usize>L * 4);
  plane = p;
  if (padded) p = align64(p + <usize>(Cg * srcH * srcW) * 4);
  if (forward) {
    packed = p;
    p = align64(p + <usize>(G * blocks * K * OB) * 4);
    packedBias = p;
    p = align64(p + <usize>(G * blocks * OB) * 4);
  } else {
    gyT = p;
    p = align64(p + <usize>(blocks * L * OB) * 4);
  }
  return p;
}

/** Whether the job's tables fit a thread's work area (else the im2col job runs it). */
export function directConvFits(job: usize, forward: bool): bool {
  decode(job, 0);
  return layOut(forward) - work <= <usize>COL_TILE_FLOATS * 4;
}

/** Fill the offset tables and zero the padded plane's border (image copies only write its inside). */
function setUp(job: usize, scratch: usize, forward: bool): void {
  decode(job, scratch);
  layOut(forward);
  let k = 0;
  for (let c = 0; c < Cg; c++) {
    for (let ki = 0; ki < kH; ki++) {
      for (let kj = 0; kj < kW; kj++) store<i32>(offsets + <usize>(k++) * 4, ((c * srcH + ki * dH) * srcW + kj * dW) * 4);
    }
  }
  let p = 0;
  for (let oh = 0; oh < outH; oh++) {
    for (let ow = 0; ow < outW; ow++) store<i32>(corners + <usize>(p++) * 4, (oh * sH * srcW + ow * sW) * 4);
  }
  if (padded) memory.fill(plane, 0, <usize>(Cg * srcH * srcW) * 4);
}

/** The plane the windows of an image's group read (its first channel at `image`). */
function source(image: usize): usize {
  if (!padded) return image;
  for (let c = 0; c < Cg; c++) {
    for (let r = 0; r < H; r++) {
      const from = image + <usize>((c * H + r) * W) * 4;
      const to = plane + <usize>((c * srcH + r + pH) * srcW + pW) * 4;
      let i = 0;
      for (; i + 4 <= W; i += 4) v128.store(to + <usize>i * 4, v128.load(from + <usize>i * 4));
      for (; i < W; i++) store<f32>(to + <usize>i * 4, load<f32>(from + <usize>i * 4));
    }
  }
  return plane;
}

/** Lanes [0, n) of v at p. */
// @ts-ignore: decorator
@inline function storeLanes(p: usize, v: v128, n: i32): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/**
 * Write (or add) a 4 x 4 block held by columns: a_j holds 4 rows' values of column j. Row r
 * goes to dst + r * rowBytes, its first `cols` values; rows at or after `rows` are dropped.
 */
// @ts-ignore: decorator
@inline function storeTransposed(
  a0: v128, a1: v128, a2: v128, a3: v128, dst: usize, rowBytes: usize, rows: i32, cols: i32, add: bool,
): void {
  const t0 = i32x4.shuffle(a0, a1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(a0, a1, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(a2, a3, 0, 4, 1, 5);
  const t3 = i32x4.shuffle(a2, a3, 2, 6, 3, 7);
  storeRow(i32x4.shuffle(t0, t2, 0, 1, 4, 5), dst, cols, add);
  if (rows > 1) storeRow(i32x4.shuffle(t0, t2, 2, 3, 6, 7), dst + rowBytes, cols, add);
  if (rows > 2) storeRow(i32x4.shuffle(t1, t3, 0, 1, 4, 5), dst + 2 * rowBytes, cols, add);
  if (rows > 3) storeRow(i32x4.shuffle(t1, t3, 2, 3, 6, 7), dst + 3 * rowBytes, cols, add);
}

// @ts-ignore: decorator
@inline function storeRow(v: v128, p: usize, cols: i32, add: bool): void {
  if (cols == 4) {
    v128.store(p, add ? f32x4.add(v128.load(p), v) : v);
    return;
  }
  if (add) {
    store<f32>(p, load<f32>(p) + f32x4.extract_lane(v, 0));
    if (cols > 1) store<f32>(p, load<f32>(p, 4) + f32x4.extract_lane(v, 1), 4);
    if (cols > 2) store<f32>(p, load<f32>(p, 8) + f32x4.extract_lane(v, 2), 8);
  } else storeLanes(p, v, cols);
}

/**
 * The weight of output channel o, input channel c, tap (ki, kj) in group grp. Flipped: w is the
 * [C, O/groups, kH, kW] weight of the convolution whose input gradient this job computes (with
 * stride 1 that gradient is a convolution of gy by the weight transposed and turned 180 degrees).
 */
// @ts-ignore: decorator
@inline function weightAt(w: usize, flip: bool, grp: i32, o: i32, c: i32, ki: i32, kj: i32): f32 {
  if (flip) return load<f32>(w + <usize>((((grp * Cg + c) * Og + o) * kH + kH - 1 - ki) * kW + kW - 1 - kj) * 4);
  return load<f32>(w + <usize>((((grp * Og + o) * Cg + c) * kH + ki) * kW + kj) * 4);
}

/**
 * The register tile, 4 rows x 8 channels: row i is init + the sum over the table's entries e_t
 * of x[b_i + e_t] * v_t, where v_t are 8-channel vectors 32 bytes apart from `vectors`. The
 * forward pass walks taps (b_i: four windows' corners, v_t: weights), the weight gradient walks
 * window corners (b_i: four taps, v_t: gy). The tile is then written (or added) transposed:
 * channel r's 4 values go to dst + r * rowBytes, the first `cols` of them, for r < rows.
 */
// @ts-ignore: decorator
@inline function tile4x8(
  table: usize, tableEnd: usize, vectors: usize, b0: usize, b1: usize, b2: usize, b3: usize,
  init0: v128, init1: v128, dst: usize, rowBytes: usize, rows: i32, cols: i32, add: bool,
): void {
  let a00 = init0, a01 = init1, a10 = init0, a11 = init1;
  let a20 = init0, a21 = init1, a30 = init0, a31 = init1;
  let e = table;
  let v = vectors;
  while (e < tableEnd) {
    const off = <usize>load<i32>(e);
    const v0 = v128.load(v);
    const v1 = v128.load(v, 16);
    const x0 = v128.load32_splat(b0 + off);
    a00 = madd(x0, v0, a00); a01 = madd(x0, v1, a01);
    const x1 = v128.load32_splat(b1 + off);
    a10 = madd(x1, v0, a10); a11 = madd(x1, v1, a11);
    const x2 = v128.load32_splat(b2 + off);
    a20 = madd(x2, v0, a20); a21 = madd(x2, v1, a21);
    const x3 = v128.load32_splat(b3 + off);
    a30 = madd(x3, v0, a30); a31 = madd(x3, v1, a31);
    e += 4;
    v += 32;
  }
  storeTransposed(a00, a10, a20, a30, dst, rowBytes, rows, cols, add);
  if (rows > 4) storeTransposed(a01, a11, a21, a31, dst + 4 * rowBytes, rowBytes, rows - 4, cols, add);
}

/**
 * y[n] = w * x[n] (+ bias), read in place: fields x, w, bias (0 for none), y, and flip (1: w is
 * the weight of the convolution whose input gradient this is, see weightAt; x is then gy).
 */
export function directForwardJob(job: usize, counter: usize, scratch: usize): void {
  setUp(job, scratch, true);
  const x = load<u32>(job, F_A0), w = load<u32>(job, F_A1), bias = load<u32>(job, F_A2), y = load<u32>(job, F_A3);
  const flip = load<i32>(job, F_A4) != 0;
  // Weights as [group][block][k][8 channels] and the bias as [group][block][8], zero past Og.
  for (let grp = 0; grp < G; grp++) {
    for (let b = 0; b < blocks; b++) {
      const dst = packed + <usize>((grp * blocks + b) * K * OB) * 4;
      for (let lane = 0; lane < OB; lane++) {
        const o = b * OB + lane;
        let k = 0;
        for (let c = 0; c < Cg; c++) {
          for (let ki = 0; ki < kH; ki++) {
            for (let kj = 0; kj < kW; kj++) {
              store<f32>(dst + <usize>((k++) * OB + lane) * 4, o < Og ? weightAt(w, flip, grp, o, c, ki, kj) : 0);
            }
          }
        }
        const bv: f32 = bias != 0 && o < Og ? load<f32>(bias + <usize>(grp * Og + o) * 4) : 0;
        store<f32>(packedBias + <usize>((grp * blocks + b) * OB + lane) * 4, bv);
      }
    }
  }
  const lastCorner = corners + <usize>(L - 1) * 4;
  const tapsEnd = offsets + <usize>K * 4;
  for (let n = claim(counter); n < N; n = claim(counter)) {
    for (let grp = 0; grp < G; grp++) {
      const src = source(at(x, n, C, grp * Cg, HW));
      for (let b = 0; b < blocks; b++) {
        const weights = packed + <usize>((grp * blocks + b) * K * OB) * 4;
        const bias0 = v128.load(packedBias + <usize>((grp * blocks + b) * OB) * 4);
        const bias1 = v128.load(packedBias + <usize>((grp * blocks + b) * OB) * 4, 16);
        const rows = min(OB, Og - b * OB);
        const out = at(y, n, O, grp * Og + b * OB, L);
        for (let q = 0; q < L; q += 4) {
          // Four positions (the last repeated past L), each the corner of its window.
          const c0 = corners + <usize>q * 4;
          const p0 = src + <usize>load<i32>(c0);
          const p1 = src + <usize>load<i32>(min(c0 + 4, lastCorner));
          const p2 = src + <usize>load<i32>(min(c0 + 8, lastCorner));
          const p3 = src + <usize>load<i32>(min(c0 + 12, lastCorner));
          // Channels are y's rows: tile row i (position q+i) goes down column q+i of 8 channel rows.
          tile4x8(offsets, tapsEnd, weights, p0, p1, p2, p3, bias0, bias1, out + <usize>q * 4, <usize>L * 4, rows, min(4, L - q), false);
        }
      }
    }
  }
}

/**
 * gw = the sum of gy[n] x[n]'s windows over a chunk's images, and gb = the sums of gy[n]'s rows,
 * read in place: fields x, gy, partials, chunks, with bias (0/1), as convWeightGradJob.
 */
export function directWeightGradJob(job: usize, counter: usize, scratch: usize): void {
  setUp(job, scratch, false);
  const x = load<u32>(job, F_A0), gy = load<u32>(job, F_A1), partials = load<u32>(job, F_A2);
  const chunks = load<i32>(job, F_A3);
  const withBias = load<i32>(job, F_A4) != 0;
  // gy transposed to [block][position][8 channels]; lanes past Og stay zero.
  memory.fill(gyT, 0, <usize>(blocks * L * OB) * 4);
  const lastTap = offsets + <usize>(K - 1) * 4;
  const cornersEnd = corners + <usize>L * 4;
  for (let c = claim(counter); c < chunks; c = claim(counter)) {
    const gw = weightGradSlot(partials, c);
    for (let n = chunkImages(c, chunks); n < chunkImages(c + 1, chunks); n++) {
      for (let grp = 0; grp < G; grp++) {
        const src = source(at(x, n, C, grp * Cg, HW));
        for (let o = 0; o < Og; o++) {
          const row = at(gy, n, O, grp * Og + o, L);
          const dst = gyT + <usize>(((o / OB) * L) * OB + (o % OB)) * 4;
          for (let p = 0; p < L; p++) store<f32>(dst + <usize>(p * OB) * 4, load<f32>(row + <usize>p * 4));
        }
        for (let b = 0; b < blocks; b++) {
          const grads = gyT + <usize>(b * L * OB) * 4;
          const rows = min(OB, Og - b * OB);
          const out = gw + <usize>((grp * Og + b * OB) * K) * 4;
          for (let k = 0; k < K; k += 4) {
            // Four taps (the last repeated past K): each a fixed offset from every window's corner.
            const t0 = offsets + <usize>k * 4;
            const s0 = src + <usize>load<i32>(t0);
            const s1 = src + <usize>load<i32>(min(t0 + 4, lastTap));
            const s2 = src + <usize>load<i32>(min(t0 + 8, lastTap));
            const s3 = src + <usize>load<i32>(min(t0 + 12, lastTap));
            // Channels are gw's rows: tile row i (tap k+i) is added down column k+i of 8 channel rows.
            const zero = f32x4.splat(0);
            tile4x8(corners, cornersEnd, grads, s0, s1, s2, s3, zero, zero, out + <usize>k * 4, <usize>K * 4, rows, min(4, K - k), true);
          }
        }
      }
      if (withBias) addRowSums(gw + <usize>(O * K) * 4, gy, n);
    }
  }
}
