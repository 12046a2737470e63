// Rprop, resilient backpropagation (Riedmiller & Braun): PyTorch 1.13's _single_tensor_rprop.
// Each weight has its own step size, grown by etaplus while its gradient keeps its sign and cut
// by etaminus when the sign flips (then that step is skipped and its gradient forgotten):
//   s = sign(g prev) -> etaplus where > 0, etaminus where < 0, 1 where 0
//   stepSize = clamp(stepSize s, stepSizes[0], stepSizes[1]);   g = 0 where s < 0
//   p -= sign(g) stepSize;   prev = g

import type { Tensor } from '../tensor/tensor.js';
import { fullLike, zerosLike } from '../ops/creation.js';
import { where } from '../ops/elementwise.js';
import { Optimizer, pyNumber, type ParamGroup, type Params } from './optimizer.js';

/** Options of `optim.Rprop`: lr (default 1e-2), etas ([0.5, 1.2]), stepSizes ([1e-6, 50]), maximize (false). */
export interface RpropOptions {
  lr?: number;
  etas?: [number, number];
  stepSizes?: [number, number];
  maximize?: boolean;
  /** Accepted for PyTorch compatibility; dlab always runs the single-tensor loop. */
  foreach?: boolean | null;
}

export type RpropHyperparameters = Required<RpropOptions>;

/** `torch.optim.Rprop(params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), maximize=False)`. */
export class Rprop extends Optimizer<RpropHyperparameters> {
  constructor(params: Params<RpropHyperparameters>, options: RpropOptions = {}) {
    const { lr = 1e-2, etas = [0.5, 1.2], stepSizes = [1e-6, 50], foreach = null, maximize = false } = options;
    if (!(lr >= 0)) throw new RangeError(`Invalid learning rate: ${pyNumber(lr)}`);
    if (!(etas[0] > 0 && etas[0] < 1 && etas[1] > 1)) throw new RangeError(`Invalid eta values: ${pyNumber(etas[0])}, ${pyNumber(etas[1])}`);
    super(params, { lr, etas: [etas[0], etas[1]], stepSizes: [stepSizes[0], stepSizes[1]], foreach, maximize });
  }

  protected updateGroup(group: ParamGroup<RpropHyperparameters>): void {
    const [etaminus, etaplus] = group.etas;
    const [stepSizeMin, stepSizeMax] = group.stepSizes;
    for (const p of group.params) {
      if (p.grad === null) continue;
      const state = this.stateOf(p);
      // step is a plain number here in PyTorch 1.13, counted but not used.
      if (Object.keys(state).length === 0) Object.assign(state, { step: 0, prev: zerosLike(p), stepSize: fullLike(p, group.lr) });
      state.step = (state.step as number) + 1;
      const g: Tensor = group.maximize ? p.grad.neg() : p.grad;
      const [prev, stepSize] = [state.prev as Tensor, state.stepSize as Tensor];
      const sign = g.mul(prev).sign();
      // A NaN sign stays NaN, as PyTorch's masked assignments leave it; the numbers take sign's dtype.
      const factor = where(sign.gt(0), etaplus, where(sign.lt(0), etaminus, where(sign.eq(0), 1, sign)));
      stepSize.mul_(factor).clamp_(stepSizeMin, stepSizeMax);
      const kept = where(factor.eq(etaminus), 0, g);
      p.addcmul_(kept.sign(), stepSize, { value: -1 });
      prev.copy_(kept);
    }
  }

  protected override stateKeys(): readonly string[] {
    return ['step', 'prev', 'stepSize'];
  }
}
