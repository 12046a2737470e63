// Early release of memory (research note webgpu.md §6.2 d): `scope(fn)` gives back the memory of
// every tensor made inside fn that fn did not return and that nothing marked kept, as tfjs's
// `tidy`. On a device the buffers are freed: V8 does not see GPU memory, so without it a loop
// frees buffers only when the collector happens to run. On a CPU backend with a pool (native)
// the arrays go to the pool, reused by later results: each fresh ArrayBuffer's external memory
// counts towards V8's collections, which a training loop's activations otherwise set off every
// few steps. The js and wasm backends have no pool: their tensors stay V8's, untracked.
// A tensor whose memory was given back throws on use, saying so; it never reads reused memory.

import { Tensor } from '../tensor/tensor.js';
import { openScopes, type Storage } from '../tensor/storage.js';
import type { Node } from '../autograd/node.js';

/**
 * Every storage reachable from `value` through tensors (and their .grad), arrays, Maps, Sets and
 * object properties; returns whether a backward graph that can still run is reachable too (its
 * rules hold tensors in closures that no walk can see, so then nothing of the scope may go).
 */
function reachable(value: unknown, into: Set<Storage>, seen = new Set<unknown>()): boolean {
  if (value === null || typeof value !== 'object' || seen.has(value)) return false;
  seen.add(value);
  if (value instanceof Tensor) {
    into.add(value._storage);
    let live = value.gradFn !== null && liveGraph(value.gradFn, seen);
    if (value.grad) live = reachable(value.grad, into, seen) || live;
    return live;
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return false;
  let live = false;
  if (value instanceof Map) {
    for (const [k, v] of value) {
      live = reachable(k, into, seen) || live;
      live = reachable(v, into, seen) || live;
    }
  } else if (value instanceof Set || Array.isArray(value)) {
    for (const v of value) live = reachable(v, into, seen) || live;
  } else {
    for (const v of Object.values(value)) live = reachable(v, into, seen) || live;
  }
  return live;
}

/** Whether backward could still run a node of the graph ending at `node` (one not yet run, or retained). */
function liveGraph(node: Node, seen: Set<unknown>): boolean {
  const stack = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    if (n.live) return true;
    for (const next of n.nextFunctions) if (next) stack.push(next);
  }
  return false;
}

/**
 * Run `fn` and give back the memory (a device's buffers, a pooled CPU backend's arrays) of the
 * tensors it made that are not reachable from what it returns (tensors, arrays, Maps, objects of
 * them) and not kept with `keep(t)`. A returned tensor belongs to the enclosing scope, if any.
 * Using a given-back tensor later throws, saying so. What lives beyond fn stays: parameters,
 * buffers, optimizer state, parameters' gradients made by backward inside fn. Where fn returns a
 * tensor whose backward graph can still run (backward not called yet, or retainGraph), everything
 * fn made stays with the enclosing scope: the graph's rules may hold any of it.
 * fn must be synchronous: work awaited inside it could still need what the scope frees.
 */
export function scope<T>(fn: () => T): T {
  const made: Storage[] = [];
  openScopes.push(made);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    // Nothing of fn's leaves through a throw.
    openScopes.pop();
    for (const s of made) if (!s.kept) s.reclaim();
    throw e;
  }
  openScopes.pop();
  const parent = openScopes[openScopes.length - 1];
  if (typeof (result as { then?: unknown } | null)?.then === 'function') {
    // Keep everything: the promise's work may use any of it.
    for (const s of made) parent?.push(s);
    throw new TypeError('torch.webgpu.scope(fn): fn returned a Promise; a scope must be synchronous (await outside it, or use one scope per synchronous step)');
  }
  const returned = new Set<Storage>();
  if (reachable(result, returned)) {
    for (const s of made) if (!s.kept) parent?.push(s);
    return result;
  }
  for (const s of made) {
    if (s.kept) continue;
    if (returned.has(s)) parent?.push(s);
    else s.reclaim();
  }
  return result;
}

/** Exempt `t`'s memory (and its views') from every open scope (tfjs `keep`): it lives until its handle is collected. */
export function keep<T extends Tensor>(t: T): T {
  t._storage.kept = true;
  return t;
}

/**
 * Hand a tensor that its owner drops (a parameter's .grad cleared by zeroGrad) to the innermost
 * open scope: freed when it ends unless its fn returns it. Outside a scope nothing changes.
 */
export function disown(t: Tensor): void {
  const s = t._storage;
  const innermost = openScopes[openScopes.length - 1];
  if (!innermost || !s.releasable) return;
  s.kept = false;
  innermost.push(s);
}
