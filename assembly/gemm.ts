// f32 matrix product C = A B on raw pointers into linear memory (BLIS-style): B is packed in
// KC x NR strips, A in MR x KC strips, and a register-blocked MR x NR micro-kernel of f32x4
// accumulators runs over them. A and B are read through (row, column) strides, so every
// transpose form packs straight from the caller's layout. The caller (JS) owns all memory:
// nothing here allocates, so one module can run on several threads over one shared memory.

import { madd } from './simd';

// The micro-tile (see kernel3x12 and kernel4x8a): 3 x 12 with fused multiply-add, 4 x 8 without
// (the separate multiply needs a register for its product, which 3 x 12 does not have left).
export const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 3 : 4;
export const NR: i32 = ASC_FEATURE_RELAXED_SIMD ? 12 : 8;
const KC: i32 = 256;
const MC: i32 = 96; // a multiple of 3 and 4
const NC: i32 = 1032; // a multiple of 8 and 12
/** Widest range of C's columns for which a row-major A is read in place (see sgemm). */
const IN_PLACE_A_MAX_N: i32 = 256;

/** Bytes of scratch one thread needs: packed A block, packed B panel and an edge tile. */
export function gemmScratchBytes(): i32 {
  return (MC * KC + KC * NC + MR * NR) * 4;
}

/**
 * Read 4 rows of 4 floats (row i at src + i * srcStride) and write them transposed: output
 * row j (at dst + j * dstStride) holds element j of each input row.
 */
// @ts-ignore: decorator
@inline function transpose4(src: usize, srcStride: usize, dst: usize, dstStride: usize): void {
  const r0 = v128.load(src);
  const r1 = v128.load(src + srcStride);
  const r2 = v128.load(src + 2 * srcStride);
  const r3 = v128.load(src + 3 * srcStride);
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(dst, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
  v128.store(dst + dstStride, i32x4.shuffle(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * dstStride, i32x4.shuffle(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * dstStride, i32x4.shuffle(t1, t3, 2, 3, 6, 7));
}

/** Pack B[k0:k0+kc, j0:j0+nc] as NR-wide strips, zero-padded to a multiple of NR. */
function packB(b: usize, sbk: i32, sbn: i32, k0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  for (let j = 0; j < nc; j += NR) {
    const w = min(NR, nc - j);
    const strip = dst + <usize>(j * kc) * 4;
    if (w == NR && sbk == 1 && sbn != 1) {
      // B transposed (columns contiguous in k): 4 x 4 blocks, transposed in registers.
      const col = b + <usize>((k0 + (j0 + j) * sbn) * 4);
      const cs = <usize>sbn * 4;
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        const src = col + <usize>k * 4;
        const out = strip + <usize>(k * NR) * 4;
        transpose4(src, cs, out, NR * 4);
        transpose4(src + 4 * cs, cs, out + 16, NR * 4);
        if (NR == 12) transpose4(src + 8 * cs, cs, out + 32, NR * 4);
      }
      for (; k < kc; k++) {
        const src = col + <usize>k * 4;
        const out = strip + <usize>(k * NR) * 4;
        for (let c = 0; c < NR; c++) store<f32>(out + <usize>c * 4, load<f32>(src + <usize>c * cs));
      }
    } else if (w == NR && sbn == 1) {
      let src = b + <usize>((k0 * sbk + j0 + j) * 4);
      let out = strip;
      for (let k = 0; k < kc; k++) {
        v128.store(out, v128.load(src));
        v128.store(out, v128.load(src, 16), 16);
        if (NR == 12) v128.store(out, v128.load(src, 32), 32);
        src += <usize>sbk * 4;
        out += NR * 4;
      }
    } else {
      for (let c = 0; c < NR; c++) {
        let out = strip + <usize>c * 4;
        if (c < w) {
          let src = b + <usize>((k0 * sbk + (j0 + j + c) * sbn) * 4);
          for (let k = 0; k < kc; k++) {
            store<f32>(out, load<f32>(src));
            src += <usize>sbk * 4;
            out += NR * 4;
          }
        } else {
          for (let k = 0; k < kc; k++) {
            store<f32>(out, 0);
            out += NR * 4;
          }
        }
      }
    }
  }
}

/** Pack A[i0:i0+mc, k0:k0+kc] as MR-tall strips, zero-padded to a multiple of MR. */
function packA(a: usize, sam: i32, sak: i32, i0: i32, mc: i32, k0: i32, kc: i32, dst: usize): void {
  for (let i = 0; i < mc; i += MR) {
    const h = min(MR, mc - i);
    const strip = dst + <usize>(i * kc) * 4;
    if (h == MR && sam == 1 && MR == 4) {
      // A transposed: the MR values of one k are contiguous already.
      let src = a + <usize>((i0 + i) + k0 * sak) * 4;
      let out = strip;
      for (let k = 0; k < kc; k++) {
        v128.store(out, v128.load(src));
        src += <usize>sak * 4;
        out += MR * 4;
      }
      continue;
    }
    if (h == MR && sam == 1 && MR == 3 && kc > 1) {
      // The same with 3 values: each 4-wide copy writes one float past them (overwritten by
      // the next k); the last k is copied by scalars, so neither the read nor the write goes
      // past the operands.
      let src = a + <usize>((i0 + i) + k0 * sak) * 4;
      let out = strip;
      for (let k = 0; k < kc - 1; k++) {
        v128.store(out, v128.load(src));
        src += <usize>sak * 4;
        out += MR * 4;
      }
      store<f32>(out, load<f32>(src));
      store<f32>(out, load<f32>(src, 4), 4);
      store<f32>(out, load<f32>(src, 8), 8);
      continue;
    }
    if (h == MR && sak == 1) {
      // Rows contiguous in k: 4 x 4 blocks transposed in registers, or 3 rows x 4 k
      // interleaved into 12 packed floats.
      const row = a + <usize>((i0 + i) * sam + k0) * 4;
      const rs = <usize>sam * 4;
      let k = 0;
      if (MR == 4) {
        for (; k + 4 <= kc; k += 4) transpose4(row + <usize>k * 4, rs, strip + <usize>(k * MR) * 4, MR * 4);
      } else for (; k + 4 <= kc; k += 4) {
        const src = row + <usize>k * 4;
        const r0 = v128.load(src);
        const r1 = v128.load(src + rs);
        const r2 = v128.load(src + 2 * rs);
        const lo = i32x4.shuffle(r0, r1, 0, 4, 1, 5); // r0[0] r1[0] r0[1] r1[1]
        const hi = i32x4.shuffle(r0, r1, 2, 6, 3, 7); // r0[2] r1[2] r0[3] r1[3]
        const mid = i32x4.shuffle(r1, r2, 1, 5, 1, 5); // r1[1] r2[1] . .
        const out = strip + <usize>(k * MR) * 4;
        v128.store(out, i32x4.shuffle(lo, r2, 0, 1, 4, 2));
        v128.store(out, i32x4.shuffle(mid, hi, 0, 1, 4, 5), 16);
        v128.store(out, i32x4.shuffle(r2, hi, 2, 6, 7, 3), 32);
      }
      for (; k < kc; k++) {
        const out = strip + <usize>(k * MR) * 4;
        for (let r = 0; r < MR; r++) store<f32>(out + <usize>r * 4, load<f32>(row + <usize>r * rs + <usize>k * 4));
      }
      continue;
    }
    for (let r = 0; r < MR; r++) {
      let out = strip + <usize>r * 4;
      if (r < h) {
        let src = a + <usize>(((i0 + i + r) * sam + k0 * sak) * 4);
        for (let k = 0; k < kc; k++) {
          store<f32>(out, load<f32>(src));
          src += <usize>sak * 4;
          out += MR * 4;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          store<f32>(out, 0);
          out += MR * 4;
        }
      }
    }
  }
}

// @ts-ignore: decorator
@inline function tileStore(c: usize, v: v128, acc: bool): void {
  v128.store(c, acc ? f32x4.add(v128.load(c), v) : v);
}

/** The 3 x 12 micro-kernel: c (row stride ldc bytes) = or += pa-strip x pb-strip over kc. */
// @ts-ignore: decorator
@inline function kernel3x12(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, acc: bool): void {
  // 3 x 12: 9 accumulators, 3 B vectors and 3 broadcasts of A make 15 xmm registers, all V8
  // allocates on x64, and TurboFan hoists every load of an iteration to its top, so the loads
  // must fit beside the accumulators. The A values are broadcast straight from memory
  // (vbroadcastss, a load-port uop) rather than shuffled out of one A load: shuffles share
  // ports with the FMAs. In isolation (L1-resident strips, kc = 256) this kernel runs at 98%
  // of the FMA peak measured on the dev machine (45.6 of 46.4 GFLOP/s); 4 x 8 with shuffles
  // ran at 90%, 4 x 8 with broadcasts 92%, 2 x 16 93%, while 6 x 8, 5 x 8 and 4 x 12 (more
  // than 15 live vectors) spill and run at 57-68%. Unrolling k by 2 spilled too (71%):
  // TurboFan hoists all the unrolled loads. Inside sgemm (A strips streamed, packing, C
  // updates) the whole product reaches about 88% of the peak.
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c22 = f32x4.splat(0);
  const paEnd = pa + <usize>(kc * 3) * 4;
  while (pa < paEnd) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const b2 = v128.load(pb, 32);
    const a0 = v128.load32_splat(pa);
    c00 = madd(a0, b0, c00); c01 = madd(a0, b1, c01); c02 = madd(a0, b2, c02);
    const a1 = v128.load32_splat(pa, 4);
    c10 = madd(a1, b0, c10); c11 = madd(a1, b1, c11); c12 = madd(a1, b2, c12);
    const a2 = v128.load32_splat(pa, 8);
    c20 = madd(a2, b0, c20); c21 = madd(a2, b1, c21); c22 = madd(a2, b2, c22);
    pa += 12;
    pb += 48;
  }
  tileStore(c, c00, acc); tileStore(c + 16, c01, acc); tileStore(c + 32, c02, acc); c += ldc;
  tileStore(c, c10, acc); tileStore(c + 16, c11, acc); tileStore(c + 32, c12, acc); c += ldc;
  tileStore(c, c20, acc); tileStore(c + 16, c21, acc); tileStore(c + 32, c22, acc);
}

/**
 * kernel3x12 reading A in place instead of packed: row r of the strip at pa + r * ars, each
 * next k aks bytes further. For a row-major A (aks = 4) these are three contiguous streams, so
 * the strip needs no packing, and threads that split C by columns do not each pack all of A.
 * The three address adds make it ~2% slower per flop than the packed kernel.
 */
// @ts-ignore: decorator
@inline function kernel3x12a(kc: i32, pa: usize, ars: usize, aks: usize, pb: usize, c: usize, ldc: usize, acc: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c22 = f32x4.splat(0);
  const pa1 = pa + ars;
  const pa2 = pa + 2 * ars;
  const span = <usize>kc * aks;
  const paEnd = pa + span;
  let k: usize = 0;
  while (pa + k < paEnd) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const b2 = v128.load(pb, 32);
    const a0 = v128.load32_splat(pa + k);
    c00 = madd(a0, b0, c00); c01 = madd(a0, b1, c01); c02 = madd(a0, b2, c02);
    const a1 = v128.load32_splat(pa1 + k);
    c10 = madd(a1, b0, c10); c11 = madd(a1, b1, c11); c12 = madd(a1, b2, c12);
    const a2 = v128.load32_splat(pa2 + k);
    c20 = madd(a2, b0, c20); c21 = madd(a2, b1, c21); c22 = madd(a2, b2, c22);
    k += aks;
    pb += 48;
  }
  tileStore(c, c00, acc); tileStore(c + 16, c01, acc); tileStore(c + 32, c02, acc); c += ldc;
  tileStore(c, c10, acc); tileStore(c + 16, c11, acc); tileStore(c + 32, c12, acc); c += ldc;
  tileStore(c, c20, acc); tileStore(c + 16, c21, acc); tileStore(c + 32, c22, acc);
}

/**
 * The 4 x 8 micro-kernel, for builds without fused multiply-add, with A read through strides
 * as in kernel3x12a: a packed strip is the case ars = 4, aks = 16. 8 accumulators, 2 B vectors,
 * 4 broadcasts and the product of the multiply: 15 registers. Broadcasting from memory ran
 * 1.23x faster here than shuffling lanes out of one A load. (The relaxed builds keep a packed
 * 3 x 12 kernel beside the strided one: immediate offsets save three adds a step, ~2%.)
 */
// @ts-ignore: decorator
@inline function kernel4x8a(kc: i32, pa: usize, ars: usize, aks: usize, pb: usize, c: usize, ldc: usize, acc: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const pa1 = pa + ars;
  const pa2 = pa + 2 * ars;
  const pa3 = pa + 3 * ars;
  const paEnd = pa + <usize>kc * aks;
  let k: usize = 0;
  while (pa + k < paEnd) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const a0 = v128.load32_splat(pa + k);
    c00 = madd(a0, b0, c00); c01 = madd(a0, b1, c01);
    const a1 = v128.load32_splat(pa1 + k);
    c10 = madd(a1, b0, c10); c11 = madd(a1, b1, c11);
    const a2 = v128.load32_splat(pa2 + k);
    c20 = madd(a2, b0, c20); c21 = madd(a2, b1, c21);
    const a3 = v128.load32_splat(pa3 + k);
    c30 = madd(a3, b0, c30); c31 = madd(a3, b1, c31);
    k += aks;
    pb += 32;
  }
  tileStore(c, c00, acc); tileStore(c + 16, c01, acc); c += ldc;
  tileStore(c, c10, acc); tileStore(c + 16, c11, acc); c += ldc;
  tileStore(c, c20, acc); tileStore(c + 16, c21, acc); c += ldc;
  tileStore(c, c30, acc); tileStore(c + 16, c31, acc);
}

// @ts-ignore: decorator
@inline function kernelA(kc: i32, pa: usize, ars: usize, aks: usize, pb: usize, c: usize, ldc: usize, acc: bool): void {
  if (MR == 3) kernel3x12a(kc, pa, ars, aks, pb, c, ldc, acc);
  else kernel4x8a(kc, pa, ars, aks, pb, c, ldc, acc);
}

/**
 * The MR x NR micro-kernel of this build. Both kernels are inlined into sgemm: V8 then keeps
 * the broadcasts' address offsets out of the loop and drops two zero-extensions (19 instead
 * of 23 instructions an iteration for 3 x 12; sgemm 1-3% faster).
 */
// @ts-ignore: decorator
@inline function kernel(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, acc: bool): void {
  if (MR == 3) kernel3x12(kc, pa, pb, c, ldc, acc);
  else kernel4x8a(kc, pa, 4, 16, pb, c, ldc, acc);
}

/**
 * C[m0:m1, n0:n1] = A[m0:m1, :] B[:, n0:n1] for one matrix, or += when `accumulate`. a, b, c
 * are byte addresses; strides are in elements (C is row-major with row stride ldc). `scratch`
 * is this thread's gemmScratchBytes() area. Threads call this on disjoint blocks of C.
 */
export function sgemm(
  K: i32, a: usize, sam: i32, sak: i32, b: usize, sbk: i32, sbn: i32, c: usize, ldc: i32,
  m0: i32, m1: i32, n0: i32, n1: i32, scratch: usize, accumulate: bool = false,
): void {
  const pa = scratch;
  const pb = pa + <usize>(MC * KC) * 4;
  const tile = pb + <usize>(KC * NC) * 4;
  const ldcBytes = <usize>ldc * 4;
  if (K == 0) {
    if (accumulate) return;
    for (let i = m0; i < m1; i++) memory.fill(c + <usize>(i * ldc + n0) * 4, 0, <usize>(n1 - n0) * 4);
    return;
  }
  // A row-major over a narrow range of C's columns (Linear's forward, x W^T, split by columns
  // over threads): its strips are read in place, since each would be packed for only a few
  // column tiles (and once per thread). Across many columns packing pays for itself
  // (square 512: in place ran 2% slower; 64 x 784 x 128 ran 2% faster, 12% on 2 threads).
  const inPlaceA = sak == 1 && sam != 1 && n1 - n0 <= IN_PLACE_A_MAX_N;
  for (let jc = n0; jc < n1; jc += NC) {
    const nc = min(NC, n1 - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      const acc = accumulate || pc > 0;
      packB(b, sbk, sbn, pc, kc, jc, nc, pb);
      for (let ic = m0; ic < m1; ic += MC) {
        const mc = min(MC, m1 - ic);
        // A row-major: read in place (whole strips); only a partial last strip is packed.
        const full = inPlaceA ? mc - mc % MR : 0;
        if (!inPlaceA) packA(a, sam, sak, ic, mc, pc, kc, pa);
        else if (full < mc) packA(a, sam, sak, ic + full, mc - full, pc, kc, pa + <usize>(full * kc) * 4);
        for (let jr = 0; jr < nc; jr += NR) {
          const w = min(NR, nc - jr);
          const pbs = pb + <usize>(jr * kc) * 4;
          for (let ir = 0; ir < mc; ir += MR) {
            const h = min(MR, mc - ir);
            const pas = pa + <usize>(ir * kc) * 4;
            const ct = c + <usize>((ic + ir) * ldc + jc + jr) * 4;
            const row = a + <usize>((ic + ir) * sam + pc) * 4; // the strip's first row of A, read in place
            if (h == MR && w == NR) {
              if (ir < full) kernelA(kc, row, <usize>sam * 4, 4, pbs, ct, ldcBytes, acc);
              else kernel(kc, pas, pbs, ct, ldcBytes, acc);
            } else {
              // Edge tile: compute the full tile aside, then add the valid part.
              if (ir < full) kernelA(kc, row, <usize>sam * 4, 4, pbs, tile, NR * 4, false);
              else kernel(kc, pas, pbs, tile, NR * 4, false);
              for (let r = 0; r < h; r++) {
                for (let q = 0; q < w; q++) {
                  const dst = ct + <usize>(r * ldc + q) * 4;
                  const v = load<f32>(tile + <usize>(r * NR + q) * 4);
                  store<f32>(dst, acc ? load<f32>(dst) + v : v);
                }
              }
            }
          }
        }
      }
    }
  }
}
