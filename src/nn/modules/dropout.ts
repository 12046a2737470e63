// Dropout (torch/nn/modules/dropout.py): active in training mode, the identity in eval mode.

import type { Tensor } from '../../tensor/tensor.js';
import { bindArgs } from '../args.js';
import { Module, pyBool } from '../module.js';
import * as F from '../functional/index.js';

/** `torch.nn.Dropout(p=0.5, inplace=False)`: in training, zeroes each element with probability p and scales the rest by 1 / (1 - p); in eval mode, the identity. */
export class Dropout extends Module {
  p: number;
  inplace: boolean;

  constructor(p?: number, options?: { inplace?: boolean });
  constructor(options: { p?: number; inplace?: boolean });
  constructor(...args: unknown[]) {
    const [p = 0.5, options] = bindArgs<[number?], { inplace?: boolean }>(new.target.name, ['p'], args, 0);
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

/** `torch.nn.Dropout1d`: Channel dropout: zeroes whole channels of [N, C, L] (or unbatched [C, L]) input. */
export class Dropout1d extends Dropout {
  override forward(input: Tensor): Tensor {
    return F.dropout1d(input, this.p, this.training, this.inplace);
  }
}

/** `torch.nn.Dropout2d`: Channel dropout: zeroes whole channels (feature maps) of [N, C, H, W] input. */
export class Dropout2d extends Dropout {
  override forward(input: Tensor): Tensor {
    return F.dropout2d(input, this.p, this.training, this.inplace);
  }
}

/** `torch.nn.Dropout3d`: Channel dropout: zeroes whole channels of [N, C, D, H, W] (or unbatched [C, D, H, W]) input. */
export class Dropout3d extends Dropout {
  override forward(input: Tensor): Tensor {
    return F.dropout3d(input, this.p, this.training, this.inplace);
  }
}
