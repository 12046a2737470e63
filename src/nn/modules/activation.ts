// Activation modules (torch/nn/modules/activation.py): each holds its hyperparameters and calls
// nn.functional. `inplace` writes the result into the input, as PyTorch's in-place variants do.

import { update } from '../../ops/inplace.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { DType } from '../../tensor/dtype.js';
import { empty } from '../../ops/creation.js';
import { Module, pyFloat } from '../module.js';
import { Parameter } from '../parameter.js';
import * as F from '../functional/index.js';
import * as init from '../init.js';

/** nn.ReLU(true) and nn.ReLU({ inplace: true }) are both accepted, as PyTorch's ReLU(True). */
type InplaceArg = boolean | { inplace?: boolean };
const inplaceOf = (arg: InplaceArg | undefined) => (typeof arg === 'boolean' ? arg : arg?.inplace ?? false);
const inplaceRepr = (inplace: boolean) => (inplace ? 'inplace=True' : '');
/** In place: the shared in-place mechanism (it keeps the original input for the graph when recording). */
const apply = (input: Tensor, fn: (x: Tensor) => Tensor, inplace: boolean) => (inplace ? update(input, fn) : fn(input));

export class ReLU extends Module {
  inplace: boolean;
  constructor(options?: InplaceArg) {
    super();
    this.inplace = inplaceOf(options);
  }
  override forward(input: Tensor): Tensor {
    return this.inplace ? input.relu_() : F.relu(input);
  }
  override extraRepr(): string {
    return inplaceRepr(this.inplace);
  }
}

export class LeakyReLU extends Module {
  inplace: boolean;
  constructor(public negativeSlope = 0.01, options?: InplaceArg) {
    super();
    this.inplace = inplaceOf(options);
  }
  override forward(input: Tensor): Tensor {
    return apply(input, (x) => F.leakyRelu(x, this.negativeSlope), this.inplace);
  }
  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

/** PReLU: a learnable negative slope, one shared or one per channel (dim 1). */
export class PReLU extends Module {
  weight: Parameter;
  constructor(public numParameters = 1, public init = 0.25, options: { dtype?: DType } = {}) {
    super();
    this.weight = new Parameter(empty([numParameters], { dtype: options.dtype }));
    this.resetParameters();
  }
  resetParameters(): void {
    init.constant_(this.weight, this.init);
  }
  override forward(input: Tensor): Tensor {
    return F.prelu(input, this.weight);
  }
  override extraRepr(): string {
    return `num_parameters=${this.numParameters}`;
  }
}

export class ELU extends Module {
  inplace: boolean;
  constructor(public alpha = 1, options?: InplaceArg) {
    super();
    this.inplace = inplaceOf(options);
  }
  override forward(input: Tensor): Tensor {
    return apply(input, (x) => F.elu(x, this.alpha), this.inplace);
  }
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

export class GELU extends Module {
  approximate: 'none' | 'tanh';
  constructor(approximate: 'none' | 'tanh' | { approximate?: 'none' | 'tanh' } = 'none') {
    super();
    this.approximate = typeof approximate === 'string' ? approximate : approximate.approximate ?? 'none';
  }
  override forward(input: Tensor): Tensor {
    return F.gelu(input, { approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

export class SiLU extends Module {
  inplace: boolean;
  constructor(options?: InplaceArg) {
    super();
    this.inplace = inplaceOf(options);
  }
  override forward(input: Tensor): Tensor {
    return apply(input, (x) => F.silu(x), this.inplace);
  }
  override extraRepr(): string {
    return inplaceRepr(this.inplace);
  }
}

export class Mish extends Module {
  inplace: boolean;
  constructor(options?: InplaceArg) {
    super();
    this.inplace = inplaceOf(options);
  }
  override forward(input: Tensor): Tensor {
    return apply(input, (x) => F.mish(x), this.inplace);
  }
  override extraRepr(): string {
    return inplaceRepr(this.inplace);
  }
}

export class Sigmoid extends Module {
  override forward(input: Tensor): Tensor {
    return input.sigmoid();
  }
}

export class Tanh extends Module {
  override forward(input: Tensor): Tensor {
    return input.tanh();
  }
}

export class Softplus extends Module {
  constructor(public beta = 1, public threshold = 20) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return F.softplus(input, this.beta, this.threshold);
  }
  override extraRepr(): string {
    // PyTorch's defaults are Python ints, so they print without '.0'.
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

export class Softmax extends Module {
  constructor(public dim: number | null = null) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return F.softmax(input, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim ?? 'None'}`;
  }
}

export class LogSoftmax extends Module {
  constructor(public dim: number | null = null) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return F.logSoftmax(input, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim ?? 'None'}`;
  }
}

export class Hardtanh extends Module {
  inplace: boolean;
  constructor(public minVal = -1, public maxVal = 1, options?: InplaceArg) {
    super();
    if (minVal > maxVal) throw new RangeError('min_val cannot be greater than max_val');
    this.inplace = inplaceOf(options);
  }
  override forward(input: Tensor): Tensor {
    return apply(input, (x) => F.hardtanh(x, this.minVal, this.maxVal), this.inplace);
  }
  override extraRepr(): string {
    return `min_val=${pyFloat(this.minVal)}, max_val=${pyFloat(this.maxVal)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

/** ReLU6: Hardtanh(0, 6), as PyTorch's subclass. */
export class ReLU6 extends Hardtanh {
  constructor(options?: InplaceArg) {
    super(0, 6, options);
  }
  override extraRepr(): string {
    return inplaceRepr(this.inplace);
  }
}
