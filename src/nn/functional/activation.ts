// nn.functional's activations and softmax (torch/nn/functional.py), as compositions of tensor ops.

import type { Tensor } from '../../tensor/tensor.js';
import { hardtanh as hardtanhPrimitive, where } from '../../ops/elementwise.js';

/** `F.relu(input)`: max(x, 0). */
export const relu = (input: Tensor): Tensor => input.relu();
/** `F.sigmoid(input)`. */
export const sigmoid = (input: Tensor): Tensor => input.sigmoid();
/** `F.tanh(input)`. */
export const tanh = (input: Tensor): Tensor => input.tanh();

/** `F.leaky_relu(input, negative_slope=0.01)`. */
export function leakyRelu(input: Tensor, negativeSlope = 0.01): Tensor {
  return where(input.gt(0), input, input.mul(negativeSlope));
}

/** `torch.nn.functional.elu`: x for x > 0, alpha * (exp(x) - 1) otherwise. */
export function elu(input: Tensor, alpha = 1): Tensor {
  return where(input.gt(0), input, input.clamp(null, 0).expm1().mul(alpha));
}

/** `torch.nn.functional.gelu`: GELU: x * Phi(x) exactly ('none') or with the tanh approximation ('tanh'). */
export function gelu(input: Tensor, options: { approximate?: 'none' | 'tanh' } = {}): Tensor {
  const approximate = options.approximate ?? 'none';
  if (approximate === 'tanh') {
    const inner = input.add(input.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
    return input.mul(0.5).mul(inner.tanh().add(1));
  }
  if (approximate !== 'none') throw new Error(`approximate argument must be either none or tanh.`);
  return input.mul(input.mul(Math.SQRT1_2).erf().add(1)).mul(0.5);
}

/** `F.silu(input)`: x * sigmoid(x). */
export const silu = (input: Tensor): Tensor => input.mul(input.sigmoid());

/** `torch.nn.functional.softplus`: log(1 + exp(beta x)) / beta, reverting to x where beta x > threshold. */
export function softplus(input: Tensor, beta = 1, threshold = 20): Tensor {
  const bx = input.mul(beta);
  const soft = bx.clamp(null, threshold).exp().log1p().div(beta);
  return where(bx.gt(threshold), input, soft);
}

/** `F.mish(input)`: x * tanh(softplus(x)). */
export const mish = (input: Tensor): Tensor => input.mul(softplus(input).tanh());

/**
 * `F.hardtanh(input, min_val=-1, max_val=1)`: input clamped. PyTorch 1.13 takes min_val above
 * max_val (every value becomes max_val, as clamp's; no gradient); nn.Hardtanh refuses it.
 */
export function hardtanh(input: Tensor, minVal = -1, maxVal = 1): Tensor {
  return hardtanhPrimitive(input, minVal, maxVal);
}

/** `torch.nn.functional.relu6`: min(max(0, x), 6): hardtanh(x, 0, 6), with its gradient 0 at 0 and 6. */
export const relu6 = (input: Tensor): Tensor => hardtanh(input, 0, 6);

/** `torch.nn.functional.prelu`: PReLU: weight (one value, or one per channel on dim 1) scales the negative part. */
export function prelu(input: Tensor, weight: Tensor): Tensor {
  let w = weight;
  if (weight.numel() !== 1) {
    const channels = input.ndim >= 2 ? input.shape[1] : 1;
    if (weight.numel() !== channels) {
      throw new RangeError(
        `Mismatch of parameter numbers and input channel size. Found parameter numbers = ${weight.numel()} and channel size = ${channels}.`,
      );
    }
    w = weight.reshape([channels, ...new Array(Math.max(input.ndim - 2, 0)).fill(1)]);
  }
  return where(input.gt(0), input, input.mul(w));
}

/** PyTorch's implicit softmax dim (deprecated there too): 0 for 0-, 1- and 3-D input, else 1. */
function softmaxDim(ndim: number): number {
  return ndim === 0 || ndim === 1 || ndim === 3 ? 0 : 1;
}

/** `F.softmax(input, dim)`: along dim (PyTorch's implicit dim when omitted, with its warning's rule). */
export function softmax(input: Tensor, dim?: number | null): Tensor {
  return input.softmax(dim ?? softmaxDim(input.ndim));
}

/** `F.log_softmax(input, dim)`: along dim, computed stably. */
export function logSoftmax(input: Tensor, dim?: number | null): Tensor {
  return input.logSoftmax(dim ?? softmaxDim(input.ndim));
}
