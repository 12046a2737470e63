// nn.functional's normalizations (nn.BatchNorm, nn.LayerNorm and nn.GroupNorm call them), as
// compositions of differentiable ops.

import type { Tensor } from '../../tensor/tensor.js';
import { fmtShape, fmtSize } from '../../tensor/shape.js';
import { noGrad } from '../../autograd/grad_mode.js';
import { pad as constantPad } from '../../ops/movement.js';
import { avgPool2d } from '../../ops/pool.js';

/** A per-channel vector [C] shaped to broadcast against [N, C, *] input. */
function channelView(t: Tensor, ndim: number): Tensor {
  return t.reshape([1, t.numel(), ...new Array<number>(Math.max(ndim - 2, 0)).fill(1)]);
}

/** PyTorch's _verify_batch_size: one value per channel has no variance. */
function verifyBatchSize(size: readonly number[], shown = fmtSize(size)): void {
  let prod = size[0];
  for (let i = 2; i < size.length; i++) prod *= size[i];
  if (prod === 1) throw new Error(`Expected more than 1 value per channel when training, got input size ${shown}`);
}

/** Options of `F.batch_norm`: weight, bias, training (default false), momentum (0.1), eps (1e-5). */
export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  momentum?: number;
  eps?: number;
}

/**
 * `torch.nn.functional.batch_norm`: Batch normalization over every dim but 1. In training, normalizes with the batch statistics
 * (biased variance) and, where given, moves the running statistics towards them in place:
 * running = (1 - momentum) running + momentum stat, with the unbiased variance for running_var.
 * Otherwise normalizes with the running statistics.
 */
export function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options: BatchNormOptions = {}): Tensor {
  const { weight = null, bias = null, training = false, momentum = 0.1, eps = 1e-5 } = options;
  if (training) verifyBatchSize(input.shape);
  // PyTorch 1.13 counts the channels of a 1-D input as 0, so any per-channel tensor is refused.
  const channels = input.ndim < 2 ? 0 : input.shape[1];
  const named: [string, Tensor | null][] = [['running_mean', runningMean], ['running_var', runningVar], ['weight', weight], ['bias', bias]];
  for (const [name, t] of named) {
    if (t && t.numel() !== channels) throw new RangeError(`${name} should contain ${channels} elements not ${t.numel()}`);
  }
  if (!training) {
    if (!runningMean) throw new Error('running_mean must be defined in evaluation mode');
    if (!runningVar) throw new Error('running_var must be defined in evaluation mode');
  }
  if (input.ndim < 2) throw new RangeError('Dimension out of range (expected to be in range of [-1, 0], but got 1)');
  const dims = input.shape.map((_, i) => i).filter((i) => i !== 1);
  let mean: Tensor;
  let invstd: Tensor;
  if (training) {
    mean = input.mean(dims, { keepdim: true });
    const v = input.var(dims, { keepdim: true, correction: 0 });
    const n = input.numel() / channels;
    noGrad(() => {
      if (runningMean) runningMean.mul_(1 - momentum).add_(mean.reshape([channels]).mul(momentum));
      if (runningVar) runningVar.mul_(1 - momentum).add_(v.reshape([channels]).mul((momentum * n) / (n - 1)));
    });
    invstd = v.add(eps).rsqrt();
  } else {
    mean = channelView(runningMean!, input.ndim);
    invstd = channelView(runningVar!, input.ndim).add(eps).rsqrt();
  }
  let out = input.sub(mean).mul(invstd);
  if (weight) out = out.mul(channelView(weight, input.ndim));
  if (bias) out = out.add(channelView(bias, input.ndim));
  return out;
}

/** `torch.nn.functional.instance_norm`: Instance normalization: batch_norm over each (sample, channel) plane. */
export function instanceNorm(
  input: Tensor,
  options: { runningMean?: Tensor | null; runningVar?: Tensor | null; weight?: Tensor | null; bias?: Tensor | null; useInputStats?: boolean; momentum?: number; eps?: number } = {},
): Tensor {
  const { runningMean = null, runningVar = null, weight = null, bias = null, useInputStats = true, momentum = 0.1, eps = 1e-5 } = options;
  // PyTorch 1.13 checks the spatial size first: a 1-D or 2-D input in training gets this message.
  if (useInputStats && input.shape.slice(2).reduce((a, b) => a * b, 1) === 1) {
    throw new Error(`Expected more than 1 spatial element when training, got input size ${fmtSize(input.shape)}`);
  }
  // A 2-D input with use_input_stats=False is normalized with the running statistics, as PyTorch 1.13 does.
  if (input.ndim < 2) throw new RangeError(`instance_norm: expected at least 2D input (got ${input.ndim}D input)`);
  const [n, c] = input.shape;
  // [N, C, *] viewed as [1, N*C, *]: one "channel" per plane; running stats are averaged over N.
  const planes = input.reshape([1, n * c, ...input.shape.slice(2)]);
  // As PyTorch's instance_norm: the statistics, weight and bias repeated per sample, one batch_norm
  // call, the result viewed back (so its grad_fn is ViewBackward0, and a weight of the wrong size
  // gets batch_norm's message).
  const rm = runningMean ? runningMean.repeat(n) : null;
  const rv = runningVar ? runningVar.repeat(n) : null;
  const perPlane = (t: Tensor | null) => (t ? t.repeat(n) : null);
  const out = batchNorm(planes, rm, rv, { weight: perPlane(weight), bias: perPlane(bias), training: useInputStats, momentum, eps }).view(input.shape);
  if (useInputStats) {
    noGrad(() => {
      if (runningMean && rm) runningMean.copy_(rm.reshape([n, c]).mean(0));
      if (runningVar && rv) runningVar.copy_(rv.reshape([n, c]).mean(0));
    });
  }
  return out;
}

/** `torch.nn.functional.layer_norm`: Layer normalization over the trailing dims given by normalizedShape (biased variance). */
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

/** `torch.nn.functional.group_norm`: Group normalization: channels split into numGroups groups, each normalized over its channels and positions. */
export function groupNorm(input: Tensor, numGroups: number, options: { weight?: Tensor | null; bias?: Tensor | null; eps?: number } = {}): Tensor {
  const { weight = null, bias = null, eps = 1e-5 } = options;
  // PyTorch 1.13's F.group_norm verifies the batch size first, reading size(1): a 1-D input fails there,
  // and the size it shows is a Python list.
  if (input.ndim < 2) throw new RangeError('Dimension out of range (expected to be in range of [-1, 0], but got 1)');
  const [n, c] = input.shape;
  const grouped = [Math.floor((n * c) / numGroups), numGroups, ...input.shape.slice(2)];
  verifyBatchSize(grouped, fmtShape(grouped));
  if (c % numGroups !== 0) {
    throw new RangeError(`Expected number of channels in input to be divisible by num_groups, but got input of shape ${fmtShape(input.shape)} and num_groups=${numGroups}`);
  }
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t && (t.ndim !== 1 || t.numel() !== c)) {
      throw new RangeError(`Expected ${name} to be a vector of size equal to the number of channels in input, but got ${name} of shape ${fmtShape(t.shape)} and input of shape ${fmtShape(input.shape)}`);
    }
  }
  const x = input.reshape([n, numGroups, (c / numGroups) * input.shape.slice(2).reduce((a, b) => a * b, 1)]);
  const mean = x.mean(2, { keepdim: true });
  const rstd = x.var(2, { keepdim: true, correction: 0 }).add(eps).rsqrt();
  let out = x.sub(mean).mul(rstd).reshape(input.shape);
  if (weight) out = out.mul(channelView(weight, input.ndim));
  if (bias) out = out.add(channelView(bias, input.ndim));
  return out;
}

/**
 * `F.normalize(input, p=2.0, dim=1, eps=1e-12)`: input divided by its p-norm along dim, the norm
 * clamped at eps so a zero vector stays zero.
 */
export function normalize(input: Tensor, p = 2, dim = 1, eps = 1e-12): Tensor {
  return input.div(input.norm(p, dim, { keepdim: true }).clampMin(eps).expandAs(input));
}

/**
 * `F.local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0)` (AlexNet's LRN): each value
 * divided by (k + alpha * the mean of the squares of `size` neighbouring channels)^beta, the
 * neighbourhood zero-padded at the ends, as PyTorch composes it (an average pool over channels).
 */
export function localResponseNorm(input: Tensor, size: number, alpha = 1e-4, beta = 0.75, k = 1): Tensor {
  if (input.ndim < 3) throw new RangeError(`Expected 3D or higher dimensionality                          input (got ${input.ndim} dimensions)`);
  if (input.numel() === 0) return input;
  const [n, c] = input.shape;
  // [N, 1, C, rest]: a (size x 1) average pool slides over the channels of each position.
  const squares = input.mul(input).reshape([n, 1, c, -1]);
  const padded = constantPad(squares, [0, 0, Math.floor(size / 2), Math.floor((size - 1) / 2)]);
  const div = avgPool2d(padded, [size, 1], { stride: 1 }).reshape(input.shape);
  return input.div(div.mul(alpha).add(k).pow(beta));
}
