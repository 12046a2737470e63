// torch.autograd: grad(), backward(), grad mode, gradcheck.

import type { Tensor } from '../tensor/tensor.js';
import { runBackward } from './engine.js';

export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './grad_mode.js';
export { Node, AccumulateGrad } from './node.js';
export { gradcheck, gradgradcheck } from './gradcheck.js';

/** Options of `torch.autograd.grad`: gradOutputs, retainGraph, createGraph (for higher-order gradients), allowUnused. */
export interface GradOptions {
  gradOutputs?: readonly (Tensor | null)[] | Tensor;
  retainGraph?: boolean;
  createGraph?: boolean;
  allowUnused?: boolean;
}

/** torch.autograd.grad: gradients of outputs w.r.t. inputs, returned rather than accumulated. */
export function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], options: GradOptions = {}): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs as Tensor];
  const ins = Array.isArray(inputs) ? inputs : [inputs as Tensor];
  const gradOutputs = options.gradOutputs === undefined ? undefined : Array.isArray(options.gradOutputs) ? options.gradOutputs : [options.gradOutputs as Tensor];
  const result = runBackward(outs, gradOutputs, { retainGraph: options.retainGraph, createGraph: options.createGraph }, ins);
  if (!options.allowUnused && result.some((g) => g === null)) {
    throw new Error('One of the differentiated Tensors appears to not have been used in the graph. Set allowUnused: true if this is the desired behavior.');
  }
  return result;
}

/** torch.autograd.backward: accumulate gradients of several outputs into the leaves. */
export function backward(tensors: Tensor | readonly Tensor[], gradTensors?: readonly (Tensor | null)[] | Tensor, options: { retainGraph?: boolean; createGraph?: boolean; inputs?: readonly Tensor[] } = {}): void {
  const outs = Array.isArray(tensors) ? tensors : [tensors as Tensor];
  const grads = gradTensors === undefined ? undefined : Array.isArray(gradTensors) ? gradTensors : [gradTensors as Tensor];
  runBackward(outs, grads, options);
}
