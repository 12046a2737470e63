// F.scaledDotProductAttention against PyTorch 1.13 (tools/fixtures/attention.py): outputs and
// gradients of q, k and v, in float32 and float64, with bool and float masks, is_causal, a
// given scale, 3-D, 4-D (heads) and unbatched inputs, a value width unlike the key's.
// Runs once per backend.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import * as torch from '../../src/index.js';
import { nn } from '../../src/index.js';
import { assertClose, assertTensor, backendsUnderTest, decodeAll, fromFixture, tolerance, type FixtureTensor } from '../helpers.js';

type Inputs = { q: FixtureTensor; k: FixtureTensor; v: FixtureTensor; mask?: FixtureTensor };
interface Options { isCausal?: boolean; scale?: number }
interface Case { name: string; inputs: Inputs; options: Options; out: FixtureTensor; weights: FixtureTensor; grads: Record<'q' | 'k' | 'v', FixtureTensor> }
interface ErrorCase { name: string; inputs: Inputs; options: Options; message: string; match: string }

const fixture = JSON.parse(readFileSync(new URL('../fixtures/attention.json', import.meta.url), 'utf8')) as {
  torch: string;
  cases: Case[];
  errors: ErrorCase[];
};

const F = nn.functional;

for (const backend of backendsUnderTest()) {
  describe(`scaledDotProductAttention vs PyTorch ${fixture.torch} [${backend}]`, () => {
    for (const c of fixture.cases) {
      test(c.name, () => {
        torch.setBackend(backend);
        const [q, k, v] = (['q', 'k', 'v'] as const).map((n) => fromFixture(c.inputs[n], { requiresGrad: true }));
        const attnMask = c.inputs.mask ? fromFixture(c.inputs.mask) : null;
        const out = F.scaledDotProductAttention(q, k, v, { ...c.options, attnMask });
        assertTensor(out, c.out, 'output');
        out.mul(fromFixture(c.weights)).sum().backward();
        for (const [name, t] of [['q', q], ['k', k], ['v', v]] as const) {
          const want = c.grads[name];
          assert.ok(t.grad, `${name}: a gradient`);
          const { rtol, atol } = tolerance(want.dtype);
          assertClose(Array.from(t.grad.toTypedArray()), decodeAll(want.values), rtol, atol, `${name} grad`);
        }
      });
    }
    for (const c of fixture.errors) {
      test(`error: ${c.name}`, () => {
        torch.setBackend(backend);
        const [q, k, v, mask] = (['q', 'k', 'v', 'mask'] as const).map((n) => fromFixture(c.inputs[n]!));
        assert.throws(() => F.scaledDotProductAttention(q, k, v, { ...c.options, attnMask: mask }), (e: Error) => {
          assert.ok(e.message.includes(c.match), `got: ${e.message}\n  PyTorch: ${c.message}`);
          return true;
        });
      });
    }
  });
}
