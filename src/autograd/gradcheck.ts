// torch.autograd.gradcheck: compare the analytical Jacobian (from backward) with central finite
// differences, in float64. gradgradcheck does the same for the gradient function itself.

import type { Tensor } from '../tensor/tensor.js';
import { runBackward } from './engine.js';

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Throw with a report on failure (default) instead of returning false. */
  raiseException?: boolean;
}

type Fn = (...inputs: Tensor[]) => Tensor | Tensor[];

function outputsOf(fn: Fn, inputs: Tensor[]): Tensor[] {
  const out = fn(...inputs);
  return Array.isArray(out) ? out : [out];
}

/** Read/write element i (row-major) of a tensor's storage, whatever its strides. */
function elementOffset(t: Tensor, i: number): number {
  let off = t._offset;
  for (let d = t.ndim - 1; d >= 0; d--) {
    off += (i % t.shape[d]) * t._strides[d];
    i = Math.floor(i / t.shape[d]);
  }
  return off;
}

function flatValues(t: Tensor): number[] {
  return Array.from(t.toTypedArray());
}

/** d(every output)/d(element i of t) by central differences, perturbing t's storage in place. */
function centralDifferences(fn: Fn, inputs: Tensor[], t: Tensor, i: number, eps: number): number[][] {
  const data = t._storage.host('gradcheck');
  const off = elementOffset(t, i);
  const orig = data[off];
  // Not under noGrad: gradgradcheck's fn runs a backward pass, which needs the graph.
  const evalAt = (v: number) => {
    data[off] = v;
    return outputsOf(fn, inputs).map((o) => flatValues(o.detach().to('float64')));
  };
  const plus = evalAt(orig + eps);
  const minus = evalAt(orig - eps);
  data[off] = orig;
  return plus.map((p, o) => p.map((v, j) => (v - minus[o][j]) / (2 * eps)));
}

/** `torch.autograd.gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3)`: compares the analytic gradients of fn with finite differences (use float64 inputs). */
export function gradcheck(fn: Fn, inputs: Tensor[], options: GradcheckOptions = {}): boolean {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  const diffInputs = inputs.filter((t) => t.requiresGrad);
  // PyTorch's _check_inputs: with nothing to differentiate, the check would prove nothing.
  if (diffInputs.length === 0) {
    throw new Error('gradcheck expects at least one input tensor to require gradient, but none of the them have requires_grad=True.');
  }
  // PyTorch's wording; # counts every input, those that do not require grad included.
  inputs.forEach((t, idx) => {
    if (t.requiresGrad && t.dtype !== 'float64') {
      console.warn(
        `Input #${idx} requires gradient and is not a double precision floating point or complex. This check will likely fail if all the inputs are not of double precision floating point or complex. `,
      );
    }
  });
  const all = outputsOf(fn, inputs);
  const outputs = all.filter((o) => o.requiresGrad);
  const fail = (msg: string) => {
    if (options.raiseException ?? true) throw new Error(msg);
    return false;
  };
  // PyTorch's _check_no_differentiable_outputs: an output cut off from the graph (a detach, a
  // missing rule) passes only if it truly does not depend on the inputs.
  if (outputs.length === 0) {
    for (const t of diffInputs) {
      for (let i = 0; i < t.numel(); i++) {
        const numerical = centralDifferences(fn, inputs, t, i, eps);
        if (numerical.some((column) => column.some((v) => v !== 0))) return fail('Numerical gradient for function expected to be zero');
      }
    }
    return true;
  }
  for (let oi = 0; oi < outputs.length; oi++) {
    const out = outputs[oi];
    const n = out.numel();
    // Analytical: one backward per output element with a one-hot gradient.
    const analytical: number[][][] = diffInputs.map((t) => Array.from({ length: t.numel() }, () => new Array<number>(n).fill(0)));
    for (let j = 0; j < n; j++) {
      const onehot = out._onesLike().mul(0);
      onehot._storage.host('gradcheck')[j] = 1;
      const grads = runBackward([out], [onehot], { retainGraph: true }, diffInputs);
      grads.forEach((g, k) => {
        if (!g) return;
        flatValues(g).forEach((v, i) => (analytical[k][i][j] = v));
      });
    }
    // Numerical: central differences, perturbing each input element in place.
    const index = all.indexOf(out);
    for (let k = 0; k < diffInputs.length; k++) {
      for (let i = 0; i < diffInputs[k].numel(); i++) {
        const numerical = centralDifferences(fn, inputs, diffInputs[k], i, eps)[index];
        for (let j = 0; j < n; j++) {
          const num = numerical[j];
          const ana = analytical[k][i][j];
          if (!(Math.abs(num - ana) <= atol + rtol * Math.abs(num))) {
            return fail(
              `Jacobian mismatch for output ${oi} with respect to input ${k}, element (${i}, ${j}): numerical ${num} vs analytical ${ana}`,
            );
          }
        }
      }
    }
  }
  return true;
}

/** Check second derivatives: gradcheck of (inputs, gradOutputs) -> d(outputs . gradOutputs)/d(inputs). */
export function gradgradcheck(fn: Fn, inputs: Tensor[], options: GradcheckOptions & { gradOutputs?: Tensor[] } = {}): boolean {
  const outputs = outputsOf(fn, inputs);
  const gradOutputs =
    options.gradOutputs ??
    outputs.map((o) => {
      const g = o._onesLike().detach();
      const d = g._storage.host('gradcheck');
      for (let i = 0; i < d.length; i++) d[i] = Math.sin(i + 1.3); // fixed, non-trivial weights
      return g.requiresGrad_(true);
    });
  const gradFn = (...all: Tensor[]) => {
    const ins = all.slice(0, inputs.length);
    const gos = all.slice(inputs.length);
    const outs = outputsOf(fn, ins);
    const diff = ins.filter((t) => t.requiresGrad);
    const grads = runBackward(outs, gos, { createGraph: true }, diff);
    // Only unused inputs are dropped, as PyTorch's new_func: a gradient cut from the graph stays,
    // so that gradcheck sees an output that needs no grad and checks it is truly constant.
    return grads.filter((g): g is Tensor => g !== null);
  };
  return gradcheck(gradFn, [...inputs, ...gradOutputs], options);
}
