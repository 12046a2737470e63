// 3-D pooling (F.max_pool3d, F.avg_pool3d, F.adaptive_avg_pool3d) composed from the 2-D ops, so
// every backend runs it with its 2-D kernels: the depth planes each output depth reads are picked
// (index_select, a constant plane standing for the padding) and pooled in 2-D side by side as
// channels, then reduced over the kernel's depth: a max (whose index picks the winning plane's
// 2-D index), a sum divided by PyTorch's 3-D divisors, or an averaging matrix.

import { fmtShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { full, tensor } from './creation.js';
import { cat } from './movement.js';
import type { IntOrPair } from './conv.js';
import {
  adaptiveAvgPool2d, averagingMatrix, avgDivisors, avgPool2d, maxPool2d, poolingOutputSize, requireFloat, type AvgPoolOptions, type MaxPoolOptions,
} from './pool.js';

type Op = 'max_pool3d' | 'avg_pool3d';

/** A pooling argument as three values, refused in the op's words when it has another length. */
function triple(v: IntOrPair, op: Op, name: string): number[] {
  if (typeof v === 'number') return [v, v, v];
  if (v.length === 1) return [v[0], v[0], v[0]];
  if (v.length !== 3) {
    const forms: Record<string, string> = op === 'max_pool3d'
      ? { kernel_size: 'either be a single int', stride: 'either be omitted, a single int', padding: 'be either be a single int', dilation: 'be either a single int' }
      : { kernel_size: 'be a single int', stride: 'be omitted, a single int', padding: 'be a single int' };
    throw new RangeError(`${op}: ${name} must ${forms[name]}, or a tuple of three ints`);
  }
  return [...v];
}

interface Window3d {
  kernel: number[];
  stride: number[];
  padding: number[];
  dilation: number[];
  output: number[];
}

/** PyTorch's checks of a 3-D pooling (the arguments, pooling_output_shape per dim, pool3d_shape_check), in its order and words. */
function window3d(
  input: Tensor, op: Op, kernelSize: IntOrPair, stride: IntOrPair | null | undefined, padding: IntOrPair, dilation: IntOrPair, ceilMode: boolean, divisorOverride: number | null = null,
): Window3d {
  const k = triple(kernelSize, op, 'kernel_size');
  const s = stride === null || stride === undefined || (Array.isArray(stride) && stride.length === 0) ? k : triple(stride, op, 'stride');
  const p = triple(padding, op, 'padding');
  const d = op === 'max_pool3d' ? triple(dilation, op, 'dilation') : [1, 1, 1];
  if (input.ndim !== 4 && input.ndim !== 5) throw new RangeError('non-empty 4D or 5D (batch mode) tensor expected for input');
  if (divisorOverride === 0) throw new RangeError('divisor must be not zero');
  const sizes = input.shape.slice(-3);
  const output = sizes.map((size, i) => {
    if (s[i] === 0) throw new RangeError('stride should not be zero');
    if (p[i] < 0) throw new RangeError(`pad must be non-negative, but got pad: ${p[i]}`);
    if (p[i] > Math.floor(k[i] / 2)) throw new RangeError(`pad should be at most half of kernel size, but got pad=${p[i]} and kernel_size=${k[i]}`);
    return poolingOutputSize(size, k[i], p[i], s[i], d[i], ceilMode);
  });
  if (k.some((v) => v <= 0)) throw new RangeError(`kernel size should be greater than zero, but got kT: ${k[0]} kH: ${k[1]} kW: ${k[2]}`);
  if (s.some((v) => v <= 0)) throw new RangeError(`stride should be greater than zero, but got dT: ${s[0]} dH: ${s[1]} dW: ${s[2]}`);
  if (d.some((v) => v <= 0)) throw new RangeError(`dilation should be greater than zero, but got dilationT: ${d[0]} dilationH: ${d[1]} dilationW: ${d[2]}`);
  input.shape.forEach((n, i) => {
    if (n <= 0 && !(input.ndim === 5 && i === 0)) {
      const fn = op === 'max_pool3d' ? 'max_pool3d_with_indices_out_cpu_template' : 'avg_pool3d';
      throw new RangeError(`${fn}(): Expected input's non-batch dimensions to have positive length, but input has a shape of ${fmtShape(input.shape)} and non-batch dimension ${n} has length zero!`);
    }
  });
  if (op === 'avg_pool3d' && sizes.some((n, i) => n < k[i])) {
    throw new RangeError(`input image (T: ${sizes[0]} H: ${sizes[1]} W: ${sizes[2]}) smaller than kernel size (kT: ${k[0]} kH: ${k[1]} kW: ${k[2]})`);
  }
  if (output.some((o) => o < 1)) {
    const C = input.shape[input.ndim - 4];
    throw new RangeError(`Given input size: (${[C, ...sizes].join('x')}). Calculated output size: (${[C, ...output].join('x')}). Output size is too small`);
  }
  return { kernel: k, stride: s, padding: p, dilation: d, output };
}

/**
 * The depth planes each output depth reads, kernel depth by kernel depth: x [N, C, D, H, W] as
 * [N, C*kD*outD, H, W], the planes outside the input (padding, a ceil-mode overhang) read `fill`.
 */
function depthPlanes(x: Tensor, w: Window3d, fill: number): { planes: Tensor; depths: number[] } {
  const [N, C, D, H, W] = x.shape;
  const [kD] = w.kernel;
  const [oD] = w.output;
  const depths: number[] = [];
  for (let kd = 0; kd < kD; kd++) {
    for (let o = 0; o < oD; o++) {
      const at = o * w.stride[0] - w.padding[0] + kd * w.dilation[0];
      depths.push(at >= 0 && at < D ? at : D);
    }
  }
  const padded = cat([x, full([N, C, 1, H, W], fill, { dtype: x.dtype, device: x.device })], 2);
  const planes = padded.indexSelect(2, tensor(depths, { dtype: 'int64', device: x.device })).view(N, C * kD * oD, H, W);
  return { planes, depths };
}

/** The 2-D part of a 3-D window, as the 2-D ops take it. */
const hw = (w: Window3d) => ({ stride: w.stride.slice(1), padding: w.padding.slice(1), dilation: w.dilation.slice(1) });

/** [C, D, H, W] as a batch of one; `lower` undoes it. */
function batched(input: Tensor): { x: Tensor; lower: (y: Tensor) => Tensor } {
  const unbatched = input.ndim === 4;
  return { x: unbatched ? input.unsqueeze(0) : input, lower: (y) => (unbatched ? y.squeeze(0) : y) };
}

/** F.max_pool3d on [N, C, D, H, W] or [C, D, H, W]; indices are flat d * H * W + h * W + w, as PyTorch's. */
export function maxPool3d(input: Tensor, kernelSize: IntOrPair, options: MaxPoolOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool3d(input: Tensor, kernelSize: IntOrPair, options?: MaxPoolOptions): Tensor;
export function maxPool3d(input: Tensor, kernelSize: IntOrPair, options: MaxPoolOptions = {}): Tensor | [Tensor, Tensor] {
  const w = window3d(input, 'max_pool3d', kernelSize, options.stride, options.padding ?? 0, options.dilation ?? 1, options.ceilMode ?? false);
  requireFloat(input, 'max_pool3d_with_indices_cpu');
  const { x, lower } = batched(input);
  const [N, C, , H, W] = x.shape;
  const [kD, kH, kW] = w.kernel;
  const [oD, oH, oW] = w.output;
  const { planes, depths } = depthPlanes(x, w, -Infinity);
  const [values2d, indices2d] = maxPool2d(planes, [kH, kW], { ...hw(w), ceilMode: options.ceilMode ?? false, returnIndices: true });
  // The first plane holding the maximum wins, as the kernel's scan over depth, then height, then width.
  const { values, indices: kd } = values2d.view(N, C, kD, oD, oH, oW).max(2);
  if (!options.returnIndices) return lower(values);
  const pick = kd.unsqueeze(2);
  const within = indices2d.view(N, C, kD, oD, oH, oW).gather(2, pick).squeeze(2);
  const depth = tensor(depths, { dtype: 'int64', device: x.device }).view(1, 1, kD, oD, 1, 1).expand([N, C, kD, oD, oH, oW]).gather(2, pick).squeeze(2);
  return [lower(values), lower(depth.mul(H * W).add(within))];
}

/** F.avg_pool3d on [N, C, D, H, W] or [C, D, H, W]: each window's sum over PyTorch's divisor. */
export function avgPool3d(input: Tensor, kernelSize: IntOrPair, options: AvgPoolOptions = {}): Tensor {
  const divisorOverride = options.divisorOverride ?? null;
  const w = window3d(input, 'avg_pool3d', kernelSize, options.stride, options.padding ?? 0, 1, options.ceilMode ?? false, divisorOverride);
  requireFloat(input, 'avg_pool3d_out_frame');
  const { x, lower } = batched(input);
  const [N, C, D, H, W] = x.shape;
  const [kD, kH, kW] = w.kernel;
  const [oD, oH, oW] = w.output;
  const { planes } = depthPlanes(x, w, 0);
  // The 2-D windows' sums (a divisor of 1), summed over the kernel's depth.
  const sums = avgPool2d(planes, [kH, kW], { stride: w.stride.slice(1), padding: w.padding.slice(1), ceilMode: options.ceilMode ?? false, divisorOverride: 1 });
  const divisors = avgDivisors([D, H, W], w.kernel, w.stride, w.padding, w.output, options.countIncludePad ?? true, divisorOverride);
  return lower(sums.view(N, C, kD, oD, oH, oW).sum(2).div(tensor(divisors, { dtype: x.dtype, device: x.device }).view(oD, oH, oW)));
}

/** F.adaptive_avg_pool3d on [N, C, D, H, W] or [C, D, H, W]: adaptive_avg_pool2d over H and W, then the depth's averaging matrix. */
export function adaptiveAvgPool3d(input: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  if (typeof outputSize !== 'number' && outputSize.length !== 3) throw new RangeError('adaptive_avg_pool3d: output_size must be 3');
  const sizes = typeof outputSize === 'number' ? [outputSize, outputSize, outputSize] : outputSize.map((o, i) => o ?? input.shape[input.ndim - 3 + i]);
  const [oD, oH, oW] = sizes;
  // 1x1x1 is a mean over the last three dims, as PyTorch takes it before the kernel.
  if (oD === 1 && oH === 1 && oW === 1) return input.mean([-3, -2, -1], { keepdim: true });
  if (input.ndim !== 4 && input.ndim !== 5) throw new RangeError(`adaptive_avg_pool3d(): Expected 4D or 5D tensor, but got ${fmtShape(input.shape)}`);
  for (let d = 1; d < input.ndim; d++) {
    if (input.shape[d] === 0) {
      throw new RangeError(`adaptive_avg_pool3d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes ${fmtShape(input.shape)} with dimension ${d} being empty`);
    }
  }
  requireFloat(input, 'adaptive_avg_pool3d_cpu');
  const { x, lower } = batched(input);
  const [N, C, D, H, W] = x.shape;
  const planes = adaptiveAvgPool2d(x.reshape([N, C * D, H, W]), [oH, oW]).view(N, C, D, oH * oW);
  return lower(averagingMatrix(D, oD, x).matmul(planes).view(N, C, oD, oH, oW));
}
