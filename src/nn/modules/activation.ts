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
import { bindArgs, type PyArgs } from '../args.js';

/** nn.ReLU(true) and nn.ReLU({ inplace: true }) are both accepted, as PyTorch's ReLU(True) and ReLU(inplace=True). */
type InplaceArgs = PyArgs<[inplace: boolean], { inplace?: boolean }>;
const inplaceOf = (fn: string, args: readonly unknown[]): boolean => bindArgs<[boolean?], object>(fn, ['inplace'], args, 0, [])[0] ?? false;
const inplaceRepr = (inplace: boolean) => (inplace ? 'inplace=True' : '');
/** In place: the shared in-place mechanism (it keeps the original input for the graph when recording). */
const apply = (input: Tensor, fn: (x: Tensor) => Tensor, inplace: boolean) => (inplace ? update(input, fn) : fn(input));

/** `torch.nn.ReLU(inplace=False)`: max(x, 0). */
export class ReLU extends Module {
  inplace: boolean;
  constructor(...args: InplaceArgs) {
    super();
    this.inplace = inplaceOf('ReLU', args);
  }
  override forward(input: Tensor): Tensor {
    return this.inplace ? input.relu_() : F.relu(input);
  }
  override extraRepr(): string {
    return inplaceRepr(this.inplace);
  }
}

/** `torch.nn.LeakyReLU(negative_slope=0.01, inplace=False)`: x for x >= 0, negativeSlope * x below. */
export class LeakyReLU extends Module {
  negativeSlope: number;
  inplace: boolean;
  constructor(...args: PyArgs<[negativeSlope: number, inplace: boolean], { negativeSlope?: number; inplace?: boolean }>) {
    const [negativeSlope = 0.01, inplace = false] = bindArgs<[number?, boolean?], object>('LeakyReLU', ['negativeSlope', 'inplace'], args, 0, []);
    super();
    this.negativeSlope = negativeSlope;
    this.inplace = inplace;
  }
  override forward(input: Tensor): Tensor {
    return apply(input, (x) => F.leakyRelu(x, this.negativeSlope), this.inplace);
  }
  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

/** `torch.nn.PReLU`: PReLU: a learnable negative slope, one shared or one per channel (dim 1). */
export class PReLU extends Module {
  numParameters: number;
  init: number;
  weight: Parameter;
  constructor(...args: PyArgs<[numParameters: number, init: number], { numParameters?: number; init?: number; dtype?: DType }>) {
    const [numParameters = 1, initValue = 0.25, options] = bindArgs<[number?, number?], { dtype?: DType }>('PReLU', ['numParameters', 'init'], args, 0, ['dtype']);
    super();
    this.numParameters = numParameters;
    this.init = initValue;
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

/** `torch.nn.ELU(alpha=1.0, inplace=False)`: x for x > 0, alpha * (e^x - 1) below. */
export class ELU extends Module {
  alpha: number;
  inplace: boolean;
  constructor(...args: PyArgs<[alpha: number, inplace: boolean], { alpha?: number; inplace?: boolean }>) {
    const [alpha = 1, inplace = false] = bindArgs<[number?, boolean?], object>('ELU', ['alpha', 'inplace'], args, 0, []);
    super();
    this.alpha = alpha;
    this.inplace = inplace;
  }
  override forward(input: Tensor): Tensor {
    return apply(input, (x) => F.elu(x, this.alpha), this.inplace);
  }
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

/** `torch.nn.GELU(approximate='none')`: x * Phi(x); approximate 'tanh' uses the tanh formula. */
export class GELU extends Module {
  approximate: 'none' | 'tanh';
  constructor(...args: PyArgs<[approximate: 'none' | 'tanh'], { approximate?: 'none' | 'tanh' }>) {
    const [approximate = 'none'] = bindArgs<['none' | 'tanh' | undefined], object>('GELU', ['approximate'], args, 0, []);
    super();
    this.approximate = approximate;
  }
  override forward(input: Tensor): Tensor {
    return F.gelu(input, { approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** `torch.nn.SiLU(inplace=False)`: x * sigmoid(x) (swish). */
export class SiLU extends Module {
  inplace: boolean;
  constructor(...args: InplaceArgs) {
    super();
    this.inplace = inplaceOf('SiLU', args);
  }
  override forward(input: Tensor): Tensor {
    return apply(input, (x) => F.silu(x), this.inplace);
  }
  override extraRepr(): string {
    return inplaceRepr(this.inplace);
  }
}

/** `torch.nn.Mish(inplace=False)`: x * tanh(softplus(x)). */
export class Mish extends Module {
  inplace: boolean;
  constructor(...args: InplaceArgs) {
    super();
    this.inplace = inplaceOf('Mish', args);
  }
  override forward(input: Tensor): Tensor {
    return apply(input, (x) => F.mish(x), this.inplace);
  }
  override extraRepr(): string {
    return inplaceRepr(this.inplace);
  }
}

/** `torch.nn.Sigmoid()`: 1 / (1 + e^-x). */
export class Sigmoid extends Module {
  override forward(input: Tensor): Tensor {
    return input.sigmoid();
  }
}

/** `torch.nn.Tanh()`: the hyperbolic tangent. */
export class Tanh extends Module {
  override forward(input: Tensor): Tensor {
    return input.tanh();
  }
}

/** `torch.nn.Softplus(beta=1, threshold=20)`: log(1 + e^(beta x)) / beta, linear above the threshold. */
export class Softplus extends Module {
  beta: number;
  threshold: number;
  constructor(...args: PyArgs<[beta: number, threshold: number], { beta?: number; threshold?: number }>) {
    const [beta = 1, threshold = 20] = bindArgs<[number?, number?], object>('Softplus', ['beta', 'threshold'], args, 0, []);
    super();
    this.beta = beta;
    this.threshold = threshold;
  }
  override forward(input: Tensor): Tensor {
    return F.softplus(input, this.beta, this.threshold);
  }
  override extraRepr(): string {
    // PyTorch's defaults are Python ints, so they print without '.0'.
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

type DimArgs = PyArgs<[dim: number | null], { dim?: number | null }>;

/** `torch.nn.Softmax(dim=None)`: e^x / sum(e^x) along dim. */
export class Softmax extends Module {
  dim: number | null;
  constructor(...args: DimArgs) {
    super();
    this.dim = bindArgs<[number | null | undefined], object>('Softmax', ['dim'], args, 0, [])[0] ?? null;
  }
  override forward(input: Tensor): Tensor {
    return F.softmax(input, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim ?? 'None'}`;
  }
}

/** `torch.nn.LogSoftmax(dim=None)`: log(softmax(x)) along dim, computed stably. */
export class LogSoftmax extends Module {
  dim: number | null;
  constructor(...args: DimArgs) {
    super();
    this.dim = bindArgs<[number | null | undefined], object>('LogSoftmax', ['dim'], args, 0, [])[0] ?? null;
  }
  override forward(input: Tensor): Tensor {
    return F.logSoftmax(input, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim ?? 'None'}`;
  }
}

/** `torch.nn.Hardtanh(min_val=-1, max_val=1, inplace=False)`: x clamped to [minVal, maxVal]. */
export class Hardtanh extends Module {
  minVal: number;
  maxVal: number;
  inplace: boolean;
  constructor(...args: PyArgs<[minVal: number, maxVal: number, inplace: boolean], { minVal?: number; maxVal?: number; inplace?: boolean }>) {
    const [minVal = -1, maxVal = 1, inplace = false] = bindArgs<[number?, number?, boolean?], object>('Hardtanh', ['minVal', 'maxVal', 'inplace'], args, 0, []);
    super();
    // PyTorch 1.13 asserts max_val > min_val (an AssertionError without a message).
    if (!(maxVal > minVal)) throw new RangeError(`Hardtanh: max_val (${maxVal}) must be greater than min_val (${minVal})`);
    this.minVal = minVal;
    this.maxVal = maxVal;
    this.inplace = inplace;
  }
  override forward(input: Tensor): Tensor {
    return apply(input, (x) => F.hardtanh(x, this.minVal, this.maxVal), this.inplace);
  }
  override extraRepr(): string {
    return `min_val=${pyFloat(this.minVal)}, max_val=${pyFloat(this.maxVal)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

/** `torch.nn.ReLU6`: ReLU6: Hardtanh(0, 6), as PyTorch's subclass. */
export class ReLU6 extends Hardtanh {
  constructor(...args: InplaceArgs) {
    super(0, 6, inplaceOf('ReLU6', args));
  }
  override extraRepr(): string {
    return inplaceRepr(this.inplace);
  }
}

/** `torch.nn.LogSigmoid()`: log(sigmoid(x)), computed stably. */
export class LogSigmoid extends Module {
  override forward(input: Tensor): Tensor {
    return F.logsigmoid(input);
  }
}

/** `torch.nn.SELU(inplace=False)`: scale * elu(x, alpha) with the self-normalizing constants. */
export class SELU extends Module {
  inplace: boolean;
  constructor(...args: InplaceArgs) {
    super();
    this.inplace = inplaceOf('SELU', args);
  }
  override forward(input: Tensor): Tensor {
    return apply(input, F.selu, this.inplace);
  }
  override extraRepr(): string {
    return inplaceRepr(this.inplace);
  }
}

/** `torch.nn.CELU(alpha=1.0, inplace=False)`: max(0, x) + min(0, alpha * (exp(x / alpha) - 1)). */
export class CELU extends Module {
  alpha: number;
  inplace: boolean;
  constructor(...args: PyArgs<[alpha: number, inplace: boolean], { alpha?: number; inplace?: boolean }>) {
    const [alpha = 1, inplace = false] = bindArgs<[number?, boolean?], object>('CELU', ['alpha', 'inplace'], args, 0, []);
    super();
    this.alpha = alpha;
    this.inplace = inplace;
  }
  override forward(input: Tensor): Tensor {
    return apply(input, (x) => F.celu(x, this.alpha), this.inplace);
  }
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

/** `torch.nn.Hardsigmoid(inplace=False)`: relu6(x + 3) / 6. Its repr shows no inplace, as PyTorch's. */
export class Hardsigmoid extends Module {
  inplace: boolean;
  constructor(...args: InplaceArgs) {
    super();
    this.inplace = inplaceOf('Hardsigmoid', args);
  }
  override forward(input: Tensor): Tensor {
    return apply(input, F.hardsigmoid, this.inplace);
  }
}

/** `torch.nn.Hardswish(inplace=False)`: x * relu6(x + 3) / 6. Its repr shows no inplace, as PyTorch's. */
export class Hardswish extends Module {
  inplace: boolean;
  constructor(...args: InplaceArgs) {
    super();
    this.inplace = inplaceOf('Hardswish', args);
  }
  override forward(input: Tensor): Tensor {
    return apply(input, F.hardswish, this.inplace);
  }
}

/** `torch.nn.Softsign()`: x / (1 + |x|). */
export class Softsign extends Module {
  override forward(input: Tensor): Tensor {
    return F.softsign(input);
  }
}

/** `torch.nn.Tanhshrink()`: x - tanh(x). */
export class Tanhshrink extends Module {
  override forward(input: Tensor): Tensor {
    return F.tanhshrink(input);
  }
}

/** nn.Softshrink and nn.Hardshrink: one threshold lambd (default 0.5), shown bare in the repr. */
abstract class Shrink extends Module {
  lambd: number;
  constructor(args: readonly unknown[]) {
    const [lambd = 0.5] = bindArgs<[number?], object>(new.target.name, ['lambd'], args, 0, []);
    super();
    this.lambd = lambd;
  }
  override extraRepr(): string {
    return pyFloat(this.lambd);
  }
}

type LambdArgs = PyArgs<[lambd: number], { lambd?: number }>;

/** `torch.nn.Softshrink(lambd=0.5)`: x -+ lambd outside [-lambd, lambd], 0 inside. */
export class Softshrink extends Shrink {
  constructor(...args: LambdArgs) {
    super(args);
  }
  override forward(input: Tensor): Tensor {
    return F.softshrink(input, this.lambd);
  }
}

/** `torch.nn.Hardshrink(lambd=0.5)`: x outside [-lambd, lambd], 0 inside. */
export class Hardshrink extends Shrink {
  constructor(...args: LambdArgs) {
    super(args);
  }
  override forward(input: Tensor): Tensor {
    return F.hardshrink(input, this.lambd);
  }
}

/** `torch.nn.Threshold(threshold, value, inplace=False)`: x above threshold, value elsewhere. */
export class Threshold extends Module {
  threshold: number;
  value: number;
  inplace: boolean;
  constructor(...args: PyArgs<[threshold: number, value: number, inplace: boolean], { threshold?: number; value?: number; inplace?: boolean }>) {
    const [threshold, value, inplace = false] = bindArgs<[number, number, boolean?], object>('Threshold', ['threshold', 'value', 'inplace'], args, 2, []);
    super();
    this.threshold = threshold;
    this.value = value;
    this.inplace = inplace;
  }
  override forward(input: Tensor): Tensor {
    return apply(input, (x) => F.threshold(x, this.threshold, this.value), this.inplace);
  }
  override extraRepr(): string {
    return `threshold=${pyFloat(this.threshold)}, value=${pyFloat(this.value)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

/** `torch.nn.GLU(dim=-1)`: the first half of dim gated by the sigmoid of the second. */
export class GLU extends Module {
  dim: number;
  constructor(...args: PyArgs<[dim: number], { dim?: number }>) {
    super();
    this.dim = bindArgs<[number?], object>('GLU', ['dim'], args, 0, [])[0] ?? -1;
  }
  override forward(input: Tensor): Tensor {
    return F.glu(input, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** `torch.nn.Softmin(dim=None)`: softmax of -x along dim. */
export class Softmin extends Module {
  dim: number | null;
  constructor(...args: DimArgs) {
    super();
    this.dim = bindArgs<[number | null | undefined], object>('Softmin', ['dim'], args, 0, [])[0] ?? null;
  }
  override forward(input: Tensor): Tensor {
    return F.softmin(input, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim ?? 'None'}`;
  }
}

/** `torch.nn.Softmax2d()`: softmax over the channels of [N, C, H, W] or [C, H, W] input. */
export class Softmax2d extends Module {
  override forward(input: Tensor): Tensor {
    if (input.ndim !== 3 && input.ndim !== 4) throw new RangeError('Softmax2d requires a 3D or 4D tensor as input');
    return F.softmax(input, -3);
  }
}
