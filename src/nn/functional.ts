// nn.functional (torch/nn/functional.py): activations, dropout and losses as compositions of
// tensor ops, so autograd differentiates them with no backward code of their own. Where PyTorch's
// kernel has a formula chosen for stability (logsumexp, the max-shift in BCE-with-logits, the
// -100 clamp of BCE's logs), the same formula is used; branches that would overflow are clamped
// first, because `where` still differentiates the branch it does not pick (0 * inf = nan).

import { Tensor } from '../tensor/tensor.js';
import { fmtShape } from '../tensor/shape.js';
import { isFloatingPoint } from '../tensor/dtype.js';
import { hardtanh as hardtanhPrimitive, where } from '../ops/elementwise.js';
import { emptyLike, zerosLike } from '../ops/creation.js';
// For the normalization / embedding / interpolate / attention section at the end.
import { arange, tensor, zeros } from '../ops/creation.js';
import { cat, pad } from '../ops/movement.js';
import { noGrad } from '../autograd/grad_mode.js';
import { backendOf, record, wrap } from '../ops/function.js';
import { adaptiveAvgPool1d, adaptiveAvgPool2d } from '../ops/pool.js';

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
  return hardtanhPrimitive(input, minVal, maxVal);
}

/** min(max(0, x), 6): hardtanh(x, 0, 6), with its gradient 0 at 0 and 6. */
export const relu6 = (input: Tensor): Tensor => hardtanh(input, 0, 6);

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

const warned = new Set<string>();

/**
 * PyTorch's UserWarning when a pointwise loss's target and input sizes differ (they broadcast,
 * which is rarely meant: [4, 1] against [4] gives a [4, 4] loss). Python shows a warning once
 * per place; this shows each message once.
 */
function warnSizeMismatch(input: Tensor, target: Tensor): void {
  if (input.ndim === target.ndim && input.shape.every((s, d) => s === target.shape[d])) return;
  const message =
    `Using a target size (${fmtSize(target.shape)}) that is different to the input size (${fmtSize(input.shape)}). ` +
    'This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.';
  if (warned.has(message)) return;
  warned.add(message);
  console.warn(`UserWarning: ${message}`);
}

/** (input - target)^2; a target of another size broadcasts, with PyTorch's warning. */
export function mseLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  warnSizeMismatch(input, target);
  return reduce(input.sub(target).square(), options.reduction ?? 'mean');
}

export function l1Loss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  warnSizeMismatch(input, target);
  return reduce(input.sub(target).abs(), options.reduction ?? 'mean');
}

/** 0.5 z^2 / beta where |z| < beta, |z| - 0.5 beta elsewhere (beta = 0 is L1). */
export function smoothL1Loss(input: Tensor, target: Tensor, options: { reduction?: Reduction; beta?: number } = {}): Tensor {
  const beta = options.beta ?? 1;
  if (beta < 0) throw new RangeError('smooth_l1_loss does not support negative values for beta.');
  warnSizeMismatch(input, target);
  const z = input.sub(target).abs();
  if (beta === 0) return reduce(z, options.reduction ?? 'mean');
  const loss = where(z.lt(beta), z.square().mul(0.5 / beta), z.sub(0.5 * beta));
  return reduce(loss, options.reduction ?? 'mean');
}

/** 0.5 z^2 where |z| < delta, delta (|z| - 0.5 delta) elsewhere. */
export function huberLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction; delta?: number } = {}): Tensor {
  const delta = options.delta ?? 1;
  if (delta <= 0) throw new RangeError('huber_loss does not support non-positive values for delta.');
  warnSizeMismatch(input, target);
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
  if (input.ndim === 2 && !weight?.requiresGrad) return nllLossRows(input, target, weight, ignoreIndex, reduction, classes);
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

/**
 * nll_loss of [N, C] input (every classifier's loss) as one node, PyTorch's NllLossBackward0:
 * the dozen small ops of the general form (ne, where, gather, casts, products, sums) and their
 * backward cost a tenth of an MNIST MLP step. The same float32 products and float64 sums as
 * the general form; an ignored row adds nothing (PyTorch skips it: 0 in 'none', even where the
 * input is not finite). The gradient is a constant [N, C] matrix (-weight at each target)
 * times the output gradient, so gradients of gradients hold too.
 */
function nllLossRows(x: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number, reduction: Reduction, classes: number): Tensor {
  const N = x.shape[0];
  const f32 = x.dtype === 'float32';
  const round = f32 ? Math.fround : (v: number) => v;
  const xv = x.toTypedArray();
  const tv = target.toTypedArray();
  const wv = weight ? weight.to(x.dtype).toTypedArray() : null;
  const coef = f32 ? new Float32Array(N * classes) : new Float64Array(N * classes);
  const losses = f32 ? new Float32Array(N) : new Float64Array(N);
  let sum = 0;
  let total = 0;
  for (let i = 0; i < N; i++) {
    const t = tv[i] as number;
    if (t === ignoreIndex) continue;
    if (t < 0 || t >= classes) throw new RangeError(`Target ${t} is out of bounds.`);
    const w = wv ? (wv[t] as number) : 1;
    losses[i] = -round(w * (xv[i * classes + t] as number));
    coef[i * classes + t] = -w;
    sum += losses[i];
    total += w;
  }
  const backend = backendOf(x);
  const k = wrap(coef, [N, classes], x.dtype, backend);
  if (reduction === 'none') {
    return record('NllLossBackward0', wrap(losses, [N], x.dtype, backend), [x], [], (g) => [k.mul(g.unsqueeze(1))]);
  }
  const value = reduction === 'sum' ? round(sum) : round(round(sum) / round(total));
  const out = wrap(f32 ? Float32Array.of(value) : Float64Array.of(value), [], x.dtype, backend);
  const scale = reduction === 'sum' ? 1 : round(total);
  return record('NllLossBackward0', out, [x], [], (g) => [k.mul(scale === 1 ? g : g.div(scale))]);
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

const BCE_EPSILON = Math.fround(1e-12);

/**
 * -w (t log x + (1 - t) log(1 - x)), each log clamped at -100 as PyTorch, as one node with
 * PyTorch's rule (BinaryCrossEntropyBackward0): d/dx = (x - t) / max(x (1 - x), 1e-12), finite at
 * x = 0 or 1 where differentiating the clamped logs gives NaN; d/dt = -logit(x). The weight is a
 * constant, as PyTorch has no derivative for it.
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: { weight?: Tensor | null; reduction?: Reduction } = {}): Tensor {
  const { weight = null, reduction = 'mean' } = options;
  checkReduction(reduction);
  if (!input.shape.every((s, d) => s === target.shape[d]) || input.ndim !== target.ndim) {
    throw new RangeError(
      `Using a target size (${fmtSize(target.shape)}) that is different to the input size (${fmtSize(input.shape)}) is deprecated. Please ensure they have the same size.`,
    );
  }
  const x = input.detach();
  const t = target.detach();
  if (x.lt(0).logicalOr(x.gt(1)).any().item()) throw new RangeError('all elements of input should be between 0 and 1');
  const logX = x.log().clamp(-100, null);
  const log1mX = x.neg().log1p().clamp(-100, null);
  let loss = t.sub(1).mul(log1mX).sub(t.mul(logX));
  if (weight) loss = loss.mul(weight.detach());
  const n = input.numel();
  // The order of PyTorch's kernel: the quotient times grad, then the weight, then / numel for
  // 'mean'; its EPSILON is the float 1e-12 (9.9999996e-13), in float64 too.
  const scaled = (d: Tensor, g: Tensor) => {
    const dw = weight ? d.mul(g).mul(weight) : d.mul(g);
    return reduction === 'mean' ? dw.div(n) : dw;
  };
  return record('BinaryCrossEntropyBackward0', reduce(loss, reduction), [input, target], [input, target], (g, needs) => [
    needs[0] ? scaled(input.sub(target).div(input.neg().add(1).mul(input).clamp(BCE_EPSILON, null)), g) : null,
    needs[1] ? scaled(input.div(input.neg().add(1)).log().neg(), g) : null,
  ]);
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

// ============================================================================ normalization, embedding,
// channel dropout, resampling and attention (BatchNorm/LayerNorm/GroupNorm, Embedding, Dropout1d-3d,
// Upsample, MultiheadAttention call these). All are compositions of differentiable ops.

/** A per-channel vector [C] shaped to broadcast against [N, C, *] input. */
function channelView(t: Tensor, ndim: number): Tensor {
  return t.reshape([1, t.numel(), ...new Array<number>(Math.max(ndim - 2, 0)).fill(1)]);
}

/** PyTorch's _verify_batch_size: one value per channel has no variance. */
function verifyBatchSize(size: readonly number[]): void {
  let prod = size[0];
  for (let i = 2; i < size.length; i++) prod *= size[i];
  if (prod === 1) throw new Error(`Expected more than 1 value per channel when training, got input size ${fmtSize(size)}`);
}

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  momentum?: number;
  eps?: number;
}

/**
 * Batch normalization over every dim but 1. In training, normalizes with the batch statistics
 * (biased variance) and, where given, moves the running statistics towards them in place:
 * running = (1 - momentum) running + momentum stat, with the unbiased variance for running_var.
 * Otherwise normalizes with the running statistics.
 */
export function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options: BatchNormOptions = {}): Tensor {
  const { weight = null, bias = null, training = false, momentum = 0.1, eps = 1e-5 } = options;
  if (input.ndim < 2) throw new RangeError(`batch_norm: expected at least 2D input (got ${input.ndim}D input)`);
  const channels = input.shape[1];
  const named: [string, Tensor | null][] = [['running_mean', runningMean], ['running_var', runningVar], ['weight', weight], ['bias', bias]];
  for (const [name, t] of named) {
    if (t && t.numel() !== channels) throw new RangeError(`${name} should contain ${channels} elements not ${t.numel()}`);
  }
  const dims = input.shape.map((_, i) => i).filter((i) => i !== 1);
  let mean: Tensor;
  let invstd: Tensor;
  if (training) {
    verifyBatchSize(input.shape);
    mean = input.mean(dims, { keepdim: true });
    const v = input.var(dims, { keepdim: true, correction: 0 });
    const n = input.numel() / channels;
    noGrad(() => {
      if (runningMean) runningMean.mul_(1 - momentum).add_(mean.reshape([channels]).mul(momentum));
      if (runningVar) runningVar.mul_(1 - momentum).add_(v.reshape([channels]).mul((momentum * n) / (n - 1)));
    });
    invstd = v.add(eps).rsqrt();
  } else {
    if (!runningMean || !runningVar) throw new Error('batch_norm: running_mean and running_var must be defined in evaluation mode');
    mean = channelView(runningMean, input.ndim);
    invstd = channelView(runningVar, input.ndim).add(eps).rsqrt();
  }
  let out = input.sub(mean).mul(invstd);
  if (weight) out = out.mul(channelView(weight, input.ndim));
  if (bias) out = out.add(channelView(bias, input.ndim));
  return out;
}

/** Instance normalization: batch_norm over each (sample, channel) plane. */
export function instanceNorm(
  input: Tensor,
  options: { runningMean?: Tensor | null; runningVar?: Tensor | null; weight?: Tensor | null; bias?: Tensor | null; useInputStats?: boolean; momentum?: number; eps?: number } = {},
): Tensor {
  const { runningMean = null, runningVar = null, weight = null, bias = null, useInputStats = true, momentum = 0.1, eps = 1e-5 } = options;
  if (input.ndim < 3) throw new RangeError(`instance_norm: expected at least 3D input (got ${input.ndim}D input)`);
  const [n, c] = input.shape;
  if (useInputStats && input.shape.slice(2).reduce((a, b) => a * b, 1) === 1) {
    throw new Error(`Expected more than 1 spatial element when training, got input size ${fmtSize(input.shape)}`);
  }
  // [N, C, *] viewed as [1, N*C, *]: one "channel" per plane; running stats are averaged over N.
  const planes = input.reshape([1, n * c, ...input.shape.slice(2)]);
  const rm = runningMean ? runningMean.repeat(n) : null;
  const rv = runningVar ? runningVar.repeat(n) : null;
  let out = batchNorm(planes, rm, rv, { training: useInputStats, momentum, eps }).reshape(input.shape);
  if (useInputStats) {
    noGrad(() => {
      if (runningMean && rm) runningMean.copy_(rm.reshape([n, c]).mean(0));
      if (runningVar && rv) runningVar.copy_(rv.reshape([n, c]).mean(0));
    });
  }
  if (weight) out = out.mul(channelView(weight, input.ndim));
  if (bias) out = out.add(channelView(bias, input.ndim));
  return out;
}

/** Layer normalization over the trailing dims given by normalizedShape (biased variance). */
export function layerNorm(
  input: Tensor,
  normalizedShape: number | readonly number[],
  options: { weight?: Tensor | null; bias?: Tensor | null; eps?: number } = {},
): Tensor {
  const { weight = null, bias = null, eps = 1e-5 } = options;
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  const k = shape.length;
  if (k === 0) throw new RangeError('Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, but got normalized_shape = []');
  const tail = input.shape.slice(input.ndim - k);
  if (input.ndim < k || tail.some((s, i) => s !== shape[i])) {
    throw new RangeError(
      `Given normalized_shape=${fmtShape(shape)}, expected input with shape [*, ${shape.join(', ')}], but got input of size${fmtShape(input.shape)}`,
    );
  }
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t && (t.ndim !== k || t.shape.some((s, i) => s !== shape[i]))) {
      throw new RangeError(`Expected ${name} to be of same shape as normalized_shape, but got ${name} of shape ${fmtShape(t.shape)} and normalized_shape = ${fmtShape(shape)}`);
    }
  }
  const dims = shape.map((_, i) => input.ndim - k + i);
  const mean = input.mean(dims, { keepdim: true });
  const rstd = input.var(dims, { keepdim: true, correction: 0 }).add(eps).rsqrt();
  let out = input.sub(mean).mul(rstd);
  if (weight) out = out.mul(weight);
  if (bias) out = out.add(bias);
  return out;
}

/** Group normalization: channels split into numGroups groups, each normalized over its channels and positions. */
export function groupNorm(input: Tensor, numGroups: number, options: { weight?: Tensor | null; bias?: Tensor | null; eps?: number } = {}): Tensor {
  const { weight = null, bias = null, eps = 1e-5 } = options;
  if (input.ndim < 2) throw new RangeError(`Expected at least 2 dimensions for input tensor but received ${input.ndim}`);
  const [n, c] = input.shape;
  if (c % numGroups !== 0) {
    throw new RangeError(`Expected number of channels in input to be divisible by num_groups, but got input of shape ${fmtShape(input.shape)} and num_groups=${numGroups}`);
  }
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t && (t.ndim !== 1 || t.numel() !== c)) {
      throw new RangeError(`Expected ${name} to be a vector of size equal to the number of channels in input, but got ${name} of shape ${fmtShape(t.shape)} and input of shape ${fmtShape(input.shape)}`);
    }
  }
  verifyBatchSize([Math.floor((n * c) / numGroups), numGroups, ...input.shape.slice(2)]);
  const x = input.reshape([n, numGroups, (c / numGroups) * input.shape.slice(2).reduce((a, b) => a * b, 1)]);
  const mean = x.mean(2, { keepdim: true });
  const rstd = x.var(2, { keepdim: true, correction: 0 }).add(eps).rsqrt();
  let out = x.sub(mean).mul(rstd).reshape(input.shape);
  if (weight) out = out.mul(channelView(weight, input.ndim));
  if (bias) out = out.add(channelView(bias, input.ndim));
  return out;
}

export interface EmbeddingOptions {
  /** The row that is a fixed pad: never given a gradient (nn.Embedding also initializes it to zeros). */
  paddingIdx?: number | null;
  /** Rows looked up are renormalized in place to at most this normType-norm. */
  maxNorm?: number | null;
  normType?: number;
  scaleGradByFreq?: boolean;
  sparse?: boolean;
}

const torchTypeNames: Partial<Record<string, string>> = { float32: 'Float', float64: 'Double', bool: 'Bool', int32: 'Int', int64: 'Long', uint8: 'Byte', int8: 'Char', int16: 'Short' };

/**
 * Rows of weight looked up by integer indices: out[..., :] = weight[input[...], :]. The row at
 * paddingIdx gets no gradient; scaleGradByFreq divides each row's gradient by how often its index
 * occurs in input; maxNorm first renormalizes (in place, without grad) the rows looked up.
 */
export function embedding(input: Tensor, weight: Tensor, options: EmbeddingOptions = {}): Tensor {
  const { maxNorm = null, normType = 2, scaleGradByFreq = false, sparse = false } = options;
  let paddingIdx = options.paddingIdx ?? null;
  const rows = weight.shape[0];
  if (paddingIdx !== null) {
    if ((paddingIdx > 0 && paddingIdx >= rows) || paddingIdx < -rows) throw new RangeError('Padding_idx must be within num_embeddings');
    if (paddingIdx < 0) paddingIdx += rows;
  }
  if (sparse) throw new Error('embedding: sparse gradients are not supported in dlab (use sparse: false)');
  if (input.dtype !== 'int64' && input.dtype !== 'int32') {
    throw new TypeError(
      `Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got torch.${torchTypeNames[input.dtype] ?? input.dtype}Tensor instead (while checking arguments for embedding)`,
    );
  }
  if (weight.ndim !== 2) throw new RangeError(`'weight' must be 2-D`);
  const flat = input.reshape([-1]);
  const ids = flat.toTypedArray();
  for (const i of ids) if (i < 0 || i >= rows) throw new RangeError('index out of range in self');
  if (maxNorm !== null) embeddingRenorm_(weight, Array.from(ids, Number), maxNorm, normType);
  let out = weight.indexSelect(0, flat);
  if (paddingIdx !== null) out = where(flat.ne(paddingIdx).unsqueeze(1), out, out.detach());
  if (scaleGradByFreq) {
    const counts = new Map<number, number>();
    for (const i of ids) counts.set(Number(i), (counts.get(Number(i)) ?? 0) + 1);
    const scale = tensor(Array.from(ids, (i) => [1 / counts.get(Number(i))!]), { dtype: weight.dtype });
    // Same values (d + 0), gradient scaled by 1/count.
    const d = out.detach();
    out = d.add(out.sub(d).mul(scale));
  }
  return out.reshape([...input.shape, weight.shape[1]]);
}

/** torch.embedding_renorm_: rows whose p-norm exceeds maxNorm are scaled to maxNorm / (norm + 1e-7). */
function embeddingRenorm_(weight: Tensor, ids: number[], maxNorm: number, normType: number): void {
  noGrad(() => {
    for (const i of [...new Set(ids)].sort((a, b) => a - b)) {
      const row = weight.select(0, i);
      const norm = row.norm(normType).item();
      if (norm > maxNorm) row.mul_(maxNorm / (norm + 1e-7));
    }
  });
}

/** Zero whole channels: one Bernoulli(1 - p) draw per (sample, channel), scaled by 1 / (1 - p). */
function featureDropout(input: Tensor, p: number, training: boolean, inplace: boolean): Tensor {
  if (p < 0 || p > 1) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
  if (p === 0 || !training || input.numel() === 0) return input;
  if (input.ndim < 2) throw new RangeError('Feature dropout requires at least 2 dimensions in the input');
  const noiseShape = [input.shape[0], input.shape[1], ...new Array<number>(input.ndim - 2).fill(1)];
  const noise = p === 1 ? zeros([], { dtype: input.dtype }) : zeros(noiseShape, { dtype: input.dtype }).bernoulli_(1 - p).div_(1 - p);
  return inplace ? input.mul_(noise) : input.mul(noise);
}

/** Channel dropout for [N, C, L] or unbatched [C, L] input. */
export function dropout1d(input: Tensor, p = 0.5, training = true, inplace = false): Tensor {
  if (p < 0 || p > 1) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
  if (input.ndim !== 2 && input.ndim !== 3) {
    throw new RangeError(
      `dropout1d: Expected 2D or 3D input, but received a ${input.ndim}D input. Note that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).`,
    );
  }
  if (input.ndim === 3) return featureDropout(input, p, training, inplace);
  if (inplace) {
    featureDropout(input.unsqueeze(0), p, training, true);
    return input;
  }
  return featureDropout(input.unsqueeze(0), p, training, false).squeeze(0);
}

/**
 * Channel dropout for [N, C, H, W] input. As PyTorch 1.13, a 3-D input is taken as [N, C, L]
 * (PyTorch warns that this will change); other ranks are accepted with a deprecation warning there.
 */
export function dropout2d(input: Tensor, p = 0.5, training = true, inplace = false): Tensor {
  if (p < 0 || p > 1) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
  return featureDropout(input, p, training, inplace);
}

/** Channel dropout for [N, C, D, H, W] or unbatched [C, D, H, W] input. */
export function dropout3d(input: Tensor, p = 0.5, training = true, inplace = false): Tensor {
  if (p < 0 || p > 1) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
  if (input.ndim === 5) return featureDropout(input, p, training, inplace);
  if (inplace) {
    featureDropout(input.unsqueeze(0), p, training, true);
    return input;
  }
  return featureDropout(input.unsqueeze(0), p, training, false).squeeze(0);
}

// ---------------------------------------------------------------------------- interpolate

export type InterpolateMode = 'nearest' | 'nearest-exact' | 'linear' | 'bilinear' | 'trilinear' | 'bicubic' | 'area';

export interface InterpolateOptions {
  size?: number | readonly number[] | null;
  scaleFactor?: number | readonly number[] | null;
  mode?: InterpolateMode;
  alignCorners?: boolean | null;
  recomputeScaleFactor?: boolean | null;
  antialias?: boolean;
}

/**
 * Resize the spatial dims of [N, C, *] input (1 to 3 of them): nearest, nearest-exact, or
 * (bi/tri)linear with or without align_corners. Source positions and weights are computed as
 * PyTorch's CPU kernels do, in the input's precision (float32 arithmetic for float32), and the
 * result is gathered with index_select, so the gradient is its scatter-add.
 */
export function interpolate(input: Tensor, options: InterpolateOptions = {}): Tensor {
  const mode = options.mode ?? 'nearest';
  let alignCorners = options.alignCorners ?? null;
  if (mode === 'nearest' || mode === 'area' || mode === 'nearest-exact') {
    if (alignCorners !== null) {
      throw new Error('align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear');
    }
  } else if (alignCorners === null) {
    alignCorners = false;
  }
  const dim = input.ndim - 2;
  const size = options.size ?? null;
  const scaleFactor = options.scaleFactor ?? null;
  const spatial = fmtShape(input.shape.slice(2));
  let outputSize: number[] | null = null;
  let scales: number[] | null = null;
  if (size !== null && scaleFactor !== null) throw new Error('only one of size or scale_factor should be defined');
  if (size !== null) {
    if (typeof size !== 'number') {
      if (size.length !== dim) {
        throw new Error(
          `Input and output must have the same number of spatial dimensions, but got input with spatial dimensions of ${spatial} and output size of ${fmtShape(size)}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.`,
        );
      }
      outputSize = [...size];
    } else {
      outputSize = new Array<number>(dim).fill(size);
    }
  } else if (scaleFactor !== null) {
    if (typeof scaleFactor !== 'number') {
      if (scaleFactor.length !== dim) {
        throw new Error(
          `Input and scale_factor must have the same number of spatial dimensions, but got input with spatial dimensions of ${spatial} and scale_factor of shape [${scaleFactor.join(', ')}]. Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.`,
        );
      }
      scales = [...scaleFactor];
    } else {
      scales = new Array<number>(dim).fill(scaleFactor);
    }
  } else {
    throw new Error('either size or scale_factor should be defined');
  }
  let recompute = options.recomputeScaleFactor ?? null;
  if (recompute && size !== null) throw new Error('recompute_scale_factor is not meaningful with an explicit size.');
  if (mode === 'area' && outputSize === null) recompute = true;
  if (recompute && scales) {
    outputSize = scales.map((s, i) => Math.floor(input.shape[i + 2] * s));
    scales = null;
  }
  if (options.antialias) throw new Error('interpolate: antialias is not supported in dlab');
  if (input.ndim < 3 || input.ndim > 5) {
    throw new Error(
      `Input Error: Only 3D, 4D and 5D input Tensors supported (got ${input.ndim}D) for the modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got ${mode})`,
    );
  }
  const needs: Partial<Record<InterpolateMode, number>> = { linear: 3, bilinear: 4, trilinear: 5, bicubic: 4 };
  const need = needs[mode];
  if (need !== undefined && need !== input.ndim) throw new Error(`Got ${input.ndim}D input, but ${mode} mode needs ${need}D input`);
  const outSize = outputSize ?? scales!.map((s, i) => Math.floor(input.shape[i + 2] * s));
  // 'area' is adaptive average pooling to the output size, as in PyTorch.
  if (mode === 'area' && input.ndim === 3) return adaptiveAvgPool1d(input, outSize[0]);
  if (mode === 'area' && input.ndim === 4) return adaptiveAvgPool2d(input, [outSize[0], outSize[1]]);
  if (mode === 'bicubic' || mode === 'area') throw new Error(`interpolate: mode '${mode}' for ${input.ndim}D input is not supported in dlab yet`);
  const fround = input.dtype === 'float32' ? Math.fround : (x: number) => x;
  // The kernels nest the last spatial dim innermost: resample it first.
  let out = input;
  for (let i = dim - 1; i >= 0; i--) {
    const d = i + 2;
    const inSize = input.shape[d];
    const scale = scales ? scales[i] : null;
    if (mode === 'nearest' || mode === 'nearest-exact') {
      const idx = nearestIndices(inSize, outSize[i], scale, mode === 'nearest-exact');
      out = out.indexSelect(d, tensor(idx, { dtype: 'int64' }));
    } else {
      const { i0, i1, l0, l1 } = linearIndices(inSize, outSize[i], scale, alignCorners!, fround);
      const view = out.shape.map((_, k) => (k === d ? outSize[i] : 1));
      const w0 = tensor(l0, { dtype: input.dtype }).reshape(view);
      const w1 = tensor(l1, { dtype: input.dtype }).reshape(view);
      out = out.indexSelect(d, tensor(i0, { dtype: 'int64' })).mul(w0).add(out.indexSelect(d, tensor(i1, { dtype: 'int64' })).mul(w1));
    }
  }
  return out;
}

/** nearest_idx / nearest_exact_idx of UpSample.h, in float32 as there. */
function nearestIndices(inSize: number, outSize: number, scale: number | null, exact: boolean): number[] {
  const s = scale !== null && scale > 0 ? Math.fround(1 / scale) : Math.fround(inSize / outSize);
  return Array.from({ length: outSize }, (_, o) => {
    if (exact) return Math.min(Math.floor(Math.fround((o + 0.5) * s)), inSize - 1);
    if (outSize === inSize) return o;
    if (outSize === 2 * inSize) return o >> 1;
    return Math.min(Math.floor(Math.fround(o * s)), inSize - 1);
  });
}

/** compute_source_index_and_lambda of UpSample.h: two source indices and their weights per output index. */
function linearIndices(inSize: number, outSize: number, scale: number | null, alignCorners: boolean, fround: (x: number) => number) {
  const i0: number[] = [];
  const i1: number[] = [];
  const l0: number[] = [];
  const l1: number[] = [];
  let ratio: number;
  if (alignCorners) ratio = outSize > 1 ? fround((inSize - 1) / (outSize - 1)) : 0;
  else ratio = scale !== null && scale > 0 ? fround(1 / scale) : fround(inSize / outSize);
  for (let o = 0; o < outSize; o++) {
    if (outSize === inSize) {
      i0.push(o);
      i1.push(o);
      l0.push(1);
      l1.push(0);
      continue;
    }
    let real = alignCorners ? fround(ratio * o) : fround(fround(ratio * (o + 0.5)) - 0.5);
    if (!alignCorners && real < 0) real = 0;
    const a = Math.trunc(real);
    i0.push(a);
    i1.push(a + (a < inSize - 1 ? 1 : 0));
    const lambda1 = fround(real - a);
    l1.push(lambda1);
    l0.push(fround(1 - lambda1));
  }
  return { i0, i1, l0, l1 };
}

/** Python's repr of a tuple of numbers: (4, 6), (2.0,). */
function fmtTuple(values: readonly number[]): string {
  return values.length === 1 ? `(${values[0]},)` : `(${values.join(', ')})`;
}

// ---------------------------------------------------------------------------- attention

export interface ScaledDotProductAttentionOptions {
  /** Bool (true = may attend, as torch 2's F.scaled_dot_product_attention) or float (added) mask. */
  attnMask?: Tensor | null;
  dropoutP?: number;
  isCausal?: boolean;
  scale?: number | null;
}

/**
 * softmax(Q K^T * scale + mask) V over the last two dims, with dropout on the weights
 * (torch 2's F.scaled_dot_product_attention, written out; PyTorch 1.13 has no public one).
 */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, options: ScaledDotProductAttentionOptions = {}): Tensor {
  const { attnMask = null, dropoutP = 0, isCausal = false } = options;
  const L = query.shape[query.ndim - 2];
  const S = key.shape[key.ndim - 2];
  const scale = options.scale ?? 1 / Math.sqrt(query.shape[query.ndim - 1]);
  let scores = query.matmul(key.transpose(-2, -1)).mul(scale);
  if (isCausal) {
    if (attnMask) throw new Error('_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True');
    // Position i may attend to j <= i. Added as an [L, S] bias of 0 and -inf, as PyTorch's reference
    // implementation does: one broadcast add instead of a masked fill over every head and batch.
    const future = arange(S).unsqueeze(0).gt(arange(L).unsqueeze(1));
    scores = scores.add(zeros([L, S], { dtype: scores.dtype }).maskedFill(future, -Infinity));
  } else if (attnMask) {
    scores = attnMask.dtype === 'bool' ? scores.maskedFill(attnMask.logicalNot(), -Infinity) : scores.add(attnMask);
  }
  let weights = scores.softmax(-1);
  if (dropoutP > 0) weights = dropout(weights, dropoutP);
  return weights.matmul(value);
}

export interface MultiHeadAttentionOptions {
  training?: boolean;
  keyPaddingMask?: Tensor | null;
  needWeights?: boolean;
  attnMask?: Tensor | null;
  useSeparateProjWeight?: boolean;
  qProjWeight?: Tensor | null;
  kProjWeight?: Tensor | null;
  vProjWeight?: Tensor | null;
  staticK?: Tensor | null;
  staticV?: Tensor | null;
  averageAttnWeights?: boolean;
}

const mhaAssert = (ok: boolean, msg: string) => {
  if (!ok) throw new Error(msg);
};
const sameDims = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((s, i) => s === b[i]);

/** _in_projection_packed: one matmul for self-attention, two for encoder-decoder, three otherwise. */
function inProjectionPacked(q: Tensor, k: Tensor, v: Tensor, w: Tensor, b: Tensor | null): Tensor[] {
  const E = q.shape[q.ndim - 1];
  if (k === v) {
    if (q === k) return linear(q, w, b).chunk(3, -1);
    const [wq, wkv] = w.split([E, E * 2]);
    const [bq, bkv] = b ? b.split([E, E * 2]) : [null, null];
    return [linear(q, wq, bq), ...linear(k, wkv, bkv).chunk(2, -1)];
  }
  const [wq, wk, wv] = w.chunk(3);
  const [bq, bk, bv] = b ? b.chunk(3) : [null, null, null];
  return [linear(q, wq, bq), linear(k, wk, bk), linear(v, wv, bv)];
}

/**
 * F.multi_head_attention_forward of PyTorch 1.13, step by step: input projections, masks (bool
 * masks become -inf), bias_k/bias_v and zero attention, per-head scaled dot products, dropout on
 * the weights, output projection. query/key/value are [L, N, E] (or unbatched [L, E]). Returns
 * [output, weights] (weights averaged over heads unless averageAttnWeights is false; null unless needWeights).
 */
export function multiHeadAttentionForward(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  embedDimToCheck: number,
  numHeads: number,
  inProjWeight: Tensor | null,
  inProjBias: Tensor | null,
  biasK: Tensor | null,
  biasV: Tensor | null,
  addZeroAttn: boolean,
  dropoutP: number,
  outProjWeight: Tensor,
  outProjBias: Tensor | null,
  options: MultiHeadAttentionOptions = {},
): [Tensor, Tensor | null] {
  const { training = true, needWeights = true, useSeparateProjWeight = false, averageAttnWeights = true } = options;
  const { qProjWeight = null, kProjWeight = null, vProjWeight = null, staticK = null, staticV = null } = options;
  let keyPaddingMask = options.keyPaddingMask ?? null;
  let attnMask = options.attnMask ?? null;
  const isBatched = mhaShapeCheck(query, key, value, keyPaddingMask, attnMask, numHeads);
  if (!isBatched) {
    query = query.unsqueeze(1);
    key = key.unsqueeze(1);
    value = value.unsqueeze(1);
    if (keyPaddingMask) keyPaddingMask = keyPaddingMask.unsqueeze(0);
  }
  const [tgtLen, bsz, embedDim] = query.shape;
  let srcLen = key.shape[0];
  if (keyPaddingMask && keyPaddingMask.dtype !== 'bool' && !keyPaddingMask.isFloatingPoint()) {
    throw new Error('only bool and floating types of key_padding_mask are supported');
  }
  mhaAssert(embedDim === embedDimToCheck, `was expecting embedding dimension of ${embedDimToCheck}, but got ${embedDim}`);
  const headDim = Math.floor(embedDim / numHeads);
  mhaAssert(headDim * numHeads === embedDim, `embed_dim ${embedDim} not divisible by num_heads ${numHeads}`);
  if (useSeparateProjWeight) {
    mhaAssert(
      sameDims(key.shape.slice(0, 2), value.shape.slice(0, 2)),
      `key's sequence and batch dims ${fmtSize(key.shape.slice(0, 2))} do not match value's ${fmtSize(value.shape.slice(0, 2))}`,
    );
  } else {
    mhaAssert(sameDims(key.shape, value.shape), `key shape ${fmtSize(key.shape)} does not match value shape ${fmtSize(value.shape)}`);
  }
  let q: Tensor;
  let k: Tensor;
  let v: Tensor;
  if (!useSeparateProjWeight) {
    mhaAssert(inProjWeight !== null, 'use_separate_proj_weight is False but in_proj_weight is None');
    [q, k, v] = inProjectionPacked(query, key, value, inProjWeight!, inProjBias);
  } else {
    mhaAssert(qProjWeight !== null, 'use_separate_proj_weight is True but q_proj_weight is None');
    mhaAssert(kProjWeight !== null, 'use_separate_proj_weight is True but k_proj_weight is None');
    mhaAssert(vProjWeight !== null, 'use_separate_proj_weight is True but v_proj_weight is None');
    const [bq, bk, bv] = inProjBias ? inProjBias.chunk(3) : [null, null, null];
    const Eq = query.shape[2];
    const Ek = key.shape[2];
    const Ev = value.shape[2];
    mhaAssert(sameDims(qProjWeight!.shape, [Eq, Eq]), `expecting query weights shape of ${fmtTuple([Eq, Eq])}, but got ${fmtSize(qProjWeight!.shape)}`);
    mhaAssert(sameDims(kProjWeight!.shape, [Eq, Ek]), `expecting key weights shape of ${fmtTuple([Eq, Ek])}, but got ${fmtSize(kProjWeight!.shape)}`);
    mhaAssert(sameDims(vProjWeight!.shape, [Eq, Ev]), `expecting value weights shape of ${fmtTuple([Eq, Ev])}, but got ${fmtSize(vProjWeight!.shape)}`);
    q = linear(query, qProjWeight!, bq);
    k = linear(key, kProjWeight!, bk);
    v = linear(value, vProjWeight!, bv);
  }
  if (attnMask) {
    mhaAssert(attnMask.isFloatingPoint() || attnMask.dtype === 'bool', `Only float, byte, and bool types are supported for attn_mask, not torch.${attnMask.dtype}`);
    if (attnMask.ndim === 2) {
      if (!sameDims(attnMask.shape, [tgtLen, srcLen])) {
        throw new Error(`The shape of the 2D attn_mask is ${fmtSize(attnMask.shape)}, but should be ${fmtTuple([tgtLen, srcLen])}.`);
      }
      attnMask = attnMask.unsqueeze(0);
    } else if (attnMask.ndim === 3) {
      if (!sameDims(attnMask.shape, [bsz * numHeads, tgtLen, srcLen])) {
        throw new Error(`The shape of the 3D attn_mask is ${fmtSize(attnMask.shape)}, but should be ${fmtTuple([bsz * numHeads, tgtLen, srcLen])}.`);
      }
    } else {
      throw new Error(`attn_mask's dimension ${attnMask.ndim} is not supported`);
    }
  }
  if (biasK && biasV) {
    mhaAssert(staticK === null, 'bias cannot be added to static key.');
    mhaAssert(staticV === null, 'bias cannot be added to static value.');
    k = cat([k, biasK.repeat(1, bsz, 1)]);
    v = cat([v, biasV.repeat(1, bsz, 1)]);
    if (attnMask) attnMask = pad(attnMask, [0, 1]);
    if (keyPaddingMask) keyPaddingMask = pad(keyPaddingMask, [0, 1]);
  } else {
    mhaAssert(biasK === null && biasV === null, 'bias_k and bias_v must both be given');
  }
  // [L, N, E] -> [N * heads, L, head_dim]
  q = q.contiguous().view(tgtLen, bsz * numHeads, headDim).transpose(0, 1);
  if (staticK === null) {
    k = k.contiguous().view(k.shape[0], bsz * numHeads, headDim).transpose(0, 1);
  } else {
    mhaAssert(staticK.shape[0] === bsz * numHeads, `expecting static_k.size(0) of ${bsz * numHeads}, but got ${staticK.shape[0]}`);
    mhaAssert(staticK.shape[2] === headDim, `expecting static_k.size(2) of ${headDim}, but got ${staticK.shape[2]}`);
    k = staticK;
  }
  if (staticV === null) {
    v = v.contiguous().view(v.shape[0], bsz * numHeads, headDim).transpose(0, 1);
  } else {
    mhaAssert(staticV.shape[0] === bsz * numHeads, `expecting static_v.size(0) of ${bsz * numHeads}, but got ${staticV.shape[0]}`);
    mhaAssert(staticV.shape[2] === headDim, `expecting static_v.size(2) of ${headDim}, but got ${staticV.shape[2]}`);
    v = staticV;
  }
  if (addZeroAttn) {
    const zeroShape = [bsz * numHeads, 1, headDim];
    k = cat([k, zeros(zeroShape, { dtype: k.dtype })], 1);
    v = cat([v, zeros(zeroShape, { dtype: v.dtype })], 1);
    if (attnMask) attnMask = pad(attnMask, [0, 1]);
    if (keyPaddingMask) keyPaddingMask = pad(keyPaddingMask, [0, 1]);
  }
  srcLen = k.shape[1];
  if (keyPaddingMask) {
    mhaAssert(
      sameDims(keyPaddingMask.shape, [bsz, srcLen]),
      `expecting key_padding_mask shape of ${fmtTuple([bsz, srcLen])}, but got ${fmtSize(keyPaddingMask.shape)}`,
    );
    const kpm = keyPaddingMask.view(bsz, 1, 1, srcLen).expand(-1, numHeads, -1, -1).reshape(bsz * numHeads, 1, srcLen);
    if (attnMask === null) attnMask = kpm;
    else if (attnMask.dtype === 'bool') attnMask = attnMask.logicalOr(kpm);
    else attnMask = attnMask.maskedFill(kpm, -Infinity);
  }
  if (attnMask && attnMask.dtype === 'bool') attnMask = zerosLike(attnMask, { dtype: q.dtype }).maskedFill(attnMask, -Infinity);
  const p = training ? dropoutP : 0;
  const E = q.shape[2];
  const qScaled = q.div(Math.sqrt(E));
  let weights = qScaled.bmm(k.transpose(-2, -1));
  if (attnMask) weights = weights.add(attnMask);
  weights = weights.softmax(-1);
  if (p > 0) weights = dropout(weights, p);
  let out = weights.bmm(v);
  out = out.transpose(0, 1).contiguous().view(tgtLen * bsz, embedDim);
  out = linear(out, outProjWeight, outProjBias);
  out = out.view(tgtLen, bsz, out.shape[1]);
  if (!needWeights) return [isBatched ? out : out.squeeze(1), null];
  weights = weights.view(bsz, numHeads, tgtLen, srcLen);
  if (averageAttnWeights) weights = weights.sum(1).div(numHeads);
  if (!isBatched) return [out.squeeze(1), weights.squeeze(0)];
  return [out, weights];
}

/** _mha_shape_check: batched (3-D) or unbatched (2-D) query, with key, value and masks to match. */
function mhaShapeCheck(query: Tensor, key: Tensor, value: Tensor, keyPaddingMask: Tensor | null, attnMask: Tensor | null, numHeads: number): boolean {
  const d = query.ndim;
  if (d === 3 || d === 2) {
    // The two cases check the same things, one dim apart (key_padding_mask has no batch dim unbatched).
    const which = d === 3 ? 'batched (3-D)' : 'unbatched (2-D)';
    mhaAssert(
      key.ndim === d && value.ndim === d,
      `For ${which} \`query\`, expected \`key\` and \`value\` to be ${d}-D but found ${key.ndim}-D and ${value.ndim}-D tensors respectively`,
    );
    if (keyPaddingMask) {
      mhaAssert(keyPaddingMask.ndim === d - 1, `For ${which} \`query\`, expected \`key_padding_mask\` to be \`None\` or ${d - 1}-D but found ${keyPaddingMask.ndim}-D tensor instead`);
    }
    if (attnMask) {
      mhaAssert(attnMask.ndim === 2 || attnMask.ndim === 3, `For ${which} \`query\`, expected \`attn_mask\` to be \`None\`, 2-D or 3-D but found ${attnMask.ndim}-D tensor instead`);
      if (d === 2 && attnMask.ndim === 3) {
        const expected = [numHeads, query.shape[0], key.shape[0]];
        mhaAssert(sameDims(attnMask.shape, expected), `Expected \`attn_mask\` shape to be ${fmtTuple(expected)} but got ${fmtSize(attnMask.shape)}`);
      }
    }
    return d === 3;
  }
  throw new Error(`query should be unbatched 2D or batched 3D tensor but received ${query.ndim}-D query tensor`);
}
