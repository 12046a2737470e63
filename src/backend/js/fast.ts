// Fast paths of the reference kernels for the layouts a training step produces: contiguous
// float operands, a scalar or a repeated row (bias) as second operand, transposed copies.
// Each loop names its operation inline, so V8 compiles it to straight arithmetic; the general
// strided kernels in index.ts stay the definition and handle every other case.

import type { BinaryOp, View } from '../backend.js';
import type { DType, TypedArray } from '../../tensor/dtype.js';
import type { Shape } from '../../tensor/shape.js';
import { nextOffset } from './strided.js';

type FloatArray = Float32Array | Float64Array;
const isFloat = (d: DType) => d === 'float32' || d === 'float64';

/**
 * If v (strided to `shape`) reads a block of P contiguous elements repeated over its leading
 * dims (strides 0 there), return P: 1 for a scalar, the row length for a broadcast bias,
 * numel for a contiguous view. Otherwise 0.
 */
export function period(shape: Shape, strides: Shape): number {
  let p = 1;
  let d = shape.length - 1;
  for (; d >= 0; d--) {
    if (shape[d] === 1) continue;
    if (strides[d] !== p) break;
    p *= shape[d];
  }
  for (; d >= 0; d--) if (shape[d] !== 1 && strides[d] !== 0) return 0;
  return p;
}

/**
 * If v (strided to `shape`) holds one value per row, repeated along the trailing dims (stride 0
 * there) with the rows contiguous in order: a [R, 1] statistic expanded to [R, C], as
 * x - x.amax(1, keepdim) in log-softmax. Returns the row length Q (C); 0 for any other layout.
 */
export function rowRepeat(shape: Shape, strides: Shape): number {
  let q = 1;
  let d = shape.length - 1;
  for (; d >= 0; d--) {
    if (shape[d] === 1) continue;
    if (strides[d] !== 0) break;
    q *= shape[d];
  }
  if (d < 0 || q === 1) return 0;
  for (let p = 1; d >= 0; d--) {
    if (shape[d] === 1) continue;
    if (strides[d] !== p) return 0;
    p *= shape[d];
  }
  return q;
}

/** out = a op b for float a, b, out of one dtype; null when no fast path applies. */
export function fastBinary(op: BinaryOp, a: View, b: View, shape: Shape, n: number, out: TypedArray): boolean {
  if (!isFloat(a.dtype) || a.dtype !== b.dtype || out.constructor !== a.data.constructor) return false;
  const pa = period(shape, a.strides);
  const pb = period(shape, b.strides);
  if (pa === n && pb > 0 && n % pb === 0) {
    binaryLoop(op, a.data as FloatArray, a.offset, b.data as FloatArray, b.offset, pb, out as FloatArray, n);
    return true;
  }
  if (pb === n && pa > 0 && n % pa === 0 && (op === 'add' || op === 'mul')) {
    binaryLoop(op, b.data as FloatArray, b.offset, a.data as FloatArray, a.offset, pa, out as FloatArray, n);
    return true;
  }
  if (pa === n) {
    const q = rowRepeat(shape, b.strides);
    if (q > 0 && rowLoop(op, a.data as FloatArray, a.offset, b.data as FloatArray, b.offset, q, false, out as FloatArray, n)) return true;
  }
  if (pb === n) {
    const q = rowRepeat(shape, a.strides);
    if (q > 0 && rowLoop(op, b.data as FloatArray, b.offset, a.data as FloatArray, a.offset, q, true, out as FloatArray, n)) return true;
  }
  return false;
}

/**
 * out[i] = x[xo + i] op y[yo + i / q] (or y op x when `yFirst`), for i < n: one value of y per
 * row of q. False for an op without a loop here.
 */
function rowLoop(op: BinaryOp, x: FloatArray, xo: number, y: FloatArray, yo: number, q: number, yFirst: boolean, out: FloatArray, n: number): boolean {
  if (op !== 'add' && op !== 'sub' && op !== 'mul' && op !== 'div') return false;
  for (let base = 0, r = yo; base < n; base += q, r++) {
    const v = y[r];
    const xb = xo + base;
    switch (op) {
      case 'add': for (let i = 0; i < q; i++) out[base + i] = x[xb + i] + v; break;
      case 'mul': for (let i = 0; i < q; i++) out[base + i] = x[xb + i] * v; break;
      case 'sub':
        if (yFirst) for (let i = 0; i < q; i++) out[base + i] = v - x[xb + i];
        else for (let i = 0; i < q; i++) out[base + i] = x[xb + i] - v;
        break;
      case 'div':
        if (yFirst) for (let i = 0; i < q; i++) out[base + i] = v / x[xb + i];
        else for (let i = 0; i < q; i++) out[base + i] = x[xb + i] / v;
        break;
    }
  }
  return true;
}

/** out[i] = x[xo + i] op y[yo + i % p], for i < n (n a multiple of p). */
function binaryLoop(op: BinaryOp, x: FloatArray, xo: number, y: FloatArray, yo: number, p: number, out: FloatArray, n: number): void {
  if (p === 1) {
    const s = y[yo];
    switch (op) {
      case 'add': for (let i = 0; i < n; i++) out[i] = x[xo + i] + s; return;
      case 'sub': for (let i = 0; i < n; i++) out[i] = x[xo + i] - s; return;
      case 'mul': for (let i = 0; i < n; i++) out[i] = x[xo + i] * s; return;
      case 'div': for (let i = 0; i < n; i++) out[i] = x[xo + i] / s; return;
      default: break;
    }
  }
  for (let base = 0; base < n; base += p) {
    const xb = xo + base;
    switch (op) {
      case 'add': for (let i = 0; i < p; i++) out[base + i] = x[xb + i] + y[yo + i]; break;
      case 'sub': for (let i = 0; i < p; i++) out[base + i] = x[xb + i] - y[yo + i]; break;
      case 'mul': for (let i = 0; i < p; i++) out[base + i] = x[xb + i] * y[yo + i]; break;
      case 'div': for (let i = 0; i < p; i++) out[base + i] = x[xb + i] / y[yo + i]; break;
      default: {
        // The remaining ops keep the reference definition (NaN rules, integer semantics).
        return genericLoop(op, x, xb, y, yo, p, out, base, n);
      }
    }
  }
}

function genericLoop(op: BinaryOp, x: FloatArray, xb: number, y: FloatArray, yo: number, p: number, out: FloatArray, base: number, n: number): void {
  const f = binaryRef[op];
  for (let b = base; b < n; b += p, xb += p) for (let i = 0; i < p; i++) out[b + i] = f(x[xb + i], y[yo + i]);
}

let binaryRef: Record<BinaryOp, (a: number, b: number) => number>;
/** The reference functions, handed over by index.ts (which defines them). */
export function setBinaryReference(fns: Record<BinaryOp, (a: number, b: number) => number>): void {
  binaryRef = fns;
}

/**
 * Copy a strided view into a contiguous array (same element type family: no integer casts),
 * walking the innermost dim in a loop instead of building an offsets table. Blocked for the
 * 2-D transpose (a gradient through .t()), where a plain walk misses the cache on every read.
 */
export function stridedCopy(x: View, out: TypedArray): void {
  const shape = x.shape;
  const strides = x.strides;
  const src = x.data;
  const nd = shape.length;
  if (nd === 0) {
    out[0] = src[x.offset];
    return;
  }
  const inner = shape[nd - 1];
  const si = strides[nd - 1];
  if (nd === 2 && si !== 1 && strides[0] === 1) {
    const [R, C] = shape;
    const sr = si;
    const T = 32;
    for (let r0 = 0; r0 < R; r0 += T) {
      const r1 = Math.min(R, r0 + T);
      for (let c0 = 0; c0 < C; c0 += T) {
        const c1 = Math.min(C, c0 + T);
        for (let c = c0; c < c1; c++) {
          const so = x.offset + c * sr;
          for (let r = r0; r < r1; r++) out[r * C + c] = src[so + r];
        }
      }
    }
    return;
  }
  const outer = inner === 0 ? 0 : out.length / inner;
  const counter = new Array<number>(nd - 1).fill(0);
  let pos = x.offset;
  for (let o = 0, w = 0; o < outer; o++) {
    if (si === 1) for (let j = 0; j < inner; j++) out[w++] = src[pos + j];
    else for (let j = 0, q = pos; j < inner; j++, q += si) out[w++] = src[q];
    pos = nextOffset(counter, shape, strides, nd - 2, pos);
  }
}

/**
 * Over the batch only (a bias gradient): out[m] = the sum of column m of a rows x mid block,
 * down the rows. Four columns at a time in local float64 sums (a running sum in an array
 * loads and stores it for every element: 2.7x slower on [64, 128]).
 */
function sumColumns(src: FloatArray, offset: number, rows: number, mid: number, out: FloatArray): void {
  let m = 0;
  for (; m + 4 <= mid; m += 4) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let r = 0, q = offset + m; r < rows; r++, q += mid) {
      s0 += src[q];
      s1 += src[q + 1];
      s2 += src[q + 2];
      s3 += src[q + 3];
    }
    out[m] = s0;
    out[m + 1] = s1;
    out[m + 2] = s2;
    out[m + 3] = s3;
  }
  for (; m < mid; m++) {
    let s0 = 0;
    for (let r = 0, q = offset + m; r < rows; r++, q += mid) s0 += src[q];
    out[m] = s0;
  }
}

/**
 * Sum of a contiguous float view whose kept dims form one run between reduced ones: the batch
 * of a bias gradient ([N, C] over N; [N, C, H, W] over N, H, W for a conv bias) or a row sum.
 * Each output is one running float64 sum over its elements in row-major order, exactly as the
 * reference adds them.
 */
export function fastSum(x: View, dims: readonly number[], out: TypedArray): boolean {
  const nd = x.shape.length;
  if (!isFloat(x.dtype) || !(out instanceof Float32Array || out instanceof Float64Array) || dims.length === 0) return false;
  if (period(x.shape, x.strides) !== out.length * dims.reduce((m, d) => m * x.shape[d], 1)) return false;
  // reduced dims [0, k0), kept [k0, k1), reduced [k1, nd)
  let k0 = 0;
  while (k0 < nd && dims.includes(k0)) k0++;
  let k1 = k0;
  while (k1 < nd && !dims.includes(k1)) k1++;
  for (let d = k1; d < nd; d++) if (!dims.includes(d)) return false;
  let rows = 1;
  let mid = 1;
  let inner = 1;
  for (let d = 0; d < k0; d++) rows *= x.shape[d];
  for (let d = k0; d < k1; d++) mid *= x.shape[d];
  for (let d = k1; d < nd; d++) inner *= x.shape[d];
  const src = x.data;
  if (inner === 1) {
    sumColumns(src as FloatArray, x.offset, rows, mid, out as FloatArray);
    return true;
  }
  const acc = new Float64Array(mid);
  for (let r = 0, q = x.offset; r < rows; r++) {
    for (let m = 0; m < mid; m++) {
      let a = acc[m];
      for (let i = 0; i < inner; i++) a += src[q++];
      acc[m] = a;
    }
  }
  out.set(acc);
  return true;
}

/** Unary ops of a training step on a contiguous float view, same dtype out; false otherwise. */
export function fastUnary(op: string, x: View, out: TypedArray): boolean {
  if (!isFloat(x.dtype) || out.constructor !== x.data.constructor || !contiguous(x)) return false;
  const s = x.data as FloatArray;
  const o = out as FloatArray;
  const b = x.offset;
  const n = o.length;
  switch (op) {
    case 'relu':
      for (let i = 0; i < n; i++) {
        const v = s[b + i];
        o[i] = v < 0 ? 0 : v; // clamp_min(x, 0): NaN and -0 pass through, as PyTorch
      }
      return true;
    case 'neg': for (let i = 0; i < n; i++) o[i] = -s[b + i]; return true;
    case 'exp': for (let i = 0; i < n; i++) o[i] = Math.exp(s[b + i]); return true;
    case 'log': for (let i = 0; i < n; i++) o[i] = Math.log(s[b + i]); return true;
    case 'tanh': for (let i = 0; i < n; i++) o[i] = Math.tanh(s[b + i]); return true;
    case 'sqrt': for (let i = 0; i < n; i++) o[i] = Math.sqrt(s[b + i]); return true;
    default: return false;
  }
}

/** Comparisons of float operands (contiguous or a repeated block, as fastBinary) into bool. */
export function fastCompare(op: BinaryOp, a: View, b: View, shape: Shape, n: number, out: TypedArray): boolean {
  if (!isFloat(a.dtype) || a.dtype !== b.dtype || !(out instanceof Uint8Array)) return false;
  if (period(shape, a.strides) !== n) return false;
  const p = period(shape, b.strides);
  if (p === 0 || n % p !== 0) return false;
  const x = a.data as FloatArray;
  const y = b.data as FloatArray;
  const xo = a.offset;
  const yo = b.offset;
  // +(x > y) rather than x > y ? 1 : 0: V8 compiles it without a branch, which on data of
  // random sign (relu's backward, y > 0) is 4x faster than a mispredicted jump.
  if (p === 1) {
    // Against a scalar: one loop, the scalar hoisted.
    const s = y[yo];
    switch (op) {
      case 'gt': for (let i = 0; i < n; i++) out[i] = +(x[xo + i] > s); return true;
      case 'lt': for (let i = 0; i < n; i++) out[i] = +(x[xo + i] < s); return true;
      case 'ge': for (let i = 0; i < n; i++) out[i] = +(x[xo + i] >= s); return true;
      case 'le': for (let i = 0; i < n; i++) out[i] = +(x[xo + i] <= s); return true;
      case 'eq': for (let i = 0; i < n; i++) out[i] = +(x[xo + i] === s); return true;
      case 'ne': for (let i = 0; i < n; i++) out[i] = +(x[xo + i] !== s); return true;
      default: return false;
    }
  }
  for (let base = 0; base < n; base += p) {
    const xb = xo + base;
    switch (op) {
      case 'gt': for (let i = 0; i < p; i++) out[base + i] = +(x[xb + i] > y[yo + i]); break;
      case 'lt': for (let i = 0; i < p; i++) out[base + i] = +(x[xb + i] < y[yo + i]); break;
      case 'ge': for (let i = 0; i < p; i++) out[base + i] = +(x[xb + i] >= y[yo + i]); break;
      case 'le': for (let i = 0; i < p; i++) out[base + i] = +(x[xb + i] <= y[yo + i]); break;
      case 'eq': for (let i = 0; i < p; i++) out[base + i] = +(x[xb + i] === y[yo + i]); break;
      case 'ne': for (let i = 0; i < p; i++) out[base + i] = +(x[xb + i] !== y[yo + i]); break;
      default: return false;
    }
  }
  return true;
}

function contiguous(v: View): boolean {
  return period(v.shape, v.strides) === v.shape.reduce((m, d) => m * d, 1);
}
