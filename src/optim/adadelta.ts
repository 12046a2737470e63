// Adadelta (Zeiler): PyTorch 1.13's _single_tensor_adadelta.
//   g = grad (negated if maximize) + weightDecay * p
//   v = rho v + (1 - rho) g^2;   delta = sqrt(u + eps) / sqrt(v + eps) * g
//   u = rho u + (1 - rho) delta^2;   p -= lr delta

import type { Tensor } from '../tensor/tensor.js';
import { zerosLike } from '../ops/creation.js';
import { Optimizer, pyNumber, type ParamGroup, type Params } from './optimizer.js';

/** Options of `optim.Adadelta`: lr (default 1.0), rho (0.9), eps (1e-6), weightDecay (0), maximize (false). */
export interface AdadeltaOptions {
  lr?: number;
  rho?: number;
  eps?: number;
  weightDecay?: number;
  /** Accepted for PyTorch compatibility; dlab always runs the single-tensor loop. */
  foreach?: boolean | null;
  maximize?: boolean;
}

export type AdadeltaHyperparameters = Required<AdadeltaOptions>;

/** `torch.optim.Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0)`. */
export class Adadelta extends Optimizer<AdadeltaHyperparameters> {
  constructor(params: Params<AdadeltaHyperparameters>, options: AdadeltaOptions = {}) {
    const { lr = 1.0, rho = 0.9, eps = 1e-6, weightDecay = 0, foreach = null, maximize = false } = options;
    if (!(lr >= 0)) throw new RangeError(`Invalid learning rate: ${pyNumber(lr)}`);
    if (!(rho >= 0 && rho <= 1)) throw new RangeError(`Invalid rho value: ${pyNumber(rho)}`);
    if (!(eps >= 0)) throw new RangeError(`Invalid epsilon value: ${pyNumber(eps)}`);
    if (!(weightDecay >= 0)) throw new RangeError(`Invalid weight_decay value: ${pyNumber(weightDecay)}`);
    super(params, { lr, rho, eps, weightDecay, maximize, foreach });
  }

  protected updateGroup(group: ParamGroup<AdadeltaHyperparameters>): void {
    const { lr, rho, eps, weightDecay, maximize } = group;
    for (const p of group.params) {
      if (p.grad === null) continue;
      const state = this.stateOf(p);
      if (Object.keys(state).length === 0) {
        state.step = 0; // a plain number in PyTorch 1.13's Adadelta
        state.squareAvg = zerosLike(p);
        state.accDelta = zerosLike(p);
      }
      state.step = (state.step as number) + 1;
      let g: Tensor = maximize ? p.grad.neg() : p.grad;
      if (weightDecay !== 0) g = g.add(p, { alpha: weightDecay });
      const squareAvg = state.squareAvg as Tensor;
      const accDelta = state.accDelta as Tensor;
      squareAvg.mul_(rho).addcmul_(g, g, { value: 1 - rho });
      const std = squareAvg.add(eps).sqrt_();
      const delta = accDelta.add(eps).sqrt_().div_(std).mul_(g);
      accDelta.mul_(rho).addcmul_(delta, delta, { value: 1 - rho });
      p.add_(delta, { alpha: -lr });
    }
  }

  protected override stateKeys(): readonly string[] {
    return ['step', 'squareAvg', 'accDelta'];
  }
}
