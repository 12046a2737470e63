// Parameter: a Tensor subclass that marks a leaf tensor as a module's learnable state. A subclass
// (not a factory) so that `p instanceof Tensor` and `p instanceof Parameter` both hold: Module
// tells parameters from buffers and plain attributes by that test, as PyTorch does. Like
// torch.nn.Parameter(t), it shares t's storage; ops on a Parameter return plain Tensors.

import { Tensor } from '../tensor/tensor.js';
import { empty } from '../ops/creation.js';
import type { DType } from '../tensor/dtype.js';

/** `torch.nn.Parameter`: a tensor that a module registers as a parameter (requires grad by default). */
export class Parameter extends Tensor {
  /** nn.Parameter(data = empty(0), requiresGrad = true). */
  constructor(data?: Tensor, requiresGrad = true) {
    const src = data ?? empty(0);
    super(src._storage, src.shape, src.dtype, src._strides, src._offset);
    // A module's state outlives any open torch.scope (a model built inside one).
    src._storage.kept = true;
    this.requiresGrad_(requiresGrad);
  }

  /** Parameters print as in PyTorch: "Parameter containing:\ntensor(...)". */
  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}

/**
 * nn.UninitializedParameter: the placeholder a lazy module holds until its first forward tells it
 * the shape. materialize() gives it storage in place and turns it into a plain Parameter (PyTorch
 * swaps __class__ the same way), so references taken before initialization stay valid.
 */
export class UninitializedParameter extends Parameter {
  constructor(requiresGrad = true, readonly initDtype?: DType) {
    super(empty(0, { dtype: initDtype }), requiresGrad);
  }

  materialize(shape: readonly number[], options: { dtype?: DType } = {}): Parameter {
    // The placeholder's dtype: initDtype, or what module.to(dtype) made it since (PyTorch's .double() on a lazy module).
    this._replaceData(empty([...shape], { dtype: options.dtype ?? this.dtype }));
    Object.setPrototypeOf(this, Parameter.prototype);
    return this;
  }

  override toString(): string {
    return '<UninitializedParameter>';
  }
}

/** torch.nn.parameter.is_lazy */
export function isLazy(p: unknown): boolean {
  return p instanceof UninitializedParameter;
}
