// How a primitive joins the graph: compute the output with the backend, then `record` a node
// whose rule maps the output gradient to input gradients (written with tensor ops, so that
// gradients of gradients work when createGraph is on).

import { Node } from '../autograd/node.js';
import { gradientEdge } from '../autograd/engine.js';
import { isGradEnabled } from '../autograd/grad_mode.js';
import { getBackend } from '../backend/registry.js';
import type { AnyBackend, DeviceData } from '../backend/backend.js';
import { type DType, isFloatingPoint } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import { Storage } from '../tensor/storage.js';
import { Tensor } from '../tensor/tensor.js';

/** Gradients for each input; null where an input needs none. */
export type Rule = (grad: Tensor, needs: readonly boolean[]) => readonly (Tensor | null | undefined)[];

/**
 * The backend that computes on these tensors: the one their storage belongs to. All must be on
 * one device, else PyTorch's error; with no tensors, the current CPU backend.
 */
export function backendOf(...tensors: Tensor[]): AnyBackend {
  if (tensors.length === 0) return getBackend();
  const first = tensors[0]._storage.backend;
  for (let i = 1; i < tensors.length; i++) {
    const b = tensors[i]._storage.backend;
    if (b !== first && b.device !== first.device) throw mixedDevices(first, b);
  }
  return first;
}

/**
 * The backend of an elementwise op's operands, where (as in PyTorch's TensorIterator) a zero-dim
 * CPU tensor may join tensors on a GPU as a scalar: the GPU computes, and its backend reads the
 * scalar's typed array itself.
 */
export function elementwiseBackendOf(...tensors: Tensor[]): AnyBackend {
  let device: AnyBackend | null = null;
  for (const t of tensors) {
    const b = t._storage.backend;
    if (b.device !== 'cpu' && (device === null || device.device === 'cpu')) device = b;
    else if (device === null) device = b;
  }
  if (device === null) return getBackend();
  for (const t of tensors) {
    const b = t._storage.backend;
    if (b === device || b.device === device.device) continue;
    if (b.device === 'cpu' && t.ndim === 0) continue;
    throw mixedDevices(device, b);
  }
  return device;
}

/** PyTorch's message for operands on two devices (the GPU named first, as TensorIterator does). */
function mixedDevices(a: AnyBackend, b: AnyBackend): Error {
  const [first, second] = a.device === 'cpu' ? [b.device, a.device] : [a.device, b.device];
  return new Error(`Expected all tensors to be on the same device, but found at least two devices, ${first} and ${second}!`);
}

/** Wrap a backend's fresh contiguous memory as a tensor (a typed array: on the current CPU backend). */
export function wrap(data: DeviceData, shape: Shape, dtype: DType, backend: AnyBackend = getBackend()): Tensor {
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
  out.gradFn = new Node(name, next, (g) => rule(g, needs), saved, out.dtype);
  return out;
}

/**
 * An op that PyTorch differentiates as one node though dlab computes it from others (addmm, roll,
 * logaddexp, ...): `forward` runs on the inputs detached, so its parts record nothing, and one
 * node named as PyTorch names it takes the gradient by `rule`.
 */
export function asOneNode(name: string, inputs: readonly Tensor[], saved: readonly Tensor[], forward: (...detached: Tensor[]) => Tensor, rule: Rule): Tensor {
  return record(name, forward(...inputs.map((t) => t.detach())), inputs, saved, rule);
}

/** PyTorch's grad_fn names: 'add' -> 'AddBackward0' (ops with several overloads pass their name to `record`). */
export function backwardName(op: string): string {
  let name = backwardNames.get(op);
  if (name === undefined) {
    name = `${op[0].toUpperCase()}${op.slice(1)}Backward0`;
    backwardNames.set(op, name);
  }
  return name;
}
/** Names are built once per op: a step records dozens of nodes. */
const backwardNames = new Map<string, string>();
