// Shared by the nn tests: reading test/fixtures/nn.json and comparing tensors with tolerances.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as torch from '../../src/index.js';
import type { Tensor } from '../../src/index.js';

export interface Enc {
  shape: number[];
  values: number[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const fixtures: any = JSON.parse(readFileSync(new URL('../fixtures/nn.json', import.meta.url), 'utf8'));

/** A fixture tensor as a dlab tensor (float32 unless told). */
export function dec(e: Enc, dtype: 'float32' | 'float64' | 'int64' = 'float32'): Tensor {
  return torch.tensor(Float64Array.from(e.values), { dtype }).reshape(e.shape);
}

/** Elementwise |a - e| <= atol + rtol |e|, with the worst offender in the message. */
export function assertClose(actual: Tensor | null | undefined, expected: Enc, what: string, tol: { rtol?: number; atol?: number } = {}): void {
  const rtol = tol.rtol ?? 1e-5;
  const atol = tol.atol ?? 1e-6;
  assert.ok(actual, `${what}: missing`);
  assert.deepEqual([...actual.shape], expected.shape, `${what}: shape`);
  const a = actual.toTypedArray();
  for (let i = 0; i < a.length; i++) {
    const e = expected.values[i];
    if (Number.isNaN(e) && Number.isNaN(a[i])) continue;
    if (!(Math.abs(a[i] - e) <= atol + rtol * Math.abs(e))) {
      assert.fail(`${what}: element ${i} is ${a[i]}, expected ${e} (shape ${expected.shape.join('x')})`);
    }
  }
}
