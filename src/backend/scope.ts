// Early release of device memory (research note webgpu.md §6.2 d): `scope(fn)` frees the device
// memory of every tensor made inside fn that fn did not return and that nothing marked kept, as
// tfjs's `tidy`. V8 does not see GPU memory, so without it a loop frees buffers only when the
// collector happens to run. CPU tensors are never tracked (their memory is V8's).

import { Tensor } from '../tensor/tensor.js';
import { openScopes, type Storage } from '../tensor/storage.js';

/** Every storage reachable from `value` through tensors (and their .grad), arrays, Maps, Sets and object properties. */
function reachable(value: unknown, into: Set<Storage>, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (value instanceof Tensor) {
    into.add(value._storage);
    if (value.grad) reachable(value.grad, into, seen);
    return;
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return;
  if (value instanceof Map) {
    for (const [k, v] of value) {
      reachable(k, into, seen);
      reachable(v, into, seen);
    }
  } else if (value instanceof Set || Array.isArray(value)) {
    for (const v of value) reachable(v, into, seen);
  } else {
    for (const v of Object.values(value)) reachable(v, into, seen);
  }
}

/**
 * Run `fn` and free the device memory of the tensors it made that are not reachable from what
 * it returns (tensors, arrays, Maps, objects of them) and not kept with `keep(t)`. A returned
 * tensor belongs to the enclosing scope, if any. Using a freed tensor later throws, saying so.
 * Parameters' gradients made by backward inside fn are kept (they belong to the parameters).
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
    for (const s of made) if (!s.kept) s.release();
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
  reachable(result, returned);
  for (const s of made) {
    if (s.kept) continue;
    if (returned.has(s)) parent?.push(s);
    else s.release();
  }
  return result;
}

/** Exempt `t`'s memory from every open scope (tfjs `keep`): it lives until its handle is collected. */
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
