// RAdam (Liu et al., "On the Variance of the Adaptive Learning Rate and Beyond"): PyTorch 1.13's
// _single_tensor_radam.
//   g = grad + weightDecay * p;   m, v as Adam's;   m^ = m / (1 - beta1^t)
//   rho_inf = 2 / (1 - beta2) - 1;   rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
//   rho_t > 5: r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t)),
//              p -= m^ lr sqrt(1 - beta2^t) / (sqrt(v) + eps) r
//   else:      p -= m^ lr (the variance is not yet tractable: plain momentum SGD)

import type { Tensor } from '../tensor/tensor.js';
import { zerosLike } from '../ops/creation.js';
import { checkAdamOptions } from './adam.js';
import { Optimizer, stepTensor, stepValue, type ParamGroup, type Params } from './optimizer.js';

/** Options of `optim.RAdam`: lr (default 1e-3), betas ([0.9, 0.999]), eps (1e-8), weightDecay (0). */
export interface RAdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  /** Accepted for PyTorch compatibility; dlab always runs the single-tensor loop. */
  foreach?: boolean | null;
}

export type RAdamHyperparameters = Required<RAdamOptions>;

/** `torch.optim.RAdam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)`. */
export class RAdam extends Optimizer<RAdamHyperparameters> {
  constructor(params: Params<RAdamHyperparameters>, options: RAdamOptions = {}) {
    const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, foreach = null } = options;
    checkAdamOptions(lr, betas, eps, weightDecay);
    super(params, { lr, betas: [betas[0], betas[1]], eps, weightDecay, foreach });
  }

  protected updateGroup(group: ParamGroup<RAdamHyperparameters>): void {
    const { lr, eps, weightDecay } = group;
    const [beta1, beta2] = group.betas;
    for (const p of group.params) {
      if (p.grad === null) continue;
      const state = this.stateOf(p);
      if (Object.keys(state).length === 0) Object.assign(state, { step: stepTensor(0), expAvg: zerosLike(p), expAvgSq: zerosLike(p) });
      const stepT = state.step as Tensor;
      stepT.add_(1);
      const step = stepValue(stepT);
      const biasCorrection1 = 1 - beta1 ** step;
      const biasCorrection2 = 1 - beta2 ** step;
      let g: Tensor = p.grad;
      if (weightDecay !== 0) g = g.add(p, { alpha: weightDecay });
      const expAvg = state.expAvg as Tensor;
      const expAvgSq = state.expAvgSq as Tensor;
      expAvg.mul_(beta1).add_(g, { alpha: 1 - beta1 });
      expAvgSq.mul_(beta2).addcmul_(g, g, { value: 1 - beta2 });
      const corrected = expAvg.div(biasCorrection1);
      const rhoInf = 2 / (1 - beta2) - 1;
      const rhoT = rhoInf - (2 * step * beta2 ** step) / biasCorrection2;
      if (rhoT > 5) {
        const rect = Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
        // PyTorch's `number / tensor` is tensor.reciprocal() * number: two roundings, kept.
        const adaptiveLr = expAvgSq.sqrt().add_(eps).reciprocal().mul(Math.sqrt(biasCorrection2));
        p.sub_(corrected.mul(lr).mul(adaptiveLr).mul(rect));
      } else {
        p.sub_(corrected.mul(lr));
      }
    }
  }

  protected override stateKeys(): readonly string[] {
    return ['step', 'expAvg', 'expAvgSq'];
  }
}
