// ASGD, averaged SGD (Polyak & Juditsky): PyTorch 1.13's _single_tensor_asgd.
//   g = grad (negated if maximize) + weightDecay * p
//   p = p (1 - lambd eta) - eta g;   ax = p if mu == 1, else ax + mu (p - ax)
//   eta = lr / (1 + lambd lr t)^alpha;   mu = 1 / max(1, t - t0)
// eta and mu are float32 0-d tensors, as PyTorch keeps them: their rounding reaches the update.

import type { Tensor } from '../tensor/tensor.js';
import { scalarTensor, zerosLike } from '../ops/creation.js';
import { Optimizer, pyNumber, stepTensor, stepValue, type ParamGroup, type Params } from './optimizer.js';

/** Options of `optim.ASGD`: lr (default 1e-2), lambd (1e-4), alpha (0.75), t0 (1e6), weightDecay (0), maximize (false). */
export interface ASGDOptions {
  lr?: number;
  lambd?: number;
  alpha?: number;
  t0?: number;
  weightDecay?: number;
  maximize?: boolean;
  /** Accepted for PyTorch compatibility; dlab always runs the single-tensor loop. */
  foreach?: boolean | null;
}

export type ASGDHyperparameters = Required<ASGDOptions>;

/** `torch.optim.ASGD(params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, maximize=False)`; the average is state `ax`. */
export class ASGD extends Optimizer<ASGDHyperparameters> {
  constructor(params: Params<ASGDHyperparameters>, options: ASGDOptions = {}) {
    const { lr = 1e-2, lambd = 1e-4, alpha = 0.75, t0 = 1e6, weightDecay = 0, foreach = null, maximize = false } = options;
    if (!(lr >= 0)) throw new RangeError(`Invalid learning rate: ${pyNumber(lr)}`);
    if (!(weightDecay >= 0)) throw new RangeError(`Invalid weight_decay value: ${pyNumber(weightDecay)}`);
    super(params, { lr, lambd, alpha, t0, weightDecay, foreach, maximize });
  }

  protected updateGroup(group: ParamGroup<ASGDHyperparameters>): void {
    const { lr, lambd, alpha, t0, weightDecay, maximize } = group;
    for (const p of group.params) {
      if (p.grad === null) continue;
      const state = this.stateOf(p);
      if (Object.keys(state).length === 0) {
        Object.assign(state, { step: stepTensor(0), eta: scalarTensor(lr, 'float32'), mu: scalarTensor(1, 'float32'), ax: zerosLike(p) });
      }
      let g: Tensor = maximize ? p.grad.neg() : p.grad;
      const stepT = state.step as Tensor;
      stepT.add_(1);
      const step = stepValue(stepT);
      if (weightDecay !== 0) g = g.add(p, { alpha: weightDecay });
      const [etaT, muT, ax] = [state.eta as Tensor, state.mu as Tensor, state.ax as Tensor];
      const eta = etaT.item();
      p.mul_(1 - lambd * eta);
      p.add_(g, { alpha: -eta });
      if (muT.item() !== 1) ax.add_(p.sub(ax).mul(muT));
      else ax.copy_(p);
      etaT.fill_(lr / (1 + lambd * lr * step) ** alpha);
      muT.fill_(1 / Math.max(1, step - t0));
    }
  }

  protected override stateKeys(): readonly string[] {
    return ['step', 'eta', 'mu', 'ax'];
  }
}
