// The reference backend: plain TypeScript loops over strided views. Every primitive is defined
// here first, readably; faster backends are checked against it.

import type { ArgReduceOp, Backend, BinaryOp, ReduceOp, ScanOp, UnaryOp, View } from '../backend.js';
import { allocateArray, castScalar, type DType, type TypedArray } from '../../tensor/dtype.js';
import { isContiguous, numel } from '../../tensor/shape.js';
import { moveDimsLast, offsetsOf, slicesAlong, viewOffsets } from './strided.js';
import { erf, erfc, erfinv, floorDivide, pow, remainder, roundHalfEven, sigmoidFloat32 } from './math.js';
import { col2im, im2col } from './im2col.js';
import { conv2d, conv2dInputGrad, conv2dWeightGrad } from './convolution.js';
import { maxPool2d, maxPool2dBackward, thresholdBackward } from './pool.js';
import { sort } from './sort.js';
import { fastBinary, fastCompare, fastSum, fastUnary, setBinaryReference, stridedCopy } from './fast.js';

type Fn1 = (x: number) => number;
type Fn2 = (a: number, b: number) => number;

const unaryFns: Record<UnaryOp, Fn1> = {
  neg: (x) => -x,
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0), // (0 < x) - (x < 0), as PyTorch: sign(NaN) = 0
  exp: Math.exp,
  expm1: Math.expm1,
  log: Math.log,
  log1p: Math.log1p,
  log2: Math.log2,
  log10: Math.log10,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  sigmoid: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  relu: (x) => (x < 0 ? 0 : x), // clamp_min(x, 0): NaN and -0 pass unchanged, as PyTorch
  erf,
  erfc,
  erfinv,
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
  trunc: Math.trunc,
  reciprocal: (x) => 1 / x,
  // NaN is nonzero, so true (JavaScript's truthiness would make it false).
  logicalNot: (x) => (x !== 0 ? 0 : 1),
  isnan: (x) => (Number.isNaN(x) ? 1 : 0),
  isinf: (x) => (x === Infinity || x === -Infinity ? 1 : 0),
  isfinite: (x) => (Number.isFinite(x) ? 1 : 0),
  // Two's complement NOT, -x - 1: exact for int32 and for int64 up to 2^53 (~ would cut int64 to 32 bits).
  bitwiseNot: (x) => -x - 1,
};

const binaryFns: Record<BinaryOp, Fn2> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow,
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a > b ? a : b),
  minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a < b ? a : b),
  atan2: Math.atan2,
  remainder,
  fmod: (a, b) => a % b,
  floorDivide,
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  // NaN is nonzero, so true, as in PyTorch (JavaScript's truthiness would make it false).
  logicalAnd: (a, b) => (a !== 0 && b !== 0 ? 1 : 0),
  logicalOr: (a, b) => (a !== 0 || b !== 0 ? 1 : 0),
  logicalXor: (a, b) => ((a !== 0) !== (b !== 0) ? 1 : 0),
};

setBinaryReference(binaryFns);

/** Where a float32 kernel of PyTorch's rounds an intermediate that float64 would not: those ops, in float32. */
const float32UnaryFns: Partial<Record<UnaryOp, Fn1>> = { sigmoid: sigmoidFloat32 };

/** Integer results must be truncated/wrapped the way the C types would; bool results are 0/1 (True + True is True). */
function integerFixup(out: TypedArray, dtype: DType): void {
  // + 0 turns the -0 of Math.trunc(-0.5) into the integer 0; NaN is nonzero, so true.
  if (dtype === 'int64') for (let i = 0; i < out.length; i++) out[i] = Math.trunc(out[i]) + 0;
  else if (dtype === 'bool') for (let i = 0; i < out.length; i++) out[i] = out[i] !== 0 ? 1 : 0;
}

function integerDivisionByZero(op: BinaryOp, dtype: DType, b: View): void {
  if ((op === 'floorDivide' || op === 'remainder' || op === 'fmod') && (dtype === 'int32' || dtype === 'int64')) {
    const offs = offsetsOf(b);
    for (let i = 0; i < offs.length; i++) {
      if (b.data[offs[i]] === 0) throw new RangeError('ZeroDivisionError');
    }
  }
}

function reduceGroups(x: View, dims: readonly number[]): { offs: ArrayLike<number>; groups: number; size: number } {
  const moved = moveDimsLast(x.shape, x.strides, dims);
  const size = dims.reduce((n, d) => n * x.shape[d], 1);
  const groups = size === 0 ? numel(moved.shape.slice(0, moved.shape.length - dims.length)) : numel(moved.shape) / size;
  return { offs: offsetsOf(x, moved.shape, moved.strides), groups, size };
}

export const jsBackend: Backend = {
  name: 'js',
  device: 'cpu',

  allocate: allocateArray,

  copy(x, dtype) {
    const n = numel(x.shape);
    const out = allocateArray(dtype, n);
    const src = x.data;
    const needsCast = dtype !== x.dtype && (dtype === 'int32' || dtype === 'int64' || dtype === 'bool');
    if (!needsCast) {
      if (isContiguous(x.shape, x.strides)) out.set(src.subarray(x.offset, x.offset + n));
      else stridedCopy(x, out);
      return out;
    }
    const offs = viewOffsets(x);
    for (let i = 0; i < n; i++) {
      const v = src[offs ? offs[i] : x.offset + i];
      out[i] = needsCast ? castScalar(v, dtype) : v;
    }
    return out;
  },

  assign(dst, src) {
    const n = numel(dst.shape);
    if (
      dst.data.constructor === src.data.constructor &&
      isContiguous(dst.shape, dst.strides) &&
      isContiguous(dst.shape, src.strides)
    ) {
      // Same element type, both contiguous: one block copy (an in-place optimizer update).
      dst.data.set(src.data.subarray(src.offset, src.offset + n), dst.offset);
      return;
    }
    const dOffs = offsetsOf(dst);
    const sOffs = offsetsOf(src);
    const cast = dst.dtype === 'int64' || dst.dtype === 'bool';
    for (let i = 0; i < dOffs.length; i++) {
      const v = src.data[sOffs[i]];
      dst.data[dOffs[i]] = cast ? castScalar(v, dst.dtype) : v;
    }
  },

  fill(dst, value) {
    if (isContiguous(dst.shape, dst.strides)) {
      dst.data.fill(castScalar(value, dst.dtype), dst.offset, dst.offset + numel(dst.shape));
      return;
    }
    const offs = offsetsOf(dst);
    const v = castScalar(value, dst.dtype);
    for (let i = 0; i < offs.length; i++) dst.data[offs[i]] = v;
  },

  unary(op, x, dtype) {
    // ~ of a bool is logical not (~True is False, not -2).
    if (op === 'bitwiseNot' && x.dtype === 'bool') op = 'logicalNot';
    const f = (x.dtype === 'float32' && float32UnaryFns[op]) || unaryFns[op];
    const n = numel(x.shape);
    const out = allocateArray(dtype, n);
    if (fastUnary(op, x, out)) return out;
    const offs = viewOffsets(x);
    const src = x.data;
    if (offs) for (let i = 0; i < n; i++) out[i] = f(src[offs[i]]);
    else for (let i = 0, o = x.offset; i < n; i++) out[i] = f(src[o + i]);
    integerFixup(out, dtype);
    return out;
  },

  binary(op, a, b, shape, dtype) {
    integerDivisionByZero(op, dtype, b);
    const f = binaryFns[op];
    const n = numel(shape);
    const out = allocateArray(dtype, n);
    if (fastBinary(op, a, b, shape, n, out) || fastCompare(op, a, b, shape, n, out)) return out;
    const ad = a.data;
    const bd = b.data;
    const aFlat = isContiguous(shape, a.strides);
    const bFlat = isContiguous(shape, b.strides);
    const bScalar = b.strides.every((s) => s === 0);
    // Fast paths for the common layouts; the general walk handles everything else.
    if (aFlat && bFlat) {
      for (let i = 0, ao = a.offset, bo = b.offset; i < n; i++) out[i] = f(ad[ao + i], bd[bo + i]);
    } else if (aFlat && bScalar) {
      const bv = bd[b.offset];
      for (let i = 0, ao = a.offset; i < n; i++) out[i] = f(ad[ao + i], bv);
    } else {
      const ao = offsetsOf(a, shape, a.strides);
      const bo = offsetsOf(b, shape, b.strides);
      for (let i = 0; i < n; i++) out[i] = f(ad[ao[i]], bd[bo[i]]);
    }
    integerFixup(out, dtype);
    return out;
  },

  where(cond, a, b, shape, dtype) {
    const n = numel(shape);
    const out = allocateArray(dtype, n);
    const co = offsetsOf(cond, shape, cond.strides);
    const ao = offsetsOf(a, shape, a.strides);
    const bo = offsetsOf(b, shape, b.strides);
    for (let i = 0; i < n; i++) out[i] = cond.data[co[i]] ? a.data[ao[i]] : b.data[bo[i]];
    return out;
  },

  reduce(op: ReduceOp, x, dims, dtype) {
    if (op === 'sum' && x.data.constructor === allocateArray(dtype, 0).constructor) {
      const kept = x.shape.filter((_, d) => !dims.includes(d));
      const out = allocateArray(dtype, numel(kept));
      if (fastSum(x, dims, out)) return out;
    }
    const { offs, groups, size } = reduceGroups(x, dims);
    const out = allocateArray(dtype, groups);
    const src = x.data;
    for (let g = 0, p = 0; g < groups; g++) {
      let acc: number;
      switch (op) {
        case 'sum':
          acc = 0;
          for (let j = 0; j < size; j++) acc += src[offs[p++]];
          break;
        case 'prod':
          acc = 1;
          for (let j = 0; j < size; j++) acc *= src[offs[p++]];
          break;
        case 'amax':
        case 'amin': {
          if (size === 0) throw new RangeError(`${op}(): Expected reduction dim to have non-zero size.`);
          acc = op === 'amax' ? -Infinity : Infinity;
          for (let j = 0; j < size; j++) {
            const v = src[offs[p++]];
            if (Number.isNaN(v) || Number.isNaN(acc)) acc = NaN;
            else if (op === 'amax' ? v > acc : v < acc) acc = v;
          }
          break;
        }
        default:
          return op satisfies never;
      }
      out[g] = acc;
    }
    integerFixup(out, dtype);
    return out;
  },

  argReduce(op: ArgReduceOp, x, dim) {
    const { offs, groups, size } = reduceGroups(x, [dim]);
    if (size === 0) throw new RangeError(`${op}(): Expected reduction dim ${dim} to have non-zero size.`);
    const out = allocateArray('int64', groups);
    const better = op === 'argmax' ? (v: number, best: number) => v > best : (v: number, best: number) => v < best;
    for (let g = 0, p = 0; g < groups; g++) {
      let best = x.data[offs[p]];
      let bestIdx = 0;
      for (let j = 0; j < size; j++, p++) {
        const v = x.data[offs[p]];
        if (Number.isNaN(best)) continue; // the first NaN wins, as in PyTorch
        if (Number.isNaN(v) || better(v, best)) {
          best = v;
          bestIdx = j;
        }
      }
      out[g] = bestIdx;
    }
    return out;
  },

  scan(op: ScanOp, x, dim, dtype) {
    const { offs, outOffs, size } = slicesAlong(x, dim);
    const out = allocateArray(dtype, numel(x.shape));
    for (let p = 0; p < offs.length; p += size) {
      let acc = op === 'cumsum' ? 0 : 1;
      for (let j = 0; j < size; j++) {
        const v = x.data[offs[p + j]];
        acc = op === 'cumsum' ? acc + v : acc * v;
        out[outOffs[p + j]] = acc;
      }
    }
    integerFixup(out, dtype);
    return out;
  },

  logSoftmax(x, dim) {
    // Slices along dim in a contiguous copy [outer, size, inner]: element k of slice (o, i) at
    // (o * size + k) * inner + i. Sums in float64, rounded once on the store.
    const src = (isContiguous(x.shape, x.strides) ? x.data.subarray(x.offset, x.offset + numel(x.shape)) : jsBackend.copy(x, x.dtype)) as Float32Array | Float64Array;
    const out = allocateArray(x.dtype, src.length) as Float32Array | Float64Array;
    const size = x.shape[dim];
    const inner = numel(x.shape.slice(dim + 1));
    const outer = size * inner === 0 ? 0 : src.length / (size * inner);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * size * inner + i;
        let max = -Infinity;
        for (let k = 0, q = base; k < size; k++, q += inner) {
          const v = src[q];
          if (v > max || Number.isNaN(v)) max = v;
          if (Number.isNaN(v)) break;
        }
        let sum = 0;
        for (let k = 0, q = base; k < size; k++, q += inner) sum += Math.exp(src[q] - max);
        const logSum = Math.log(sum);
        for (let k = 0, q = base; k < size; k++, q += inner) out[q] = src[q] - max - logSum;
      }
    }
    return out;
  },

  matmul(a, b, dtype) {
    const [B, M, K] = a.shape;
    const N = b.shape[2];
    const out = allocateArray(dtype, B * M * N);
    const [asb, asm, ask] = a.strides;
    const [bsb, bsk, bsn] = b.strides;
    const ad = a.data;
    const bd = b.data;
    if (bsn !== 1 && !(bsk === 1 && ask === 1)) {
      // Neither loop order below reads b sequentially: pack it first.
      const packed = this.copy(b, b.dtype);
      return this.matmul(a, { ...b, data: packed, strides: [K * N, N, 1], offset: 0 }, dtype);
    }
    const row = new Float64Array(N); // one accumulator row, reused for every output row
    for (let bi = 0; bi < B; bi++) {
      for (let i = 0; i < M; i++) {
        const aRow = a.offset + bi * asb + i * asm;
        const outRow = (bi * M + i) * N;
        if (bsn === 1) {
          // out[i, :] += a[i, k] * b[k, :]: b's rows are contiguous. Accumulate in float64, round once.
          row.fill(0);
          for (let k = 0; k < K; k++) {
            const av = ad[aRow + k * ask];
            if (av === 0) continue;
            const bRow = b.offset + bi * bsb + k * bsk;
            for (let j = 0; j < N; j++) row[j] += av * bd[bRow + j];
          }
          out.set(row, outRow);
        } else {
          // b is a transposed view (k contiguous): each output is a dot product of two contiguous runs.
          for (let j = 0; j < N; j++) {
            const bCol = b.offset + bi * bsb + j * bsn;
            let acc = 0;
            for (let k = 0; k < K; k++) acc += ad[aRow + k] * bd[bCol + k];
            out[outRow + j] = acc;
          }
        }
      }
    }
    integerFixup(out, dtype);
    return out;
  },

  gather(x, dim, index) {
    const n = numel(index.shape);
    const out = allocateArray(x.dtype, n);
    const blocks = alongDim(x, dim, index);
    if (blocks) {
      // Contiguous: out[o, j, i] = x[o, index[o, j, i], i] with no offset tables (max pooling's values).
      const { outer, size, m, inner } = blocks;
      const xd = x.data;
      const id = index.data;
      for (let o = 0, p = 0; o < outer; o++) {
        const base = x.offset + o * size * inner;
        for (let j = 0; j < m; j++) {
          for (let i = 0; i < inner; i++, p++) out[p] = xd[base + checkIndex(id[index.offset + p], size, dim) * inner + i];
        }
      }
      return out;
    }
    const io = offsetsOf(index);
    // Offsets into x at the index's coordinates, with dim's coordinate zeroed.
    const xo = offsetsOf(x, index.shape, x.strides.map((s, d) => (d === dim ? 0 : s)));
    const size = x.shape[dim];
    for (let i = 0; i < n; i++) {
      const k = checkIndex(index.data[io[i]], size, dim);
      out[i] = x.data[xo[i] + k * x.strides[dim]];
    }
    return out;
  },

  scatter(out, dim, index, src, accumulate) {
    const blocks = alongDim(out, dim, index);
    if (blocks && isContiguous(src.shape, src.strides) && numel(src.shape) === numel(index.shape)) {
      // Contiguous: out[o, index[o, j, i], i] (+)= src[o, j, i] (max pooling's gradient).
      const { outer, size, m, inner } = blocks;
      const od = out.data;
      const sd = src.data;
      const id = index.data;
      for (let o = 0, p = 0; o < outer; o++) {
        const base = out.offset + o * size * inner;
        for (let j = 0; j < m; j++) {
          for (let i = 0; i < inner; i++, p++) {
            const pos = base + checkIndex(id[index.offset + p], size, dim) * inner + i;
            od[pos] = accumulate ? od[pos] + sd[src.offset + p] : sd[src.offset + p];
          }
        }
      }
      return;
    }
    const io = offsetsOf(index);
    const so = offsetsOf(src, index.shape, src.strides);
    const oo = offsetsOf(out, index.shape, out.strides.map((s, d) => (d === dim ? 0 : s)));
    const size = out.shape[dim];
    for (let i = 0; i < io.length; i++) {
      const k = checkIndex(index.data[io[i]], size, dim);
      const pos = oo[i] + k * out.strides[dim];
      out.data[pos] = accumulate ? out.data[pos] + src.data[so[i]] : src.data[so[i]];
    }
  },

  indexSelect(x, dim, index) {
    const idx = offsetsOf(index);
    const shape = x.shape.slice();
    shape[dim] = idx.length;
    const outer = numel(x.shape.slice(0, dim));
    const inner = numel(x.shape.slice(dim + 1));
    const out = allocateArray(x.dtype, numel(shape));
    // Walk x's dims other than `dim` in order; for each selected row copy `inner` values.
    const innerShape = x.shape.slice(dim + 1);
    const innerOffs = offsetsOf({ ...x, offset: 0 }, innerShape, x.strides.slice(dim + 1));
    const outerOffs = offsetsOf({ ...x, offset: 0 }, x.shape.slice(0, dim), x.strides.slice(0, dim));
    // Rows that lie contiguously in x (a batch of images gathered from a dataset) copy as blocks.
    let rowsDense = true;
    for (let d = x.shape.length - 1, step = 1; d > dim; step *= x.shape[d--]) if (x.shape[d] !== 1 && x.strides[d] !== step) rowsDense = false;
    let p = 0;
    for (let o = 0; o < outer; o++) {
      for (let r = 0; r < idx.length; r++) {
        const k = checkIndex(index.data[idx[r]], x.shape[dim], dim, 'index out of range in self');
        const base = x.offset + outerOffs[o] + k * x.strides[dim];
        if (rowsDense && inner > 16) {
          out.set(x.data.subarray(base, base + inner), p);
          p += inner;
        } else {
          for (let j = 0; j < inner; j++) out[p++] = x.data[base + innerOffs[j]];
        }
      }
    }
    return out;
  },

  indexAdd(out, dim, index, src) {
    const idx = offsetsOf(index);
    const outer = numel(src.shape.slice(0, dim));
    const inner = numel(src.shape.slice(dim + 1));
    const srcOffs = offsetsOf(src);
    let p = 0;
    for (let o = 0; o < outer; o++) {
      for (let r = 0; r < idx.length; r++) {
        const k = checkIndex(index.data[idx[r]], out.shape[dim], dim, 'index out of range in self');
        const base = out.offset + o * out.shape[dim] * inner + k * inner;
        for (let j = 0; j < inner; j++) out.data[base + j] += src.data[srcOffs[p++]];
      }
    }
  },

  im2col,
  col2im,
  conv2d(x, weight, bias, window, groups) {
    return conv2d(this, x, weight, bias, window, groups);
  },
  conv2dInputGrad(grad, weight, size, window, groups) {
    return conv2dInputGrad(this, grad, weight, size, window, groups);
  },
  conv2dWeightGrad(x, grad, window, groups, withBias) {
    return conv2dWeightGrad(this, x, grad, window, groups, withBias);
  },
  maxPool2d,
  maxPool2dBackward,
  thresholdBackward,
  sort,

  axpy(out, x, alpha) {
    // As mul then add: in float32 the product is rounded to float32 before the sum.
    const f32 = out.dtype === 'float32';
    const a = f32 ? Math.fround(alpha) : alpha;
    const o = out.data;
    const n = numel(out.shape);
    const base = out.offset;
    const s = x.data;
    const offs = isContiguous(x.shape, x.strides) ? null : offsetsOf(x);
    for (let i = 0; i < n; i++) {
      const p = a * s[offs ? offs[i] : x.offset + i];
      o[base + i] += f32 ? Math.fround(p) : p;
    }
  },
};

/**
 * Index tensors given to kernels are already wrapped; anything outside [0, size) is an error,
 * with PyTorch's text (gather/scatter name the index and dim; index_select has its own).
 */
/**
 * When x and index are contiguous and index has x's shape except along dim, both read as
 * [outer, size | m, inner] blocks: gather and scatter then need no offset tables.
 */
function alongDim(x: View, dim: number, index: View): { outer: number; size: number; m: number; inner: number } | null {
  if (!isContiguous(x.shape, x.strides) || !isContiguous(index.shape, index.strides) || index.shape.length !== x.shape.length) return null;
  for (let d = 0; d < x.shape.length; d++) if (d !== dim && index.shape[d] !== x.shape[d]) return null;
  return { outer: numel(x.shape.slice(0, dim)), size: x.shape[dim], m: index.shape[dim], inner: numel(x.shape.slice(dim + 1)) };
}

function checkIndex(k: number, size: number, dim: number, message?: string): number {
  if (!(k >= 0 && k < size)) throw new RangeError(message ?? `index ${k} is out of bounds for dimension ${dim} with size ${size}`);
  return k;
}
