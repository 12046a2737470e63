// The native backend (Node only): C++ kernels through Node-API (native/, built by `npm install`),
// AVX-512, AVX2+FMA or portable code chosen at run time, on a persistent thread pool. Kernels read
// and write the tensors' own typed arrays: no copies in or out. Every primitive without a native
// kernel (and float64, and the layouts a kernel does not take) is the wasm backend's, so the two
// differ only where the native kernel is faster.
//
// No `scratch`: native results are fresh arrays or ones a backward pass gave back (pool.ts), and
// the wasm kernels this falls back on, with no scratch scope begun, copy their results out of
// linear memory as well.

import { platform } from '#native-platform';
import type { Backend, BinaryOp, UnaryOp, View, Window2d } from '../backend.js';
import { period, rowRepeat } from '../js/fast.js';
import { numel } from '../../tensor/shape.js';
import { wasmBackend } from '../wasm/index.js';
import type { NativeAddon } from './platform.js';
import { ResultPool } from './pool.js';

type F32View = View & { data: Float32Array };
const isF32 = (v: View | null): v is F32View => v !== null && v.data instanceof Float32Array;

/** Below this many elements an elementwise op stays in JavaScript: the call costs more than the loop. */
const ELEMENTWISE_MIN = 64;

const BINARY: Partial<Record<BinaryOp, number>> = { add: 0, sub: 1, mul: 2, div: 3 };
const UNARY: Partial<Record<UnaryOp, number>> = { relu: 0, neg: 1, exp: 2, log: 3, tanh: 4, sqrt: 5, sigmoid: 6, abs: 7, erf: 8 };

/** Whether v's elements lie contiguously in row-major order from its offset. */
const dense = (v: View): boolean => period(v.shape, v.strides) === numel(v.shape);

/**
 * shape with a's and b's strides, size-1 dims dropped and neighbours merged where both operands
 * step through them as one dim; null unless the last dim has stride 0 or 1 in each (the layouts
 * of native binaryStrided).
 */
function stridedRows(shape: readonly number[], sa: readonly number[], sb: readonly number[]): { shape: number[]; sa: number[]; sb: number[] } | null {
  const out = { shape: [] as number[], sa: [] as number[], sb: [] as number[] };
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = out.shape.length - 1;
    if (last >= 0 && out.sa[last] === sa[d] * shape[d] && out.sb[last] === sb[d] * shape[d]) {
      out.shape[last] *= shape[d];
      out.sa[last] = sa[d];
      out.sb[last] = sb[d];
    } else {
      out.shape.push(shape[d]);
      out.sa.push(sa[d]);
      out.sb.push(sb[d]);
    }
  }
  const last = out.shape.length - 1;
  if (last < 0 || out.shape.length > 8 || out.sa[last] > 1 || out.sb[last] > 1 || out.sa[last] < 0 || out.sb[last] < 0) return null;
  return out;
}

function makeNativeBackend(addon: NativeAddon): Backend {
  const pool = new ResultPool(platform.allocFloat32);
  const pool64 = new ResultPool(platform.allocFloat64);
  nativePools = [pool, pool64] as ResultPool<Float32Array | Float64Array>[];
  const alloc = (n: number): Float32Array => pool.take(n);
  const { scratch: _wasmScratch, ...fallback } = wasmBackend;

  /** v as a contiguous float32 array and offset: itself where it is dense, else a copy. */
  const contiguous = (v: F32View): [Float32Array, number] => (dense(v) ? [v.data, v.offset] : [fallback.copy(v, 'float32') as Float32Array, 0]);

  /** a . b ([B, M, K] x [B, K, N], any strides), plus a contiguous bias row if given. */
  const product = (a: F32View, b: F32View, bias: F32View | null): Float32Array => {
    const [B, M, K] = a.shape;
    const N = b.shape[2];
    const out = alloc(B * M * N);
    const [sa, sb] = [a.strides, b.strides];
    addon.matmul(a.data, a.offset, sa[0], sa[1], sa[2], b.data, b.offset, sb[0], sb[1], sb[2], B, M, N, K, out, bias?.data ?? null, bias?.offset ?? 0);
    return out;
  };

  /** The geometry the addon takes: N, C, H, W, O, groups, then the window's fields. */
  const geometry = (N: number, C: number, H: number, W: number, O: number, groups: number, w: Window2d): number[] => [
    N, C, H, W, O, groups, ...w.kernel, ...w.stride, ...w.padding, ...w.dilation, ...w.output,
  ];

  return {
    ...fallback,
    name: 'native',
    recycle(data) {
      if (data instanceof Float32Array) pool.give(data);
      else if (data instanceof Float64Array) pool64.give(data);
    },

    matmul(a, b, dtype) {
      if (dtype !== 'float32' || !isF32(a) || !isF32(b)) return fallback.matmul(a, b, dtype);
      return product(a, b, null);
    },

    matmulBias(a, b, bias) {
      return product(a as F32View, b as F32View, bias as F32View);
    },

    binary(op, a, b, shape, dtype) {
      const code = BINARY[op];
      const n = numel(shape);
      if (code === undefined || dtype !== 'float32' || !isF32(a) || !isF32(b) || n < ELEMENTWISE_MIN) return fallback.binary(op, a, b, shape, dtype);
      const pa = period(shape, a.strides);
      const pb = period(shape, b.strides);
      const out = alloc(n);
      // a contiguous, b a repeated block (bias, scalar) or one value per row (a statistic); or the other way round.
      if (pa === n && pb > 0 && n % pb === 0) addon.binary(code, a.data, a.offset, b.data, b.offset, pb, 1, false, out, n);
      else if (pb === n && pa > 0 && n % pa === 0) addon.binary(code, b.data, b.offset, a.data, a.offset, pa, 1, true, out, n);
      else {
        const qb = pa === n ? rowRepeat(shape, b.strides) : 0;
        const qa = qb === 0 && pb === n ? rowRepeat(shape, a.strides) : 0;
        if (qb > 0) addon.binary(code, a.data, a.offset, b.data, b.offset, n / qb, qb, false, out, n);
        else if (qa > 0) addon.binary(code, b.data, b.offset, a.data, a.offset, n / qa, qa, true, out, n);
        else {
          // Any other layout whose last dim is contiguous or broadcast in each (a chunk() half).
          const rows = stridedRows(shape, a.strides, b.strides);
          if (rows === null) return fallback.binary(op, a, b, shape, dtype);
          addon.binaryStrided(code, a.data, a.offset, rows.sa, b.data, b.offset, rows.sb, rows.shape, out);
        }
      }
      return out;
    },

    unary(op, x, dtype) {
      const code = UNARY[op];
      const n = numel(x.shape);
      if (code === undefined || dtype !== 'float32' || !isF32(x) || n < ELEMENTWISE_MIN || !dense(x)) return fallback.unary(op, x, dtype);
      const out = alloc(n);
      addon.unary(code, x.data, x.offset, out, n);
      return out;
    },

    reduce(op, x, dims, dtype) {
      // Sums, maxima and minima whose kept dims form one run between reduced ones (a bias
      // gradient, a row sum or max, a total).
      const nd = x.shape.length;
      if (op === 'prod' || dtype !== 'float32' || !isF32(x) || dims.length === 0 || !dense(x)) return fallback.reduce(op, x, dims, dtype);
      let k0 = 0;
      while (k0 < nd && dims.includes(k0)) k0++;
      let k1 = k0;
      while (k1 < nd && !dims.includes(k1)) k1++;
      for (let d = k1; d < nd; d++) if (!dims.includes(d)) return fallback.reduce(op, x, dims, dtype);
      const prod = (from: number, to: number) => x.shape.slice(from, to).reduce((m, s) => m * s, 1);
      const [rows, mid, inner] = [prod(0, k0), prod(k0, k1), prod(k1, nd)];
      if (op !== 'sum' && rows * inner === 0) return fallback.reduce(op, x, dims, dtype); // the reference's error
      const out = alloc(mid);
      if (op === 'sum') addon.sum(x.data, x.offset, out, rows, mid, inner);
      else addon.minmax(op === 'amax', x.data, x.offset, out, rows, mid, inner);
      return out;
    },

    logSoftmax(x, dim) {
      if (!isF32(x)) return fallback.logSoftmax(x, dim);
      const [data, offset] = contiguous(x);
      const n = numel(x.shape);
      const size = x.shape[dim];
      const inner = numel(x.shape.slice(dim + 1));
      const out = alloc(n);
      if (n > 0) addon.logSoftmax(data, offset, out, n / (size * inner), size, inner);
      return out;
    },

    logSoftmaxBackward(grad, output, dim) {
      const [gd, go] = contiguous(grad as F32View);
      const [od, oo] = contiguous(output as F32View);
      const n = numel(grad.shape);
      const size = grad.shape[dim];
      const inner = numel(grad.shape.slice(dim + 1));
      const dx = alloc(n);
      if (n > 0) addon.logSoftmaxBackward(gd, go, od, oo, dx, n / (size * inner), size, inner);
      return dx;
    },

    axpy(out, x, alpha) {
      const n = numel(out.shape);
      if (!isF32(out) || !isF32(x) || out.dtype !== 'float32' || n < ELEMENTWISE_MIN || !dense(out) || !dense(x)) return fallback.axpy(out, x, alpha);
      addon.axpy(out.data, out.offset, x.data, x.offset, Math.fround(alpha), n);
    },

    thresholdBackward(grad, self, threshold) {
      const n = numel(grad.shape);
      // The kernel compares in float32: only thresholds float32 holds exactly (ReLU's 0).
      if (!isF32(grad) || !isF32(self) || Math.fround(threshold) !== threshold || n < ELEMENTWISE_MIN || !dense(grad) || !dense(self)) {
        return fallback.thresholdBackward(grad, self, threshold);
      }
      const out = alloc(n);
      addon.thresholdBackward(grad.data, grad.offset, self.data, self.offset, threshold, out, n);
      return out;
    },

    indexSelect(x, dim, index) {
      // Nearest-neighbour upsampling's gathers, a batch's images and (float64: int64) labels; the
      // reference reports a bad index (its message).
      const count = numel(index.shape);
      const wide = x.data instanceof Float64Array;
      if (!(isF32(x) || wide) || !dense(x) || !dense(index) || count === 0) return fallback.indexSelect(x, dim, index);
      const size = x.shape[dim];
      const rows = new Int32Array(count);
      for (let r = 0; r < count; r++) {
        const k = index.data[index.offset + r];
        if (!(k >= 0 && k < size)) return fallback.indexSelect(x, dim, index);
        rows[r] = k;
      }
      const outer = numel(x.shape.slice(0, dim));
      const inner = numel(x.shape.slice(dim + 1));
      const out = wide ? pool64.take(outer * count * inner) : alloc(outer * count * inner);
      addon.indexSelect(x.data as Float32Array | Float64Array, x.offset, outer, size, inner, rows, out);
      return out;
    },

    conv2d(x, weight, bias, window, groups) {
      if (!isF32(x) || !isF32(weight) || (bias !== null && !isF32(bias))) return fallback.conv2d(x, weight, bias, window, groups);
      const [N, C, H, W] = x.shape;
      const O = weight.shape[0];
      const [xd, xo] = contiguous(x);
      const [wd, wo] = contiguous(weight);
      const [bd, bo] = bias ? contiguous(bias as F32View) : [null, 0];
      const y = alloc(N * O * window.output[0] * window.output[1]);
      addon.conv2d(xd, xo, wd, wo, bd, bo, y, 0, ...geometry(N, C, H, W, O, groups, window));
      return y;
    },

    conv2dInputGrad(grad, weight, size, window, groups) {
      if (!isF32(grad) || !isF32(weight)) return fallback.conv2dInputGrad(grad, weight, size, window, groups);
      const [N, O] = grad.shape;
      const C = weight.shape[1] * groups;
      const [gd, go] = contiguous(grad);
      const [wd, wo] = contiguous(weight);
      const dx = alloc(N * C * size[0] * size[1]);
      addon.conv2dInputGrad(gd, go, wd, wo, dx, 0, ...geometry(N, C, size[0], size[1], O, groups, window));
      return dx;
    },

    conv2dWeightGrad(x, grad, window, groups, withBias) {
      if (!isF32(x) || !isF32(grad)) return fallback.conv2dWeightGrad(x, grad, window, groups, withBias);
      const [N, C, H, W] = x.shape;
      const O = grad.shape[1];
      const [xd, xo] = contiguous(x);
      const [gd, go] = contiguous(grad);
      const weight = alloc(O * (C / groups) * window.kernel[0] * window.kernel[1]);
      const bias = withBias ? alloc(O) : null;
      addon.conv2dWeightGrad(xd, xo, gd, go, weight, 0, bias, 0, ...geometry(N, C, H, W, O, groups, window));
      return { weight, bias };
    },

    maxPool2d(x, window) {
      if (!isF32(x)) return fallback.maxPool2d(x, window);
      const [N, C, H, W] = x.shape;
      const [xd, xo] = contiguous(x);
      const n = N * C * window.output[0] * window.output[1];
      const values = alloc(n);
      const indices = pool64.take(n);
      addon.maxPool2d(xd, xo, values, indices, ...geometry(N, C, H, W, C, 1, window));
      return { values, indices };
    },

    maxPool2dBackward(grad, indices, size) {
      if (!isF32(grad) || !(indices.data instanceof Float64Array)) return fallback.maxPool2dBackward(grad, indices, size);
      const [N, C, outH, outW] = grad.shape;
      const [gd, go] = contiguous(grad);
      const [id, io] = dense(indices) ? [indices.data, indices.offset] : [fallback.copy(indices, 'int64') as Float64Array, 0];
      const out = alloc(N * C * size[0] * size[1]);
      addon.maxPool2dBackward(gd, go, id, io, N * C, outH * outW, size[0] * size[1], out);
      return out;
    },
  };
}

/** The backend's result pools (float32, and float64 for int64 results); empty without the addon. */
let nativePools: ResultPool<Float32Array | Float64Array>[] = [];

/** @internal For tests: switch the result pools off (every result a fresh array) or on, and poison what they are given with NaN. */
export function configureNativePool(options: { enabled?: boolean; poison?: boolean }): void {
  for (const pool of nativePools) {
    pool.clear();
    if (options.enabled !== undefined) pool.enabled = options.enabled;
    if (options.poison !== undefined) pool.poison = options.poison;
  }
}

/** @internal For tests: bytes the result pools hold now (0 without the addon). */
export function nativePoolHeldBytes(): number {
  return nativePools.reduce((sum, pool) => sum + pool.heldBytes, 0);
}

/** The native backend where its addon loaded (Node, built at install), else null. */
export const nativeBackend: Backend | null = platform.addon ? makeNativeBackend(platform.addon) : null;

/** Why there is no native backend (null where there is one). */
export const nativeUnavailableReason: string | null = platform.reason;

/** Which ISA the kernels run (and the best this CPU has) and the pool's thread count; null without the addon. */
export function nativeInfo(): { isa: string; detected: string; threads: number } | null {
  return platform.addon?.info() ?? null;
}

/** @internal For tests: run the kernels on a lower ISA ('portable', 'avx2', 'avx512'); returns the one in effect. */
export function setNativeIsa(isa: string): string | null {
  return platform.addon?.setIsa(isa) ?? null;
}

/**
 * @internal For tests and measurements: force the direct or the implicit-GEMM convolution where both apply, or
 * Winograd F(2x2, 3x3) wherever it applies (3x3 stride-1 forward and both gradients); 'auto' picks by size.
 */
export function setNativeConvAlgorithm(algorithm: 'auto' | 'direct' | 'gemm' | 'winograd'): void {
  platform.addon?.setConvAlgorithm(algorithm);
}

/** torch.set_num_threads for the native pool (src/backend/threads.ts sets every backend's). */
export function setNativeThreads(n: number): void {
  platform.addon?.setNumThreads(n);
}
