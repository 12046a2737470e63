// Experiment 2's answers hold up: a small configuration run in memory on every backend, and on
// webgpu with --device webgpu on the real backend (helpers.ts passesUnderTest).

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { setBackend } from '../../src/index.js';
import { resolveOptions } from '../../src/lab/experiment.js';
import { sin, symmetricEigenvalues } from '../../src/lab/experiments/sin.js';
import { MemoryContext } from '../../src/lab/memory_context.js';
import { acquireDevicePass, passesUnderTest } from '../helpers.js';

test('symmetricEigenvalues (Jacobi) of a known matrix', () => {
  // [[2, 1], [1, 2]] has eigenvalues 1 and 3; diag stays diag.
  const e = symmetricEigenvalues([[2, 1], [1, 2]]);
  assert.ok(Math.abs(e[0] - 1) < 1e-12 && Math.abs(e[1] - 3) < 1e-12, String(e));
  assert.deepEqual(symmetricEigenvalues([[5, 0, 0], [0, -1, 0], [0, 0, 2]]), [-1, 2, 5]);
});

for (const pass of passesUnderTest()) {
  describe(`sin experiment [${pass.label}]`, () => {
    before(async () => {
      setBackend(pass.backend);
      if (pass.device === 'webgpu') await acquireDevicePass();
    });

    test('measured answers: batch noise, extrapolation, remedies', async () => {
      const ctx = new MemoryContext({ yieldEvery: 1000 });
      const m = (await sin.run(resolveOptions(sin, { points: 128, epochs: 4, steps: 600, degree: 13, device: pass.device }), ctx)) as Record<string, number>;
      // (a) the gradient estimate's spread shrinks with the batch, is zero for the full batch,
      // and the loss bounces at batch 1 but never rises with the full batch.
      assert.ok(m.grad_spread_b1 > m.grad_spread_b8 && m.grad_spread_b8 > m.grad_spread_b64 && m.grad_spread_full === 0, JSON.stringify(m));
      assert.ok(m.grad_spread_b1 / m.grad_spread_b64 > 4, `1/sqrt(B): ${m.grad_spread_b1} vs ${m.grad_spread_b64}`);
      assert.ok(m.loss_up_fraction_b1 > 0.2 && m.loss_up_fraction_full === 0, `${m.loss_up_fraction_b1} ${m.loss_up_fraction_full}`);
      // (b) good inside the training range, far off outside it.
      assert.ok(m.in_rmse_cubic < 0.1, `in ${m.in_rmse_cubic}`);
      assert.ok(m.out_rmse_cubic > 5 && m.out_rmse_degree5 > m.out_rmse_cubic, `out ${m.out_rmse_cubic} ${m.out_rmse_degree5}`);
      // (c) periodicity fixes extrapolation; the well-conditioned basis beats monomials.
      assert.ok(m.out_rmse_fourier < 1e-3, `fourier ${m.out_rmse_fourier}`);
      assert.ok(m.out_rmse_range_reduction < 0.05 && Math.abs(m.out_rmse_range_reduction - m.in_rmse_range_reduction) < 0.01, `range reduction ${m.out_rmse_range_reduction}`);
      assert.ok(m.wide_rmse_chebyshev < 0.05 && m.wide_rmse_chebyshev < m.wide_rmse_wide_monomial / 5, `cheb ${m.wide_rmse_chebyshev} mono ${m.wide_rmse_wide_monomial}`);
      assert.ok(m.cond_monomial > 1e5 * m.cond_chebyshev, `cond ${m.cond_monomial} ${m.cond_chebyshev}`);
      // The report's material: charts for (a), (b), (c), a table and an answer per question.
      for (const name of ['a-loss-curves', 'a-gradient-spread', 'a-answer', 'b-extrapolation', 'b-answer', 'c-remedies', 'c-table', 'c-answer']) {
        assert.ok(ctx.artifacts.has(name), name);
      }
      const answer = ctx.artifacts.get('b-answer');
      assert.ok(answer?.kind === 'text' && answer.paragraphs[0].includes(String(+m.out_rmse_cubic.toPrecision(3))));
    });
  });
}
