// nn.functional's activations and softmax (torch/nn/functional.py), as compositions of tensor ops.

import type { Tensor } from '../../tensor/tensor.js';
import type { DType } from '../../tensor/dtype.js';
import { normalizeDim } from '../../tensor/shape.js';
import { hardtanh as hardtanhPrimitive, where } from '../../ops/elementwise.js';
import { floatOnly } from '../../ops/pointwise.js';
import { asOneNode } from '../../ops/function.js';

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

/**
 * `F.logsigmoid(input)`: log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)), which neither overflows
 * nor rounds the tail to 0. -|x| and min(x, 0) are picked by `where`, so the gradient at 0 is
 * sigmoid(0) = 0.5 as PyTorch's (abs's subgradient there is 0).
 */
export function logsigmoid(input: Tensor): Tensor {
  const negative = input.lt(0);
  const tail = where(negative, input, input.neg()).exp().log1p();
  return where(negative, input, 0).sub(tail);
}

/** SELU's constants (Klambauer et al. 2017), as PyTorch writes them. */
const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

/** `F.selu(input)`: scale * elu(x, alpha) with the self-normalizing constants. */
export const selu = (input: Tensor): Tensor => elu(input, SELU_ALPHA).mul(SELU_SCALE);

/** `F.celu(input, alpha=1.0)`: max(0, x) + min(0, alpha * (exp(x / alpha) - 1)). */
export function celu(input: Tensor, alpha = 1): Tensor {
  if (alpha === 0) throw new RangeError('ZeroDivisionError: alpha cannot be 0 for CELU');
  return where(input.gt(0), input, input.clamp(null, 0).div(alpha).expm1().mul(alpha));
}

/** PyTorch's hardsigmoid_backward scales by 1/6 rounded to float32, in every dtype. */
const ONE_SIXTH_FLOAT32 = Math.fround(1 / 6);

/**
 * `F.hardsigmoid(input)`: relu6(x + 3) / 6. One node, as PyTorch's HardsigmoidBackward0: the
 * gradient is g / 6 strictly inside (-3, 3), 0 elsewhere, with PyTorch's float32 1/6.
 */
export function hardsigmoid(input: Tensor): Tensor {
  floatOnly('hardsigmoid', input.dtype);
  return asOneNode('HardsigmoidBackward0', [input], [input], (x) => hardtanh(x.add(3), 0, 6).div(6), (g) => [
    where(input.gt(-3).logicalAnd(input.lt(3)), g.mul(ONE_SIXTH_FLOAT32), 0),
  ]);
}

/**
 * `F.hardswish(input)`: x * relu6(x + 3) / 6. Written piecewise so the gradient is PyTorch's at the
 * corners too: x / 3 + 0.5 on [-3, 3] (-0.5 at -3, 1.5 at 3), 0 below, 1 above.
 */
export function hardswish(input: Tensor): Tensor {
  const middle = input.mul(input.add(3)).div(6);
  return where(input.lt(-3), 0, where(input.le(3), middle, input));
}

/** `F.softsign(input)`: x / (1 + |x|). */
export const softsign = (input: Tensor): Tensor => input.div(input.abs().add(1));

/** `F.softshrink(input, lambd=0.5)`: x - lambd above lambd, x + lambd below -lambd, 0 between. */
export function softshrink(input: Tensor, lambd = 0.5): Tensor {
  return where(input.gt(lambd), input.sub(lambd), where(input.lt(-lambd), input.add(lambd), 0));
}

/** `F.hardshrink(input, lambd=0.5)`: x where |x| > lambd, else 0. */
export function hardshrink(input: Tensor, lambd = 0.5): Tensor {
  return where(input.gt(lambd).logicalOr(input.lt(-lambd)), input, 0);
}

/** `F.tanhshrink(input)`: x - tanh(x). */
export const tanhshrink = (input: Tensor): Tensor => input.sub(input.tanh());

/** `F.threshold(input, threshold, value)`: x where x > threshold, else value. */
export function threshold(input: Tensor, thresholdValue: number, value: number): Tensor {
  return where(input.gt(thresholdValue), input, value);
}

/** `F.glu(input, dim=-1)`: the first half of dim gated by the sigmoid of the second. */
export function glu(input: Tensor, dim = -1): Tensor {
  if (input.ndim === 0) throw new RangeError('glu does not support scalars because halving size must be even');
  const d = normalizeDim(dim, input.ndim);
  const size = input.shape[d];
  if (size % 2 !== 0) throw new RangeError(`Halving dimension must be even, but dimension ${d} is size ${size}`);
  const [a, b] = input.chunk(2, d);
  return a.mul(b.sigmoid());
}

/** `F.softmin(input, dim, dtype=None)`: softmax of -x (PyTorch's implicit dim when omitted). */
export function softmin(input: Tensor, dim?: number | null, options: { dtype?: DType } = {}): Tensor {
  return input.neg().softmax(dim ?? softmaxDim(input.ndim), options);
}
