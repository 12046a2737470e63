// Adamax (Kingma & Ba, section 7.1): Adam with the infinity norm: PyTorch 1.13's _single_tensor_adamax.
//   g = grad (negated if maximize) + weightDecay * p
//   m = beta1 m + (1 - beta1) g;   u = max(beta2 u, |g| + eps)
//   p -= lr / (1 - beta1^t) * m / u

import type { Tensor } from '../tensor/tensor.js';
import { maximum } from '../ops/elementwise.js';
import { inplace } from '../ops/inplace.js';
import { zerosLike } from '../ops/creation.js';
import { checkAdamOptions } from './adam.js';
import { Optimizer, stepTensor, stepValue, type ParamGroup, type Params } from './optimizer.js';

/** Options of `optim.Adamax`: lr (default 2e-3), betas ([0.9, 0.999]), eps (1e-8), weightDecay (0), maximize (false). */
export interface AdamaxOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  maximize?: boolean;
  /** Accepted for PyTorch compatibility; dlab always runs the single-tensor loop. */
  foreach?: boolean | null;
}

export type AdamaxHyperparameters = Required<AdamaxOptions>;

/** `torch.optim.Adamax(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, maximize=False)`. */
export class Adamax extends Optimizer<AdamaxHyperparameters> {
  constructor(params: Params<AdamaxHyperparameters>, options: AdamaxOptions = {}) {
    const { lr = 2e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, foreach = null, maximize = false } = options;
    checkAdamOptions(lr, betas, eps, weightDecay);
    super(params, { lr, betas: [betas[0], betas[1]], eps, weightDecay, foreach, maximize });
  }

  protected updateGroup(group: ParamGroup<AdamaxHyperparameters>): void {
    const { lr, eps, weightDecay, maximize } = group;
    const [beta1, beta2] = group.betas;
    for (const p of group.params) {
      if (p.grad === null) continue;
      const state = this.stateOf(p);
      if (Object.keys(state).length === 0) Object.assign(state, { step: stepTensor(0), expAvg: zerosLike(p), expInf: zerosLike(p) });
      let g: Tensor = maximize ? p.grad.neg() : p.grad;
      const stepT = state.step as Tensor;
      stepT.add_(1);
      const step = stepValue(stepT);
      if (weightDecay !== 0) g = g.add(p, { alpha: weightDecay });
      const expAvg = state.expAvg as Tensor;
      const expInf = state.expInf as Tensor;
      expAvg.mul_(beta1).add_(g, { alpha: 1 - beta1 });
      // PyTorch takes amax over [beta2 u, |g| + eps] stacked, which is maximum's values (NaN included).
      inplace(expInf, maximum(expInf.mul_(beta2), g.abs().add_(eps)));
      p.addcdiv_(expAvg, expInf, { value: -lr / (1 - beta1 ** step) });
    }
  }

  protected override stateKeys(): readonly string[] {
    return ['step', 'expAvg', 'expInf'];
  }
}
