// Loss modules (torch/nn/modules/loss.py): options at construction, F's loss in forward(input, target).
// Class weights and pos_weight are buffers, as in PyTorch, so they move and save with the module.

import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { bindArgs, type PyArgs } from '../args.js';
import * as F from '../functional/index.js';

type Reduction = F.Reduction;

/** PyTorch's _Loss: a loss module's reduction (default 'mean'); forward takes the loss's tensors. */
export abstract class Loss extends Module {
  reduction: Reduction;
  constructor(options: { reduction?: Reduction } = {}) {
    super();
    this.reduction = options.reduction ?? 'mean';
  }
  abstract override forward(...inputs: Tensor[]): Tensor;
}

abstract class WeightedLoss extends Loss {
  declare weight: Tensor | null;
  constructor(options: { weight?: Tensor | null; reduction?: Reduction } = {}) {
    super(options);
    this.registerBuffer('weight', options.weight ?? null);
  }
}

/** `torch.nn.MSELoss(reduction='mean')`: the squared error (input - target)^2. */
export class MSELoss extends Loss {
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, { reduction: this.reduction });
  }
}

/** `torch.nn.L1Loss(reduction='mean')`: the absolute error |input - target|. */
export class L1Loss extends Loss {
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.l1Loss(input, target, { reduction: this.reduction });
  }
}

/** `torch.nn.SmoothL1Loss(reduction='mean', beta=1.0)`: squared below beta, absolute above. */
export class SmoothL1Loss extends Loss {
  beta: number;
  constructor(options: { reduction?: Reduction; beta?: number } = {}) {
    super(options);
    this.beta = options.beta ?? 1;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/** `torch.nn.HuberLoss(reduction='mean', delta=1.0)`: squared below delta, linear above (SmoothL1 times delta). */
export class HuberLoss extends Loss {
  delta: number;
  constructor(options: { reduction?: Reduction; delta?: number } = {}) {
    super(options);
    this.delta = options.delta ?? 1;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

/** `torch.nn.NLLLoss(weight=None, ignore_index=-100, reduction='mean')`: minus the log-probability of the target class. */
export class NLLLoss extends WeightedLoss {
  ignoreIndex: number;
  constructor(options: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction } = {}) {
    super(options);
    this.ignoreIndex = options.ignoreIndex ?? -100;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/**
 * `torch.nn.CrossEntropyLoss(weight=None, ignore_index=-100, reduction='mean', label_smoothing=0.0)`: log-softmax and NLL on raw logits, with class indices or probabilities as target.
 *
 * @example
 * ```ts
 * import * as torch from 'dlab';
 * import { nn } from 'dlab';
 *
 * const loss = new nn.CrossEntropyLoss();
 * console.log(loss.call(torch.zeros(2, 5), torch.tensor([1, 3])).item().toFixed(4)); // 1.6094
 * ```
 */
export class CrossEntropyLoss extends WeightedLoss {
  ignoreIndex: number;
  labelSmoothing: number;
  constructor(options: F.CrossEntropyOptions = {}) {
    super(options);
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.labelSmoothing = options.labelSmoothing ?? 0;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.crossEntropy(input, target, {
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      reduction: this.reduction,
      labelSmoothing: this.labelSmoothing,
    });
  }
}

/** `torch.nn.BCELoss(weight=None, reduction='mean')`: binary cross-entropy on probabilities. */
export class BCELoss extends WeightedLoss {
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/** `torch.nn.BCEWithLogitsLoss(weight=None, reduction='mean', pos_weight=None)`: sigmoid and binary cross-entropy in one stable step. */
export class BCEWithLogitsLoss extends Loss {
  declare weight: Tensor | null;
  constructor(options: { weight?: Tensor | null; reduction?: Reduction; posWeight?: Tensor | null } = {}) {
    super(options);
    this.registerBuffer('weight', options.weight ?? null);
    // PyTorch's buffer name, so state dicts interchange.
    this.registerBuffer('pos_weight', options.posWeight ?? null);
  }
  get posWeight(): Tensor | null {
    return (this as unknown as { pos_weight: Tensor | null }).pos_weight;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, { weight: this.weight, reduction: this.reduction, posWeight: this.posWeight });
  }
}

/** `torch.nn.KLDivLoss(reduction='mean', log_target=False)`: the KL divergence with log-probabilities as input; use reduction 'batchmean' for the true KL. */
export class KLDivLoss extends Module {
  reduction: Reduction | 'batchmean';
  logTarget: boolean;
  constructor(options: { reduction?: Reduction | 'batchmean'; logTarget?: boolean } = {}) {
    super();
    this.reduction = options.reduction ?? 'mean';
    this.logTarget = options.logTarget ?? false;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget });
  }
}

/**
 * `torch.nn.PoissonNLLLoss(log_input=True, full=False, eps=1e-8, reduction='mean')`: the negative
 * log-likelihood of a Poisson target. log_input and full may come positionally, as in PyTorch
 * (its third positional, the legacy size_average, dlab does not take).
 */
export class PoissonNLLLoss extends Loss {
  logInput: boolean;
  full: boolean;
  eps: number;
  constructor(...args: PyArgs<[logInput: boolean, full: boolean], F.PoissonNllOptions>) {
    const [logInput = true, full = false, options] = bindArgs<[boolean?, boolean?], F.PoissonNllOptions>('PoissonNLLLoss', ['logInput', 'full'], args, 0, ['eps', 'reduction']);
    super(options);
    this.logInput = logInput;
    this.full = full;
    this.eps = options.eps ?? 1e-8;
  }
  override forward(logInput: Tensor, target: Tensor): Tensor {
    return F.poissonNllLoss(logInput, target, { logInput: this.logInput, full: this.full, eps: this.eps, reduction: this.reduction });
  }
}

/** `torch.nn.GaussianNLLLoss(*, full=False, eps=1e-6, reduction='mean')`: the negative log-likelihood of a Gaussian target; forward(input, target, var). */
export class GaussianNLLLoss extends Loss {
  full: boolean;
  eps: number;
  constructor(options: F.GaussianNllOptions = {}) {
    super(options);
    this.full = options.full ?? false;
    this.eps = options.eps ?? 1e-6;
  }
  override forward(input: Tensor, target: Tensor, variance: Tensor): Tensor {
    return F.gaussianNllLoss(input, target, variance, { full: this.full, eps: this.eps, reduction: this.reduction });
  }
}
