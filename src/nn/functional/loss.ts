// nn.functional's losses (torch/nn/functional.py). Where PyTorch's kernel has a formula chosen for
// stability (logsumexp, the max-shift in BCE-with-logits, the -100 clamp of BCE's logs), the same
// formula is used; branches that would overflow are clamped first, because `where` still
// differentiates the branch it does not pick (0 * inf = nan).

import type { Tensor } from '../../tensor/tensor.js';
import { fmtShape, fmtSize } from '../../tensor/shape.js';
import { isFloatingPoint, scalarTypeName } from '../../tensor/dtype.js';
import { where } from '../../ops/elementwise.js';
import { backendOf, record, wrap } from '../../ops/function.js';
import { checkReduction, reduce, type Reduction } from './reduction.js';
import { warnOnce } from './warnings.js';

export type { Reduction } from './reduction.js';

// ---------------------------------------------------------------------------- regression losses

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
  warnOnce(message);
}

// PyTorch 1.13's words, its sentences joined without spaces as its source concatenates them.
const KL_DIV_MEAN_WARNING =
  "reduction: 'mean' divides the total loss by both the batch size and the support size." +
  "'batchmean' divides only by the batch size, and aligns with the KL div math definition." +
  "'mean' will be changed to behave the same as 'batchmean' in the next major release.";

/** `torch.nn.functional.mse_loss`: (input - target)^2; a target of another size broadcasts, with PyTorch's warning. */
export function mseLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  warnSizeMismatch(input, target);
  return reduce(input.sub(target).square(), options.reduction ?? 'mean');
}

/** `F.l1_loss(input, target, reduction='mean')`: the absolute error. */
export function l1Loss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  warnSizeMismatch(input, target);
  return reduce(input.sub(target).abs(), options.reduction ?? 'mean');
}

/** `torch.nn.functional.smooth_l1_loss`: 0.5 z^2 / beta where |z| < beta, |z| - 0.5 beta elsewhere (beta = 0 is L1). */
export function smoothL1Loss(input: Tensor, target: Tensor, options: { reduction?: Reduction; beta?: number } = {}): Tensor {
  const beta = options.beta ?? 1;
  if (beta < 0) throw new RangeError('smooth_l1_loss does not support negative values for beta.');
  warnSizeMismatch(input, target);
  if (beta === 0) {
    // |x - t| with PyTorch's kernel's gradient: it tests x - t <= -beta first, so at 0 it is -1.
    const d = input.sub(target);
    return reduce(where(d.gt(0), d, d.neg()), options.reduction ?? 'mean');
  }
  const z = input.sub(target).abs();
  const loss = where(z.lt(beta), z.square().mul(0.5 / beta), z.sub(0.5 * beta));
  return reduce(loss, options.reduction ?? 'mean');
}

/** `torch.nn.functional.huber_loss`: 0.5 z^2 where |z| < delta, delta (|z| - 0.5 delta) elsewhere. */
export function huberLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction; delta?: number } = {}): Tensor {
  const delta = options.delta ?? 1;
  if (delta <= 0) throw new RangeError('huber_loss does not support non-positive values for delta.');
  warnSizeMismatch(input, target);
  const z = input.sub(target).abs();
  const loss = where(z.lt(delta), z.square().mul(0.5), z.sub(0.5 * delta).mul(delta));
  return reduce(loss, options.reduction ?? 'mean');
}

// ---------------------------------------------------------------------------- classification losses

/** Options of `F.nll_loss`: weight (per class), ignoreIndex (default -100), reduction ('mean'). */
export interface NllOptions {
  weight?: Tensor | null;
  ignoreIndex?: number;
  reduction?: Reduction;
}

/**
 * nll_loss's checks in PyTorch 1.13's order and words (nll_loss_nd, then the 1-2-D kernel or the
 * spatial one that 3-D and larger inputs reshape to): the batch size, the target's shape, the
 * weight, then the target's dtype. Returns the number of classes.
 */
function checkNll(input: Tensor, target: Tensor, weight: Tensor | null): number {
  if (input.ndim < 1) throw new RangeError(`Expected 1 or more dimensions (got ${input.ndim})`);
  // A 0-d target has no batch size; PyTorch reads it as 0.
  const batch = target.ndim === 0 ? 0 : target.shape[0];
  if (input.ndim !== 1 && input.shape[0] !== batch) {
    throw new RangeError(`Expected input batch_size (${input.shape[0]}) to match target batch_size (${batch}).`);
  }
  const classes = input.shape[input.ndim === 1 ? 0 : 1];
  if (input.ndim <= 2) {
    if (target.ndim > 1) throw new RangeError('0D or 1D target tensor expected, multi-target not supported');
    // PyTorch 1.13 takes a 1-D input with a 1-D target of the same size, reading only the target's
    // first value (a quirk of its kernel): refused here as the multi-target it is.
    if (input.ndim === 1 && target.ndim === 1) {
      if (target.shape[0] !== input.shape[0]) throw new RangeError(`size mismatch (got input: ${fmtShape(input.shape)}, target: ${fmtShape(target.shape)})`);
      throw new RangeError('0D or 1D target tensor expected, multi-target not supported');
    }
    if (weight && (weight.ndim !== 1 || weight.numel() !== classes)) {
      throw new RangeError(`weight tensor should be defined either for all ${classes} classes or no classes but got weight tensor of shape: ${fmtShape(weight.shape)}`);
    }
  } else {
    if (input.ndim === 4) {
      if (target.ndim !== 3) throw new RangeError(`only batches of spatial targets supported (3D tensors) but got targets of dimension: ${target.ndim}`);
    } else if (target.ndim !== input.ndim - 1 || input.shape.slice(2).some((s, d) => s !== target.shape[d + 1])) {
      throw new RangeError(`Expected target size ${fmtShape([input.shape[0], ...input.shape.slice(2)])}, got ${fmtShape(target.shape)}`);
    }
    if (weight && weight.numel() !== classes) throw new RangeError('weight tensor should be defined either for all or no classes');
    if (input.ndim === 4 && (input.shape[2] !== target.shape[1] || input.shape[3] !== target.shape[2])) {
      throw new RangeError(`size mismatch (got input: ${fmtShape(input.shape)} , target: ${fmtShape(target.shape)}`);
    }
  }
  // int32 is taken too (dlab's datasets and the GPU backends index with it); PyTorch wants int64.
  if (target.dtype !== 'int64' && target.dtype !== 'int32') throw new TypeError(`expected scalar type Long but found ${scalarTypeName[target.dtype]}`);
  return classes;
}

/**
 * `torch.nn.functional.nll_loss`: The negative log likelihood of class-index targets: loss_n = -weight[t_n] * input[n, t_n]; 0 where
 * t_n = ignoreIndex. 'mean' divides by the total weight of the targets that count, as PyTorch.
 */
export function nllLoss(input: Tensor, target: Tensor, options: NllOptions = {}): Tensor {
  const { weight = null, ignoreIndex = -100, reduction = 'mean' } = options;
  checkReduction(reduction);
  const classes = checkNll(input, target, weight);
  if (input.ndim === 2 && !weight?.requiresGrad && input.isCpu) return nllLossRows(input, target, weight, ignoreIndex, reduction, classes);
  const x = input.ndim === 1 ? input.unsqueeze(0) : input;
  const t = input.ndim === 1 ? target.unsqueeze(0) : target;
  const keep = t.ne(ignoreIndex);
  const safe = where(keep, t, 0);
  // Checked where the targets are readable; on a GPU an out-of-range target is not caught (as a
  // CUDA device assert would, but without stopping), since reading it back would be asynchronous.
  if (safe.isCpu) {
    const tv = safe.toTypedArray();
    for (let i = 0; i < tv.length; i++) {
      if (tv[i] < 0 || tv[i] >= classes) throw new RangeError(`Target ${tv[i]} is out of bounds.`);
    }
  }
  const picked = x.gather(1, safe.unsqueeze(1)).squeeze(1);
  let w = keep.to(input.dtype);
  if (weight) w = weight.flatten().indexSelect(0, safe.flatten()).reshape(safe.shape).mul(w);
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

/** Options of `F.cross_entropy`: those of nll_loss plus labelSmoothing (default 0). */
export interface CrossEntropyOptions extends NllOptions {
  labelSmoothing?: number;
}

/**
 * `torch.nn.functional.cross_entropy`: Cross-entropy from logits (class dim 1, or 0 for unbatched input): log_softmax then nll_loss for
 * class indices; -sum(target * log_softmax) for class probabilities (target shaped like input).
 * labelSmoothing mixes in the uniform distribution, with PyTorch's exact weighting.
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const { weight = null, ignoreIndex = -100, reduction = 'mean', labelSmoothing = 0 } = options;
  checkReduction(reduction);
  const classDim = input.ndim === 1 ? 0 : 1;
  const n = input.shape[classDim];
  const weightView = () => weight!.reshape(input.shape.map((s, d) => (d === classDim ? s : 1)));
  // PyTorch 1.13 refuses only above 1 (after a probability target's checks); a negative value smooths nothing, as 0.
  const checkSmoothing = () => {
    if (labelSmoothing > 1) throw new RangeError(`label_smoothing must be between 0.0 and 1.0. Got: ${labelSmoothing}`);
  };
  const probabilities = input.ndim === target.ndim && input.shape.every((s, d) => s === target.shape[d]);
  if (probabilities) {
    if (!isFloatingPoint(target.dtype)) throw new TypeError(`Expected floating point type for target with class probabilities, got ${scalarTypeName[target.dtype]}`);
    if (ignoreIndex >= 0) throw new Error('ignore_index is not supported for floating point target');
    if (weight && (weight.ndim !== 1 || weight.numel() !== n)) {
      throw new RangeError(`cross_entropy: weight tensor should be defined either for all ${n} classes or no classes but got weight tensor of shape: ${fmtShape(weight.shape)}`);
    }
    checkSmoothing();
    const t = labelSmoothing > 0 ? target.mul(1 - labelSmoothing).add(labelSmoothing / n) : target;
    let prod = input.logSoftmax(classDim).mul(t);
    if (weight) prod = prod.mul(weightView());
    if (reduction === 'none') return prod.sum(classDim).neg();
    if (reduction === 'sum') return prod.sum().neg();
    return prod.sum().neg().div(input.numel() / n);
  }
  checkSmoothing();
  const logp = input.logSoftmax(classDim);
  const nll = nllLoss(logp, target, { weight, ignoreIndex, reduction });
  if (labelSmoothing <= 0) return nll;
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
 * `torch.nn.functional.binary_cross_entropy`: -w (t log x + (1 - t) log(1 - x)), each log clamped at -100 as PyTorch, as one node with
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
  // PyTorch's kernel: the target's dtype must be the input's, a floating one; then every input in
  // [0, 1] (NaN is not).
  if (target.dtype !== input.dtype) throw new TypeError(`Found dtype ${scalarTypeName[target.dtype]} but expected ${scalarTypeName[input.dtype]}`);
  if (!isFloatingPoint(input.dtype)) throw new TypeError(`"binary_cross_entropy" not implemented for '${scalarTypeName[input.dtype]}'`);
  const x = input.detach();
  const t = target.detach();
  if (!x.ge(0).logicalAnd(x.le(1)).all().item()) throw new RangeError('all elements of input should be between 0 and 1');
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
  // Saved as PyTorch saves them (self, target, weight): writing into one before backward is an error.
  const saved = weight ? [input, target, weight] : [input, target];
  return record('BinaryCrossEntropyBackward0', reduce(loss, reduction), [input, target], saved, (g, needs) => [
    needs[0] ? scaled(input.sub(target).div(input.neg().add(1).mul(input).clamp(BCE_EPSILON, null)), g) : null,
    needs[1] ? scaled(input.div(input.neg().add(1)).log().neg(), g) : null,
  ]);
}

/**
 * `torch.nn.functional.binary_cross_entropy_with_logits`: BCE on logits, PyTorch's stable form: (1 - t) x + lw * (log(exp(-m) + exp(-x - m)) + m),
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
 * `torch.nn.functional.kl_div`: KL divergence with input in log space: target * (log target - input), 0 where target = 0
 * (xlogy); with logTarget, exp(target) * (target - input). 'batchmean' divides the sum by the batch size.
 */
export function klDiv(input: Tensor, target: Tensor, options: { reduction?: Reduction | 'batchmean'; logTarget?: boolean } = {}): Tensor {
  const reduction = options.reduction ?? 'mean';
  checkReduction(reduction, ['none', 'mean', 'sum', 'batchmean']);
  if (reduction === 'mean') warnOnce(KL_DIV_MEAN_WARNING);
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
