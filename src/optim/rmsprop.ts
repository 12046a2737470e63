// RMSprop (Hinton), with momentum and the centered variant: PyTorch 1.13's _single_tensor_rmsprop.
//   g = grad (negated if maximize) + weightDecay * p
//   v = alpha v + (1 - alpha) g^2;   centered: gAvg = alpha gAvg + (1 - alpha) g, avg = sqrt(v - gAvg^2)
//   avg = sqrt(v) + eps (or the centered one + eps)
//   momentum > 0: buf = momentum buf + g / avg, p -= lr buf;   else p -= lr g / avg

import type { Tensor } from '../tensor/tensor.js';
import { zerosLike } from '../ops/creation.js';
import { Optimizer, pyNumber, type ParamGroup, type Params } from './optimizer.js';

/** Options of `optim.RMSprop`: lr (default 1e-2), alpha (0.99), eps (1e-8), weightDecay (0), momentum (0), centered (false), maximize (false). */
export interface RMSpropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  centered?: boolean;
  maximize?: boolean;
  /** Accepted for PyTorch compatibility; dlab always runs the single-tensor loop. */
  foreach?: boolean | null;
  differentiable?: boolean;
}

export type RMSpropHyperparameters = Required<RMSpropOptions>;

/** `torch.optim.RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False)`. */
export class RMSprop extends Optimizer<RMSpropHyperparameters> {
  constructor(params: Params<RMSpropHyperparameters>, options: RMSpropOptions = {}) {
    const { lr = 1e-2, alpha = 0.99, eps = 1e-8, weightDecay = 0, momentum = 0, centered = false, foreach = null, maximize = false, differentiable = false } = options;
    if (!(lr >= 0)) throw new RangeError(`Invalid learning rate: ${pyNumber(lr)}`);
    if (!(eps >= 0)) throw new RangeError(`Invalid epsilon value: ${pyNumber(eps)}`);
    if (!(momentum >= 0)) throw new RangeError(`Invalid momentum value: ${pyNumber(momentum)}`);
    if (!(weightDecay >= 0)) throw new RangeError(`Invalid weight_decay value: ${pyNumber(weightDecay)}`);
    if (!(alpha >= 0)) throw new RangeError(`Invalid alpha value: ${pyNumber(alpha)}`);
    if (differentiable) throw new Error('differentiable=true is not supported by dlab optimizers');
    super(params, { lr, momentum, alpha, eps, centered, weightDecay, foreach, maximize, differentiable });
  }

  protected updateGroup(group: ParamGroup<RMSpropHyperparameters>): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = group;
    for (const p of group.params) {
      if (p.grad === null) continue;
      const state = this.stateOf(p);
      if (Object.keys(state).length === 0) {
        // step is a plain number in PyTorch 1.13's RMSprop (a tensor only in Adam, AdamW, Adagrad).
        state.step = 0;
        state.squareAvg = zerosLike(p);
        if (momentum > 0) state.momentumBuffer = zerosLike(p);
        if (centered) state.gradAvg = zerosLike(p);
      }
      state.step = (state.step as number) + 1;
      let g: Tensor = maximize ? p.grad.neg() : p.grad;
      if (weightDecay !== 0) g = g.add(p, { alpha: weightDecay });
      const squareAvg = state.squareAvg as Tensor;
      squareAvg.mul_(alpha).addcmul_(g, g, { value: 1 - alpha });
      let avg: Tensor;
      if (centered) {
        const gradAvg = state.gradAvg as Tensor;
        gradAvg.mul_(alpha).add_(g, { alpha: 1 - alpha });
        avg = squareAvg.addcmul(gradAvg, gradAvg, { value: -1 }).sqrt_();
      } else {
        avg = squareAvg.sqrt();
      }
      avg.add_(eps);
      if (momentum > 0) {
        const buf = state.momentumBuffer as Tensor;
        buf.mul_(momentum).addcdiv_(g, avg);
        p.add_(buf, { alpha: -lr });
      } else {
        p.addcdiv_(g, avg, { value: -lr });
      }
    }
  }

  protected override stateKeys(group: ParamGroup<RMSpropHyperparameters>): readonly string[] {
    return ['step', 'squareAvg', ...(group.momentum > 0 ? ['momentumBuffer'] : []), ...(group.centered ? ['gradAvg'] : [])];
  }
}
