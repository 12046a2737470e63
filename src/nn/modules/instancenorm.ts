// Instance normalization layers (torch/nn/modules/instancenorm.py): InstanceNorm1d/2d/3d, each
// sample's channels normalized over their positions. They share BatchNorm's parameters and buffers
// (PyTorch's _NormBase) with other defaults: no affine weight, no running statistics.

import type { Tensor } from '../../tensor/tensor.js';
import { bindArgs } from '../args.js';
import * as F from '../functional/index.js';
import { BatchNormBase, type BatchNormOptions } from './normalization.js';

/** `torch.nn.modules.instancenorm._InstanceNorm`: BatchNormBase with affine and trackRunningStats off by default. */
export abstract class InstanceNormBase extends BatchNormBase {
  constructor(numFeatures: number, options?: BatchNormOptions);
  constructor(options: BatchNormOptions & { numFeatures: number });
  constructor(...args: unknown[]) {
    const [numFeatures, options] = bindArgs<[number], BatchNormOptions>(new.target.name, ['numFeatures'], args);
    super(numFeatures, { ...options, affine: options.affine ?? false, trackRunningStats: options.trackRunningStats ?? false });
  }

  /** The rank of an unbatched input ([C, *]): one less than a batch's. */
  protected abstract readonly noBatchDim: number;

  override forward(input: Tensor): Tensor {
    this.checkInputDim(input);
    if (input.ndim === this.noBatchDim) return this.instanceNorm(input.unsqueeze(0)).squeeze(0);
    return this.instanceNorm(input);
  }

  private instanceNorm(input: Tensor): Tensor {
    return F.instanceNorm(input, {
      runningMean: this.running_mean,
      runningVar: this.running_var,
      weight: this.weight,
      bias: this.bias,
      useInputStats: this.training || !this.trackRunningStats,
      momentum: this.momentum ?? 0.1,
      eps: this.eps,
    });
  }

  protected checkInputDim(input: Tensor): void {
    const d = this.noBatchDim;
    if (input.ndim !== d && input.ndim !== d + 1) throw new RangeError(`expected ${d}D or ${d + 1}D input (got ${input.ndim}D input)`);
  }
}

/** `torch.nn.InstanceNorm1d`: instance normalization of [N, C, L] (or unbatched [C, L]) input. */
export class InstanceNorm1d extends InstanceNormBase {
  protected readonly noBatchDim = 2;
}

/** `torch.nn.InstanceNorm2d`: instance normalization of [N, C, H, W] (or unbatched [C, H, W]) input. */
export class InstanceNorm2d extends InstanceNormBase {
  protected readonly noBatchDim = 3;
}

/** `torch.nn.InstanceNorm3d`: instance normalization of [N, C, D, H, W] (or unbatched [C, D, H, W]) input. */
export class InstanceNorm3d extends InstanceNormBase {
  protected readonly noBatchDim = 4;
}
