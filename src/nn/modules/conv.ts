// Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, LazyConv1d, LazyConv2d
// (torch/nn/modules/conv.py). As there, _ConvNd validates the arguments once and owns the
// parameters and the repr; the subclasses only normalize arguments and pick the functional op.

import type { Tensor } from '../../tensor/tensor.js';
import type { DType } from '../../tensor/dtype.js';
import { fmtSize } from '../../tensor/shape.js';
import { noGrad } from '../../autograd/grad_mode.js';
import { bindArgs } from '../args.js';
import { Module } from '../module.js';
import { UninitializedParameter, type Parameter } from '../parameter.js';
import { kaimingUniformWithBias, weightAndBias } from './linear.js';
import { conv1d, conv2d, conv3d, convTranspose1d, convTranspose2d, convTranspose3d, nTuple, padNonConstant, type IntOrPair, type PaddingMode } from '../../ops/conv.js';

/** Options of `nn.Conv1d/2d`: stride (default 1), padding (0, or 'same'/'valid'), dilation (1), groups (1), bias (true), paddingMode ('zeros'). */
export interface ConvModuleOptions {
  stride?: IntOrPair;
  padding?: IntOrPair | 'same' | 'valid';
  dilation?: IntOrPair;
  groups?: number;
  bias?: boolean;
  paddingMode?: PaddingMode;
  dtype?: DType;
}

/** Options of `nn.ConvTranspose1d/2d`: stride (default 1), padding (0), outputPadding (0), groups (1), bias (true), dilation (1). */
export interface ConvTransposeModuleOptions {
  stride?: IntOrPair;
  padding?: IntOrPair;
  outputPadding?: IntOrPair;
  groups?: number;
  bias?: boolean;
  dilation?: IntOrPair;
  paddingMode?: 'zeros';
  dtype?: DType;
}

/** Python's repr of a tuple: (5, 5), (3,). */
export const pyTuple = (v: readonly (number | null)[]) => `(${v.map((x) => (x === null ? 'None' : String(x))).join(', ')}${v.length === 1 ? ',' : ''})`;

const paddingModes: readonly PaddingMode[] = ['zeros', 'reflect', 'replicate', 'circular'];

/** The shared part of every convolution module (PyTorch's _ConvNd). */
export abstract class ConvNd extends Module {
  inChannels: number;
  outChannels: number;
  kernelSize: number[];
  stride: number[];
  padding: number[] | 'same' | 'valid';
  dilation: number[];
  transposed: boolean;
  outputPadding: number[];
  groups: number;
  paddingMode: PaddingMode;
  weight: Parameter;
  bias: Parameter | null;
  /** F.pad amounts (last dim first) for the non-'zeros' padding modes, as PyTorch's _reversed_padding_repeated_twice. */
  protected reversedPaddingRepeatedTwice: number[];

  constructor(
    nd: number, inChannels: number, outChannels: number, kernelSize: IntOrPair, stride: IntOrPair, padding: IntOrPair | 'same' | 'valid',
    dilation: IntOrPair, transposed: boolean, outputPadding: IntOrPair, groups: number, bias: boolean, paddingMode: PaddingMode, dtype?: DType,
  ) {
    super();
    if (groups <= 0) throw new RangeError('groups must be a positive integer');
    if (inChannels % groups !== 0) throw new RangeError('in_channels must be divisible by groups');
    if (outChannels % groups !== 0) throw new RangeError('out_channels must be divisible by groups');
    this.kernelSize = nTuple(kernelSize, nd, 'kernel_size');
    this.stride = nTuple(stride, nd, 'stride');
    this.dilation = nTuple(dilation, nd, 'dilation');
    if (typeof padding === 'string') {
      if (padding !== 'same' && padding !== 'valid') throw new RangeError(`Invalid padding string '${padding}', should be one of {'valid', 'same'}`);
      if (padding === 'same' && this.stride.some((s) => s !== 1)) throw new RangeError("padding='same' is not supported for strided convolutions");
    }
    if (!paddingModes.includes(paddingMode)) {
      throw new RangeError(`padding_mode must be one of {'circular', 'replicate', 'reflect', 'zeros'}, but got padding_mode='${paddingMode}'`);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.padding = typeof padding === 'string' ? padding : nTuple(padding, nd, 'padding');
    this.transposed = transposed;
    this.outputPadding = nTuple(outputPadding, nd, 'output_padding');
    this.groups = groups;
    this.paddingMode = paddingMode;
    this.reversedPaddingRepeatedTwice = [];
    for (let i = nd - 1; i >= 0; i--) {
      if (this.padding === 'valid') this.reversedPaddingRepeatedTwice.push(0, 0);
      else if (this.padding === 'same') {
        const total = this.dilation[i] * (this.kernelSize[i] - 1);
        const left = Math.floor(total / 2);
        this.reversedPaddingRepeatedTwice.push(left, total - left);
      } else this.reversedPaddingRepeatedTwice.push(this.padding[i], this.padding[i]);
    }
    const shape = transposed ? [inChannels, outChannels / groups, ...this.kernelSize] : [outChannels, inChannels / groups, ...this.kernelSize];
    ({ weight: this.weight, bias: this.bias } = weightAndBias(this, shape, outChannels, bias, dtype));
    this.resetParameters();
  }

  /** kaiming_uniform_(a = sqrt(5)) on the weight, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) on the bias. */
  resetParameters(): void {
    kaimingUniformWithBias(this.weight, this.bias, 'skip');
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`;
    else if (this.padding.some((p) => p !== 0)) s += `, padding=${pyTuple(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${pyTuple(this.dilation)}`;
    if (this.outputPadding.some((p) => p !== 0)) s += `, output_padding=${pyTuple(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=False';
    if (this.paddingMode !== 'zeros') s += `, padding_mode=${this.paddingMode}`;
    return s;
  }

  /** The functional call, padding explicitly first for the non-'zeros' modes. */
  protected convForward(input: Tensor, op: typeof conv1d): Tensor {
    const options = { stride: this.stride, dilation: this.dilation, groups: this.groups };
    if (this.paddingMode !== 'zeros') {
      const padded = padNonConstant(input, this.reversedPaddingRepeatedTwice, this.paddingMode);
      return op(padded, this.weight, this.bias, { ...options, padding: 0 });
    }
    return op(input, this.weight, this.bias, { ...options, padding: this.padding });
  }
}

/** The sizes every convolution takes, positionally or by keyword. */
interface ConvSizes {
  inChannels: number;
  outChannels: number;
  kernelSize: IntOrPair;
}
const bindConvArgs = <O extends object>(name: string, args: readonly unknown[]) =>
  bindArgs<[number, number, IntOrPair], O>(name, ['inChannels', 'outChannels', 'kernelSize'], args);

/** `torch.nn.Conv1d`: 1-D convolution over [N, C, L] (or [C, L]); weight [out, in/groups, k]. */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrPair, options?: ConvModuleOptions);
  constructor(options: ConvModuleOptions & ConvSizes);
  constructor(...args: unknown[]) {
    const [inChannels, outChannels, kernelSize, o] = bindConvArgs<ConvModuleOptions>('Conv1d', args);
    super(1, inChannels, outChannels, kernelSize, o.stride ?? 1, o.padding ?? 0, o.dilation ?? 1, false, 0, o.groups ?? 1, o.bias ?? true, o.paddingMode ?? 'zeros', o.dtype);
  }
  override forward(input: Tensor): Tensor {
    return this.convForward(input, conv1d);
  }
}

/**
 * `torch.nn.Conv2d`: 2-D convolution over [N, C, H, W] (or [C, H, W]); weight [out, in/groups, kH, kW].
 *
 * @example
 * ```ts
 * import * as torch from 'dlab';
 * import { nn } from 'dlab';
 *
 * const conv = new nn.Conv2d(1, 6, 5, { padding: 2 });   // nn.Conv2d(1, 6, 5, padding=2)
 * console.log(conv.call(torch.rand(8, 1, 28, 28)).shape); // [ 8, 6, 28, 28 ]
 * ```
 */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrPair, options?: ConvModuleOptions);
  constructor(options: ConvModuleOptions & ConvSizes);
  constructor(...args: unknown[]) {
    const [inChannels, outChannels, kernelSize, o] = bindConvArgs<ConvModuleOptions>('Conv2d', args);
    super(2, inChannels, outChannels, kernelSize, o.stride ?? 1, o.padding ?? 0, o.dilation ?? 1, false, 0, o.groups ?? 1, o.bias ?? true, o.paddingMode ?? 'zeros', o.dtype);
  }
  override forward(input: Tensor): Tensor {
    return this.convForward(input, conv2d);
  }
}

/** `torch.nn.Conv3d`: 3-D convolution over [N, C, D, H, W] (or [C, D, H, W]); weight [out, in/groups, kD, kH, kW]. */
export class Conv3d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrPair, options?: ConvModuleOptions);
  constructor(options: ConvModuleOptions & ConvSizes);
  constructor(...args: unknown[]) {
    const [inChannels, outChannels, kernelSize, o] = bindConvArgs<ConvModuleOptions>('Conv3d', args);
    super(3, inChannels, outChannels, kernelSize, o.stride ?? 1, o.padding ?? 0, o.dilation ?? 1, false, 0, o.groups ?? 1, o.bias ?? true, o.paddingMode ?? 'zeros', o.dtype);
  }
  override forward(input: Tensor): Tensor {
    return this.convForward(input, conv3d);
  }
}

/** The shared part of the transposed convolutions: output_size in forward picks the output padding. */
abstract class ConvTransposeNd extends ConvNd {
  constructor(nd: number, inChannels: number, outChannels: number, kernelSize: IntOrPair, o: ConvTransposeModuleOptions) {
    const mode = o.paddingMode ?? 'zeros';
    if (mode !== 'zeros') throw new RangeError(`Only "zeros" padding mode is supported for ${new.target.name}`);
    super(nd, inChannels, outChannels, kernelSize, o.stride ?? 1, o.padding ?? 0, o.dilation ?? 1, true, o.outputPadding ?? 0, o.groups ?? 1, o.bias ?? true, mode, o.dtype);
  }

  /** PyTorch's _output_padding: the output_padding that makes the output `outputSize`. */
  protected outputPaddingFor(input: Tensor, outputSize: readonly number[] | undefined): number[] {
    if (!outputSize) return this.outputPadding;
    const nd = this.kernelSize.length;
    const nonSpatial = input.ndim === nd + 2 ? 2 : 1;
    const size = outputSize.length === nonSpatial + nd ? outputSize.slice(nonSpatial) : [...outputSize];
    if (size.length !== nd) {
      throw new RangeError(`ConvTranspose${nd}D: for ${input.ndim}D input, output_size must have ${nd} or ${nonSpatial + nd} elements (got ${outputSize.length})`);
    }
    const padding = this.padding as number[];
    const min = size.map((_, d) => (input.shape[d + nonSpatial] - 1) * this.stride[d] - 2 * padding[d] + this.dilation[d] * (this.kernelSize[d] - 1) + 1);
    const max = min.map((m, d) => m + this.stride[d] - 1);
    if (size.some((s, d) => s < min[d] || s > max[d])) {
      throw new RangeError(
        // PyTorch prints input.size()[2:] whatever the batching: torch.Size([]) for an unbatched 1-D input.
        `requested an output size of [${size.join(', ')}], but valid sizes range from [${min.join(', ')}] to [${max.join(', ')}] (for an input of ${fmtSize(input.shape.slice(2))})`,
      );
    }
    return size.map((s, d) => s - min[d]);
  }

  protected transposeForward(input: Tensor, outputSize: readonly number[] | undefined, op: typeof convTranspose1d): Tensor {
    const outputPadding = this.outputPaddingFor(input, outputSize);
    return op(input, this.weight, this.bias, {
      stride: this.stride, padding: this.padding as number[], outputPadding, groups: this.groups, dilation: this.dilation,
    });
  }
}

/** `torch.nn.ConvTranspose1d`: Transposed 1-D convolution; weight [in, out/groups, k]. */
export class ConvTranspose1d extends ConvTransposeNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrPair, options?: ConvTransposeModuleOptions);
  constructor(options: ConvTransposeModuleOptions & ConvSizes);
  constructor(...args: unknown[]) {
    super(1, ...bindConvArgs<ConvTransposeModuleOptions>('ConvTranspose1d', args));
  }
  override forward(input: Tensor, outputSize?: readonly number[]): Tensor {
    return this.transposeForward(input, outputSize, convTranspose1d);
  }
}

/** `torch.nn.ConvTranspose2d`: Transposed 2-D convolution ("deconvolution"); weight [in, out/groups, kH, kW]. */
export class ConvTranspose2d extends ConvTransposeNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrPair, options?: ConvTransposeModuleOptions);
  constructor(options: ConvTransposeModuleOptions & ConvSizes);
  constructor(...args: unknown[]) {
    super(2, ...bindConvArgs<ConvTransposeModuleOptions>('ConvTranspose2d', args));
  }
  override forward(input: Tensor, outputSize?: readonly number[]): Tensor {
    return this.transposeForward(input, outputSize, convTranspose2d);
  }
}

/** `torch.nn.ConvTranspose3d`: Transposed 3-D convolution; weight [in, out/groups, kD, kH, kW]. */
export class ConvTranspose3d extends ConvTransposeNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrPair, options?: ConvTransposeModuleOptions);
  constructor(options: ConvTransposeModuleOptions & ConvSizes);
  constructor(...args: unknown[]) {
    super(3, ...bindConvArgs<ConvTransposeModuleOptions>('ConvTranspose3d', args));
  }
  override forward(input: Tensor, outputSize?: readonly number[]): Tensor {
    return this.transposeForward(input, outputSize, convTranspose3d);
  }
}

/**
 * The lazy part shared by LazyConv1d/2d (PyTorch's _LazyConvXdMixin). JS has one base class, and
 * each must extend its own Conv1d/Conv2d, so the classes keep one-line methods over these.
 */
function makeLazy(m: ConvNd, outChannels: number, dtype: DType | undefined): void {
  m.outChannels = outChannels;
  m.weight = new UninitializedParameter(true, dtype);
  if (m.bias) m.bias = new UninitializedParameter(true, dtype);
}

/** _LazyConvXdMixin.reset_parameters runs the real one only once in_channels is known. */
const lazyReady = (m: ConvNd) => !(m.weight instanceof UninitializedParameter) && m.inChannels !== 0;

/**
 * in_channels is read from the first input (dim 1, or dim 0 unbatched); then the parameters are
 * materialized and initialized, and the module becomes the plain class.
 */
function lazyInit(m: ConvNd, input: Tensor, nd: number, becomes: object): void {
  const w = m.weight;
  // Parameters a state dict already materialized are kept (in_channels stays 0, as in PyTorch); the
  // module becomes the plain class either way.
  if (w instanceof UninitializedParameter || m.bias instanceof UninitializedParameter) {
    noGrad(() => {
      m.inChannels = input.ndim === nd + 2 ? input.shape[1] : input.shape[0];
      if (m.inChannels % m.groups !== 0) throw new RangeError('in_channels must be divisible by groups');
      if (w instanceof UninitializedParameter) w.materialize([m.outChannels, m.inChannels / m.groups, ...m.kernelSize]);
      if (m.bias instanceof UninitializedParameter) m.bias.materialize([m.outChannels]);
      m.resetParameters();
    });
  }
  Object.setPrototypeOf(m, becomes);
}

/** `torch.nn.LazyConv1d`: A Conv1d whose in_channels is inferred at the first forward. */
export class LazyConv1d extends Conv1d {
  constructor(outChannels: number, kernelSize: IntOrPair, options?: ConvModuleOptions);
  constructor(options: ConvModuleOptions & { outChannels: number; kernelSize: IntOrPair });
  constructor(...args: unknown[]) {
    const [outChannels, kernelSize, options] = bindArgs<[number, IntOrPair], ConvModuleOptions>('LazyConv1d', ['outChannels', 'kernelSize'], args);
    super(0, 0, kernelSize, options);
    makeLazy(this, outChannels, options.dtype);
  }
  override resetParameters(): void {
    if (lazyReady(this)) super.resetParameters();
  }
  initializeParameters(input: Tensor): void {
    lazyInit(this, input, 1, Conv1d.prototype);
  }
  override forward(input: Tensor): Tensor {
    this.initializeParameters(input);
    return super.forward(input);
  }
}

/** `torch.nn.LazyConv2d`: A Conv2d whose in_channels is inferred at the first forward (d2l's lazy layers). */
export class LazyConv2d extends Conv2d {
  constructor(outChannels: number, kernelSize: IntOrPair, options?: ConvModuleOptions);
  constructor(options: ConvModuleOptions & { outChannels: number; kernelSize: IntOrPair });
  constructor(...args: unknown[]) {
    const [outChannels, kernelSize, options] = bindArgs<[number, IntOrPair], ConvModuleOptions>('LazyConv2d', ['outChannels', 'kernelSize'], args);
    super(0, 0, kernelSize, options);
    makeLazy(this, outChannels, options.dtype);
  }
  override resetParameters(): void {
    if (lazyReady(this)) super.resetParameters();
  }
  initializeParameters(input: Tensor): void {
    lazyInit(this, input, 2, Conv2d.prototype);
  }
  override forward(input: Tensor): Tensor {
    this.initializeParameters(input);
    return super.forward(input);
  }
}
