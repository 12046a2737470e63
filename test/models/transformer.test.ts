// The char transformer (models/transformer.ts): the KV cache changes the cost, not the result;
// weight tying shares one parameter; the model zoo knows 'gpt'; a gpt config round-trips.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as torch from '../../src/index.js';
import { models } from '../../src/index.js';
import { assertClose, backendsUnderTest } from '../helpers.js';

const tiny = { vocabSize: 11, blockSize: 8, dModel: 16, nHead: 2, nLayer: 2 };

for (const backend of backendsUnderTest()) {
  describe(`TinyTransformer [${backend}]`, () => {
    test('logits through the cache, a few positions at a time, equal one full forward', () => {
      torch.setBackend(backend);
      torch.manualSeed(0);
      const model = new models.TinyTransformer(tiny).eval();
      const ids = [3, 1, 4, 1, 5, 9, 2];
      const full = model.call(torch.tensor([ids], { dtype: 'int64' }));
      const cache: models.LayerCache[] = [{}, {}];
      const parts = [ids.slice(0, 3), ids.slice(3, 4), ids.slice(4)].map((p) => model.forward(torch.tensor([p], { dtype: 'int64' }), cache));
      assertClose(Array.from(torch.cat(parts, 1).toTypedArray()), Array.from(full.toTypedArray()), 1e-5, 1e-5, 'cached logits');
      assert.equal(cache[0].k!.shape[2], 7);
      assert.throws(() => model.forward(torch.tensor([[1, 2]], { dtype: 'int64' }), cache), /sequence length 9 exceeds the block size 8/);
    });

    test('generate: the same tokens with and without the KV cache from the same seed, past the block size too', () => {
      torch.setBackend(backend);
      torch.manualSeed(1);
      const model = new models.TinyTransformer(tiny);
      for (const options of [{ temperature: 1.3 }, { temperature: 0.7, topK: 4 }, { temperature: 1, topP: 0.8 }, { temperature: 0 }]) {
        const run = (kvCache: boolean) => model.generate([1, 2, 3], 21, { ...options, kvCache, generator: new torch.Generator().manualSeed(7) });
        const cached = run(true);
        assert.equal(cached.length, 24);
        assert.deepEqual(cached, run(false), JSON.stringify(options));
      }
      assert.ok(model.training, 'generate leaves the training mode as it found it');
      assert.throws(() => model.generate([], 3), /generate: the prompt needs at least one token/);
      assert.throws(() => model.generate([1, 11], 3), /generate: token id 11 is out of range for a vocabulary of 11/);
      assert.throws(() => model.generate([1], -1), /generate: maxNewTokens must be a non-negative integer, but got -1/);
    });

    test('weight tying: the output layer is the token embedding', () => {
      torch.setBackend(backend);
      const model = new models.TinyTransformer({ ...tiny, tieWeights: true });
      assert.equal(model.head.weight, model.tokEmb.weight);
      assert.equal(model.head.bias, null);
      const untied = new models.TinyTransformer(tiny);
      assert.equal(model.parameters().length, untied.parameters().length - 2, 'one weight fewer, and no bias');
    });
  });
}

test("the model zoo builds 'gpt'; its config round-trips", () => {
  const spec = models.builtinModel('gpt');
  const model = spec.build() as models.TinyTransformer;
  assert.deepEqual(spec.inputSize, [model.blockSize]);
  const vocab = ['<unk>', ' ', ...'etaoinshrdlcumwfgypbvkjxqz'];
  const config = models.gptConfig(model, vocab);
  assert.equal(config.model_type, 'gpt');
  assert.deepEqual(models.gptFromConfig(JSON.parse(JSON.stringify(config))).config, model.config);
  assert.throws(() => models.gptFromConfig({ model_type: 'ddpm' }), /expected a gpt model folder \(model_type 'gpt'\), but got model_type 'ddpm'/);
  assert.throws(() => models.gptConfig(model, ['a']), /1 vocabulary entries for a model of vocab_size 28/);
});
