// Normalization layers (torch/nn/modules/batchnorm.py, normalization.py): BatchNorm1d/2d/3d,
// LayerNorm, GroupNorm. The running statistics are buffers under PyTorch's names, so state dicts
// carry `bn.running_mean`, `bn.running_var` and `bn.num_batches_tracked` as PyTorch's do.

import type { Tensor } from '../../tensor/tensor.js';
import type { DType } from '../../tensor/dtype.js';
import { empty, ones, tensor, zeros } from '../../ops/creation.js';
import { noGrad } from '../../autograd/grad_mode.js';
import { bindArgs } from '../args.js';
import { Module, pyBool, pyFloat } from '../module.js';
import { Parameter } from '../parameter.js';
import * as F from '../functional/index.js';
import * as init from '../init.js';

/** Options of `nn.BatchNorm1d/2d`: eps (default 1e-5), momentum (0.1; none: a cumulative average), affine (true), trackRunningStats (true). */
export interface BatchNormOptions {
  eps?: number;
  /** The running statistics' update factor; null for a cumulative (equal-weight) average. */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
  dtype?: DType;
}

/** The affine weight and bias of `shape` (uninitialized), or both registered as None. */
function registerAffine(m: Module, affine: boolean, shape: readonly number[], dtype: DType | undefined): void {
  m.registerParameter('weight', affine ? new Parameter(empty(shape, { dtype })) : null);
  m.registerParameter('bias', affine ? new Parameter(empty(shape, { dtype })) : null);
}

/** The affine reset of every normalization layer: weight ones, bias zeros. */
function resetAffine(m: { weight: Parameter | null; bias: Parameter | null }): void {
  if (m.weight && m.bias) {
    init.ones_(m.weight);
    init.zeros_(m.bias);
  }
}

/** `torch.nn.modules.batchnorm._BatchNorm`: PyTorch's _NormBase + _BatchNorm: parameters, buffers, the running-statistics rule. */
export abstract class BatchNormBase extends Module {
  numFeatures: number;
  eps: number;
  momentum: number | null;
  affine: boolean;
  trackRunningStats: boolean;
  declare weight: Parameter | null;
  declare bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;

  constructor(numFeatures: number, options?: BatchNormOptions);
  constructor(options: BatchNormOptions & { numFeatures: number });
  constructor(...args: unknown[]) {
    const [numFeatures, options] = bindArgs<[number], BatchNormOptions>(new.target.name, ['numFeatures'], args);
    super();
    this.numFeatures = numFeatures;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    const dtype = options.dtype;
    registerAffine(this, this.affine, [numFeatures], dtype);
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures], { dtype }));
      this.registerBuffer('running_var', ones([numFeatures], { dtype }));
      this.registerBuffer('num_batches_tracked', tensor(0, { dtype: 'int64' }));
    } else {
      this.registerBuffer('running_mean', null);
      this.registerBuffer('running_var', null);
      this.registerBuffer('num_batches_tracked', null);
    }
    this.resetParameters();
  }

  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    noGrad(() => {
      this.running_mean!.zero_();
      this.running_var!.fill_(1);
      this.num_batches_tracked!.zero_();
    });
  }

  resetParameters(): void {
    this.resetRunningStats();
    resetAffine(this);
  }

  /** Throws PyTorch's message for an input of the wrong rank. */
  protected abstract checkInputDim(input: Tensor): void;

  override forward(input: Tensor): Tensor {
    this.checkInputDim(input);
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.num_batches_tracked) {
      noGrad(() => this.num_batches_tracked!.add_(1));
      // momentum = None: the running statistics are the plain average of all batches so far.
      factor = this.momentum === null ? 1 / this.num_batches_tracked.item() : this.momentum;
    }
    const useBatchStats = this.training || (this.running_mean === null && this.running_var === null);
    const track = !this.training || this.trackRunningStats;
    return F.batchNorm(input, track ? this.running_mean : null, track ? this.running_var : null, {
      weight: this.weight,
      bias: this.bias,
      training: useBatchStats,
      momentum: factor,
      eps: this.eps,
    });
  }

  /** State dicts written before num_batches_tracked existed load with it set to 0, as PyTorch's. */
  protected override _loadFromStateDict(sd: Map<string, unknown>, prefix: string, missing: string[], unexpected: string[], errors: string[]): void {
    const key = `${prefix}num_batches_tracked`;
    if (this.trackRunningStats && !sd.has(key)) sd.set(key, tensor(0, { dtype: 'int64' }));
    super._loadFromStateDict(sd, prefix, missing, unexpected, errors);
  }

  override extraRepr(): string {
    const momentum = this.momentum === null ? 'None' : pyFloat(this.momentum);
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${momentum}, affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}

/** `torch.nn.BatchNorm1d`: Batch normalization of [N, C] or [N, C, L] input. */
export class BatchNorm1d extends BatchNormBase {
  protected checkInputDim(input: Tensor): void {
    if (input.ndim !== 2 && input.ndim !== 3) throw new RangeError(`expected 2D or 3D input (got ${input.ndim}D input)`);
  }
}

/** `torch.nn.BatchNorm2d`: Batch normalization of [N, C, H, W] input. */
export class BatchNorm2d extends BatchNormBase {
  protected checkInputDim(input: Tensor): void {
    if (input.ndim !== 4) throw new RangeError(`expected 4D input (got ${input.ndim}D input)`);
  }
}

/** `torch.nn.BatchNorm3d`: Batch normalization of [N, C, D, H, W] input. */
export class BatchNorm3d extends BatchNormBase {
  protected checkInputDim(input: Tensor): void {
    if (input.ndim !== 5) throw new RangeError(`expected 5D input (got ${input.ndim}D input)`);
  }
}

/** Normalizes over the trailing normalizedShape dims; weight (ones) and bias (zeros) of that shape. */
type LayerNormOptions = { eps?: number; elementwiseAffine?: boolean; dtype?: DType };

/** `torch.nn.LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True)`: normalizes over the last dims, with a learned scale and shift. */
export class LayerNorm extends Module {
  normalizedShape: number[];
  eps: number;
  elementwiseAffine: boolean;
  declare weight: Parameter | null;
  declare bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], options?: LayerNormOptions);
  constructor(options: LayerNormOptions & { normalizedShape: number | readonly number[] });
  constructor(...args: unknown[]) {
    const [normalizedShape, options] = bindArgs<[number | readonly number[]], LayerNormOptions>('LayerNorm', ['normalizedShape'], args, 1, [
      'eps',
      'elementwiseAffine',
      'dtype',
    ]);
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    this.eps = options.eps ?? 1e-5;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    registerAffine(this, this.elementwiseAffine, this.normalizedShape, options.dtype);
    this.resetParameters();
  }

  resetParameters(): void {
    resetAffine(this);
  }

  override forward(input: Tensor): Tensor {
    return F.layerNorm(input, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    const shape = this.normalizedShape.length === 1 ? `(${this.normalizedShape[0]},)` : `(${this.normalizedShape.join(', ')})`;
    return `${shape}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}

/** Normalizes each of numGroups channel groups; per-channel weight (ones) and bias (zeros). */
type GroupNormOptions = { eps?: number; affine?: boolean; dtype?: DType };

/** `torch.nn.GroupNorm(num_groups, num_channels, eps=1e-5, affine=True)`: normalizes each group of channels per sample. */
export class GroupNorm extends Module {
  numGroups: number;
  numChannels: number;
  eps: number;
  affine: boolean;
  declare weight: Parameter | null;
  declare bias: Parameter | null;

  constructor(numGroups: number, numChannels: number, options?: GroupNormOptions);
  constructor(options: GroupNormOptions & { numGroups: number; numChannels: number });
  constructor(...args: unknown[]) {
    const [numGroups, numChannels, options] = bindArgs<[number, number], GroupNormOptions>('GroupNorm', ['numGroups', 'numChannels'], args, 2, ['eps', 'affine', 'dtype']);
    super();
    if (numChannels % numGroups !== 0) throw new RangeError('num_channels must be divisible by num_groups');
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    this.eps = options.eps ?? 1e-5;
    this.affine = options.affine ?? true;
    registerAffine(this, this.affine, [numChannels], options.dtype);
    this.resetParameters();
  }

  resetParameters(): void {
    resetAffine(this);
  }

  override forward(input: Tensor): Tensor {
    return F.groupNorm(input, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${pyBool(this.affine)}`;
  }
}

/** `torch.nn.LocalResponseNorm(size, alpha=1e-4, beta=0.75, k=1.0)`: AlexNet's normalization across neighbouring channels. */
export class LocalResponseNorm extends Module {
  size: number;
  alpha: number;
  beta: number;
  k: number;
  constructor(size: number, options?: { alpha?: number; beta?: number; k?: number });
  constructor(options: { size: number; alpha?: number; beta?: number; k?: number });
  constructor(...args: unknown[]) {
    const [size, options] = bindArgs<[number], { alpha?: number; beta?: number; k?: number }>('LocalResponseNorm', ['size'], args, 1, ['alpha', 'beta', 'k']);
    super();
    this.size = size;
    this.alpha = options.alpha ?? 1e-4;
    this.beta = options.beta ?? 0.75;
    this.k = options.k ?? 1;
  }
  override forward(input: Tensor): Tensor {
    return F.localResponseNorm(input, this.size, this.alpha, this.beta, this.k);
  }
  override extraRepr(): string {
    return `${this.size}, alpha=${pyFloat(this.alpha)}, beta=${pyFloat(this.beta)}, k=${pyFloat(this.k)}`;
  }
}
