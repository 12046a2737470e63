// nn.functional's likelihood losses (torch/nn/functional.py, aten/src/ATen/native/Loss.cpp):
// poisson_nll_loss and gaussian_nll_loss, composed from tensor ops as PyTorch composes them.

import type { Tensor } from '../../tensor/tensor.js';
import { noGrad } from '../../autograd/grad_mode.js';
import { reduce, type Reduction } from './reduction.js';

/** Options of `F.poisson_nll_loss`: logInput (true), full (false), eps (1e-8), reduction ('mean'). */
export interface PoissonNllOptions {
  logInput?: boolean;
  full?: boolean;
  eps?: number;
  reduction?: Reduction;
}

/** The reduction check of these two losses: PyTorch's words are "... is not valid" here, not "... is not a valid value for reduction". */
function checkValid(reduction: string): void {
  if (reduction !== 'none' && reduction !== 'mean' && reduction !== 'sum') throw new Error(`${reduction} is not valid`);
}

/**
 * `torch.nn.functional.poisson_nll_loss(input, target, log_input=True, full=False, eps=1e-8)`:
 * exp(input) - target * input for a log-rate input, input - target * log(input + eps) for a rate;
 * `full` adds Stirling's approximation of log(target!), target log target - target + 0.5 log(2 pi target),
 * where target > 1 (ATen's poisson_nll_loss, term for term).
 */
export function poissonNllLoss(input: Tensor, target: Tensor, options: PoissonNllOptions = {}): Tensor {
  const { logInput = true, full = false, eps = 1e-8, reduction = 'mean' } = options;
  checkValid(reduction);
  let loss = logInput ? input.exp().sub(target.mul(input)) : input.sub(target.mul(input.add(eps).log()));
  if (full) {
    const stirling = target.mul(target.log()).sub(target).add(target.mul(2 * Math.PI).log().mul(0.5));
    loss = loss.add(stirling.maskedFill(target.le(1), 0));
  }
  return reduce(loss, reduction);
}

/** Options of `F.gaussian_nll_loss`: full (false), eps (1e-6), reduction ('mean'). */
export interface GaussianNllOptions {
  full?: boolean;
  eps?: number;
  reduction?: Reduction;
}

const sameSize = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((s, d) => s === b[d]);

/**
 * `torch.nn.functional.gaussian_nll_loss(input, target, var, full=False, eps=1e-6)`:
 * 0.5 (log var + (input - target)^2 / var), plus 0.5 log(2 pi) when full. var is input's size, or
 * one size-1 (or missing) last dim short of it (one variance per row). As in PyTorch, var is clamped
 * at eps outside the graph: the gradient is the unclamped variance's.
 */
export function gaussianNllLoss(input: Tensor, target: Tensor, variance: Tensor, options: GaussianNllOptions = {}): Tensor {
  const { full = false, eps = 1e-6, reduction = 'mean' } = options;
  let v = variance;
  if (!sameSize(v.shape, input.shape)) {
    const lead = input.shape.slice(0, -1);
    if (sameSize(lead, v.shape)) v = v.unsqueeze(-1);
    else if (!(sameSize(lead, v.shape.slice(0, -1)) && v.shape[v.ndim - 1] === 1)) throw new RangeError('var is of incorrect size');
  }
  checkValid(reduction);
  if (v.lt(0).any().item()) throw new RangeError('var has negative entry/entries');
  v = v.clone();
  noGrad(() => v.clamp_(eps));
  let loss = v.log().add(input.sub(target).pow(2).div(v)).mul(0.5);
  if (full) loss = loss.add(0.5 * Math.log(2 * Math.PI));
  return reduce(loss, reduction);
}
