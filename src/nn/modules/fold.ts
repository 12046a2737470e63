// Unfold and Fold (torch/nn/modules/fold.py): F.unfold (im2col) and F.fold (col2im) as modules.

import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { fold, unfold, type IntOrPair, type UnfoldOptions } from '../../ops/conv.js';
import { pyTuple } from './conv.js';

const pyArg = (v: IntOrPair) => (typeof v === 'number' ? String(v) : pyTuple(v));

/** Sliding blocks of [N, C, H, W] as columns: [N, C * prod(kernelSize), L]. */
export class Unfold extends Module {
  kernelSize: IntOrPair;
  dilation: IntOrPair;
  padding: IntOrPair;
  stride: IntOrPair;
  constructor(kernelSize: IntOrPair, options: UnfoldOptions = {}) {
    super();
    this.kernelSize = kernelSize;
    this.dilation = options.dilation ?? 1;
    this.padding = options.padding ?? 0;
    this.stride = options.stride ?? 1;
  }
  override forward(input: Tensor): Tensor {
    return unfold(input, this.kernelSize, { dilation: this.dilation, padding: this.padding, stride: this.stride });
  }
  override extraRepr(): string {
    return `kernel_size=${pyArg(this.kernelSize)}, dilation=${pyArg(this.dilation)}, padding=${pyArg(this.padding)}, stride=${pyArg(this.stride)}`;
  }
}

/** Columns [N, C * prod(kernelSize), L] summed back into [N, C, *outputSize]. */
export class Fold extends Module {
  outputSize: IntOrPair;
  kernelSize: IntOrPair;
  dilation: IntOrPair;
  padding: IntOrPair;
  stride: IntOrPair;
  constructor(outputSize: IntOrPair, kernelSize: IntOrPair, options: UnfoldOptions = {}) {
    super();
    this.outputSize = outputSize;
    this.kernelSize = kernelSize;
    this.dilation = options.dilation ?? 1;
    this.padding = options.padding ?? 0;
    this.stride = options.stride ?? 1;
  }
  override forward(input: Tensor): Tensor {
    return fold(input, this.outputSize, this.kernelSize, { dilation: this.dilation, padding: this.padding, stride: this.stride });
  }
  override extraRepr(): string {
    return `output_size=${pyArg(this.outputSize)}, kernel_size=${pyArg(this.kernelSize)}, dilation=${pyArg(this.dilation)}, padding=${pyArg(this.padding)}, stride=${pyArg(this.stride)}`;
  }
}
