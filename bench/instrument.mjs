// Time spent inside each primitive of a backend: wrap every method of the backend object so that
// its calls add their wall time (per op name, e.g. `binary:add`) into `totals`; returns the undo.
// Used by `dlab bench --profile` (bench/peers/dlab.mjs) and the scripts/profile-*-step.ts scripts.
// A call's time includes waiting for the backend's worker threads. A method that calls another
// method of the same backend object counts in both (js copies a strided input so); the wasm
// backend's fallbacks call the js backend's object, which is not wrapped.

export function instrument(backend, totals) {
  const original = { ...backend };
  for (const [key, fn] of Object.entries(original)) {
    if (typeof fn !== 'function') continue;
    backend[key] = function (...args) {
      const t0 = performance.now();
      const r = fn.apply(this, args);
      const name = typeof args[0] === 'string' ? `${key}:${args[0]}` : key;
      totals.set(name, (totals.get(name) ?? 0) + performance.now() - t0);
      return r;
    };
  }
  return () => Object.assign(backend, original);
}
