// For the profiling scripts: wrap every method of a backend so the time spent inside each
// primitive (per op name, e.g. `binary:add`) adds up in `totals`; returns the undo.

import type { Backend } from '../src/backend/backend.js';

export function instrument(backend: Backend, totals: Map<string, number>): () => void {
  const original = { ...backend };
  const b = backend as unknown as Record<string, unknown>;
  for (const [key, fn] of Object.entries(original)) {
    if (typeof fn !== 'function') continue;
    b[key] = function (this: unknown, ...args: unknown[]) {
      const t0 = performance.now();
      const r = (fn as (...a: unknown[]) => unknown).apply(this, args);
      const name = typeof args[0] === 'string' ? `${key}:${args[0]}` : key;
      totals.set(name, (totals.get(name) ?? 0) + performance.now() - t0);
      return r;
    };
  }
  return () => Object.assign(b, original);
}
