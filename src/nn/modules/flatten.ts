// Flatten and Unflatten (torch/nn/modules/flatten.py).

import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';

/** Flattens dims startDim..endDim (default: all but the batch dim). */
export class Flatten extends Module {
  constructor(public startDim = 1, public endDim = -1) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return input.flatten(this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/** Expands one dim into the given sizes. */
export class Unflatten extends Module {
  constructor(public dim: number, public unflattenedSize: readonly number[]) {
    super();
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
