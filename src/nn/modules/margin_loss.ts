// Margin and embedding loss modules (torch/nn/modules/loss.py): options at construction, F's loss
// in forward. Class weights are buffers, as in PyTorch.

import type { Tensor } from '../../tensor/tensor.js';
import { Loss } from './loss.js';
import * as F from '../functional/index.js';

type Reduction = F.Reduction;

/** A loss with a margin (PyTorch's default differs by loss) beside its reduction. */
abstract class MarginLoss extends Loss {
  margin: number;
  constructor(options: { margin?: number; reduction?: Reduction }, defaultMargin: number) {
    super(options);
    this.margin = options.margin ?? defaultMargin;
  }
}

/** `torch.nn.MarginRankingLoss(margin=0.0, reduction='mean')`: forward(x1, x2, target). */
export class MarginRankingLoss extends MarginLoss {
  constructor(options: { margin?: number; reduction?: Reduction } = {}) {
    super(options, 0);
  }
  override forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    return F.marginRankingLoss(input1, input2, target, { margin: this.margin, reduction: this.reduction });
  }
}

/** `torch.nn.HingeEmbeddingLoss(margin=1.0, reduction='mean')`: forward(input, target). */
export class HingeEmbeddingLoss extends MarginLoss {
  constructor(options: { margin?: number; reduction?: Reduction } = {}) {
    super(options, 1);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.hingeEmbeddingLoss(input, target, { margin: this.margin, reduction: this.reduction });
  }
}

/** `torch.nn.CosineEmbeddingLoss(margin=0.0, reduction='mean')`: forward(x1, x2, target). */
export class CosineEmbeddingLoss extends MarginLoss {
  constructor(options: { margin?: number; reduction?: Reduction } = {}) {
    super(options, 0);
  }
  override forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    return F.cosineEmbeddingLoss(input1, input2, target, { margin: this.margin, reduction: this.reduction });
  }
}

/** `torch.nn.TripletMarginLoss(margin=1.0, p=2.0, eps=1e-6, swap=False, reduction='mean')`: forward(anchor, positive, negative). */
export class TripletMarginLoss extends Loss {
  margin: number;
  p: number;
  eps: number;
  swap: boolean;
  constructor(options: F.TripletMarginOptions = {}) {
    super(options);
    this.margin = options.margin ?? 1;
    this.p = options.p ?? 2;
    this.eps = options.eps ?? 1e-6;
    this.swap = options.swap ?? false;
  }
  override forward(anchor: Tensor, positive: Tensor, negative: Tensor): Tensor {
    return F.tripletMarginLoss(anchor, positive, negative, { margin: this.margin, p: this.p, eps: this.eps, swap: this.swap, reduction: this.reduction });
  }
}

/** `torch.nn.SoftMarginLoss(reduction='mean')`: forward(input, target). */
export class SoftMarginLoss extends Loss {
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.softMarginLoss(input, target, { reduction: this.reduction });
  }
}

/** `torch.nn.MultiLabelSoftMarginLoss(weight=None, reduction='mean')`: forward(input, target). */
export class MultiLabelSoftMarginLoss extends Loss {
  declare weight: Tensor | null;
  constructor(options: { weight?: Tensor | null; reduction?: Reduction } = {}) {
    super(options);
    this.registerBuffer('weight', options.weight ?? null);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.multilabelSoftMarginLoss(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/** `torch.nn.MultiMarginLoss(p=1, margin=1.0, weight=None, reduction='mean')`: forward(input, target). */
export class MultiMarginLoss extends Loss {
  p: number;
  margin: number;
  declare weight: Tensor | null;
  constructor(options: F.MultiMarginOptions = {}) {
    super(options);
    if (options.p !== undefined && options.p !== 1 && options.p !== 2) throw new RangeError('only p == 1 and p == 2 supported');
    this.p = options.p ?? 1;
    this.margin = options.margin ?? 1;
    this.registerBuffer('weight', options.weight ?? null);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.multiMarginLoss(input, target, { p: this.p, margin: this.margin, weight: this.weight, reduction: this.reduction });
  }
}
