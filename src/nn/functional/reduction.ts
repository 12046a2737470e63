// A loss's reduction (PyTorch's apply_loss_reduction), shared by the loss files; not part of F.

import type { Tensor } from '../../tensor/tensor.js';

/** How a loss reduces its per-element values: PyTorch's reduction='none' | 'mean' | 'sum'. */
export type Reduction = 'none' | 'mean' | 'sum';

/** Applies a loss reduction: none (as is), mean or sum; anything else is refused in PyTorch's words. */
export function reduce(loss: Tensor, reduction: Reduction | 'batchmean'): Tensor {
  if (reduction === 'none') return loss;
  if (reduction === 'mean') return loss.mean();
  if (reduction === 'sum') return loss.sum();
  throw new Error(`${reduction} is not a valid value for reduction`);
}

/** Refuses a reduction PyTorch does not know, before any work. */
export function checkReduction(reduction: string, allowed: readonly string[] = ['none', 'mean', 'sum']): void {
  if (!allowed.includes(reduction)) throw new Error(`${reduction} is not a valid value for reduction`);
}
