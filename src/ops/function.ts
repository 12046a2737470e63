// How a primitive joins the graph: compute the output with the backend, then `record` a node
// whose rule maps the output gradient to input gradients (written with tensor ops, so that
// gradients of gradients work when createGraph is on).

import { Node } from '../autograd/node.js';
import { gradientEdge } from '../autograd/engine.js';
import { isGradEnabled } from '../autograd/grad_mode.js';
import { getBackend } from '../backend/registry.js';
import type { Backend } from '../backend/backend.js';
import { type DType, type TypedArray, isFloatingPoint } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import { Storage } from '../tensor/storage.js';
import { Tensor } from '../tensor/tensor.js';

/** Gradients for each input; null where an input needs none. */
export type Rule = (grad: Tensor, needs: readonly boolean[]) => readonly (Tensor | null | undefined)[];

/** The backend that computes on these tensors (the first one's; all share one today). */
export function backendOf(...tensors: Tensor[]): Backend {
  return tensors.length > 0 ? tensors[0]._storage.backend : getBackend();
}

/** Wrap a fresh contiguous array as a tensor. */
export function wrap(data: TypedArray, shape: Shape, dtype: DType, backend: Backend = getBackend()): Tensor {
  return new Tensor(new Storage(data, backend), shape, dtype);
}

/**
 * Attach a backward node to `out` when grad mode is on and an input requires grad.
 * `saved` lists the tensors the rule reads, so in-place changes to them are caught.
 */
export function record(name: string, out: Tensor, inputs: readonly (Tensor | null | undefined)[], saved: readonly Tensor[], rule: Rule): Tensor {
  if (!isGradEnabled() || !isFloatingPoint(out.dtype)) return out;
  const next = inputs.map((t) => (t && t.requiresGrad ? gradientEdge(t) : null));
  if (next.every((n) => n === null)) return out;
  const needs = next.map((n) => n !== null);
  out.gradFn = new Node(name, next, (g) => rule(g, needs), saved);
  return out;
}

/** PyTorch's grad_fn names: 'add' -> 'AddBackward0'. */
export function backwardName(op: string, variant = 0): string {
  const key = variant === 0 ? op : `${op}/${variant}`;
  let name = backwardNames.get(key);
  if (name === undefined) {
    name = `${op[0].toUpperCase()}${op.slice(1)}Backward${variant}`;
    backwardNames.set(key, name);
  }
  return name;
}
/** Names are built once per op: a step records dozens of nodes. */
const backwardNames = new Map<string, string>();
