// Pooling. Max pooling is a primitive: one backend pass gives each window's maximum and its
// flat index into the H*W plane (NaN-propagating, as PyTorch); its backward, a second primitive,
// adds the gradient at those indices, and that one's backward gathers at them again, so
// gradients of gradients work. Average pooling is im2col, a sum over the window and a division
// by PyTorch's per-window divisor. Adaptive pooling uses windows start = floor(i*In/Out),
// end = ceil((i+1)*In/Out). 1-D pooling runs as 2-D with H = 1; unbatched input is pooled as a
// batch of one (max pooling without graph nodes for it, so its graph is PyTorch's).

import type { DeviceData, View, Window2d } from '../backend/backend.js';
import { isGradEnabled } from '../autograd/grad_mode.js';
import { isFloatingPoint, scalarTypeName } from '../tensor/dtype.js';
import { fmtShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { asOneNode, backendOf, record, wrap } from './function.js';
import { gather } from './indexing.js';
import { cast } from './movement.js';
import { tensor, zerosLike } from './creation.js';
import { im2colOp, nTuple, type IntOrPair, type Pair } from './conv.js';

/** Options of `F.max_pool1d/2d`: stride (default: the kernel size), padding (0), dilation (1), ceilMode (false), returnIndices (false). */
export interface MaxPoolOptions {
  /** Default (null or omitted): the kernel size. */
  stride?: IntOrPair | null;
  padding?: IntOrPair;
  dilation?: IntOrPair;
  ceilMode?: boolean;
  returnIndices?: boolean;
}

/** Options of `F.avg_pool1d/2d`: stride (default: the kernel size), padding (0), ceilMode (false), countIncludePad (true), divisorOverride. */
export interface AvgPoolOptions {
  stride?: IntOrPair | null;
  padding?: IntOrPair;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  /** avg_pool2d only: divide every window's sum by this instead. */
  divisorOverride?: number | null;
}

/** PyTorch's pooling_output_shape: floor or ceil mode, the last window starting inside the input or left padding. */
export function poolingOutputSize(size: number, kernel: number, pad: number, stride: number, dilation: number, ceilMode: boolean): number {
  let out = Math.floor((size + 2 * pad - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0)) / stride) + 1;
  if (ceilMode && (out - 1) * stride >= size + pad) out--;
  return out;
}

interface Lifted {
  /** [N, C, H, W] */
  x: Tensor;
  /** Undo the lifting on an [N, C, outH, outW] result. */
  lower: (y: Tensor) => Tensor;
}

/** Lift [C, L] / [N, C, L] (nd 1) or [C, H, W] / [N, C, H, W] (nd 2) to [N, C, H, W]. */
function lift(input: Tensor, nd: 1 | 2): Lifted {
  const unbatched = input.ndim === nd + 1;
  let x = unbatched ? input.unsqueeze(0) : input;
  if (nd === 1) x = x.unsqueeze(2);
  return {
    x,
    lower: (y) => {
      let out = nd === 1 ? y.squeeze(2) : y;
      if (unbatched) out = out.squeeze(0);
      return out;
    },
  };
}

type PoolOp = 'max_pool1d' | 'max_pool2d' | 'avg_pool1d' | 'avg_pool2d';
type PoolArg = 'kernel_size' | 'stride' | 'padding' | 'dilation';

/**
 * PyTorch's refusal of a pooling argument with the wrong number of values: its 2-D ops and
 * max_pool1d check in C++ (each argument worded its own way), avg_pool1d and max_pool1d with
 * indices in Python's argument parser.
 */
function poolArgRefusal(op: PoolOp, name: PoolArg, got: number, parser: boolean): string {
  if (parser) return `${op}() argument '${name}' should contain one int (got ${got})`;
  if (op === 'max_pool1d') {
    const forms = { kernel_size: 'an int, list of ints or tuple of ints', stride: 'None, an int, list of ints, or tuple of ints', padding: 'an int, list of ints, or tuple of ints', dilation: 'an int, list of ints or tuple of ints' };
    return `max_pool1d() ${name} must be ${forms[name]} of size 1 but got size ${got}`;
  }
  const forms = { kernel_size: 'either be a single int', stride: 'either be omitted, a single int', padding: op === 'max_pool2d' ? 'be either be a single int' : 'either be a single int', dilation: 'be either a single int' };
  return `${op}: ${name} must ${forms[name]}, or a tuple of two ints`;
}

/** A pooling argument as `nd` values: one value (or a list of one) repeats, other lengths are refused. */
function poolArg(v: IntOrPair, nd: 1 | 2, op: PoolOp, name: PoolArg, parser: boolean): number[] {
  if (typeof v !== 'number' && v.length !== 1 && v.length !== nd) throw new RangeError(poolArgRefusal(op, name, v.length, parser));
  return nTuple(v, nd, name);
}

/** PyTorch's max_pool1d (no indices, no gradient) checks its arguments itself, in its own words. */
function checkMaxPool1d(k: number, s: number, p: number, d: number): void {
  if (k <= 0) throw new RangeError(`max_pool1d() kernel_size must be greater than zero, but got ${k}`);
  if (s <= 0) throw new RangeError(`max_pool1d() stride must be greater than zero, but got ${s}`);
  if (p < 0) throw new RangeError(`max_pool1d() padding must be non-negative, but got ${p}`);
  if (p > Math.floor(k / 2)) throw new RangeError(`max_pool1d() padding should be at most half of kernel size, but got padding=${p} and kernel_size=${k}`);
  if (d <= 0) throw new RangeError(`max_pool1d() dilation must be greater than zero, but got ${d}`);
}

/** The window of a pooling op with PyTorch's argument checks and messages; 1-D ops pass H-dim values of 1/0. */
function poolWindow(
  x: Tensor, op: PoolOp, kernelSize: IntOrPair, stride: IntOrPair | null | undefined, padding: IntOrPair, dilation: IntOrPair, ceilMode: boolean, parser = false,
): Window2d {
  const nd = op.endsWith('1d') ? 1 : 2;
  const k = poolArg(kernelSize, nd, op, 'kernel_size', parser);
  const s = stride === null || stride === undefined || (Array.isArray(stride) && stride.length === 0) ? k : poolArg(stride, nd, op, 'stride', parser);
  const p = poolArg(padding, nd, op, 'padding', parser);
  const d = poolArg(dilation, nd, op, 'dilation', parser);
  if (op === 'max_pool1d' && !parser) checkMaxPool1d(k[0], s[0], p[0], d[0]);
  // The 2-D kernels' checks, which see a 1-D op's window with height 1.
  const hw = (v: number[]) => (nd === 1 ? [1, v[0]] : v);
  if (s.some((v) => v === 0)) throw new RangeError('stride should not be zero');
  if (k.some((v) => v <= 0)) throw new RangeError(`kernel size should be greater than zero, but got kH: ${hw(k)[0]} kW: ${hw(k)[1]}`);
  if (s.some((v) => v < 0)) throw new RangeError(`stride should be greater than zero, but got dH: ${hw(s)[0]} dW: ${hw(s)[1]}`);
  if (d.some((v) => v <= 0)) throw new RangeError(`dilation should be greater than zero, but got dilationH: ${hw(d)[0]} dilationW: ${hw(d)[1]}`);
  k.forEach((kv, i) => {
    if (p[i] < 0) throw new RangeError(`pad must be non-negative, but got pad: ${p[i]}`);
    if (p[i] > Math.floor(kv / 2)) throw new RangeError(`pad should be at most half of kernel size, but got pad=${p[i]} and kernel_size=${kv}`);
  });
  const spatial = x.shape.slice(x.ndim - nd);
  const out = spatial.map((size, i) => poolingOutputSize(size, k[i], p[i], s[i], d[i], ceilMode));
  if (out.some((o) => o < 1)) {
    const C = x.shape[x.ndim - nd - 1];
    const inDims = nd === 1 ? [C, 1, ...spatial] : [C, ...spatial];
    const outDims = nd === 1 ? [C, 1, ...out] : [C, ...out];
    throw new RangeError(`Given input size: (${inDims.join('x')}). Calculated output size: (${outDims.join('x')}). Output size is too small`);
  }
  const two = (v: number[], one: number): [number, number] => (nd === 1 ? [one, v[0]] : [v[0], v[1]]);
  return { kernel: two(k, 1), stride: two(s, 1), padding: two(p, 0), dilation: two(d, 1), output: two(out, 1) };
}

// ---------------------------------------------------------------------------- max pooling

/**
 * An [N, C, H, W] or unbatched [C, H, W] tensor as the backend's [N, C, H, W] view (a batch of
 * one for the latter). No graph node: PyTorch pools both ranks natively, so one node stands for it.
 */
function batchView(t: Tensor): View<DeviceData> {
  const v = t._view();
  return t.ndim === 4 ? v : { ...v, shape: [1, ...v.shape], strides: [0, ...v.strides] };
}

/**
 * Values and int64 indices of max pooling on [N, C, H, W] or [C, H, W], recorded as PyTorch's
 * max_pool2d_with_indices (one MaxPool2DWithIndicesBackward0 node on x).
 */
function maxPoolCore(x: Tensor, window: Window2d): [Tensor, Tensor] {
  const [, , H, W] = batchView(x).shape;
  const outShape = [...x.shape.slice(0, -2), ...window.output];
  const backend = backendOf(x);
  const { values, indices } = backend.maxPool2d(batchView(x), window);
  const idx = wrap(indices, outShape, 'int64', backend);
  const y = wrap(values, outShape, x.dtype, backend);
  // x is saved as PyTorch saves self: writing into it in place before backward is an error there too.
  record('MaxPool2DWithIndicesBackward0', y, [x], [x, idx], (g) => [maxPoolBackwardOp(g, x, idx, [H, W], 'MaxPool2DWithIndicesBackwardBackward0')]);
  return [y, idx];
}

/**
 * The max-pool backward primitive: g (the shape of `indices`, [N, C, outH, outW] or unbatched)
 * added at `indices` into a zero tensor of x's shape. Its own backward gathers the incoming
 * gradient at the same indices. `x` (the pooled input) is an input as in PyTorch (the node's
 * next functions are PyTorch's); the result is piecewise linear in x, so x's gradient through
 * it is zero, as PyTorch returns.
 */
function maxPoolBackwardOp(g: Tensor, x: Tensor, indices: Tensor, size: Pair, name: string): Tensor {
  const [N, C, outH, outW] = batchView(indices).shape;
  const [H, W] = size;
  const backend = backendOf(g);
  const grad = g.dtype === x.dtype ? g : cast(g, x.dtype, false);
  const out = wrap(backend.maxPool2dBackward(batchView(grad), batchView(indices), size), x.shape, x.dtype, backend);
  return record(name, out, [g, x], [indices], (gg, needs) => [
    needs[0] ? gather(gg.reshape(N, C, H * W), 2, indices.reshape(N, C, outH * outW)).view(indices.shape) : null,
    needs[1] ? zerosLike(x) : null,
  ]);
}

/** Max pooling is defined for floating-point input only, as PyTorch's kernels (named as in its message). */
export function requireFloat(input: Tensor, kernel: string): void {
  if (!isFloatingPoint(input.dtype)) throw new TypeError(`"${kernel}" not implemented for '${scalarTypeName[input.dtype]}'`);
}

function maxPoolNd(nd: 1 | 2, input: Tensor, kernelSize: IntOrPair, options: MaxPoolOptions): Tensor | [Tensor, Tensor] {
  if (nd === 2 && input.ndim !== 3 && input.ndim !== 4) throw new RangeError('non-empty 3D or 4D (batch mode) tensor expected for input');
  if (nd === 1 && input.ndim !== 2 && input.ndim !== 3) {
    throw new RangeError(`max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but got:${fmtShape(input.shape)}`);
  }
  const op = nd === 1 ? 'max_pool1d' : 'max_pool2d';
  // PyTorch's max_pool1d runs max_pool1d_with_indices for indices or a gradient, and that one's
  // arguments are checked by the argument parser (other words than max_pool1d's own checks).
  const parser = nd === 1 && (options.returnIndices === true || (input.requiresGrad && isGradEnabled()));
  const window = poolWindow(input, op, kernelSize, options.stride, options.padding ?? 0, options.dilation ?? 1, options.ceilMode ?? false, parser);
  requireFloat(input, nd === 1 ? 'max_pool1d_impl' : 'max_pool2d');
  // As PyTorch: 1-D pooling is 2-D pooling of input.unsqueeze(-2), squeezed back.
  const x = nd === 1 ? input.unsqueeze(-2) : input;
  const lower = (t: Tensor) => (nd === 1 ? t.squeeze(-2) : t);
  const [values, indices] = maxPoolCore(x, window);
  return options.returnIndices ? [lower(values), lower(indices)] : lower(values);
}

/** F.max_pool1d on [N, C, L] or [C, L]; indices index the L dim. */
export function maxPool1d(input: Tensor, kernelSize: IntOrPair, options: MaxPoolOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool1d(input: Tensor, kernelSize: IntOrPair, options?: MaxPoolOptions): Tensor;
export function maxPool1d(input: Tensor, kernelSize: IntOrPair, options: MaxPoolOptions = {}): Tensor | [Tensor, Tensor] {
  return maxPoolNd(1, input, kernelSize, options);
}

/** F.max_pool2d on [N, C, H, W] or [C, H, W]; indices are flat h * W + w, as PyTorch's. */
export function maxPool2d(input: Tensor, kernelSize: IntOrPair, options: MaxPoolOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(input: Tensor, kernelSize: IntOrPair, options?: MaxPoolOptions): Tensor;
export function maxPool2d(input: Tensor, kernelSize: IntOrPair, options: MaxPoolOptions = {}): Tensor | [Tensor, Tensor] {
  return maxPoolNd(2, input, kernelSize, options);
}

// ---------------------------------------------------------------------------- average pooling

/**
 * PyTorch's average-pooling divisor per window (row-major over the output positions): the padded
 * window's size, or only its in-input part; per dim, as the kernels of every rank compute it.
 */
export function avgDivisors(
  sizes: readonly number[], kernel: readonly number[], stride: readonly number[], padding: readonly number[], output: readonly number[],
  countIncludePad: boolean, divisorOverride: number | null,
): number[] {
  // Each dim's windows: [padded size, in-input size] (a window ending in the padding is clipped).
  const perDim = sizes.map((size, d) =>
    Array.from({ length: output[d] }, (_, o) => {
      const start = o * stride[d] - padding[d];
      const end = Math.min(start + kernel[d], size + padding[d]);
      return [end - start, Math.min(end, size) - Math.max(start, 0)];
    }),
  );
  let windows: number[][] = [[1, 1]];
  for (const dim of perDim) windows = windows.flatMap(([pool, inside]) => dim.map(([p, i]) => [pool * p, i <= 0 ? 0 : inside * i]));
  // A window wholly in padding sums to 0; any nonzero divisor keeps it 0, as PyTorch writes.
  return windows.map(([pool, inside]) => (inside === 0 ? 1 : (divisorOverride ?? (countIncludePad ? pool : inside))));
}

function avgPoolCore(x: Tensor, window: Window2d, countIncludePad: boolean, divisorOverride: number | null): Tensor {
  const [N, C, H, W] = x.shape;
  const [kH, kW] = window.kernel;
  const [outH, outW] = window.output;
  const L = outH * outW;
  const sums = im2colOp(x, window).view(N, C, kH * kW, L).sum(2);
  const divisors = tensor(avgDivisors([H, W], window.kernel, window.stride, window.padding, window.output, countIncludePad, divisorOverride), { dtype: x.dtype, device: x.device });
  return sums.div(divisors).view(N, C, outH, outW);
}

/** F.avg_pool1d on [N, C, L] or [C, L]. */
export function avgPool1d(input: Tensor, kernelSize: IntOrPair, options: Omit<AvgPoolOptions, 'divisorOverride'> = {}): Tensor {
  if (input.ndim !== 2 && input.ndim !== 3) {
    throw new RangeError(`Expected 2 to 3 dimensions, but got ${input.ndim}-dimensional tensor for argument #1 'self' (while checking arguments for avg_pool1d)`);
  }
  const window = poolWindow(input, 'avg_pool1d', kernelSize, options.stride, options.padding ?? 0, 1, options.ceilMode ?? false, true);
  const { x, lower } = lift(input, 1);
  return lower(avgPoolCore(x, window, options.countIncludePad ?? true, null));
}

/** F.avg_pool2d on [N, C, H, W] or [C, H, W]. */
export function avgPool2d(input: Tensor, kernelSize: IntOrPair, options: AvgPoolOptions = {}): Tensor {
  // The Python wrapper reads input.size(-3) first; the kernel refuses a rank above 4.
  if (input.ndim === 0) throw new RangeError('Dimension specified as -3 but tensor has no dimensions');
  if (input.ndim < 3) throw new RangeError(`Dimension out of range (expected to be in range of [${-input.ndim}, ${input.ndim - 1}], but got -3)`);
  if (input.ndim > 4) throw new RangeError(`Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:${fmtShape(input.shape)}`);
  const divisorOverride = options.divisorOverride ?? null;
  if (divisorOverride !== null && divisorOverride === 0) throw new RangeError('divisor must be not zero');
  const window = poolWindow(input, 'avg_pool2d', kernelSize, options.stride, options.padding ?? 0, 1, options.ceilMode ?? false);
  const { x, lower } = lift(input, 2);
  return lower(avgPoolCore(x, window, options.countIncludePad ?? true, divisorOverride));
}

// ---------------------------------------------------------------------------- adaptive pooling

/** An output size, or one per spatial dim where null keeps the input's size, as PyTorch's None. */
export type AdaptiveSize = number | readonly (number | null)[];

/**
 * Python's _list_with_default for the 2-D ops: a number is the size of both dims, a list's None
 * entries keep the input's sizes, and a list at least as long as the input's rank is refused
 * there, before the op.
 */
function adaptiveSizes(outputSize: AdaptiveSize, input: Tensor): (number | null)[] {
  if (typeof outputSize === 'number') return [outputSize, outputSize];
  if (outputSize.length >= input.ndim) throw new RangeError(`Input dimension should be at least ${outputSize.length + 1}`);
  return outputSize.map((o, i) => o ?? input.shape[input.ndim - outputSize.length + i]);
}

/** The 1-D ops' checks (checkDimRange, check1d) before they run the 2-D op on input.unsqueeze(-2). */
function adaptive1dSize(input: Tensor, outputSize: number | readonly number[], op: string): number {
  if (input.ndim !== 2 && input.ndim !== 3) {
    throw new RangeError(`Expected 2 to 3 dimensions, but got ${input.ndim}-dimensional tensor for argument #1 'self' (while checking arguments for ${op})`);
  }
  if (typeof outputSize === 'number') return outputSize;
  if (outputSize.length !== 1) throw new RangeError(`${op}() argument 'output_size' should contain one int (got ${outputSize.length})`);
  return outputSize[0];
}

const windowStart = (i: number, inSize: number, outSize: number) => Math.floor((i * inSize) / outSize);
const windowEnd = (i: number, inSize: number, outSize: number) => Math.ceil(((i + 1) * inSize) / outSize);

/** [outSize, inSize] averaging matrix: row i holds 1/len over window i. */
export function averagingMatrix(inSize: number, outSize: number, like: Tensor): Tensor {
  const m = new Array<number>(outSize * inSize).fill(0);
  for (let i = 0; i < outSize; i++) {
    const s = windowStart(i, inSize, outSize);
    const e = windowEnd(i, inSize, outSize);
    for (let j = s; j < e; j++) m[i * inSize + j] = 1 / (e - s);
  }
  return tensor(m, { dtype: like.dtype, device: like.device }).view(outSize, inSize);
}

/** The kernels' rank and emptiness checks: avg looks at H and W only, max at every dim after the first. */
function checkAdaptiveInput(input: Tensor, op: 'adaptive_avg_pool2d' | 'adaptive_max_pool2d'): void {
  if (input.ndim !== 3 && input.ndim !== 4) {
    throw new RangeError(`${op}(): Expected 3D or 4D tensor, but got${op === 'adaptive_max_pool2d' ? ':' : ''} ${fmtShape(input.shape)}`);
  }
  for (let d = op === 'adaptive_avg_pool2d' ? input.ndim - 2 : 1; d < input.ndim; d++) {
    if (input.shape[d] === 0) {
      throw new RangeError(`${op}(): Expected input to have non-zero size for non-batch dimensions, but input has sizes ${fmtShape(input.shape)} with dimension ${d} being empty`);
    }
  }
}

/** PyTorch's adaptive_avg_pool2d (the 1-D op runs it on input.unsqueeze(-2)), in its order of checks. */
function adaptiveAvg2d(input: Tensor, sizes: readonly (number | null)[]): Tensor {
  if (sizes.length !== 2) throw new RangeError('adaptive_avg_pool2d: output_size must be 2');
  const [oH, oW] = sizes as number[];
  if (oH < 0 || oW < 0) throw new RangeError(`adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received {${oH}, ${oW}}`);
  // 1x1 is a mean over the last two dims, taken before the kernel's checks (any rank, mean's dtype refusal).
  if (oH === 1 && oW === 1) return input.mean([-2, -1], { keepdim: true });
  checkAdaptiveInput(input, 'adaptive_avg_pool2d');
  requireFloat(input, 'adaptive_avg_pool2d');
  const [H, W] = input.shape.slice(-2);
  // One node, PyTorch's AdaptiveAvgPool2DBackward0 (saving the input): the gradient spreads each
  // output over its window, A_h^T g A_w with the windows' averaging matrices.
  return asOneNode('AdaptiveAvgPool2DBackward0', [input], [input], (i) => adaptiveAvgValues(i, oH, oW), (g) => {
    let gx = g;
    if (oW !== W) gx = gx.matmul(averagingMatrix(W, oW, g));
    if (oH !== H) gx = averagingMatrix(H, oH, g).t().matmul(gx);
    return [gx];
  });
}

/** adaptive_avg_pool2d's values on [N, C, H, W] or [C, H, W]. */
function adaptiveAvgValues(input: Tensor, oH: number, oW: number): Tensor {
  const { x, lower } = lift(input, 2);
  const [H, W] = x.shape.slice(2);
  if (H % oH === 0 && W % oW === 0) {
    // Equal windows: plain average pooling (the same sum-then-divide as PyTorch).
    const k: [number, number] = [H / oH, W / oW];
    return lower(avgPoolCore(x, { kernel: k, stride: k, padding: [0, 0], dilation: [1, 1], output: [oH, oW] }, true, null));
  }
  // Uneven windows: each window's values summed in the kernel's order, then divided by its size,
  // as PyTorch's kernel; the padding is masked to 0 (never multiplied by a zero weight, which
  // would spread an inf or NaN into every window).
  const { candidates, counts } = windowCandidates(x, oH, oW);
  const K = candidates.shape[3];
  const padding = tensor(counts.flatMap((n) => Array.from({ length: K }, (_, k) => k >= n)), { dtype: 'bool', device: x.device }).view(1, 1, oH * oW, K);
  const sums = candidates.maskedFill(padding, 0).sum(3);
  return lower(sums.div(tensor(counts, { dtype: x.dtype, device: x.device })).view(x.shape[0], x.shape[1], oH, oW));
}

/** F.adaptive_avg_pool1d on [N, C, L] or [C, L]. */
export function adaptiveAvgPool1d(input: Tensor, outputSize: number | readonly number[]): Tensor {
  const size = adaptive1dSize(input, outputSize, 'adaptive_avg_pool1d');
  return adaptiveAvg2d(input.unsqueeze(-2), [1, size]).squeeze(-2);
}

/** F.adaptive_avg_pool2d on [N, C, H, W] or [C, H, W]. */
export function adaptiveAvgPool2d(input: Tensor, outputSize: AdaptiveSize): Tensor {
  return adaptiveAvg2d(input, adaptiveSizes(outputSize, input));
}

/**
 * Every adaptive window's values of x [N, C, H, W], as [N, C, oH * oW, K]: the window's flat
 * positions h * W + w in the kernel's order, padded to the largest window (K) with its first
 * position; `counts` says how many of each row are the window's own.
 */
function windowCandidates(x: Tensor, oH: number, oW: number): { positions: Tensor; candidates: Tensor; counts: number[] } {
  const [N, C, H, W] = x.shape;
  const maxLen = (inSize: number, outSize: number) => {
    let m = 0;
    for (let i = 0; i < outSize; i++) m = Math.max(m, windowEnd(i, inSize, outSize) - windowStart(i, inSize, outSize));
    return m;
  };
  // At least 1: an output of no position still takes its (empty) argmax over a non-empty dim.
  const K = Math.max(1, maxLen(H, oH) * maxLen(W, oW));
  const table: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < oH; i++) {
    for (let j = 0; j < oW; j++) {
      const row: number[] = [];
      for (let h = windowStart(i, H, oH); h < windowEnd(i, H, oH); h++) {
        for (let w = windowStart(j, W, oW); w < windowEnd(j, W, oW); w++) row.push(h * W + w);
      }
      counts.push(row.length);
      while (row.length < K) row.push(row[0]);
      table.push(...row);
    }
  }
  const L = oH * oW;
  const positions = tensor(table, { dtype: 'int64', device: x.device }).view(1, 1, L, K).expand(N, C, L, K);
  const candidates = gather(x.reshape(N, C, H * W), 2, positions.reshape(N, C, L * K)).view(N, C, L, K);
  return { positions, candidates, counts };
}

/**
 * PyTorch's adaptive_max_pool2d on x1 (the 1-D op's input.unsqueeze(-2)), in its order of checks.
 * The node goes on x1 as PyTorch's (unbatched as it is); the indices are found on a
 * batch-of-one view of it, outside the graph.
 */
function adaptiveMax2d(x1: Tensor, sizes: readonly (number | null)[]): [Tensor, Tensor] {
  checkAdaptiveInput(x1, 'adaptive_max_pool2d');
  if (sizes.length !== 2) throw new RangeError('adaptive_max_pool2d(): internal error: output_size.size() must be 2');
  const [oH, oW] = sizes as number[];
  const outShape = [...x1.shape.slice(0, -2), oH, oW];
  const negative = outShape.find((n) => n < 0);
  if (negative !== undefined) throw new RangeError(`Trying to create tensor with negative dimension ${negative}: ${fmtShape(outShape)}`);
  requireFloat(x1, 'adaptive_max_pool2d');
  const x = x1.ndim === 4 ? x1.detach() : x1.detach().unsqueeze(0);
  const [N, C, H, W] = x.shape;
  // The padding repeats a window's first position: a repeat never changes the max nor which
  // position holds it. argmax keeps the first of equal values, as PyTorch's kernel; of several
  // NaNs it reports the first where PyTorch reports the last (the value, NaN, is the same).
  const { positions, candidates } = windowCandidates(x, oH, oW);
  const L = oH * oW;
  const flat = x.reshape(N, C, H * W);
  const best = candidates.argmax(3, { keepdim: true });
  const indices = positions.gather(3, best).view(N, C, L);
  const backend = backendOf(x);
  const values = wrap(backend.gather(flat._view(), 2, indices._view()), outShape, x.dtype, backend);
  const idx = indices.view(outShape);
  record('AdaptiveMaxPool2DBackward0', values, [x1], [x1, idx], (g) => [maxPoolBackwardOp(g, x1, idx, [H, W], 'AdaptiveMaxPool2DBackwardBackward0')]);
  return [values, idx];
}

/** F.adaptive_max_pool1d on [N, C, L] or [C, L]. */
export function adaptiveMaxPool1d(input: Tensor, outputSize: number | readonly number[], options: { returnIndices: true }): [Tensor, Tensor];
export function adaptiveMaxPool1d(input: Tensor, outputSize: number | readonly number[], options?: { returnIndices?: boolean }): Tensor;
export function adaptiveMaxPool1d(input: Tensor, outputSize: number | readonly number[], options: { returnIndices?: boolean } = {}): Tensor | [Tensor, Tensor] {
  const size = adaptive1dSize(input, outputSize, 'adaptive_max_pool1d');
  const [values, indices] = adaptiveMax2d(input.unsqueeze(-2), [1, size]);
  return options.returnIndices ? [values.squeeze(-2), indices.squeeze(-2)] : values.squeeze(-2);
}

/** F.adaptive_max_pool2d on [N, C, H, W] or [C, H, W]; indices are flat h * W + w. */
export function adaptiveMaxPool2d(input: Tensor, outputSize: AdaptiveSize, options: { returnIndices: true }): [Tensor, Tensor];
export function adaptiveMaxPool2d(input: Tensor, outputSize: AdaptiveSize, options?: { returnIndices?: boolean }): Tensor;
export function adaptiveMaxPool2d(input: Tensor, outputSize: AdaptiveSize, options: { returnIndices?: boolean } = {}): Tensor | [Tensor, Tensor] {
  const [values, indices] = adaptiveMax2d(input, adaptiveSizes(outputSize, input));
  return options.returnIndices ? [values, indices] : values;
}
