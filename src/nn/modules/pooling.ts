// MaxPool1d/2d/3d, AvgPool1d/2d/3d, AdaptiveAvgPool1d/2d/3d, AdaptiveMaxPool1d/2d
// (torch/nn/modules/pooling.py). The arguments are kept as given (an int stays an int), because
// PyTorch's reprs print them that way: MaxPool2d(kernel_size=2, stride=2, ...).

import type { Tensor } from '../../tensor/tensor.js';
import { bindArgs } from '../args.js';
import { Module, pyBool } from '../module.js';
import type { IntOrPair } from '../../ops/conv.js';
import {
  adaptiveAvgPool1d, adaptiveAvgPool2d, adaptiveMaxPool1d, adaptiveMaxPool2d, avgPool1d, avgPool2d, maxPool1d, maxPool2d, type AdaptiveSize,
} from '../../ops/pool.js';
import { adaptiveAvgPool3d, avgPool3d, maxPool3d } from '../../ops/pool3d.js';
import { pyTuple } from './conv.js';

/** An argument as Python prints it: 2, or (2, 3), or (None, 7) for an adaptive size. */
const pyArg = (v: IntOrPair | readonly (number | null)[]): string => (typeof v === 'number' ? String(v) : pyTuple(v));

export interface MaxPoolModuleOptions<R extends boolean> {
  stride?: IntOrPair | null;
  padding?: IntOrPair;
  dilation?: IntOrPair;
  returnIndices?: R;
  ceilMode?: boolean;
}

/** Forward's result: the values, or [values, indices] with returnIndices. */
export type PoolResult<R extends boolean> = R extends true ? [Tensor, Tensor] : Tensor;

abstract class MaxPoolNd<R extends boolean> extends Module {
  kernelSize: IntOrPair;
  stride: IntOrPair;
  padding: IntOrPair;
  dilation: IntOrPair;
  returnIndices: R;
  ceilMode: boolean;

  constructor(args: readonly unknown[]) {
    const [kernelSize, options] = bindArgs<[IntOrPair], MaxPoolModuleOptions<R>>(new.target.name, ['kernelSize'], args);
    super();
    this.kernelSize = kernelSize;
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    this.returnIndices = (options.returnIndices ?? false) as R;
    this.ceilMode = options.ceilMode ?? false;
  }

  protected get poolOptions() {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode, returnIndices: this.returnIndices };
  }

  override extraRepr(): string {
    return `kernel_size=${pyArg(this.kernelSize)}, stride=${pyArg(this.stride)}, padding=${pyArg(this.padding)}, dilation=${pyArg(this.dilation)}, ceil_mode=${pyBool(this.ceilMode)}`;
  }
}

/** `torch.nn.MaxPool1d`: Max over sliding windows of [N, C, L]. */
export class MaxPool1d<R extends boolean = false> extends MaxPoolNd<R> {
  constructor(kernelSize: IntOrPair, options?: MaxPoolModuleOptions<R>);
  constructor(options: MaxPoolModuleOptions<R> & { kernelSize: IntOrPair });
  constructor(...args: unknown[]) {
    super(args);
  }
  override forward(input: Tensor): PoolResult<R> {
    return maxPool1d(input, this.kernelSize, this.poolOptions) as PoolResult<R>;
  }
}

/** `torch.nn.MaxPool2d`: Max over sliding windows of [N, C, H, W]. */
export class MaxPool2d<R extends boolean = false> extends MaxPoolNd<R> {
  constructor(kernelSize: IntOrPair, options?: MaxPoolModuleOptions<R>);
  constructor(options: MaxPoolModuleOptions<R> & { kernelSize: IntOrPair });
  constructor(...args: unknown[]) {
    super(args);
  }
  override forward(input: Tensor): PoolResult<R> {
    return maxPool2d(input, this.kernelSize, this.poolOptions) as PoolResult<R>;
  }
}

/** `torch.nn.MaxPool3d`: Max over sliding windows of [N, C, D, H, W]. */
export class MaxPool3d<R extends boolean = false> extends MaxPoolNd<R> {
  constructor(kernelSize: IntOrPair, options?: MaxPoolModuleOptions<R>);
  constructor(options: MaxPoolModuleOptions<R> & { kernelSize: IntOrPair });
  constructor(...args: unknown[]) {
    super(args);
  }
  override forward(input: Tensor): PoolResult<R> {
    return maxPool3d(input, this.kernelSize, this.poolOptions) as PoolResult<R>;
  }
}

export interface AvgPoolModuleOptions {
  stride?: IntOrPair | null;
  padding?: IntOrPair;
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

/** `torch.nn.AvgPool1d`: Mean over sliding windows of [N, C, L]; PyTorch stores (and prints) its sizes as 1-tuples. */
export class AvgPool1d extends Module {
  kernelSize: [number];
  stride: [number];
  padding: [number];
  ceilMode: boolean;
  countIncludePad: boolean;

  constructor(kernelSize: IntOrPair, options?: AvgPoolModuleOptions);
  constructor(options: AvgPoolModuleOptions & { kernelSize: IntOrPair });
  constructor(...args: unknown[]) {
    const [kernelSize, options] = bindArgs<[IntOrPair], AvgPoolModuleOptions>('AvgPool1d', ['kernelSize'], args);
    super();
    const single = (v: IntOrPair): [number] => [typeof v === 'number' ? v : v[0]];
    this.kernelSize = single(kernelSize);
    this.stride = single(options.stride ?? kernelSize);
    this.padding = single(options.padding ?? 0);
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
  }
  override forward(input: Tensor): Tensor {
    return avgPool1d(input, this.kernelSize, { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad });
  }
  override extraRepr(): string {
    return `kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}, padding=${pyTuple(this.padding)}`;
  }
}

type AvgPool2dOptions = AvgPoolModuleOptions & { divisorOverride?: number | null };

/** PyTorch's AvgPool2d/3d: the sizes kept as given, count_include_pad and divisor_override; the subclasses pick the op. */
abstract class AvgPoolNd extends Module {
  kernelSize: IntOrPair;
  stride: IntOrPair;
  padding: IntOrPair;
  ceilMode: boolean;
  countIncludePad: boolean;
  divisorOverride: number | null;

  constructor(args: readonly unknown[]) {
    const [kernelSize, options] = bindArgs<[IntOrPair], AvgPool2dOptions>(new.target.name, ['kernelSize'], args);
    super();
    this.kernelSize = kernelSize;
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
    this.divisorOverride = options.divisorOverride ?? null;
  }
  protected get poolOptions() {
    return { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad, divisorOverride: this.divisorOverride };
  }
  override extraRepr(): string {
    return `kernel_size=${pyArg(this.kernelSize)}, stride=${pyArg(this.stride)}, padding=${pyArg(this.padding)}`;
  }
}

/** `torch.nn.AvgPool2d`: Mean over sliding windows of [N, C, H, W]. */
export class AvgPool2d extends AvgPoolNd {
  constructor(kernelSize: IntOrPair, options?: AvgPool2dOptions);
  constructor(options: AvgPool2dOptions & { kernelSize: IntOrPair });
  constructor(...args: unknown[]) {
    super(args);
  }
  override forward(input: Tensor): Tensor {
    return avgPool2d(input, this.kernelSize, this.poolOptions);
  }
}

/** `torch.nn.AvgPool3d`: Mean over sliding windows of [N, C, D, H, W]. */
export class AvgPool3d extends AvgPoolNd {
  constructor(kernelSize: IntOrPair, options?: AvgPool2dOptions);
  constructor(options: AvgPool2dOptions & { kernelSize: IntOrPair });
  constructor(...args: unknown[]) {
    super(args);
  }
  override forward(input: Tensor): Tensor {
    return avgPool3d(input, this.kernelSize, this.poolOptions);
  }
}

/** PyTorch's _AdaptiveAvgPoolNd: the output size; the subclasses pick the op. */
abstract class AdaptiveAvgPoolNd extends Module {
  outputSize: AdaptiveSize;
  constructor(args: readonly unknown[]) {
    const [outputSize] = bindArgs<[AdaptiveSize], object>(new.target.name, ['outputSize'], args, 1, []);
    super();
    this.outputSize = outputSize;
  }
  override extraRepr(): string {
    return `output_size=${pyArg(this.outputSize)}`;
  }
}

/** `torch.nn.AdaptiveAvgPool2d`: Mean over the adaptive windows that give an output of `outputSize` (AdaptiveAvgPool2d(1) is global average pooling). */
export class AdaptiveAvgPool2d extends AdaptiveAvgPoolNd {
  constructor(outputSize: AdaptiveSize);
  constructor(options: { outputSize: AdaptiveSize });
  constructor(...args: unknown[]) {
    super(args);
  }
  override forward(input: Tensor): Tensor {
    return adaptiveAvgPool2d(input, this.outputSize);
  }
}

/** `torch.nn.AdaptiveAvgPool3d`: Mean over the adaptive windows of [N, C, D, H, W] that give an output of `outputSize`. */
export class AdaptiveAvgPool3d extends AdaptiveAvgPoolNd {
  constructor(outputSize: AdaptiveSize);
  constructor(options: { outputSize: AdaptiveSize });
  constructor(...args: unknown[]) {
    super(args);
  }
  override forward(input: Tensor): Tensor {
    return adaptiveAvgPool3d(input, this.outputSize);
  }
}

/** `torch.nn.AdaptiveAvgPool1d(output_size)`: average pooling to a fixed output length, whatever the input length. */
export class AdaptiveAvgPool1d extends Module {
  outputSize: number;
  constructor(outputSize: number);
  constructor(options: { outputSize: number });
  constructor(...args: unknown[]) {
    const [outputSize] = bindArgs<[number], object>('AdaptiveAvgPool1d', ['outputSize'], args, 1, []);
    super();
    this.outputSize = outputSize;
  }
  override forward(input: Tensor): Tensor {
    return adaptiveAvgPool1d(input, this.outputSize);
  }
  override extraRepr(): string {
    return `output_size=${this.outputSize}`;
  }
}

/** PyTorch's _AdaptiveMaxPoolNd: the output size and return_indices; the subclasses pick the op. */
abstract class AdaptiveMaxPoolNd<S extends AdaptiveSize, R extends boolean> extends Module {
  outputSize: S;
  returnIndices: R;
  constructor(args: readonly unknown[]) {
    // PyTorch's AdaptiveMaxPoolNd(output_size, return_indices=False).
    const [outputSize, returnIndices = false] = bindArgs<[S, boolean?], object>(new.target.name, ['outputSize', 'returnIndices'], args, 1, []);
    super();
    this.outputSize = outputSize;
    this.returnIndices = returnIndices as R;
  }
  override extraRepr(): string {
    return `output_size=${pyArg(this.outputSize)}`;
  }
}

/** `torch.nn.AdaptiveMaxPool2d(output_size, return_indices=False)`: max pooling to a fixed output size. */
export class AdaptiveMaxPool2d<R extends boolean = false> extends AdaptiveMaxPoolNd<AdaptiveSize, R> {
  constructor(outputSize: AdaptiveSize, options?: { returnIndices?: R });
  constructor(options: { outputSize: AdaptiveSize; returnIndices?: R });
  constructor(...args: unknown[]) {
    super(args);
  }
  override forward(input: Tensor): PoolResult<R> {
    return adaptiveMaxPool2d(input, this.outputSize, { returnIndices: this.returnIndices }) as PoolResult<R>;
  }
}

/** `torch.nn.AdaptiveMaxPool1d(output_size, return_indices=False)`: max pooling to a fixed output length. */
export class AdaptiveMaxPool1d<R extends boolean = false> extends AdaptiveMaxPoolNd<number, R> {
  constructor(outputSize: number, options?: { returnIndices?: R });
  constructor(options: { outputSize: number; returnIndices?: R });
  constructor(...args: unknown[]) {
    super(args);
  }
  override forward(input: Tensor): PoolResult<R> {
    return adaptiveMaxPool1d(input, this.outputSize, { returnIndices: this.returnIndices }) as PoolResult<R>;
  }
}
