// nn.Embedding and F.embedding against PyTorch 1.13: the Embedding cases of
// test/fixtures/layers.json (tools/fixtures/layers.py), their refusals and repr, fromPretrained and
// a float64 gradcheck, as a file of their own (layers.test.ts runs every other layer and takes
// 30 s: too long per mutant in mutation runs of src/nn/functional/embedding.ts and src/nn/modules/sparse.ts).

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import { autograd, nn, setBackend } from '../../src/index.js';
import { backendsUnderTest } from '../helpers.js';
import { fx, checkCase, type Case } from './layers-fixture.js';

for (const backend of backendsUnderTest()) {
  describe(`backend ${backend}`, () => {
    before(() => setBackend(backend));

    for (const c of (fx.cases as Case[]).filter((k) => k.name.startsWith('Embedding'))) test(`${c.name} (${c.dtype})`, () => checkCase(c));

    test('refusals and repr in PyTorch 1.13 words', () => {
      const e = fx.errors as Record<string, string>;
      const thunks: Record<string, () => unknown> = {
        'Embedding padding_idx': () => new nn.Embedding(5, 2, { paddingIdx: 5 }),
        'Embedding float indices': () => new nn.Embedding(5, 2).call(torch.tensor([1], { dtype: 'float32' })),
        'Embedding out of range': () => new nn.Embedding(5, 2).call(torch.tensor([5])),
      };
      for (const [k, fn] of Object.entries(thunks)) assert.throws(fn, (err: Error) => err.message === e[k], `${k}: expected "${e[k]}"`);
      const k = 'Embedding(100, 16, padding_idx=3, max_norm=2.0, norm_type=1.0, scale_grad_by_freq=True)';
      assert.equal(new nn.Embedding(100, 16, { paddingIdx: 3, maxNorm: 2, normType: 1, scaleGradByFreq: true }).toString(), fx.reprs[k]);
    });

    test('Embedding.fromPretrained freezes by default and keeps the rows', () => {
      const w = torch.tensor([[1, 2.3, 3], [4, 5.1, 6.3]]);
      const emb = nn.Embedding.fromPretrained(w);
      assert.equal(emb.weight.requiresGrad, false);
      assert.deepEqual(emb.call(torch.tensor([1])).tolist(), [[4, 5.099999904632568, 6.300000190734863]]);
      assert.equal(nn.Embedding.fromPretrained(w, { freeze: false }).weight.requiresGrad, true);
    });

    // (padding_idx and scale_grad_by_freq change the gradient on purpose, so only the plain lookup is a derivative.)
    test('float64 gradcheck of the weight', () => {
      torch.manualSeed(6);
      const emb = new nn.Embedding(5, 2).double();
      const idx = torch.tensor([[0, 1, 3], [3, 3, 4]]);
      autograd.gradcheck(() => emb.call(idx), [emb.weight]);
    });
  });
}
