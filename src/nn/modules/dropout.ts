// Dropout (torch/nn/modules/dropout.py): active in training mode, the identity in eval mode.

import type { Tensor } from '../../tensor/tensor.js';
import { Module, pyBool } from '../module.js';
import * as F from '../functional.js';

export class Dropout extends Module {
  p: number;
  inplace: boolean;

  constructor(p = 0.5, options: { inplace?: boolean } = {}) {
    super();
    if (p < 0 || p > 1) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
    this.p = p;
    this.inplace = options.inplace ?? false;
  }

  override forward(input: Tensor): Tensor {
    return F.dropout(input, this.p, this.training, this.inplace);
  }

  override extraRepr(): string {
    return `p=${this.p}, inplace=${pyBool(this.inplace)}`;
  }
}
