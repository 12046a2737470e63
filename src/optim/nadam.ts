// NAdam (Dozat, "Incorporating Nesterov Momentum into Adam"): PyTorch 1.13's _single_tensor_nadam.
//   g = grad + weightDecay * p
//   mu_t = beta1 (1 - 0.5 * 0.96^(t psi)),  mu_{t+1} likewise;  prod_t = mu_1 ... mu_t (psi: momentumDecay)
//   m = beta1 m + (1 - beta1) g;   v = beta2 v + (1 - beta2) g^2;   d = sqrt(v / (1 - beta2^t)) + eps
//   p -= lr (1 - mu_t) / (1 - prod_t) g / d + lr mu_{t+1} / (1 - prod_t mu_{t+1}) m / d
// The product of the mu's is a float32 0-d tensor, as PyTorch keeps it (its rounding shows in
// float64 runs too).

import type { Tensor } from '../tensor/tensor.js';
import { scalarTensor, zerosLike } from '../ops/creation.js';
import { checkAdamOptions } from './adam.js';
import { Optimizer, pyNumber, stepTensor, stepValue, type ParamGroup, type Params } from './optimizer.js';

/** Options of `optim.NAdam`: lr (default 2e-3), betas ([0.9, 0.999]), eps (1e-8), weightDecay (0), momentumDecay (4e-3). */
export interface NAdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  momentumDecay?: number;
  /** Accepted for PyTorch compatibility; dlab always runs the single-tensor loop. */
  foreach?: boolean | null;
}

export type NAdamHyperparameters = Required<NAdamOptions>;

/** `torch.optim.NAdam(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3)`. */
export class NAdam extends Optimizer<NAdamHyperparameters> {
  constructor(params: Params<NAdamHyperparameters>, options: NAdamOptions = {}) {
    const { lr = 2e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, momentumDecay = 4e-3, foreach = null } = options;
    checkAdamOptions(lr, betas, eps, weightDecay);
    if (!(momentumDecay >= 0)) throw new RangeError(`Invalid momentum_decay value: ${pyNumber(momentumDecay)}`);
    super(params, { lr, betas: [betas[0], betas[1]], eps, weightDecay, momentumDecay, foreach });
  }

  protected updateGroup(group: ParamGroup<NAdamHyperparameters>): void {
    const { lr, eps, weightDecay, momentumDecay } = group;
    const [beta1, beta2] = group.betas;
    for (const p of group.params) {
      if (p.grad === null) continue;
      const state = this.stateOf(p);
      if (Object.keys(state).length === 0) {
        Object.assign(state, { step: stepTensor(0), muProduct: scalarTensor(1, 'float32'), expAvg: zerosLike(p), expAvgSq: zerosLike(p) });
      }
      const stepT = state.step as Tensor;
      stepT.add_(1);
      const step = stepValue(stepT);
      const biasCorrection2 = 1 - beta2 ** step;
      let g: Tensor = p.grad;
      if (weightDecay !== 0) g = g.add(p, { alpha: weightDecay });
      const mu = beta1 * (1 - 0.5 * 0.96 ** (step * momentumDecay));
      const muNext = beta1 * (1 - 0.5 * 0.96 ** ((step + 1) * momentumDecay));
      const muProduct = (state.muProduct as Tensor).mul_(mu);
      const muProductNext = muProduct.mul(mu).mul(muNext);
      const expAvg = state.expAvg as Tensor;
      const expAvgSq = state.expAvgSq as Tensor;
      expAvg.mul_(beta1).add_(g, { alpha: 1 - beta1 });
      expAvgSq.mul_(beta2).addcmul_(g, g, { value: 1 - beta2 });
      const denom = expAvgSq.div(biasCorrection2).sqrt().add_(eps);
      p.addcdiv_(g, denom, { value: (-lr * (1 - mu)) / (1 - muProduct.item()) });
      p.addcdiv_(expAvg, denom, { value: (-lr * muNext) / (1 - muProductNext.item()) });
    }
  }

  protected override stateKeys(): readonly string[] {
    return ['step', 'muProduct', 'expAvg', 'expAvgSq'];
  }
}
