// nn.functional's margin and embedding losses (aten/src/ATen/native/Loss.cpp, torch/nn/functional.py):
// margin_ranking, hinge_embedding, cosine_embedding, triplet_margin, soft_margin,
// multilabel_soft_margin and multi_margin, each with PyTorch's formula and checks.

import type { Tensor } from '../../tensor/tensor.js';
import { fmtShape, fmtSize } from '../../tensor/shape.js';
import { where } from '../../ops/elementwise.js';
import { arange } from '../../ops/creation.js';
import { pairwiseDistance } from '../../ops/distance.js';
import { logsigmoid } from './activation.js';
import { checkReduction, reduce, type Reduction } from './reduction.js';

/** `F.margin_ranking_loss(x1, x2, target, margin=0)`: max(0, -target (x1 - x2) + margin); target is 1 or -1. */
export function marginRankingLoss(input1: Tensor, input2: Tensor, target: Tensor, options: { margin?: number; reduction?: Reduction } = {}): Tensor {
  const { margin = 0, reduction = 'mean' } = options;
  if (input1.ndim !== input2.ndim || input1.ndim !== target.ndim) {
    throw new RangeError(
      `margin_ranking_loss : All input tensors should have same dimension but got sizes: input1: ${fmtSize(input1.shape)}, input2: ${fmtSize(input2.shape)}, target: ${fmtSize(target.shape)} `,
    );
  }
  checkReduction(reduction);
  return reduce(target.neg().mul(input1.sub(input2)).add(margin).clampMin(0), reduction);
}

/** `F.hinge_embedding_loss(input, target, margin=1.0)`: x where target is 1, max(0, margin - x) where it is -1. */
export function hingeEmbeddingLoss(input: Tensor, target: Tensor, options: { margin?: number; reduction?: Reduction } = {}): Tensor {
  const { margin = 1, reduction = 'mean' } = options;
  checkReduction(reduction);
  const marginPart = where(target.ne(1), input.neg().add(margin).clampMin(0), 0);
  const selfPart = where(target.ne(-1), input, 0);
  return reduce(marginPart.add(selfPart), reduction);
}

/** PyTorch's EPSILON in cosine_embedding_loss: keeps a zero vector's norm from dividing by 0. */
const COSINE_EPSILON = 1e-12;

/**
 * `F.cosine_embedding_loss(x1, x2, target, margin=0)`: 1 - cos(x1, x2) where target is 1,
 * max(0, cos - margin) where it is -1; rows of [N, D] inputs with a [N] target, or one [D] pair.
 */
export function cosineEmbeddingLoss(input1: Tensor, input2: Tensor, target: Tensor, options: { margin?: number; reduction?: Reduction } = {}): Tensor {
  const { margin = 0, reduction = 'mean' } = options;
  const dim = target.ndim;
  if (dim > 1) throw new RangeError('0D or 1D target tensor expected, multi-target not supported');
  if (input1.ndim !== dim + 1 || input2.ndim !== dim + 1) {
    const want = dim === 1 ? '1D target tensor expects 2D input tensors' : '0D target tensor expects 1D input tensors';
    throw new RangeError(`${want}, but found inputs with sizes ${fmtShape(input1.shape)} and ${fmtShape(input2.shape)}.`);
  }
  checkReduction(reduction);
  const dot = input1.mul(input2).sum(dim);
  const square1 = input1.mul(input1).sum(dim).add(COSINE_EPSILON);
  const square2 = input2.mul(input2).sum(dim).add(COSINE_EPSILON);
  const cos = dot.div(square1.mul(square2).sqrt());
  const positive = where(target.eq(1), cos.neg().add(1), 0);
  const negative = where(target.eq(-1), cos.sub(margin).clampMin(0), 0);
  return reduce(positive.add(negative), reduction);
}

/** Options of F.triplet_margin_loss: margin (1), p (2), eps (1e-6), swap (false), reduction. */
export interface TripletMarginOptions {
  margin?: number;
  p?: number;
  eps?: number;
  swap?: boolean;
  reduction?: Reduction;
}

/**
 * `F.triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False)`:
 * max(0, margin + d(a, p) - d(a, n)) with d the pairwise p-distance; swap takes the smaller of
 * d(a, n) and d(p, n).
 */
export function tripletMarginLoss(anchor: Tensor, positive: Tensor, negative: Tensor, options: TripletMarginOptions = {}): Tensor {
  const { margin = 1, p = 2, eps = 1e-6, swap = false, reduction = 'mean' } = options;
  if (anchor.ndim !== positive.ndim || positive.ndim !== negative.ndim) {
    throw new RangeError(`All inputs should have same dimension but got ${anchor.ndim}D, ${positive.ndim}D and ${negative.ndim}D inputs.`);
  }
  checkReduction(reduction);
  const toPositive = pairwiseDistance(anchor, positive, p, eps);
  let toNegative = pairwiseDistance(anchor, negative, p, eps);
  if (swap) toNegative = toNegative.minimum(pairwiseDistance(positive, negative, p, eps));
  return reduce(toPositive.sub(toNegative).add(margin).clampMin(0), reduction);
}

/** `F.soft_margin_loss(input, target)`: log(1 + exp(-target x)), the logistic loss for targets 1 and -1. */
export function softMarginLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  const { reduction = 'mean' } = options;
  checkReduction(reduction);
  return reduce(input.neg().mul(target).exp().log1p(), reduction);
}

/**
 * `F.multilabel_soft_margin_loss(input, target, weight=None)`: binary cross-entropy of each class's
 * logit against a 0/1 target, averaged over the classes (the last dim), then reduced over samples.
 */
export function multilabelSoftMarginLoss(input: Tensor, target: Tensor, options: { weight?: Tensor | null; reduction?: Reduction } = {}): Tensor {
  const { weight = null, reduction = 'mean' } = options;
  let loss = target.mul(logsigmoid(input)).add(target.neg().add(1).mul(logsigmoid(input.neg()))).neg();
  if (weight) loss = loss.mul(weight);
  const classDim = input.ndim - 1;
  loss = loss.sum(classDim).div(input.shape[classDim]);
  if (reduction !== 'none' && reduction !== 'mean' && reduction !== 'sum') throw new Error(`${reduction} is not valid`);
  return reduce(loss, reduction);
}

/** Options of F.multi_margin_loss: p (1 or 2), margin (1), weight (one per class), reduction. */
export interface MultiMarginOptions {
  p?: number;
  margin?: number;
  weight?: Tensor | null;
  reduction?: Reduction;
}

/**
 * `F.multi_margin_loss(input, target, p=1, margin=1, weight=None)`: for each sample, the sum over
 * the classes i other than the target y of max(0, margin - x[y] + x[i])^p (times weight[y]),
 * divided by the number of classes.
 */
export function multiMarginLoss(input: Tensor, target: Tensor, options: MultiMarginOptions = {}): Tensor {
  const { p = 1, margin = 1, weight = null, reduction = 'mean' } = options;
  if (p !== 1 && p !== 2) throw new RangeError('only p == 1 and p == 2 supported');
  if (weight && weight.ndim !== 1) throw new RangeError('weight must be one-dimensional');
  checkReduction(reduction);
  const rows = input.ndim === 2 ? input : input.reshape([1, -1]);
  const accepted = (input.ndim === 2 && input.shape[1] !== 0) || (input.ndim === 1 && input.shape[0] !== 0) || input.ndim === 0;
  if (!accepted) {
    throw new RangeError(`Expected non-empty vector or matrix with optional 0-dim batch size, but got: ${fmtShape(input.shape)}`);
  }
  const [n, classes] = rows.shape;
  const labels = target.reshape(-1);
  if (labels.numel() !== n || target.ndim > 1) throw new RangeError(`inconsistent target size, got: ${fmtShape(target.shape)}`);
  if (labels.device.type === 'cpu' && n > 0 && (labels.min().item() < 0 || labels.max().item() >= classes)) throw new RangeError('target out of range');
  const picked = rows.gather(1, labels.unsqueeze(1));
  let terms = picked.neg().add(rows).add(margin).clampMin(0);
  if (p === 2) terms = terms.mul(terms);
  if (weight) terms = terms.mul(weight.gather(0, labels).unsqueeze(1));
  // The target class itself is left out of the sum.
  const isTarget = labels.unsqueeze(1).eq(arange(classes, { device: rows.device }));
  const loss = where(isTarget, 0, terms).sum(1).div(classes);
  // reduction 'none' gives one value per sample, a 0-D one for a 0-D target (as PyTorch's kernel resizes it).
  return reduce(target.ndim > 0 ? loss : loss.reshape([]), reduction);
}
