// The normalization cases of test/fixtures/layers.json (PyTorch 1.13) and their error messages,
// as a file of their own: layers.test.ts runs them too among every other layer, but takes 30 s,
// too long per mutant when mutation-testing src/nn/functional/normalization.ts.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import { nn, setBackend } from '../../src/index.js';
import { backendsUnderTest } from '../helpers.js';
import { F, fx, checkCase, type Case } from './layers-fixture.js';

const isNorm = (name: string) => /^(BatchNorm|LayerNorm|GroupNorm|F\.instance_norm)/.test(name);

for (const backend of backendsUnderTest()) {
  describe(`backend ${backend}`, () => {
    before(() => setBackend(backend));

    for (const c of (fx.cases as Case[]).filter((k) => isNorm(k.name))) test(`${c.name} (${c.dtype})`, () => checkCase(c));

    test('error messages match PyTorch', () => {
      const e = fx.errors as Record<string, string>;
      const r = torch.randn;
      const thunks: Record<string, () => unknown> = {
        'BatchNorm1d 4D': () => new nn.BatchNorm1d(3).call(r(2, 3, 4, 5)),
        'BatchNorm2d 3D': () => new nn.BatchNorm2d(3).call(r(2, 3, 4)),
        'BatchNorm1d one value per channel': () => new nn.BatchNorm1d(3).call(r(1, 3)),
        'BatchNorm1d wrong channels': () => new nn.BatchNorm1d(3).call(r(2, 4)),
        'LayerNorm wrong shape': () => new nn.LayerNorm(4).call(r(2, 3)),
        'LayerNorm 2-D wrong shape': () => new nn.LayerNorm([3, 4]).call(r(2, 4, 3)),
        'GroupNorm ctor': () => new nn.GroupNorm(3, 4),
        'GroupNorm input channels': () => F.groupNorm(r(2, 3, 4), 2),
      };
      for (const [k, fn] of Object.entries(thunks)) assert.throws(fn, (err: Error) => err.message === e[k], `${k}: expected "${e[k]}"`);
    });
  });
}
