// nn.Embedding and F.embedding against PyTorch 1.13: the Embedding cases of
// test/fixtures/layers.json (tools/fixtures/layers.py), their refusals and repr, fromPretrained and
// a float64 gradcheck; test/fixtures/embedding.json (tools/fixtures/embedding.py): F.embedding
// called bare, the renorm written into the weight, reprs and every refusal in PyTorch's order. A file of its own (layers.test.ts runs every other layer and takes
// 30 s: too long per mutant in mutation runs of src/nn/functional/embedding.ts and src/nn/modules/sparse.ts).

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import { readFileSync } from 'node:fs';
import { autograd, nn, setBackend } from '../../src/index.js';
import type { EmbeddingOptions } from '../../src/nn/functional/embedding.js';
import { assertTensor, backendsUnderTest, errorOf, fromFixture, type FixtureTensor } from '../helpers.js';
import { F, fx, checkCase, type Case } from './layers-fixture.js';

interface EmbeddingCase {
  name: string;
  ids: FixtureTensor;
  weight: FixtureTensor;
  out: FixtureTensor;
  grad: FixtureTensor;
  weight_after: FixtureTensor;
}

const efx: {
  cases: EmbeddingCase[];
  reprs: Record<string, string>;
  errors: Record<string, string>;
  partial: { ids: number[]; message: string; weight_after: FixtureTensor }[];
} = JSON.parse(
  readFileSync(new URL('../fixtures/embedding.json', import.meta.url), 'utf8'),
);

/** Each case's options; maxNorm cases renormalize the weight in place (checked against weight_after). */
const options: Record<string, EmbeddingOptions> = {
  'F.embedding': {},
  'F.embedding int32 ids': {},
  'F.embedding padding_idx=2': { paddingIdx: 2 },
  'F.embedding padding_idx=-1': { paddingIdx: -1 },
  'F.embedding padding_idx=-6': { paddingIdx: -6 },
  'F.embedding scale_grad_by_freq padding_idx=4': { paddingIdx: 4, scaleGradByFreq: true },
  'F.embedding max_norm=1.5': { maxNorm: 1.5 },
  'F.embedding max_norm=2 norm_type=1': { maxNorm: 2, normType: 1 },
  'F.embedding max_norm=1 norm_type=3': { maxNorm: 1, normType: 3 },
  'F.embedding max_norm=5 float64, a row of norm 5': { maxNorm: 5 },
};

function checkEmbeddingCase(c: EmbeddingCase): void {
  const ids = fromFixture(c.ids);
  const o = options[c.name];
  if (o.maxNorm !== undefined) {
    const w = fromFixture(c.weight);
    assertTensor(F.embedding(ids, w, o), c.out, 'out');
    assertTensor(w, c.weight_after, 'the weight, renormalized in place');
    return;
  }
  const w = fromFixture(c.weight, { requiresGrad: true });
  const out = F.embedding(ids, w, o);
  assertTensor(out, c.out, 'out');
  out.backward(torch.linspace(0.5, 1.5, out.numel()).reshape(out.shape));
  assertTensor(w.grad!, c.grad, 'weight grad');
}

function embeddingErrors(): Record<string, () => unknown> {
  const W = torch.randn(6, 3);
  const L = (v: number[]) => torch.tensor(v, { dtype: 'int64' });
  const f = (v: number[]) => torch.tensor(v, { dtype: 'float32' });
  return {
    'F.embedding 1-D weight': () => F.embedding(L([1]), torch.randn(5)),
    'F.embedding 3-D weight, float ids: the weight first': () => F.embedding(f([1]), torch.randn(5, 3, 2)),
    'F.embedding float ids': () => F.embedding(f([1]), W),
    'F.embedding float64 ids': () => F.embedding(torch.tensor([1], { dtype: 'float64' }), W),
    'F.embedding bool ids': () => F.embedding(torch.tensor([true]), W),
    'F.embedding max_norm, float ids': () => F.embedding(f([1]), W.clone(), { maxNorm: 1 }),
    'F.embedding max_norm, 1-D weight': () => F.embedding(L([1]), torch.randn(5), { maxNorm: 1 }),
    'F.embedding id 6 of 6': () => F.embedding(L([1, 6]), W),
    'F.embedding id -1': () => F.embedding(L([-1, 1]), W),
    'F.embedding max_norm, id 6 of 6': () => F.embedding(L([1, 6]), W.clone(), { maxNorm: 1 }),
    'F.embedding max_norm, ids -7 and 6': () => F.embedding(L([6, -7]), W.clone(), { maxNorm: 1 }),
    'F.embedding scale_grad_by_freq, id 6 of 6': () => F.embedding(L([1, 6]), W, { scaleGradByFreq: true }),
    'F.embedding scale_grad_by_freq, id -1': () => F.embedding(L([-1, 1]), W, { scaleGradByFreq: true }),
    'F.embedding padding_idx=6': () => F.embedding(L([1]), W, { paddingIdx: 6 }),
    'F.embedding padding_idx=-7': () => F.embedding(L([1]), W, { paddingIdx: -7 }),
    'Embedding padding_idx=-7': () => new nn.Embedding(6, 3, { paddingIdx: -7 }),
    'Embedding weight [5, 3] for (6, 3)': () => new nn.Embedding(6, 3, { weight: torch.randn(5, 3) }),
    'Embedding weight [6, 2] for (6, 3)': () => new nn.Embedding(6, 3, { weight: torch.randn(6, 2) }),
    'Embedding weight [6, 3, 1] for (6, 3)': () => new nn.Embedding(6, 3, { weight: torch.randn(6, 3, 1) }),
    'Embedding weight [18] for (6, 3)': () => new nn.Embedding(6, 3, { weight: torch.randn(18) }),
    'from_pretrained of a 1-D tensor': () => nn.Embedding.fromPretrained(torch.randn(5)),
  };
}

const reprModules: Record<string, () => nn.Module> = {
  'Embedding(5, 3, padding_idx=-1)': () => new nn.Embedding(5, 3, { paddingIdx: -1 }),
  'Embedding(5, 3, max_norm=1.5, norm_type=3.0)': () => new nn.Embedding(5, 3, { maxNorm: 1.5, normType: 3 }),
  'Embedding(5, 3, sparse=True)': () => new nn.Embedding(5, 3, { sparse: true }),
  'Embedding(5, 3, norm_type=2.0)': () => new nn.Embedding(5, 3, { normType: 2 }),
  'Embedding(5, 3, scale_grad_by_freq=True)': () => new nn.Embedding(5, 3, { scaleGradByFreq: true }),
  'from_pretrained(padding_idx=1, max_norm=2.0, scale_grad_by_freq=True)': () =>
    nn.Embedding.fromPretrained(torch.randn(4, 2), { paddingIdx: 1, maxNorm: 2, scaleGradByFreq: true }),
};

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

    test('every embedding.json case has its options here', () => assert.deepEqual(Object.keys(options).sort(), efx.cases.map((c) => c.name).sort()));
    for (const c of efx.cases) test(c.name, () => checkEmbeddingCase(c));

    test('embedding.json: refusals in PyTorch 1.13 words and order, reprs', () => {
      const thunks = embeddingErrors();
      assert.deepEqual(Object.keys(thunks).sort(), Object.keys(efx.errors).sort());
      for (const [name, message] of Object.entries(efx.errors)) assert.equal(errorOf(thunks[name]), message, name);
      assert.deepEqual(Object.keys(reprModules).sort(), Object.keys(efx.reprs).sort());
      for (const [name, make] of Object.entries(reprModules)) assert.equal(make().toString(), efx.reprs[name], name);
    });

    // embedding.json's partial renorms: max_norm renorms rows in ascending id order, so a refused id
    // leaves the rows before it renormed, as PyTorch 1.13 does (the fixture's W, max_norm=1).
    test('max_norm: rows before a refused id are renormed already, as PyTorch', () => {
      const W = fromFixture(efx.cases[0].weight);
      for (const { ids, message, weight_after } of efx.partial) {
        const w = W.clone();
        assert.equal(errorOf(() => F.embedding(torch.tensor(ids), w, { maxNorm: 1 })), message, `ids ${ids}`);
        assertTensor(w, weight_after, `ids ${ids}: the weight after the refusal`);
      }
    });

    test('padding_idx from -num_embeddings; the binding names the class', () => {
      // /usr/bin/python3 (PyTorch 1.13): nn.Embedding(5, 3, padding_idx=-5).padding_idx is 0, and its row is zero.
      const emb = new nn.Embedding(5, 3, { paddingIdx: -5 });
      assert.equal(emb.paddingIdx, 0);
      assert.deepEqual(emb.weight.select(0, 0).tolist(), [0, 0, 0]);
      assert.equal(errorOf(() => new nn.Embedding(5, { numEmbeddings: 3 } as never)), "Embedding() got multiple values for argument 'numEmbeddings'");
      // PyTorch's factory keyword; and sparse gradients, which dlab does not have, are refused in its own words.
      assert.equal(new nn.Embedding(3, 2, { dtype: 'float64' }).weight.dtype, 'float64');
      assert.equal(errorOf(() => F.embedding(torch.tensor([1]), torch.randn(3, 2), { sparse: true })), 'embedding: sparse gradients are not supported in dlab (use sparse: false)');
    });

    test('a given weight is the parameter; fromPretrained passes its options on', () => {
      const w = torch.randn(4, 2);
      const emb = new nn.Embedding(4, 2, { weight: w });
      assert.deepEqual(emb.weight.tolist(), w.tolist());
      const pre = nn.Embedding.fromPretrained(w, { paddingIdx: 1, maxNorm: 2, normType: 1, scaleGradByFreq: true });
      assert.deepEqual([pre.paddingIdx, pre.maxNorm, pre.normType, pre.scaleGradByFreq, pre.sparse], [1, 2, 1, true, false]);
      // The pad row of a pretrained table is kept as it is (PyTorch zeroes it only when it draws the weight).
      assert.deepEqual(pre.weight.tolist(), w.tolist());
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
