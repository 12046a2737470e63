// Gradient clipping (torch.nn.utils.clip_grad_norm_ / clip_grad_value_ of PyTorch 1.13) and the
// weight penalties of the d2l chapters on regularization.

import { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/grad_mode.js';
import { scalarTensor } from '../ops/creation.js';
import { stack } from '../ops/movement.js';
import { amax, norm } from '../ops/reduce.js';

type ParamsLike = Tensor | Iterable<Tensor>;

const listOf = (params: ParamsLike): Tensor[] => (params instanceof Tensor ? [params] : [...params]);

/**
 * Scale the gradients so that their joint norm (of order normType, Infinity for the max norm) is
 * at most maxNorm: each grad is multiplied by min(1, maxNorm / (total + 1e-6)). Returns the
 * total norm before clipping, as a 0-d tensor. Parameters without a gradient are ignored.
 */
export function clipGradNorm_(
  parameters: ParamsLike,
  maxNorm: number,
  normType: number | 'inf' = 2,
  options: { errorIfNonfinite?: boolean } = {},
): Tensor {
  const grads = listOf(parameters)
    .map((p) => p.grad)
    .filter((g): g is Tensor => g !== null);
  const order = normType === 'inf' ? Infinity : normType;
  if (grads.length === 0) return scalarTensor(0, 'float32');
  return noGrad(() => {
    let total: Tensor;
    if (order === Infinity) {
      const norms = grads.map((g) => amax(g.abs()));
      total = norms.length === 1 ? norms[0] : amax(stack(norms));
    } else {
      total = norm(stack(grads.map((g) => norm(g, order))), order);
    }
    if (options.errorIfNonfinite && !Number.isFinite(total.item())) {
      throw new Error(
        `The total norm of order ${order === Infinity ? 'inf' : order.toFixed(1)} for gradients from \`parameters\` is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set \`error_if_nonfinite=False\``,
      );
    }
    const coef = total.add(1e-6).reciprocal().mul(maxNorm).clamp(null, 1.0);
    for (const g of grads) g.mul_(coef);
    return total;
  });
}

/** Clamp every gradient into [-clipValue, clipValue] in place. */
export function clipGradValue_(parameters: ParamsLike, clipValue: number): void {
  noGrad(() => {
    for (const p of listOf(parameters)) if (p.grad !== null) p.grad.clamp_(-clipValue, clipValue);
  });
}

/**
 * Sum of |w| over all parameters (differentiable): add lambda * l1Penalty(params) to the loss.
 */
export function l1Penalty(parameters: ParamsLike): Tensor {
  const list = listOf(parameters);
  if (list.length === 0) return scalarTensor(0, 'float32');
  return list.map((p) => p.abs().sum()).reduce((a, b) => a.add(b));
}

/**
 * Sum of w^2 / 2 over all parameters (differentiable), d2l's l2_penalty: its gradient is w, so
 * lambda * l2Penalty(params) in the loss equals SGD's weightDecay = lambda.
 */
export function l2Penalty(parameters: ParamsLike): Tensor {
  const list = listOf(parameters);
  if (list.length === 0) return scalarTensor(0, 'float32');
  return list.map((p) => p.mul(p).sum()).reduce((a, b) => a.add(b)).div(2);
}
