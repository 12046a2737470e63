// The one interface every compute backend implements. Backends see strided views over their own
// memory (`DeviceData`: a typed array on the CPU, a buffer handle on a device) and return fresh
// contiguous memory; they know nothing of autograd. The js backend is the readable reference;
// faster backends must agree with it.

import type { DType, TypedArray } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';

/**
 * A backend's memory, opaque outside it: a typed array for the CPU backends (js, wasm), a pooled
 * buffer handle for a device backend (webgpu). Only its element count is common to all.
 */
export interface DeviceData {
  readonly length: number;
}

/** A strided window onto a backend's memory: what a backend kernel reads (a typed array on the CPU). */
export interface View<D extends DeviceData = TypedArray> {
  readonly data: D;
  readonly dtype: DType;
  readonly shape: Shape;
  readonly strides: Shape;
  readonly offset: number;
}

export type UnaryOp =
  | 'neg' | 'abs' | 'sign' | 'exp' | 'expm1' | 'log' | 'log1p' | 'log2' | 'log10' | 'sqrt' | 'rsqrt'
  | 'sin' | 'cos' | 'tan' | 'asin' | 'acos' | 'atan' | 'sinh' | 'cosh' | 'tanh' | 'asinh' | 'acosh' | 'atanh'
  | 'sigmoid' | 'relu' | 'erf' | 'erfc' | 'erfinv' | 'floor' | 'ceil' | 'round' | 'trunc' | 'reciprocal'
  | 'logicalNot' | 'isnan' | 'isinf' | 'isfinite' | 'bitwiseNot';

export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'atan2' | 'remainder' | 'fmod'
  | 'floorDivide' | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'logicalAnd' | 'logicalOr' | 'logicalXor';

export type ReduceOp = 'sum' | 'prod' | 'amax' | 'amin';
export type ArgReduceOp = 'argmax' | 'argmin';
export type ScanOp = 'cumsum' | 'cumprod';

/**
 * The sliding-window geometry shared by im2col, col2im and maxPool2d (1-D ops use H = 1,
 * kernel 1 along it). Window (oh, ow), element (ki, kj) reads input position
 *   ih = oh * stride[0] - padding[0] + ki * dilation[0],  iw = ow * stride[1] - padding[1] + kj * dilation[1];
 * a position outside [0, H) x [0, W) is padding: it reads as 0 (im2col), is dropped (col2im) or never
 * wins (maxPool2d). `output` is given, not derived, so that callers can express ceil_mode and
 * asymmetric ('same') padding: only the start padding matters, the end is wherever `output` stops.
 */
export interface Window2d {
  /** [kH, kW] */
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  /** Padding before the first row / column. */
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  /** Number of window positions [outH, outW]; L = outH * outW. */
  readonly output: readonly [number, number];
}

/**
 * Scratch memory for a backward pass: between begin and end, results may be views of memory
 * that end reclaims (the wasm backend's gradients, read once by the next rule, need no copy
 * out of linear memory). Autograd gives a gradient that leaves the pass memory of its own
 * (storage.data = data.slice()) where isScratch(data), and pauses the scope while a user's
 * hook runs (whatever the hook computes may be kept).
 */
export interface ScratchScope {
  begin(): void;
  end(): void;
  pause(): void;
  resume(): void;
  isScratch(data: DeviceData): boolean;
}

/**
 * What a backend implements: allocate, read and write buffers, and run each primitive. `js` is the
 * readable reference; the others must agree with it. `D` is the backend's memory: the CPU
 * backends' is the typed array itself (no indirection on the CPU path), a device backend's a handle.
 */
export interface Backend<D extends DeviceData = TypedArray> {
  readonly name: string;
  /** The device its memory lives on: 'cpu' for js and wasm, 'webgpu:0' for the first GPU. */
  readonly device: string;
  /** Device backends only: memory holding `values` (contiguous, in the CPU layout of `dtype`). */
  upload?(values: TypedArray, dtype: DType): D;
  /** Device backends only: a view's values as a contiguous typed array of its dtype, read back asynchronously. */
  read?(x: View<D>): Promise<TypedArray>;
  /** Optional: see ScratchScope. */
  readonly scratch?: ScratchScope;
  /**
   * Device backends only: give `data`'s memory back now instead of when its handle is collected
   * (V8 does not see device memory). Later use of `data` throws; a second release does nothing.
   */
  release?(data: D): void;
  /**
   * CPU backends with a buffer pool: `data` may become a later result's memory. Called only where
   * nothing can read it again (a gradient a backward pass has consumed, see src/autograd/engine.ts),
   * so it saves V8 a fresh ArrayBuffer and the collections that external memory brings.
   */
  recycle?(data: D): void;
  /** Zero-filled contiguous array. */
  allocate(dtype: DType, size: number): D;
  /** Contiguous copy of a view, converted to `dtype`. */
  copy(x: View<D>, dtype: DType): D;
  /** Write `src` (already strided to dst's shape, broadcasting with 0 strides) into the window `dst`. */
  assign(dst: View<D>, src: View<D>): void;
  fill(dst: View<D>, value: number): void;
  unary(op: UnaryOp, x: View<D>, dtype: DType): D;
  /** a and b are strided to `shape` (broadcast dims have stride 0); the result has `dtype`. */
  binary(op: BinaryOp, a: View<D>, b: View<D>, shape: Shape, dtype: DType): D;
  where(cond: View<D>, a: View<D>, b: View<D>, shape: Shape, dtype: DType): D;
  /** Reduce over `dims` (sorted); the result has the remaining dims, in order. */
  reduce(op: ReduceOp, x: View<D>, dims: readonly number[], dtype: DType): D;
  /** Index (int64) of the first max/min along `dim`; NaN counts as the max, as in PyTorch. */
  argReduce(op: ArgReduceOp, x: View<D>, dim: number): D;
  scan(op: ScanOp, x: View<D>, dim: number, dtype: DType): D;
  /**
   * The int64 positions along `dim` that sort each slice of x (a fresh contiguous array of x's
   * shape): a stable sort, NaN above every number (last ascending, first descending), as PyTorch.
   */
  sort(x: View<D>, dim: number, descending: boolean): D;
  /**
   * log_softmax of a float view along `dim`, as PyTorch's CPU kernel: per slice,
   * x - max - log(sum(exp(x - max))) (so a NaN or +inf in a slice makes the whole slice NaN);
   * a fresh contiguous array of x's dtype.
   */
  logSoftmax(x: View<D>, dim: number): D;
  /**
   * Optional, float32: log_softmax's gradient g - exp(out) * sum(g, dim) for `out` a log_softmax
   * result and g of its shape, with the bits of exp, sum, mul and sub run one by one (what the
   * backward composes without it); a fresh contiguous array.
   */
  logSoftmaxBackward?(grad: View<D>, output: View<D>, dim: number): D;
  /** Batched matrix product [B, M, K] x [B, K, N] -> [B, M, N]; any strides (transposed views need no copy). */
  matmul(a: View<D>, b: View<D>, dtype: DType): D;
  /**
   * Optional, float32: matmul of a [B, M, K] and b [B, K, N], then `bias` (N contiguous elements)
   * added to each row of the result, each product rounded before its add (the bits of matmul
   * followed by add). A Linear layer's forward (addmm) in one call; without it, the two ops.
   */
  matmulBias?(a: View<D>, b: View<D>, bias: View<D>): D;
  /** out[..., i, ...] = x[..., index[..., i, ...], ...] along `dim`; the result has index's shape. */
  gather(x: View<D>, dim: number, index: View<D>): D;
  /** In place on contiguous `out`: out[index[p] along dim] (+)= src[p] for every p of index's shape. */
  scatter(out: View<D>, dim: number, index: View<D>, src: View<D>, accumulate: boolean): void;
  /** x restricted to `index` positions along dim. */
  indexSelect(x: View<D>, dim: number, index: View<D>): D;
  /** In place on contiguous `out`: out.select(dim, index[i]) += src.select(dim, i). */
  indexAdd(out: View<D>, dim: number, index: View<D>, src: View<D>): void;
  /**
   * F.unfold: x is [N, C, H, W] (any strides, float32/float64); returns a fresh contiguous array of
   * x's dtype laid out [N, C * kH * kW, outH * outW], row (c * kH + ki) * kW + kj, column oh * outW + ow,
   * holding x at the position window (oh, ow) element (ki, kj) reads, 0 where that is padding.
   */
  im2col(x: View<D>, window: Window2d): D;
  /**
   * F.fold, the adjoint of im2col: cols is [N, C * kH * kW, outH * outW] (any strides); returns a
   * fresh zero-initialised contiguous [N, C, size[0], size[1]] array of cols' dtype where each column
   * entry is added to the input position it would have been read from (padding entries are dropped).
   */
  col2im(cols: View<D>, size: readonly [number, number], window: Window2d): D;
  /**
   * Convolution (F.conv2d's core, cross-correlation as PyTorch's): x [N, C, H, W], weight
   * [O, C/groups, kH, kW] (window.kernel), bias [O] or null, any strides; returns a fresh
   * contiguous [N, O, outH, outW] array. Input channel block g meets output channel block g.
   */
  conv2d(x: View<D>, weight: View<D>, bias: View<D> | null, window: Window2d, groups: number): D;
  /**
   * The adjoint of conv2d in x (also conv_transpose2d's core): grad [N, O, outH, outW] through
   * weight, summed back onto the input positions; returns a fresh [N, C, size[0], size[1]] array.
   */
  conv2dInputGrad(grad: View<D>, weight: View<D>, size: readonly [number, number], window: Window2d, groups: number): D;
  /**
   * The adjoint of conv2d in the weight: from x [N, C, H, W] and grad [N, O, outH, outW], the
   * [O, C/groups, kH, kW] weight gradient and, with `withBias`, the bias gradient [O] (grad
   * summed over N, outH, outW), computed in the same pass.
   */
  conv2dWeightGrad(x: View<D>, grad: View<D>, window: Window2d, groups: number, withBias: boolean): { weight: D; bias: D | null };
  /**
   * Max pooling: x is [N, C, H, W] (any strides); returns fresh contiguous [N, C, outH, outW]
   * arrays: `values` of x's dtype, each window's maximum, and `indices` (int64), the flat index
   * ih * W + iw it was read from. A window is scanned over its non-padding positions in (ki, kj)
   * row-major order from best = -Infinity: a strictly greater value or a NaN replaces the best (so
   * NaN propagates, the last NaN wins, ties keep the first), exactly PyTorch's CPU max_pool2d kernel.
   */
  maxPool2d(x: View<D>, window: Window2d): { values: D; indices: D };
  /**
   * Max pooling's backward: grad and indices (int64) are [N, C, outH, outW] (any strides); returns
   * a fresh zero-initialised contiguous [N, C, size[0], size[1]] array of grad's dtype where each
   * grad value is added at its (n, c) plane's flat index (windows sharing a maximum add up).
   */
  maxPool2dBackward(grad: View<D>, indices: View<D>, size: readonly [number, number]): D;
  /**
   * PyTorch's threshold_backward (ReLU's gradient): grad and self of one shape (any strides);
   * returns a fresh contiguous array of grad's dtype holding 0 where self <= threshold and grad
   * elsewhere (NaN in self passes the gradient; a select, so a NaN grad at a cut position gives 0).
   */
  thresholdBackward(grad: View<D>, self: View<D>, threshold: number): D;
  /**
   * In place on contiguous float `out`: out += alpha * x, x of out's shape and dtype (any strides),
   * rounding exactly as mul then add do (alpha and the product rounded to out's dtype), so it is
   * only a faster add_ with alpha: the optimizer's update without a temporary for alpha * x.
   */
  axpy(out: View<D>, x: View<D>, alpha: number): void;
}

/** Any backend, its memory unseen: what a storage holds and what ops dispatch to. */
export type AnyBackend = Backend<DeviceData>;
