// Channel dropout (nn.Dropout1d-3d, F.dropout1d-3d) against PyTorch 1.13: the Dropout cases of
// test/fixtures/layers.json (tools/fixtures/layers.py), their refusals and reprs, as a file of its own
// (layers.test.ts runs them too among every other layer, but takes 30 s: too long per mutant in
// mutation runs of src/nn/functional/dropout.ts and src/nn/modules/dropout.ts).

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import { nn, setBackend } from '../../src/index.js';
import { backendsUnderTest } from '../helpers.js';
import { F, fx, checkCase, type Case } from './layers-fixture.js';

for (const backend of backendsUnderTest()) {
  describe(`backend ${backend}`, () => {
    before(() => setBackend(backend));

    for (const c of (fx.cases as Case[]).filter((k) => k.name.startsWith('Dropout'))) test(`${c.name} (${c.dtype})`, () => checkCase(c));

    test('refusals and reprs in PyTorch 1.13 words', () => {
      const e = fx.errors as Record<string, string>;
      const thunks: Record<string, () => unknown> = {
        'dropout1d 4D': () => F.dropout1d(torch.randn(1, 2, 3, 4)),
        'Dropout2d p': () => new nn.Dropout2d(1.5),
      };
      for (const [k, fn] of Object.entries(thunks)) assert.throws(fn, (err: Error) => err.message === e[k], `${k}: expected "${e[k]}"`);
      assert.equal(new nn.Dropout1d(0.2).toString(), fx.reprs['Dropout1d(0.2)']);
      assert.equal(new nn.Dropout2d(0.5, { inplace: true }).toString(), fx.reprs['Dropout2d(inplace=True)']);
    });
  });
}
