// More of nn.functional and its modules against PyTorch 1.13 (tools/fixtures/nn_3d.py): the
// likelihood losses (poisson_nll_loss, gaussian_nll_loss): values, dtypes, gradients for a fixed
// grad_output, grad_fn names, module reprs and state_dict keys, and every refusal in PyTorch's
// words. Once per backend.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import * as dlab from '../../src/index.js';
import { nn, type Tensor } from '../../src/index.js';
import { backendsUnderTest } from '../helpers.js';
import { fixtureTests, type Fixture, type Value } from './fixture-cases.js';

const F = nn.functional;

const fixture = JSON.parse(readFileSync(new URL('../fixtures/nn_3d.json', import.meta.url), 'utf8')) as Fixture;

/** The dlab call of a fixture's torch.<fn>(inputs, *args, **kwargs). */
function callFunction(fn: string, _args: Value[], o: Record<string, never>, xs: Tensor[]): Tensor {
  const [a, b, c] = xs;
  switch (fn) {
    case 'nn.functional.poisson_nll_loss': return F.poissonNllLoss(a, b, o);
    case 'nn.functional.gaussian_nll_loss': return F.gaussianNllLoss(a, b, c, o);
    default: throw new Error(`no dlab call for torch.${fn}`);
  }
}

for (const backend of backendsUnderTest()) {
  describe(`nn.functional and modules (3-D, sampling, bags, likelihoods) vs PyTorch ${fixture.torch} [${backend}]`, () => {
    fixtureTests(fixture, backend, { callFunction });

    test('the likelihood losses keep PyTorch defaults', () => {
      dlab.setBackend(backend);
      const p = new nn.PoissonNLLLoss();
      const g = new nn.GaussianNLLLoss();
      assert.deepEqual([p.logInput, p.full, p.eps, p.reduction, g.full, g.eps, g.reduction], [true, false, 1e-8, 'mean', false, 1e-6, 'mean']);
    });
  });
}
