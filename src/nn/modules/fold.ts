// Unfold and Fold (torch/nn/modules/fold.py): F.unfold (im2col) and F.fold (col2im) as modules.

import type { Tensor } from '../../tensor/tensor.js';
import { bindArgs } from '../args.js';
import { Module } from '../module.js';
import { fold, unfold, type IntOrPair, type UnfoldOptions } from '../../ops/conv.js';
import { pyTuple } from './conv.js';

const pyArg = (v: IntOrPair) => (typeof v === 'number' ? String(v) : pyTuple(v));

/** `torch.nn.Unfold`: Sliding blocks of [N, C, H, W] as columns: [N, C * prod(kernelSize), L]. */
export class Unfold extends Module {
  kernelSize: IntOrPair;
  dilation: IntOrPair;
  padding: IntOrPair;
  stride: IntOrPair;
  constructor(kernelSize: IntOrPair, options?: UnfoldOptions);
  constructor(options: UnfoldOptions & { kernelSize: IntOrPair });
  constructor(...args: unknown[]) {
    // PyTorch's Unfold(kernel_size, dilation=1, padding=0, stride=1).
    const [kernelSize, dilation = 1, padding = 0, stride = 1] = bindArgs<[IntOrPair, IntOrPair?, IntOrPair?, IntOrPair?], object>(
      'Unfold', ['kernelSize', 'dilation', 'padding', 'stride'], args, 1, []);
    super();
    this.kernelSize = kernelSize;
    this.dilation = dilation;
    this.padding = padding;
    this.stride = stride;
  }
  override forward(input: Tensor): Tensor {
    return unfold(input, this.kernelSize, { dilation: this.dilation, padding: this.padding, stride: this.stride });
  }
  override extraRepr(): string {
    return `kernel_size=${pyArg(this.kernelSize)}, dilation=${pyArg(this.dilation)}, padding=${pyArg(this.padding)}, stride=${pyArg(this.stride)}`;
  }
}

/** `torch.nn.Fold`: Columns [N, C * prod(kernelSize), L] summed back into [N, C, *outputSize]. */
export class Fold extends Module {
  outputSize: IntOrPair;
  kernelSize: IntOrPair;
  dilation: IntOrPair;
  padding: IntOrPair;
  stride: IntOrPair;
  constructor(outputSize: IntOrPair, kernelSize: IntOrPair, options?: UnfoldOptions);
  constructor(options: UnfoldOptions & { outputSize: IntOrPair; kernelSize: IntOrPair });
  constructor(...args: unknown[]) {
    // PyTorch's Fold(output_size, kernel_size, dilation=1, padding=0, stride=1).
    const [outputSize, kernelSize, dilation = 1, padding = 0, stride = 1] = bindArgs<[IntOrPair, IntOrPair, IntOrPair?, IntOrPair?, IntOrPair?], object>(
      'Fold', ['outputSize', 'kernelSize', 'dilation', 'padding', 'stride'], args, 2, []);
    super();
    this.outputSize = outputSize;
    this.kernelSize = kernelSize;
    this.dilation = dilation;
    this.padding = padding;
    this.stride = stride;
  }
  override forward(input: Tensor): Tensor {
    return fold(input, this.outputSize, this.kernelSize, { dilation: this.dilation, padding: this.padding, stride: this.stride });
  }
  override extraRepr(): string {
    return `output_size=${pyArg(this.outputSize)}, kernel_size=${pyArg(this.kernelSize)}, dilation=${pyArg(this.dilation)}, padding=${pyArg(this.padding)}, stride=${pyArg(this.stride)}`;
  }
}
