// Shared bits of the optim tests: the PyTorch fixture and tolerant comparisons.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

export const fixture = JSON.parse(readFileSync(new URL('../fixtures/optim.json', import.meta.url), 'utf8'));

/** PyTorch keyword arguments to dlab's camelCase options (weight_decay -> weightDecay). */
export function camelOptions(options: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) out[k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  return out;
}

/** |a - b| <= tol * max(1, |b|), elementwise, with a message naming the first mismatch. */
export function assertClose(actual: readonly number[], expected: readonly number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const b = expected[i];
    if (b === null || a === b) continue;
    // An infinity matches only itself (the relative tolerance below would be infinite), NaN only NaN.
    if (!Number.isFinite(b)) {
      if (!(Number.isNaN(a) && Number.isNaN(b))) assert.fail(`${what}[${i}]: got ${a}, expected ${b}`);
      continue;
    }
    if (!(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)))) {
      assert.fail(`${what}[${i}]: got ${a}, expected ${b} (|diff| ${Math.abs(a - b)} > ${tol})`);
    }
  }
}
