// Shared by the nn tests: reading test/fixtures/nn.json, comparing tensors with tolerances, and
// the functional losses by PyTorch's name.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as torch from '../../src/index.js';
import { nn, type Tensor } from '../../src/index.js';

const F = nn.functional;

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

/** The functional losses by PyTorch's name, as the fixtures name them (nn.json's and loss.json's cases). */
export const lossFns: Record<string, (x: Tensor, t: Tensor, o: Record<string, unknown>) => Tensor> = {
  mse_loss: (x, t, o) => F.mseLoss(x, t, o),
  l1_loss: (x, t, o) => F.l1Loss(x, t, o),
  smooth_l1_loss: (x, t, o) => F.smoothL1Loss(x, t, o),
  huber_loss: (x, t, o) => F.huberLoss(x, t, o),
  cross_entropy: (x, t, o) => F.crossEntropy(x, t, o),
  nll_loss: (x, t, o) => F.nllLoss(x, t, o),
  binary_cross_entropy: (x, t, o) => F.binaryCrossEntropy(x, t, o),
  binary_cross_entropy_with_logits: (x, t, o) => F.binaryCrossEntropyWithLogits(x, t, o),
  kl_div: (x, t, o) => F.klDiv(x, t, o),
};
