// The backward pass: an iterative topological walk (no recursion, so a 10,000-op chain is fine)
// that sums each node's incoming gradients before running its rule, like micrograd's `+=`.

import { AccumulateGrad, Node } from './node.js';
import { enableGrad, noGrad } from './grad_mode.js';
import type { Tensor } from '../tensor/tensor.js';
import type { TypedArray } from '../tensor/dtype.js';
import { storageCount, type Storage } from '../tensor/storage.js';
import { shapesEqual, fmtShape } from '../tensor/shape.js';
import { scope } from '../backend/scope.js';

export interface BackwardOptions {
  /** Keep the graph so that backward can run through it again. Defaults to createGraph. */
  retainGraph?: boolean;
  /** Record the backward pass itself, for higher-order gradients. */
  createGraph?: boolean;
  /** Accumulate only into these leaves (Tensor.backward's `inputs`). */
  inputs?: readonly Tensor[];
}

/** The node that receives a tensor's gradient: its grad_fn, or its leaf accumulator. */
export function gradientEdge(t: Tensor): Node | null {
  if (t.gradFn) return t.gradFn;
  if (t.requiresGrad) return t._accumulator();
  return null;
}

function defaultGradients(outputs: readonly Tensor[], grads: readonly (Tensor | null | undefined)[] | undefined): Tensor[] {
  return outputs.map((out, i) => {
    const g = grads?.[i];
    if (g) {
      if (!shapesEqual(g.shape, out.shape)) {
        throw new RangeError(
          `Mismatch in shape: grad_output[${i}] has a shape of ${fmtShape(g.shape)} and output[${i}] has a shape of ${fmtShape(out.shape)}.`,
        );
      }
      return g;
    }
    if (out.numel() !== 1) throw new Error('grad can be implicitly created only for scalar outputs');
    return out._onesLike();
  });
}

/**
 * The nodes to run when only some gradients are asked for (autograd.grad's inputs, backward's
 * `inputs`), as PyTorch's exec_info: a node runs only if one of the targets lies below it. A target
 * itself runs where `runTargets` says so (backward's leaves accumulate); a captured one is read in
 * its buffer, not run. A node off every path is never applied, and its hooks never run.
 */
function nodesToRun(roots: readonly Node[], targets: ReadonlySet<Node>, runTargets: boolean): Set<Node> {
  const toRun = new Set<Node>();
  const done = new Set<Node>();
  // Iterative post-order (a 10,000-op chain must not recurse): a node is decided after its nexts.
  const stack: [Node, boolean][] = roots.map((n) => [n, false]);
  while (stack.length > 0) {
    const [node, expanded] = stack.pop()!;
    if (done.has(node)) continue;
    if (!expanded) {
      stack.push([node, true]);
      for (const next of node.nextFunctions) if (next && !done.has(next)) stack.push([next, false]);
      continue;
    }
    done.add(node);
    if ((runTargets && targets.has(node)) || node.nextFunctions.some((next) => next !== null && (targets.has(next) || toRun.has(next)))) {
      toRun.add(node);
    }
  }
  return toRun;
}

/** Count, for every node reachable from the roots, how many edges lead into it. */
function countDependencies(roots: readonly Node[]): Map<Node, number> {
  const deps = new Map<Node, number>();
  const seen = new Set<Node>(roots);
  // Each root once: a root given twice (backward([y, y])) would count its edges twice.
  const stack = [...seen];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const next of node.nextFunctions) {
      if (!next) continue;
      deps.set(next, (deps.get(next) ?? 0) + 1);
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return deps;
}

/**
 * A gradient in its leaf's dtype. The engine has cast it on its way in already; a hook on the
 * leaf may have returned another dtype.
 */
function inLeafDtype(variable: Tensor, g: Tensor): Tensor {
  return g.dtype === variable.dtype ? g : g.to(variable.dtype);
}

function accumulateInto(variable: Tensor, given: Tensor, createGraph: boolean): void {
  const g = inLeafDtype(variable, given);
  if (variable.grad === null) {
    // Own the buffer: the same gradient tensor may reach several leaves.
    variable.grad = createGraph ? g : g.detach().clone();
  } else if (createGraph) {
    variable.grad = variable.grad.add(g);
  } else {
    variable.grad.add_(g);
  }
  // A .grad lives with its tensor, beyond any open torch.webgpu.scope.
  variable.grad._storage.kept = true;
}

/**
 * A leaf's first gradient becomes its .grad without a copy where nothing else holds its
 * storage, as PyTorch's AccumulateGrad steals a gradient whose use count allows (a weight
 * gradient is the size of the weight: its copy cost as much as a small layer's kernels). Here
 * that means: made during this backward pass (not a user's or a saved tensor), covering its
 * whole storage, never shown to a hook, and no other gradient waiting in the pass's buffer on
 * the same storage (a rule that hands one gradient to two inputs). The pass counts, per
 * storage, the buffered gradients on it; a view passed down a chain (mm's weight gradient
 * through weight.t()) leaves the buffer before its successor enters, so it counts once.
 */
class GradientOwnership {
  /** Storages made from here on were made by this pass. */
  private readonly firstSerial = storageCount.value;
  /** `own` gives a gradient memory of its own where it lies in the pass's scratch memory. */
  constructor(private readonly own: (t: Tensor) => Tensor) {}
  // Weak: a gradient the pass is done with must stay collectable (memory is sampled in backward).
  /** Buffered gradients per storage; Infinity once a hook has seen one. */
  private readonly live = new WeakMap<Storage, number>();
  /** Storages taken by a leaf, and by which; one delivered again after that is copied at the end. */
  private readonly taken = new WeakMap<Storage, Tensor>();
  private readonly shared = new Set<Storage>();

  /** A gradient entered the buffer. */
  buffered(g: Tensor): void {
    const s = g._storage;
    this.live.set(s, (this.live.get(s) ?? 0) + 1);
    if (this.taken.has(s)) this.shared.add(s);
  }

  /** A gradient left the buffer (summed with another, or handed to its node). */
  released(g: Tensor): void {
    const s = g._storage;
    this.live.set(s, (this.live.get(s) ?? 1) - 1);
  }

  seenByHook(g: Tensor): void {
    this.live.set(g._storage, Infinity);
  }

  /**
   * Give back the memory of a gradient the pass is done with (retain_graph=False frees a graph's
   * memory as backward consumes it): a device buffer is freed, a pooled CPU array reused by a later
   * result. Only one made by this pass, not waiting in the buffer, never shown to a hook, and not
   * taken by a leaf: nothing outside the pass can hold it, so no one can see it freed or reused.
   */
  discard(g: Tensor): void {
    const s = g._storage;
    if (!s.reclaimable || s.serial < this.firstSerial || (this.live.get(s) ?? 0) !== 0 || this.taken.has(s)) return;
    s.reclaim();
  }

  /** Accumulate g (already released from the buffer) into a leaf, taking its storage where allowed. */
  accumulate(variable: Tensor, given: Tensor): void {
    const g = inLeafDtype(variable, given);
    const s = g._storage;
    if (
      variable.grad === null &&
      s.serial >= this.firstSerial &&
      (this.live.get(s) ?? 0) === 0 &&
      !this.taken.has(s) &&
      g.storageOffset() === 0 &&
      g.numel() === s.data.length &&
      g.isContiguous()
    ) {
      const taken = this.own(g).detach();
      taken._base = null; // it owns the whole storage now, as a clone would
      variable.grad = taken;
      variable._gradPrivate = true; // until someone reads it: see Tensor._dropGrad
      s.kept = true;
      this.taken.set(s, variable);
    } else {
      accumulateInto(variable, g, false);
    }
  }

  /** Give a private copy to a leaf whose taken storage a rule handed on again (only a rule that keeps gradients would). */
  settle(): void {
    for (const s of this.shared) {
      const variable = this.taken.get(s)!;
      if (variable.grad?._storage === s) variable.grad = variable.grad.clone();
    }
  }
}

/**
 * A backward rule run in a memory scope (device gradients). At module level, not as an arrow inside
 * runBackward: a closure there would move the loop's locals into a heap context, and on the CPU that
 * kept a consumed gradient alive for V8 a step longer (a LeNet step's measured peak rose 27%).
 */
function applyInScope(node: Node, grad: Tensor): ReturnType<Node['apply']> {
  return scope(() => node.apply(grad));
}

/**
 * Run backward from `outputs`. Without `capture`, gradients accumulate into the leaves'
 * `.grad`; with it (autograd.grad), the gradients of the captured tensors are returned instead.
 */
export function runBackward(
  outputs: readonly Tensor[],
  gradOutputs: readonly (Tensor | null | undefined)[] | undefined,
  options: BackwardOptions,
  capture?: readonly Tensor[],
): (Tensor | null)[] {
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  // Checked before the implicit gradient, so a tensor outside the graph says so (as PyTorch).
  const roots = outputs.map((out, i) => {
    const node = gradientEdge(out);
    if (!node) throw new Error(`element ${i} of tensors does not require grad and does not have a grad_fn`);
    return node;
  });
  // Gradients may live in the backend's scratch memory during the pass (not while it records a
  // graph, which would keep them); one that leaves the pass gets memory of its own first.
  const scratch = createGraph ? undefined : outputs[0]?._storage.backend.scratch;
  const own = (t: Tensor): Tensor => {
    const s = t._storage;
    if (scratch?.isScratch(s.data)) s.data = (s.data as TypedArray).slice();
    return t;
  };
  // Gradients that end in a leaf's .grad, taken without a copy where that is safe.
  const owner = !createGraph && !capture ? new GradientOwnership(own) : null;
  const grads = defaultGradients(outputs, gradOutputs);
  const buffer = new Map<Node, Tensor>();
  /** Put g into next's slot of the buffer, summed with what is there. */
  /** Gradients consumed by the step running now: freed (where nothing else has them) once it has delivered all it made. */
  const consumed: Tensor[] = [];
  const deliver = (next: Node, given: Tensor) => {
    // In the dtype of the input it flows to, on every edge (PyTorch's validate_outputs): a float64
    // gradient that mean(x, dtype=float64) sends to a float32 x is float32 from there down.
    const g = given.dtype === next.gradDtype ? given : given.to(next.gradDtype);
    const prev = buffer.get(next);
    const value = prev ? prev.add(g) : g;
    if (owner && prev) owner.released(prev);
    owner?.buffered(value);
    buffer.set(next, value);
    // Only gradients whose memory can be given back are listed (a device's, a pooled CPU backend's):
    // holding another CPU one here would keep it from V8 a step longer.
    if (prev && prev._storage.reclaimable) consumed.push(prev, g);
  };
  roots.forEach((node, i) => deliver(node, grads[i]));

  // Where captured gradients come from: a non-leaf's grad_fn, or a leaf's accumulator.
  const captureAt = new Map<Node, number>();
  capture?.forEach((t, i) => {
    const node = gradientEdge(t);
    if (!node) throw new Error('One of the differentiated Tensors does not require grad');
    captureAt.set(node, i);
  });
  const captured: (Tensor | null)[] = capture ? capture.map(() => null) : [];
  const onlyInputs = options.inputs ? new Set(options.inputs.map((t) => gradientEdge(t))) : null;
  // backward({ inputs }) with a non-leaf: its gradient, after its hooks, accumulates into its .grad.
  const nonLeafInputs = new Map<Node, Tensor>();
  for (const t of options.inputs ?? []) if (t.gradFn) nonLeafInputs.set(t.gradFn, t);
  const targets = capture ? new Set(captureAt.keys()) : onlyInputs ? new Set([...onlyInputs].filter((n): n is Node => n !== null)) : null;
  const toRun = targets ? nodesToRun(roots, targets, !capture) : null;

  const deps = countDependencies(roots);
  const ready = roots.filter((n, i) => !deps.has(n) && roots.indexOf(n) === i);

  const run = () => {
    while (ready.length > 0) {
      const node = ready.pop()!;
      let grad = buffer.get(node);
      buffer.delete(node);
      const runs = !toRun || toRun.has(node);
      const nonLeafInput = nonLeafInputs.get(node);
      if (grad) {
        owner?.released(grad);
        // Captured before the tensor's hooks run, as PyTorch 1.13's engine does (its captures
        // read a node's inputs before calling the node's pre-hooks).
        const slot = captureAt.get(node);
        if (slot !== undefined) captured[slot] = own(grad);
        for (const hook of runs || nonLeafInput ? node.preHooks : []) {
          owner?.seenByHook(grad);
          scratch?.pause();
          try {
            grad = own(hook(own(grad)) ?? grad);
          } finally {
            scratch?.resume();
          }
          owner?.seenByHook(grad);
        }
        // Retained grads accumulate across backward calls and own their buffer, like a leaf's.
        if (node.retainedOutput && runs) accumulateInto(node.retainedOutput, grad, createGraph);
        if (nonLeafInput && !(runs && nonLeafInput === node.retainedOutput)) accumulateInto(nonLeafInput, grad, createGraph);
      }
      if (node instanceof AccumulateGrad) {
        if (grad && !capture && (!onlyInputs || onlyInputs.has(node))) {
          // Keep this call at two arguments: with a third, V8's interpreter left the gradient in a
          // stale argument register through the next hook, and dlab memory --measure counted it.
          if (owner) owner.accumulate(node.variable, grad);
          else accumulateInto(node.variable, grad, createGraph);
        }
        if (grad && owner && !node.retainedOutput) owner.discard(grad);
        continue;
      }
      // On a device, what the rule computed on the way (tanh's 1 - y*y) is freed as soon as it
      // returns: only the gradients it returns leave it (the rules keep nothing).
      const inputGrads = grad && runs ? (owner && grad._storage.releasable ? applyInScope(node, grad) : node.apply(grad)) : [];
      // A node that did not run keeps what it saved, for a later pass (as PyTorch).
      if (!retainGraph && runs) node.release();
      node.nextFunctions.forEach((next, i) => {
        if (!next) return;
        const g = inputGrads[i];
        if (g) deliver(next, g);
        const left = deps.get(next)! - 1;
        deps.set(next, left);
        if (left === 0) ready.push(next);
      });
      if (owner) {
        if (grad && grad._storage.reclaimable && !node.retainedOutput && captureAt.get(node) === undefined) consumed.push(grad);
        for (const g of consumed) owner.discard(g);
      }
      consumed.length = 0;
    }
  };
  scratch?.begin();
  try {
    if (createGraph) enableGrad(run);
    else noGrad(run);
  } finally {
    owner?.settle();
    scratch?.end();
  }
  return captured;
}
