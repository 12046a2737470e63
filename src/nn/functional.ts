// nn.functional (torch/nn/functional.py): activations, dropout and losses as compositions of
// tensor ops, so autograd differentiates them with no backward code of their own. Where PyTorch's
// kernel has a formula chosen for stability (logsumexp, the max-shift in BCE-with-logits, the
// -100 clamp of BCE's logs), the same formula is used; branches that would overflow are clamped
// first, because `where` still differentiates the branch it does not pick (0 * inf = nan).

import { Tensor } from '../tensor/tensor.js';
import { fmtShape } from '../tensor/shape.js';
import { isFloatingPoint } from '../tensor/dtype.js';
import { where } from '../ops/elementwise.js';
import { emptyLike, zerosLike } from '../ops/creation.js';

export type Reduction = 'none' | 'mean' | 'sum';
// Convolution and pooling live in src/ops (conv.ts, pool.ts): sliding-window primitives and their compositions.
export { conv1d, conv2d, convTranspose1d, convTranspose2d, unfold, fold, type ConvOptions, type ConvTransposeOptions } from '../ops/conv.js';
export {
  maxPool1d, maxPool2d, avgPool1d, avgPool2d, adaptiveAvgPool1d, adaptiveAvgPool2d, adaptiveMaxPool1d, adaptiveMaxPool2d,
  type MaxPoolOptions, type AvgPoolOptions,
} from '../ops/pool.js';

function reduce(loss: Tensor, reduction: Reduction | 'batchmean'): Tensor {
  if (reduction === 'none') return loss;
  if (reduction === 'mean') return loss.mean();
  if (reduction === 'sum') return loss.sum();
  throw new Error(`${reduction} is not a valid value for reduction`);
}

function checkReduction(reduction: string, allowed: readonly string[] = ['none', 'mean', 'sum']): void {
  if (!allowed.includes(reduction)) throw new Error(`${reduction} is not a valid value for reduction`);
}

// ---------------------------------------------------------------------------- linear

/** y = x W^T + b. Wrong in_features reports "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)". */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const y = input.matmul(weight.t());
  return bias ? y.add(bias) : y;
}

/** y = x1^T A x2 + b for weight A of shape [out, in1, in2]. */
export function bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (input1.ndim !== input2.ndim) {
    throw new RangeError(`bilinear(): input dimensions do not match: got ${input1.ndim} and ${input2.ndim}`);
  }
  for (let i = 0; i < input1.ndim - 1; i++) {
    if (input1.shape[i] !== input2.shape[i]) {
      throw new RangeError(`bilinear(): input batch dimensions do not match: got ${fmtShape(input1.shape)} and ${fmtShape(input2.shape)}`);
    }
  }
  const [out, in1, in2] = weight.shape;
  if (input1.shape[input1.ndim - 1] !== in1) {
    throw new RangeError(`bilinear(): input1 size does not match weight size: got ${input1.shape[input1.ndim - 1]} but expected ${in1}`);
  }
  if (input2.shape[input2.ndim - 1] !== in2) {
    throw new RangeError(`bilinear(): input2 size does not match weight size: got ${input2.shape[input2.ndim - 1]} but expected ${in2}`);
  }
  // (x1 A) as one matmul against A laid out [in1, out * in2], then the dot with x2 per output.
  const a = weight.permute(1, 0, 2).reshape(in1, out * in2);
  const t = input1.matmul(a).unflatten(-1, [out, in2]);
  const y = t.mul(input2.unsqueeze(-2)).sum(-1);
  return bias ? y.add(bias) : y;
}

// ---------------------------------------------------------------------------- activations

export const relu = (input: Tensor): Tensor => input.relu();
export const sigmoid = (input: Tensor): Tensor => input.sigmoid();
export const tanh = (input: Tensor): Tensor => input.tanh();

export function leakyRelu(input: Tensor, negativeSlope = 0.01): Tensor {
  return where(input.gt(0), input, input.mul(negativeSlope));
}

/** x for x > 0, alpha * (exp(x) - 1) otherwise. */
export function elu(input: Tensor, alpha = 1): Tensor {
  return where(input.gt(0), input, input.clamp(null, 0).expm1().mul(alpha));
}

/** GELU: x * Phi(x) exactly ('none') or with the tanh approximation ('tanh'). */
export function gelu(input: Tensor, options: { approximate?: 'none' | 'tanh' } = {}): Tensor {
  const approximate = options.approximate ?? 'none';
  if (approximate === 'tanh') {
    const inner = input.add(input.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
    return input.mul(0.5).mul(inner.tanh().add(1));
  }
  if (approximate !== 'none') throw new Error(`approximate argument must be either none or tanh.`);
  return input.mul(input.mul(Math.SQRT1_2).erf().add(1)).mul(0.5);
}

export const silu = (input: Tensor): Tensor => input.mul(input.sigmoid());

/** log(1 + exp(beta x)) / beta, reverting to x where beta x > threshold. */
export function softplus(input: Tensor, beta = 1, threshold = 20): Tensor {
  const bx = input.mul(beta);
  const soft = bx.clamp(null, threshold).exp().log1p().div(beta);
  return where(bx.gt(threshold), input, soft);
}

export const mish = (input: Tensor): Tensor => input.mul(softplus(input).tanh());

export function hardtanh(input: Tensor, minVal = -1, maxVal = 1): Tensor {
  if (minVal > maxVal) throw new RangeError('min_val cannot be greater than max_val');
  return input.clamp(minVal, maxVal);
}

/** PReLU: weight (one value, or one per channel on dim 1) scales the negative part. */
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

export function softmax(input: Tensor, dim?: number | null): Tensor {
  return input.softmax(dim ?? softmaxDim(input.ndim));
}

export function logSoftmax(input: Tensor, dim?: number | null): Tensor {
  return input.logSoftmax(dim ?? softmaxDim(input.ndim));
}

// ---------------------------------------------------------------------------- dropout

/**
 * Zero each element with probability p and scale the rest by 1/(1-p), drawing the mask as
 * PyTorch's CPU kernel does: empty_like(x).bernoulli_(1 - p), divided by 1 - p, times x.
 */
export function dropout(input: Tensor, p = 0.5, training = true, inplace = false): Tensor {
  if (p < 0 || p > 1) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
  if (p === 0 || !training || input.numel() === 0) return input;
  const mask = p === 1 ? zerosLike(input) : emptyLike(input).bernoulli_(1 - p).div_(1 - p);
  return inplace ? input.mul_(mask) : input.mul(mask);
}

// ---------------------------------------------------------------------------- regression losses

/** PyTorch warns when the shapes differ and broadcasts; so does this (without the warning). */
export function mseLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  return reduce(input.sub(target).square(), options.reduction ?? 'mean');
}

export function l1Loss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  return reduce(input.sub(target).abs(), options.reduction ?? 'mean');
}

/** 0.5 z^2 / beta where |z| < beta, |z| - 0.5 beta elsewhere (beta = 0 is L1). */
export function smoothL1Loss(input: Tensor, target: Tensor, options: { reduction?: Reduction; beta?: number } = {}): Tensor {
  const beta = options.beta ?? 1;
  if (beta < 0) throw new RangeError('smooth_l1_loss does not support negative values for beta.');
  const z = input.sub(target).abs();
  if (beta === 0) return reduce(z, options.reduction ?? 'mean');
  const loss = where(z.lt(beta), z.square().mul(0.5 / beta), z.sub(0.5 * beta));
  return reduce(loss, options.reduction ?? 'mean');
}

/** 0.5 z^2 where |z| < delta, delta (|z| - 0.5 delta) elsewhere. */
export function huberLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction; delta?: number } = {}): Tensor {
  const delta = options.delta ?? 1;
  if (delta <= 0) throw new RangeError('huber_loss does not support non-positive values for delta.');
  const z = input.sub(target).abs();
  const loss = where(z.lt(delta), z.square().mul(0.5), z.sub(0.5 * delta).mul(delta));
  return reduce(loss, options.reduction ?? 'mean');
}

// ---------------------------------------------------------------------------- classification losses

export interface NllOptions {
  weight?: Tensor | null;
  ignoreIndex?: number;
  reduction?: Reduction;
}

/** nll_loss's shape checks: input [N, C, d1...] against target [N, d1...], or [C] against []. */
function checkNllShapes(input: Tensor, target: Tensor): void {
  if (input.ndim < 1) throw new RangeError(`input tensor should be 1D or more, but got ${input.ndim}D`);
  if (input.ndim === 1) {
    if (target.ndim !== 0) throw new RangeError(`0D or 1D target tensor expected, multi-target not supported`);
    return;
  }
  if (target.ndim !== input.ndim - 1) {
    throw new RangeError(`Expected target size ${fmtShape([input.shape[0], ...input.shape.slice(2)])}, got ${fmtShape(target.shape)}`);
  }
  if (input.shape[0] !== target.shape[0]) {
    throw new RangeError(`Expected input batch_size (${input.shape[0]}) to match target batch_size (${target.shape[0]}).`);
  }
  for (let d = 2; d < input.ndim; d++) {
    if (input.shape[d] !== target.shape[d - 1]) {
      throw new RangeError(`Expected target size ${fmtShape([input.shape[0], ...input.shape.slice(2)])}, got ${fmtShape(target.shape)}`);
    }
  }
}

/**
 * The negative log likelihood of class-index targets: loss_n = -weight[t_n] * input[n, t_n]; 0 where
 * t_n = ignoreIndex. 'mean' divides by the total weight of the targets that count, as PyTorch.
 */
export function nllLoss(input: Tensor, target: Tensor, options: NllOptions = {}): Tensor {
  const { weight = null, ignoreIndex = -100, reduction = 'mean' } = options;
  checkReduction(reduction);
  checkNllShapes(input, target);
  if (isFloatingPoint(target.dtype)) {
    throw new TypeError(`expected scalar type Long but found ${target.dtype === 'float32' ? 'Float' : 'Double'}`);
  }
  const classes = input.ndim === 1 ? input.shape[0] : input.shape[1];
  if (weight && (weight.ndim !== 1 || weight.numel() !== classes)) {
    throw new RangeError(`weight tensor should be defined either for all ${classes} classes or no classes but got weight tensor of shape: ${fmtShape(weight.shape)}`);
  }
  const x = input.ndim === 1 ? input.unsqueeze(0) : input;
  const t = input.ndim === 1 ? target.unsqueeze(0) : target;
  const keep = t.ne(ignoreIndex);
  const safe = where(keep, t, 0);
  const tv = safe.toTypedArray();
  for (let i = 0; i < tv.length; i++) {
    if (tv[i] < 0 || tv[i] >= classes) throw new RangeError(`Target ${tv[i]} is out of bounds.`);
  }
  const picked = x.gather(1, safe.unsqueeze(1)).squeeze(1);
  let w = keep.to(input.dtype);
  if (weight) w = weight.indexSelect(0, safe.flatten()).reshape(safe.shape).mul(w);
  let loss = picked.mul(w).neg();
  if (input.ndim === 1) {
    loss = loss.squeeze(0);
    w = w.squeeze(0);
  }
  if (reduction === 'none') return loss;
  if (reduction === 'sum') return loss.sum();
  return loss.sum().div(w.sum());
}

export interface CrossEntropyOptions extends NllOptions {
  labelSmoothing?: number;
}

/**
 * Cross-entropy from logits (class dim 1, or 0 for unbatched input): log_softmax then nll_loss for
 * class indices; -sum(target * log_softmax) for class probabilities (target shaped like input).
 * labelSmoothing mixes in the uniform distribution, with PyTorch's exact weighting.
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const { weight = null, ignoreIndex = -100, reduction = 'mean', labelSmoothing = 0 } = options;
  checkReduction(reduction);
  if (labelSmoothing < 0 || labelSmoothing > 1) {
    throw new RangeError(`label_smoothing must be between 0.0 and 1.0. Got: ${labelSmoothing}`);
  }
  const classDim = input.ndim === 1 ? 0 : 1;
  const n = input.shape[classDim];
  const logp = input.logSoftmax(classDim);
  const weightView = () => weight!.reshape(input.shape.map((s, d) => (d === classDim ? s : 1)));
  const probabilities = input.ndim === target.ndim && input.shape.every((s, d) => s === target.shape[d]);
  if (probabilities) {
    if (!isFloatingPoint(target.dtype)) throw new TypeError(`Expected floating point type for target with class probabilities, got Long`);
    if (ignoreIndex >= 0) throw new Error('ignore_index is not supported for floating point target');
    const t = labelSmoothing > 0 ? target.mul(1 - labelSmoothing).add(labelSmoothing / n) : target;
    let prod = logp.mul(t);
    if (weight) prod = prod.mul(weightView());
    if (reduction === 'none') return prod.sum(classDim).neg();
    if (reduction === 'sum') return prod.sum().neg();
    return prod.sum().neg().div(input.numel() / n);
  }
  const nll = nllLoss(logp, target, { weight, ignoreIndex, reduction });
  if (labelSmoothing === 0) return nll;
  const ignore = target.eq(ignoreIndex);
  let smooth = (weight ? logp.mul(weightView()) : logp).sum(classDim).neg();
  smooth = smooth.maskedFill(ignore, 0);
  let ret: Tensor;
  if (reduction === 'mean') {
    const keep = ignore.logicalNot();
    ret = weight
      ? smooth.sum().div(weight.gather(0, target.maskedSelect(keep).flatten()).sum())
      : smooth.sum().div(keep.sum());
  } else if (reduction === 'sum') {
    ret = smooth.sum();
  } else {
    ret = smooth;
  }
  return nll.mul(1 - labelSmoothing).add(ret.mul(labelSmoothing / n));
}

/** -w (t log x + (1 - t) log(1 - x)), each log clamped at -100 as PyTorch. */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: { weight?: Tensor | null; reduction?: Reduction } = {}): Tensor {
  const { weight = null, reduction = 'mean' } = options;
  checkReduction(reduction);
  if (!input.shape.every((s, d) => s === target.shape[d]) || input.ndim !== target.ndim) {
    throw new RangeError(
      `Using a target size (${fmtSize(target.shape)}) that is different to the input size (${fmtSize(input.shape)}) is deprecated. Please ensure they have the same size.`,
    );
  }
  const x = input.detach();
  if (x.lt(0).logicalOr(x.gt(1)).any().item()) throw new RangeError('all elements of input should be between 0 and 1');
  const logX = input.log().clamp(-100, null);
  const log1mX = input.neg().log1p().clamp(-100, null);
  let loss = target.sub(1).mul(log1mX).sub(target.mul(logX));
  if (weight) loss = loss.mul(weight);
  return reduce(loss, reduction);
}

/**
 * BCE on logits, PyTorch's stable form: (1 - t) x + lw * (log(exp(-m) + exp(-x - m)) + m),
 * m = max(-x, 0), lw = 1 + (posWeight - 1) t.
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  options: { weight?: Tensor | null; reduction?: Reduction; posWeight?: Tensor | null } = {},
): Tensor {
  const { weight = null, reduction = 'mean', posWeight = null } = options;
  checkReduction(reduction);
  if (!input.shape.every((s, d) => s === target.shape[d]) || input.ndim !== target.ndim) {
    throw new RangeError(`Target size (${fmtSize(target.shape)}) must be the same as input size (${fmtSize(input.shape)})`);
  }
  const maxVal = input.neg().clamp(0, null);
  const softTerm = maxVal.neg().exp().add(input.neg().sub(maxVal).exp()).log().add(maxVal);
  const linear = target.neg().add(1).mul(input);
  let loss: Tensor;
  if (posWeight) {
    const logWeight = posWeight.sub(1).mul(target).add(1);
    loss = linear.add(logWeight.mul(softTerm));
  } else {
    loss = linear.add(softTerm);
  }
  if (weight) loss = loss.mul(weight);
  return reduce(loss, reduction);
}

/**
 * KL divergence with input in log space: target * (log target - input), 0 where target = 0
 * (xlogy); with logTarget, exp(target) * (target - input). 'batchmean' divides the sum by the batch size.
 */
export function klDiv(input: Tensor, target: Tensor, options: { reduction?: Reduction | 'batchmean'; logTarget?: boolean } = {}): Tensor {
  const reduction = options.reduction ?? 'mean';
  checkReduction(reduction, ['none', 'mean', 'sum', 'batchmean']);
  let loss: Tensor;
  if (options.logTarget) {
    loss = target.exp().mul(target.sub(input));
  } else {
    const safe = where(target.eq(0), 1, target);
    loss = target.mul(safe.log()).sub(target.mul(input));
  }
  if (reduction === 'batchmean') {
    const sum = loss.sum();
    return input.ndim === 0 ? sum : sum.div(input.shape[0]);
  }
  return reduce(loss, reduction);
}

const fmtSize = (shape: readonly number[]) => `torch.Size([${shape.join(', ')}])`;
