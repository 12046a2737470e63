// SGD with momentum, dampening, Nesterov and weight decay: PyTorch 1.13's _single_tensor_sgd.
//   g = grad (negated if maximize) + weightDecay * p
//   buf = g on the first step, else momentum * buf + (1 - dampening) * g
//   g = nesterov ? g + momentum * buf : buf;   p -= lr * g

import type { Tensor } from '../tensor/tensor.js';
import { Optimizer, pyNumber, required, type ParamGroup, type Params } from './optimizer.js';

/** Options of `optim.SGD`: lr (required, as in PyTorch 1.13), momentum (0), dampening (0), weightDecay (0), nesterov (false), maximize (false). */
export interface SGDOptions {
  /** Required, here or in every parameter group (PyTorch's `required`). */
  lr?: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
  maximize?: boolean;
  /** Accepted for PyTorch compatibility; dlab always runs the single-tensor loop. */
  foreach?: boolean | null;
  differentiable?: boolean;
}

export type SGDHyperparameters = Required<SGDOptions>;

/**
 * `torch.optim.SGD(params, lr, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False)`, with PyTorch's update order.
 *
 * @example
 * ```ts
 * import * as torch from 'dlab';
 * import { optim } from 'dlab';
 *
 * const w = torch.tensor([1, 2], { dtype: 'float32', requiresGrad: true });
 * const opt = new optim.SGD([w], { lr: 0.1 });
 * opt.zeroGrad();
 * w.pow(2).sum().backward();              // gradient 2w
 * opt.step();                             // w - 0.1 * 2w
 * console.log(String(w.detach())); // tensor([0.8000, 1.6000])
 * ```
 */
export class SGD extends Optimizer<SGDHyperparameters> {
  constructor(params: Params<SGDHyperparameters>, options: SGDOptions = {}) {
    const o = options;
    const lr = o.lr ?? required;
    const { momentum = 0, dampening = 0, weightDecay = 0, nesterov = false, maximize = false, foreach = null, differentiable = false } = o;
    if (lr !== required && lr < 0) throw new RangeError(`Invalid learning rate: ${pyNumber(lr)}`);
    if (momentum < 0) throw new RangeError(`Invalid momentum value: ${pyNumber(momentum)}`);
    if (weightDecay < 0) throw new RangeError(`Invalid weight_decay value: ${pyNumber(weightDecay)}`);
    if (differentiable) throw new Error('differentiable=true is not supported by dlab optimizers');
    if (nesterov && (momentum <= 0 || dampening !== 0)) throw new Error('Nesterov momentum requires a momentum and zero dampening');
    super(params, { lr, momentum, dampening, weightDecay, nesterov, maximize, foreach, differentiable });
  }

  protected updateGroup(group: ParamGroup<SGDHyperparameters>): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    for (const p of group.params) {
      // _grad: reading .grad would mark it seen (Tensor._dropGrad); this update keeps no reference to it.
      const grad = p._grad;
      if (grad === null) continue;
      let g: Tensor = maximize ? grad.neg() : grad;
      if (weightDecay !== 0) g = g.add(p, { alpha: weightDecay });
      if (momentum === 0) {
        // PyTorch records a null buffer for every stepped parameter; kept for state-dict parity.
        this.stateOf(p).momentumBuffer = null;
      } else {
        const state = this.stateOf(p);
        let buf = state.momentumBuffer as Tensor | null | undefined;
        if (buf == null) {
          buf = g.clone().detach();
          state.momentumBuffer = buf;
        } else {
          buf.mul_(momentum).add_(g, { alpha: 1 - dampening });
        }
        g = nesterov ? g.add(buf, { alpha: momentum }) : buf;
      }
      p.add_(g, { alpha: -lr });
    }
  }
}
