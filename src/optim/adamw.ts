// AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, PyTorch 1.13's
// _single_tensor_adamw. Every step first shrinks p by (1 - lr * weightDecay), then applies the
// Adam update with the raw gradient. Default weightDecay 1e-2, as PyTorch.

import { Optimizer, stepTensor, type ParamGroup, type Params } from './optimizer.js';
import { adamStateKeys, adamUpdate, checkAdamOptions, type AdamOptions } from './adam.js';

/** AdamW takes Adam's options; only the default weight decay (1e-2) and how it applies differ. */
export type AdamWOptions = Omit<AdamOptions, 'differentiable' | 'fused'>;

export type AdamWHyperparameters = Required<AdamWOptions>;

/** `torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False)`: Adam with decoupled weight decay. */
export class AdamW extends Optimizer<AdamWHyperparameters> {
  constructor(params: Params<AdamWHyperparameters>, options: AdamWOptions = {}) {
    const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 1e-2, amsgrad = false, maximize = false, foreach = null, capturable = false } = options;
    checkAdamOptions(lr, betas, eps, weightDecay);
    super(params, { lr, betas: [betas[0], betas[1]], eps, weightDecay, amsgrad, foreach, maximize, capturable });
  }

  protected updateGroup(group: ParamGroup<AdamWHyperparameters>): void {
    adamUpdate(this, group, true);
  }

  protected override afterLoad(): void {
    for (const s of this.state.values()) if (typeof s.step === 'number') s.step = stepTensor(s.step);
  }

  protected override stateKeys(group: ParamGroup<AdamWHyperparameters>): readonly string[] {
    return adamStateKeys(group.amsgrad);
  }
}
