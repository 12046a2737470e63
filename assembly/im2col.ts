// im2col / col2im for float32 on raw addresses (see Window2d in src/backend/backend.ts for the
// geometry; the js reference is src/backend/js/im2col.ts). The input is [N, C, H, W] contiguous.
// Rows are short (a LeNet row is 10-28 values), where JS pays a few nanoseconds per element in
// loop overhead; here a unit-stride row moves four lanes at a time, both ways.

/** First output column whose input column ow * s + base lies at or after 0. */
// @ts-ignore: decorator
@inline function lowCol(base: i32, s: i32): i32 {
  return base >= 0 ? 0 : (s - 1 - base) / s;
}

/** One past the last output column whose input column lies before size (at most out). */
// @ts-ignore: decorator
@inline function highCol(base: i32, s: i32, size: i32, out: i32): i32 {
  const span = size - 1 - base;
  return span < 0 ? 0 : min(out, span / s + 1);
}

/**
 * Walk every (c, ki, kj, oh) row segment of one image's window geometry, for the output rows
 * [oh0, oh1): im2col copies the input segment into its column row, col2im adds the column row
 * back onto the input segment. Column rows are (oh1 - oh0) * outW long. One walk serves both,
 * so their geometry cannot drift apart; `toCols` is a constant after inlining.
 */
// @ts-ignore: decorator
@inline function slideRows(
  toCols: bool, image: usize, cols: usize, C: i32, H: i32, W: i32, kH: i32, kW: i32,
  sH: i32, sW: i32, pH: i32, pW: i32, dH: i32, dW: i32, outW: i32, oh0: i32, oh1: i32,
): void {
  const L = (oh1 - oh0) * outW;
  for (let c = 0; c < C; c++) {
    const plane = image + <usize>(c * H * W) * 4;
    for (let ki = 0; ki < kH; ki++) {
      for (let kj = 0; kj < kW; kj++) {
        const row = cols + <usize>(((c * kH + ki) * kW + kj) * L) * 4;
        const iw0 = kj * dW - pW;
        const lo = lowCol(iw0, sW);
        const hi = highCol(iw0, sW, W, outW);
        if (hi <= lo) continue;
        for (let oh = oh0; oh < oh1; oh++) {
          const ih = oh * sH - pH + ki * dH;
          if (ih < 0 || ih >= H) continue; // padding: stays 0 in the columns, dropped on the way back
          const seg = plane + <usize>(ih * W + iw0) * 4;
          const col = row + <usize>((oh - oh0) * outW) * 4;
          if (toCols) copySegment(seg, col, lo, hi, sW);
          else addSegment(col, seg, lo, hi, sW);
        }
      }
    }
  }
}

/** cols[ow] = image[ow * s] for ow in [lo, hi). */
// @ts-ignore: decorator
@inline function copySegment(image: usize, cols: usize, lo: i32, hi: i32, s: i32): void {
  let ow = lo;
  if (s == 1) {
    // Four lanes at a time: V8 makes memory.copy an out-of-line call, too dear for ~28 floats.
    for (; ow + 4 <= hi; ow += 4) v128.store(cols + <usize>ow * 4, v128.load(image + <usize>ow * 4));
    for (; ow < hi; ow++) store<f32>(cols + <usize>ow * 4, load<f32>(image + <usize>ow * 4));
    return;
  }
  for (; ow < hi; ow++) store<f32>(cols + <usize>ow * 4, load<f32>(image + <usize>(ow * s) * 4));
}

/** image[ow * s] += cols[ow] for ow in [lo, hi), four lanes at a time where s is 1. */
// @ts-ignore: decorator
@inline function addSegment(cols: usize, image: usize, lo: i32, hi: i32, s: i32): void {
  let ow = lo;
  if (s == 1) {
    for (; ow + 4 <= hi; ow += 4) {
      const p = image + <usize>ow * 4;
      v128.store(p, f32x4.add(v128.load(p), v128.load(cols + <usize>ow * 4)));
    }
  }
  for (; ow < hi; ow++) {
    const p = image + <usize>(ow * s) * 4;
    store<f32>(p, load<f32>(p) + load<f32>(cols + <usize>ow * 4));
  }
}

/** im2col of one image's output rows [oh0, oh1) into cols (C*kH*kW rows of (oh1-oh0)*outW); cols pre-zeroed. */
export function im2colRows(
  image: usize, cols: usize, C: i32, H: i32, W: i32, kH: i32, kW: i32,
  sH: i32, sW: i32, pH: i32, pW: i32, dH: i32, dW: i32, outW: i32, oh0: i32, oh1: i32,
): void {
  slideRows(true, image, cols, C, H, W, kH, kW, sH, sW, pH, pW, dH, dW, outW, oh0, oh1);
}

/** col2im of the columns of one image's output rows [oh0, oh1), added onto the image. */
export function col2imRows(
  cols: usize, image: usize, C: i32, H: i32, W: i32, kH: i32, kW: i32,
  sH: i32, sW: i32, pH: i32, pW: i32, dH: i32, dW: i32, outW: i32, oh0: i32, oh1: i32,
): void {
  slideRows(false, image, cols, C, H, W, kH, kW, sH, sW, pH, pW, dH, dW, outW, oh0, oh1);
}

export function im2colF32(
  x: usize, N: i32, C: i32, H: i32, W: i32, kH: i32, kW: i32, sH: i32, sW: i32,
  pH: i32, pW: i32, dH: i32, dW: i32, outH: i32, outW: i32, out: usize,
): void {
  const colBytes = <usize>C * kH * kW * outH * outW * 4;
  memory.fill(out, 0, <usize>N * colBytes);
  for (let n = 0; n < N; n++) {
    const image = x + <usize>(n * C * H * W) * 4;
    im2colRows(image, out + <usize>n * colBytes, C, H, W, kH, kW, sH, sW, pH, pW, dH, dW, outW, 0, outH);
  }
}

export function col2imF32(
  cols: usize, N: i32, C: i32, H: i32, W: i32, kH: i32, kW: i32, sH: i32, sW: i32,
  pH: i32, pW: i32, dH: i32, dW: i32, outH: i32, outW: i32, out: usize,
): void {
  const colBytes = <usize>C * kH * kW * outH * outW * 4;
  memory.fill(out, 0, <usize>N * C * H * W * 4);
  for (let n = 0; n < N; n++) {
    const image = out + <usize>(n * C * H * W) * 4;
    col2imRows(cols + <usize>n * colBytes, image, C, H, W, kH, kW, sH, sW, pH, pW, dH, dW, outW, 0, outH);
  }
}
