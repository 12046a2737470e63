// Padding layers (torch/nn/modules/padding.py): ConstantPad1d/2d/3d, ZeroPad2d, ReflectionPad1d/2d/3d
// and ReplicationPad1d/2d/3d, each F.pad with its mode over the last 1, 2 or 3 dims. A single number
// pads every side by it.

import type { Tensor } from '../../tensor/tensor.js';
import { bindArgs, type PyArgs } from '../args.js';
import { Module, pyFloat } from '../module.js';
import * as F from '../functional/index.js';

/** PyTorch's _ntuple: a number repeated to 2 per padded dim, or the given (before, after) pairs. */
function sides(padding: Padding, dims: number): number[] {
  return typeof padding === 'number' ? new Array<number>(2 * dims).fill(padding) : [...padding];
}
const tuple = (padding: readonly number[]) => `(${padding.join(', ')})`;
type Padding = number | readonly number[];
type PaddingArgs = PyArgs<[padding: Padding], { padding?: Padding }>;
type ConstantPadArgs = PyArgs<[padding: Padding, value: number], { padding?: Padding; value?: number }>;

/** PyTorch's _ConstantPadNd: F.pad with a constant value; the repr names both. */
abstract class ConstantPadNd extends Module {
  padding: number[];
  value: number;
  constructor(args: readonly unknown[], dims: number) {
    const [padding, value] = bindArgs<[Padding, number], object>(new.target.name, ['padding', 'value'], args, 2, []);
    super();
    this.padding = sides(padding, dims);
    this.value = value;
  }
  override forward(input: Tensor): Tensor {
    return F.pad(input, this.padding, 'constant', this.value);
  }
  override extraRepr(): string {
    return `padding=${tuple(this.padding)}, value=${pyFloat(this.value)}`;
  }
}

/** `torch.nn.ConstantPad1d(padding, value)`: pads the last dim with value. */
export class ConstantPad1d extends ConstantPadNd {
  constructor(...args: ConstantPadArgs) {
    super(args, 1);
  }
}

/** `torch.nn.ConstantPad2d(padding, value)`: pads the last 2 dims with value. */
export class ConstantPad2d extends ConstantPadNd {
  constructor(...args: ConstantPadArgs) {
    super(args, 2);
  }
}

/** `torch.nn.ConstantPad3d(padding, value)`: pads the last 3 dims with value. */
export class ConstantPad3d extends ConstantPadNd {
  constructor(...args: ConstantPadArgs) {
    super(args, 3);
  }
}

/** `torch.nn.ZeroPad2d(padding)`: pads the last 2 dims with zeros; the repr shows the padding alone. */
export class ZeroPad2d extends ConstantPadNd {
  constructor(...args: PaddingArgs) {
    super([bindArgs<[Padding], object>('ZeroPad2d', ['padding'], args, 1, [])[0], 0], 2);
  }
  override extraRepr(): string {
    return tuple(this.padding);
  }
}

/** PyTorch's _ReflectionPadNd and _ReplicationPadNd: F.pad in one mode; the repr shows the padding. */
abstract class ModePadNd extends Module {
  padding: number[];
  protected abstract readonly mode: 'reflect' | 'replicate';
  constructor(args: readonly unknown[], dims: number) {
    const [padding] = bindArgs<[Padding], object>(new.target.name, ['padding'], args, 1, []);
    super();
    this.padding = sides(padding, dims);
  }
  override forward(input: Tensor): Tensor {
    return F.pad(input, this.padding, this.mode);
  }
  override extraRepr(): string {
    return tuple(this.padding);
  }
}

/** `torch.nn.ReflectionPad1d(padding)`: the last dim mirrored at each end (the edge not repeated). */
export class ReflectionPad1d extends ModePadNd {
  protected readonly mode = 'reflect';
  constructor(...args: PaddingArgs) {
    super(args, 1);
  }
}

/** `torch.nn.ReflectionPad2d(padding)`: the last 2 dims mirrored. */
export class ReflectionPad2d extends ModePadNd {
  protected readonly mode = 'reflect';
  constructor(...args: PaddingArgs) {
    super(args, 2);
  }
}

/** `torch.nn.ReflectionPad3d(padding)`: the last 3 dims mirrored. */
export class ReflectionPad3d extends ModePadNd {
  protected readonly mode = 'reflect';
  constructor(...args: PaddingArgs) {
    super(args, 3);
  }
}

/** `torch.nn.ReplicationPad1d(padding)`: the last dim's edge values repeated. */
export class ReplicationPad1d extends ModePadNd {
  protected readonly mode = 'replicate';
  constructor(...args: PaddingArgs) {
    super(args, 1);
  }
}

/** `torch.nn.ReplicationPad2d(padding)`: the last 2 dims' edges repeated. */
export class ReplicationPad2d extends ModePadNd {
  protected readonly mode = 'replicate';
  constructor(...args: PaddingArgs) {
    super(args, 2);
  }
}

/** `torch.nn.ReplicationPad3d(padding)`: the last 3 dims' edges repeated. */
export class ReplicationPad3d extends ModePadNd {
  protected readonly mode = 'replicate';
  constructor(...args: PaddingArgs) {
    super(args, 3);
  }
}
