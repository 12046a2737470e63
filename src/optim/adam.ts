// Adam (Kingma & Ba), with AMSGrad and maximize: PyTorch 1.13's _single_tensor_adam.
//   g = grad (negated if maximize) + weightDecay * p           (L2 penalty folded into g)
//   m = beta1 m + (1 - beta1) g;   v = beta2 v + (1 - beta2) g^2;   vmax = max(vmax, v) if amsgrad
//   p -= lr / (1 - beta1^t) * m / (sqrt(v or vmax) / sqrt(1 - beta2^t) + eps)
// AdamW (adamw.ts) differs only in decaying p by (1 - lr * weightDecay) instead of folding the
// decay into g; both share adamUpdate below.

import type { Tensor } from '../tensor/tensor.js';
import { maximum } from '../ops/elementwise.js';
import { inplace } from '../ops/inplace.js';
import { zerosLike } from '../ops/creation.js';
import { Optimizer, pyNumber, stepTensor, stepValue, type ParamGroup, type Params } from './optimizer.js';

/** Options of `optim.Adam`: lr (default 1e-3), betas ([0.9, 0.999]), eps (1e-8), weightDecay (0, added to the gradient), amsgrad (false), maximize (false). */
export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
  maximize?: boolean;
  /** Accepted for PyTorch compatibility; dlab always runs the single-tensor loop. */
  foreach?: boolean | null;
  capturable?: boolean;
  differentiable?: boolean;
  fused?: boolean;
}

export type AdamHyperparameters = Required<AdamOptions>;

/** PyTorch's argument checks, shared by Adam and AdamW. */
export function checkAdamOptions(lr: number, betas: readonly number[], eps: number, weightDecay: number): void {
  if (!(lr >= 0)) throw new RangeError(`Invalid learning rate: ${pyNumber(lr)}`);
  if (!(eps >= 0)) throw new RangeError(`Invalid epsilon value: ${pyNumber(eps)}`);
  if (!(betas[0] >= 0 && betas[0] < 1)) throw new RangeError(`Invalid beta parameter at index 0: ${pyNumber(betas[0])}`);
  if (!(betas[1] >= 0 && betas[1] < 1)) throw new RangeError(`Invalid beta parameter at index 1: ${pyNumber(betas[1])}`);
  if (!(weightDecay >= 0)) throw new RangeError(`Invalid weight_decay value: ${pyNumber(weightDecay)}`);
}

interface AdamGroup {
  params: Tensor[];
  lr: number;
  betas: readonly number[];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

/** One Adam/AdamW update of a group; `decoupled` selects AdamW's weight decay. */
export function adamUpdate(opt: { state: Map<Tensor, Record<string, unknown>> }, group: AdamGroup, decoupled: boolean): void {
  const { lr, eps, weightDecay, amsgrad, maximize } = group;
  const [beta1, beta2] = group.betas;
  for (const p of group.params) {
    // _grad: reading .grad would mark it seen (Tensor._dropGrad); this update keeps no reference to it.
    const grad = p._grad;
    if (grad === null) continue;
    let state = opt.state.get(p);
    if (!state || Object.keys(state).length === 0) {
      state = { step: stepTensor(0), expAvg: zerosLike(p), expAvgSq: zerosLike(p) };
      if (amsgrad) state.maxExpAvgSq = zerosLike(p);
      opt.state.set(p, state);
    }
    let g: Tensor = maximize ? grad.neg() : grad;
    const expAvg = state.expAvg as Tensor;
    const expAvgSq = state.expAvgSq as Tensor;
    // The counter stays a 0-d float32 tensor, as in PyTorch's state dict.
    const stepT = state.step as Tensor;
    stepT.add_(1);
    const step = stepValue(stepT);

    if (decoupled) p.mul_(1 - lr * weightDecay);
    else if (weightDecay !== 0) g = g.add(p, { alpha: weightDecay });

    expAvg.mul_(beta1).add_(g, { alpha: 1 - beta1 });
    expAvgSq.mul_(beta2).addcmul_(g, g, { value: 1 - beta2 });

    const biasCorrection1 = 1 - beta1 ** step;
    const biasCorrection2 = 1 - beta2 ** step;
    const stepSize = lr / biasCorrection1;
    const biasCorrection2Sqrt = Math.sqrt(biasCorrection2);

    let second = expAvgSq;
    if (amsgrad) {
      const maxSq = state.maxExpAvgSq as Tensor;
      inplace(maxSq, maximum(maxSq, expAvgSq));
      second = maxSq;
    }
    // sqrt() allocates the denominator once; the rest happens in place on it.
    const denom = second.sqrt().div_(biasCorrection2Sqrt).add_(eps);
    p.addcdiv_(expAvg, denom, { value: -stepSize });
  }
}

/** The state a step of Adam or AdamW keeps per parameter. */
export const adamStateKeys = (amsgrad: boolean) => (amsgrad ? ['step', 'expAvg', 'expAvgSq', 'maxExpAvgSq'] : ['step', 'expAvg', 'expAvgSq']);

/** `torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, maximize=False)`. */
export class Adam extends Optimizer<AdamHyperparameters> {
  constructor(params: Params<AdamHyperparameters>, options: AdamOptions = {}) {
    const {
      lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, amsgrad = false, maximize = false,
      foreach = null, capturable = false, differentiable = false, fused = false,
    } = options;
    checkAdamOptions(lr, betas, eps, weightDecay);
    if (differentiable) throw new Error('differentiable=true is not supported by dlab optimizers');
    super(params, { lr, betas: [betas[0], betas[1]], eps, weightDecay, amsgrad, maximize, foreach, capturable, differentiable, fused });
  }

  protected updateGroup(group: ParamGroup<AdamHyperparameters>): void {
    adamUpdate(this, group, false);
  }

  /** Old checkpoints kept `step` as a number; PyTorch turns it into a tensor on load. */
  protected override afterLoad(): void {
    for (const s of this.state.values()) if (typeof s.step === 'number') s.step = stepTensor(s.step);
  }

  protected override stateKeys(group: ParamGroup<AdamHyperparameters>): readonly string[] {
    return adamStateKeys(group.amsgrad);
  }
}
