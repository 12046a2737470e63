// Identity, Linear, Bilinear, LazyLinear (torch/nn/modules/linear.py).

import type { Tensor } from '../../tensor/tensor.js';
import type { DType } from '../../tensor/dtype.js';
import { empty } from '../../ops/creation.js';
import { noGrad } from '../../autograd/grad_mode.js';
import { bindArgs } from '../args.js';
import { Module, pyBool } from '../module.js';
import { Parameter, UninitializedParameter } from '../parameter.js';
import * as F from '../functional/index.js';
import * as init from '../init.js';

/** Options of `nn.Linear`: bias (default true) and dtype. */
export interface LinearOptions {
  bias?: boolean;
  dtype?: DType;
}

/**
 * A weight of `shape` and, when `bias`, a bias of [outFeatures], both uninitialized; without a
 * bias, 'bias' is registered as None (so it is in the module's parameter names, as PyTorch's).
 * Shared by Linear, Bilinear and the convolutions.
 */
export function weightAndBias(m: Module, shape: readonly number[], outFeatures: number, bias: boolean, dtype: DType | undefined): { weight: Parameter; bias: Parameter | null } {
  const weight = new Parameter(empty(shape, { dtype }));
  if (bias) return { weight, bias: new Parameter(empty([outFeatures], { dtype })) };
  m.registerParameter('bias', null);
  return { weight, bias: null };
}

/**
 * The default reset of Linear and _ConvNd: kaiming_uniform_(a = sqrt(5)) on the weight, then
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in)) on the bias. They differ only at fan_in = 0, where Linear
 * still draws the bias from U(0, 0) ('zeroBound') and _ConvNd leaves it alone ('skip').
 */
export function kaimingUniformWithBias(weight: Tensor, bias: Tensor | null, atZeroFanIn: 'zeroBound' | 'skip'): void {
  init.kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (!bias) return;
  const [fanIn] = init.calculateFanInAndFanOut(weight);
  if (fanIn === 0 && atZeroFanIn === 'skip') return;
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  init.uniform_(bias, -bound, bound);
}

/** `torch.nn.Identity`: Returns its input; takes and ignores any arguments, as PyTorch's. */
export class Identity extends Module {
  constructor(..._args: unknown[]) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return input;
  }
}

/**
 * `torch.nn.Linear`: y = x W^T + b, W of shape [out, in], both initialized U(-1/sqrt(in), 1/sqrt(in)).
 *
 * @example
 * ```ts
 * import * as torch from 'dlab';
 * import { nn } from 'dlab';
 *
 * const fc = new nn.Linear(20, 30);
 * console.log(fc.call(torch.randn(128, 20)).shape); // [ 128, 30 ]
 * ```
 */
export class Linear extends Module {
  inFeatures: number;
  outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, options?: LinearOptions);
  constructor(options: LinearOptions & { inFeatures: number; outFeatures: number });
  constructor(...args: unknown[]) {
    const [inFeatures, outFeatures, options] = bindArgs<[number, number], LinearOptions>('Linear', ['inFeatures', 'outFeatures'], args, 2, ['bias', 'dtype']);
    super();
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    ({ weight: this.weight, bias: this.bias } = weightAndBias(this, [outFeatures, inFeatures], outFeatures, options.bias ?? true, options.dtype));
    this.resetParameters();
  }

  /** kaiming_uniform_(a = sqrt(5)) for the weight, then U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the bias. */
  resetParameters(): void {
    kaimingUniformWithBias(this.weight, this.bias, 'zeroBound');
  }

  override forward(input: Tensor): Tensor {
    return F.linear(input, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

/** `torch.nn.Bilinear`: y = x1^T A x2 + b, A of shape [out, in1, in2]. */
export class Bilinear extends Module {
  in1Features: number;
  in2Features: number;
  outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(in1Features: number, in2Features: number, outFeatures: number, options?: LinearOptions);
  constructor(options: LinearOptions & { in1Features: number; in2Features: number; outFeatures: number });
  constructor(...args: unknown[]) {
    const [in1Features, in2Features, outFeatures, options] = bindArgs<[number, number, number], LinearOptions>(
      'Bilinear', ['in1Features', 'in2Features', 'outFeatures'], args, 3, ['bias', 'dtype'],
    );
    super();
    this.in1Features = in1Features;
    this.in2Features = in2Features;
    this.outFeatures = outFeatures;
    ({ weight: this.weight, bias: this.bias } = weightAndBias(this, [outFeatures, in1Features, in2Features], outFeatures, options.bias ?? true, options.dtype));
    this.resetParameters();
  }

  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.weight.shape[1]);
    init.uniform_(this.weight, -bound, bound);
    if (this.bias) init.uniform_(this.bias, -bound, bound);
  }

  override forward(input1: Tensor, input2: Tensor): Tensor {
    return F.bilinear(input1, input2, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in1_features=${this.in1Features}, in2_features=${this.in2Features}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

/**
 * `torch.nn.LazyLinear`: A Linear whose in_features is read from the first input (d2l 6.4). Until then the weight and
 * bias are UninitializedParameters; the first forward materializes and initializes them, and the
 * module becomes a Linear, as PyTorch's LazyModuleMixin does.
 */
export class LazyLinear extends Linear {
  constructor(outFeatures: number, options?: LinearOptions);
  constructor(options: LinearOptions & { outFeatures: number });
  constructor(...args: unknown[]) {
    const [outFeatures, options] = bindArgs<[number], LinearOptions>('LazyLinear', ['outFeatures'], args, 1, ['bias', 'dtype']);
    super(0, 0, options);
    this.outFeatures = outFeatures;
    this.weight = new UninitializedParameter(true, options.dtype);
    if (this.bias) this.bias = new UninitializedParameter(true, options.dtype);
  }

  hasUninitializedParams(): boolean {
    return this.weight instanceof UninitializedParameter || this.bias instanceof UninitializedParameter;
  }

  override resetParameters(): void {
    if (!this.hasUninitializedParams() && this.inFeatures !== 0) super.resetParameters();
  }

  /** Materialize from the input's last dim, initialize, and become a Linear. */
  initializeParameters(input: Tensor): void {
    if (!this.hasUninitializedParams()) return;
    noGrad(() => {
      this.inFeatures = input.shape[input.ndim - 1];
      (this.weight as UninitializedParameter).materialize([this.outFeatures, this.inFeatures]);
      if (this.bias) (this.bias as UninitializedParameter).materialize([this.outFeatures]);
      this.resetParameters();
    });
    Object.setPrototypeOf(this, Linear.prototype);
  }

  override forward(input: Tensor): Tensor {
    this.initializeParameters(input);
    return F.linear(input, this.weight, this.bias);
  }
}
