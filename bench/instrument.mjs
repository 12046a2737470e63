// Time spent inside each primitive of a backend: wrap every method of the backend object so that
// its calls add their wall time (per op name, e.g. `binary:add`) into `totals`; returns the undo.
// Used by `dlab bench --profile` (bench/peers/dlab.mjs) and the scripts/profile-*-step.ts scripts.
// Only the outermost call counts: a primitive built on another of the same backend object (the
// js backend's conv2d on its matmul) is timed as itself, so the totals add up to the time spent
// in the backend. A call's time includes waiting for the backend's worker threads.

export function instrument(backend, totals) {
  const original = { ...backend };
  let depth = 0;
  for (const [key, fn] of Object.entries(original)) {
    if (typeof fn !== 'function') continue;
    backend[key] = function (...args) {
      if (depth > 0) return fn.apply(this, args);
      depth++;
      const t0 = performance.now();
      try {
        return fn.apply(this, args);
      } finally {
        depth--;
        const name = typeof args[0] === 'string' ? `${key}:${args[0]}` : key;
        totals.set(name, (totals.get(name) ?? 0) + performance.now() - t0);
      }
    };
  }
  return () => Object.assign(backend, original);
}
