// Adagrad (Duchi et al.): PyTorch 1.13's _single_tensor_adagrad (dense gradients).
//   g = grad (negated if maximize) + weightDecay * p
//   clr = lr / (1 + (t - 1) lrDecay);   sum += g^2;   p -= clr g / (sqrt(sum) + eps)
// State is created when the optimizer is built (sum starts at initialAccumulatorValue), as PyTorch.

import type { Tensor } from '../tensor/tensor.js';
import { fullLike } from '../ops/creation.js';
import { Optimizer, pyNumber, stepTensor, stepValue, type ParamGroup, type Params } from './optimizer.js';

/** Options of `optim.Adagrad`: lr (default 1e-2), lrDecay (0), weightDecay (0), initialAccumulatorValue (0), eps (1e-10), maximize (false). */
export interface AdagradOptions {
  lr?: number;
  lrDecay?: number;
  weightDecay?: number;
  initialAccumulatorValue?: number;
  eps?: number;
  /** Accepted for PyTorch compatibility; dlab always runs the single-tensor loop. */
  foreach?: boolean | null;
  maximize?: boolean;
}

export type AdagradHyperparameters = Required<AdagradOptions>;

/** `torch.optim.Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10)`. */
export class Adagrad extends Optimizer<AdagradHyperparameters> {
  constructor(params: Params<AdagradHyperparameters>, options: AdagradOptions = {}) {
    const { lr = 1e-2, lrDecay = 0, weightDecay = 0, initialAccumulatorValue = 0, eps = 1e-10, foreach = null, maximize = false } = options;
    if (!(lr >= 0)) throw new RangeError(`Invalid learning rate: ${pyNumber(lr)}`);
    if (!(lrDecay >= 0)) throw new RangeError(`Invalid lr_decay value: ${pyNumber(lrDecay)}`);
    if (!(weightDecay >= 0)) throw new RangeError(`Invalid weight_decay value: ${pyNumber(weightDecay)}`);
    if (!(initialAccumulatorValue >= 0)) throw new RangeError(`Invalid initial_accumulator_value value: ${pyNumber(initialAccumulatorValue)}`);
    if (!(eps >= 0)) throw new RangeError(`Invalid epsilon value: ${pyNumber(eps)}`);
    super(params, { lr, lrDecay, eps, weightDecay, initialAccumulatorValue, foreach, maximize });
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        this.state.set(p, { step: stepTensor(0), sum: fullLike(p, group.initialAccumulatorValue) });
      }
    }
  }

  protected updateGroup(group: ParamGroup<AdagradHyperparameters>): void {
    const { lr, lrDecay, eps, weightDecay, maximize } = group;
    for (const p of group.params) {
      if (p.grad === null) continue;
      const state = this.stateOf(p);
      const stepT = state.step as Tensor;
      stepT.add_(1);
      const step = stepValue(stepT);
      let g: Tensor = maximize ? p.grad.neg() : p.grad;
      if (weightDecay !== 0) g = g.add(p, { alpha: weightDecay });
      const clr = lr / (1 + (step - 1) * lrDecay);
      const sum = state.sum as Tensor;
      sum.addcmul_(g, g, { value: 1 });
      const std = sum.sqrt().add_(eps);
      p.addcdiv_(g, std, { value: -clr });
    }
  }

  protected override afterLoad(): void {
    for (const s of this.state.values()) if (typeof s.step === 'number') s.step = stepTensor(s.step);
  }

  protected override stateKeys(): readonly string[] {
    return ['step', 'sum'];
  }
}
