// Upsample, UpsamplingNearest2d, UpsamplingBilinear2d (torch/nn/modules/upsampling.py): modules
// around F.interpolate.

import type { Tensor } from '../../tensor/tensor.js';
import { Module, pyFloat } from '../module.js';
import * as F from '../functional/index.js';

/** Options of `nn.Upsample`: size or scaleFactor, mode (default 'nearest'), alignCorners. */
export interface UpsampleOptions {
  size?: number | readonly number[] | null;
  scaleFactor?: number | readonly number[] | null;
  mode?: F.InterpolateMode;
  alignCorners?: boolean | null;
  recomputeScaleFactor?: boolean | null;
}

/** `torch.nn.Upsample(size=None, scale_factor=None, mode='nearest', align_corners=None)`: `F.interpolate` as a layer. */
export class Upsample extends Module {
  size: number | number[] | null;
  scaleFactor: number | number[] | null;
  mode: F.InterpolateMode;
  alignCorners: boolean | null;
  recomputeScaleFactor: boolean | null;

  constructor(options: UpsampleOptions = {}) {
    super();
    this.size = options.size === undefined || options.size === null ? null : typeof options.size === 'number' ? options.size : [...options.size];
    const sf = options.scaleFactor;
    // PyTorch stores float(scale_factor), and None for 0 (a falsy scale).
    this.scaleFactor = sf === undefined || sf === null ? null : typeof sf === 'number' ? (sf ? sf : null) : [...sf];
    this.mode = options.mode ?? 'nearest';
    this.alignCorners = options.alignCorners ?? null;
    this.recomputeScaleFactor = options.recomputeScaleFactor ?? null;
  }

  override forward(input: Tensor): Tensor {
    return F.interpolate(input, {
      size: this.size,
      scaleFactor: this.scaleFactor,
      mode: this.mode,
      alignCorners: this.alignCorners,
      recomputeScaleFactor: this.recomputeScaleFactor,
    });
  }

  override extraRepr(): string {
    const tuple = (xs: readonly string[]) => (xs.length === 1 ? `(${xs[0]},)` : `(${xs.join(', ')})`);
    let info: string;
    if (this.scaleFactor !== null) {
      info = `scale_factor=${typeof this.scaleFactor === 'number' ? pyFloat(this.scaleFactor) : tuple(this.scaleFactor.map(pyFloat))}`;
    } else {
      info = `size=${this.size === null ? 'None' : typeof this.size === 'number' ? this.size : tuple(this.size.map(String))}`;
    }
    return `${info}, mode=${this.mode}`;
  }
}

/** `torch.nn.UpsamplingNearest2d`: Upsample with mode 'nearest'. */
export class UpsamplingNearest2d extends Upsample {
  constructor(options: { size?: number | readonly number[] | null; scaleFactor?: number | readonly number[] | null } = {}) {
    super({ ...options, mode: 'nearest' });
  }
}

/** `torch.nn.UpsamplingBilinear2d`: Upsample with mode 'bilinear' and align_corners=True. */
export class UpsamplingBilinear2d extends Upsample {
  constructor(options: { size?: number | readonly number[] | null; scaleFactor?: number | readonly number[] | null } = {}) {
    super({ ...options, mode: 'bilinear', alignCorners: true });
  }
}
