// Flatten and Unflatten (torch/nn/modules/flatten.py).

import type { Tensor } from '../../tensor/tensor.js';
import { bindArgs, type PyArgs } from '../args.js';
import { Module } from '../module.js';

/** `torch.nn.Flatten`: Flattens dims startDim..endDim (default: all but the batch dim). */
export class Flatten extends Module {
  startDim: number;
  endDim: number;
  constructor(...args: PyArgs<[startDim: number, endDim: number], { startDim?: number; endDim?: number }>) {
    const [startDim = 1, endDim = -1] = bindArgs<[number?, number?], object>('Flatten', ['startDim', 'endDim'], args, 0, []);
    super();
    this.startDim = startDim;
    this.endDim = endDim;
  }
  override forward(input: Tensor): Tensor {
    return input.flatten(this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/** `torch.nn.Unflatten`: Expands one dim into the given sizes. */
export class Unflatten extends Module {
  dim: number;
  unflattenedSize: readonly number[];
  constructor(dim: number, unflattenedSize: readonly number[]);
  constructor(options: { dim: number; unflattenedSize: readonly number[] });
  constructor(...args: unknown[]) {
    const [dim, unflattenedSize] = bindArgs<[number, readonly number[]], object>('Unflatten', ['dim', 'unflattenedSize'], args, 2, []);
    super();
    this.dim = dim;
    this.unflattenedSize = unflattenedSize;
  }
  override forward(input: Tensor): Tensor {
    return input.unflatten(this.dim, this.unflattenedSize);
  }
  override extraRepr(): string {
    // Printed as the Python tuple PyTorch stores.
    const s = this.unflattenedSize;
    return `dim=${this.dim}, unflattened_size=(${s.join(', ')}${s.length === 1 ? ',' : ''})`;
  }
}
