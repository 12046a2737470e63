// nn.TransformerEncoderLayer / TransformerDecoderLayer / TransformerEncoder / TransformerDecoder,
// F.gelu(approximate 'tanh'), torch.multinomial and the sampler's top-k / top-p filters against
// PyTorch 1.13 (tools/fixtures/transformer.py). Layers: the same seed must build PyTorch's weights
// (the state dicts are compared first), then outputs and input gradients must match. Runs once per backend.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import * as torch from '../../src/index.js';
import { nn } from '../../src/index.js';
import { filterLogits, sampleNext, topKFilter, topPFilter } from '../../src/models/sampling.js';
import { assertClose, assertTensor, backendsUnderTest, decodeAll, fromFixture, type FixtureTensor } from '../helpers.js';

interface LayerCase {
  name: string;
  kind: 'encoder_layer' | 'decoder_layer' | 'encoder' | 'decoder';
  seed: number;
  numLayers?: number;
  withNorm?: boolean;
  args: [number, number];
  options: nn.TransformerLayerOptions;
  /** A function as the activation (PyTorch's torch.<name>): dlab's tensor method of that name. */
  activationFn?: 'tanh';
  state: Record<string, FixtureTensor>;
  inputs: Record<string, FixtureTensor>;
  masks: Record<string, FixtureTensor>;
  out: FixtureTensor;
  weights: FixtureTensor;
  grads: Record<string, FixtureTensor>;
  repr?: string;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/transformer.json', import.meta.url), 'utf8')) as {
  torch: string;
  errors: Record<string, string>;
  layers: LayerCase[];
  gelu: Record<'x' | 'out' | 'grad' | 'x32' | 'out32', FixtureTensor>;
  sdpaDropout: { q: FixtureTensor; k: FixtureTensor; v: FixtureTensor; isCausal: boolean; dropoutP: number; seed: number; out: FixtureTensor; grads: Record<'q' | 'k' | 'v', FixtureTensor> }[];
  multinomial: { probs: FixtureTensor; numSamples: number; replacement: boolean; seed: number; out: FixtureTensor }[];
  sampling: { logits: FixtureTensor; temperature: number; topK: number; topP: number; seed: number; filtered: FixtureTensor; draws: number[][] }[];
};

// A layer is a few matmuls, softmaxes and layer norms deep: float32 rounding grows past the one-op tolerance.
const layerTolerance = (dtype: string) => (dtype === 'float64' ? { rtol: 1e-9, atol: 1e-10 } : { rtol: 2e-4, atol: 2e-5 });

function build(c: LayerCase): nn.Module {
  torch.manualSeed(c.seed);
  const [d, h] = c.args;
  const fn = c.activationFn;
  const options = fn ? { ...c.options, activation: (x: torch.Tensor) => x[fn]() } : c.options;
  switch (c.kind) {
    case 'encoder_layer':
      return new nn.TransformerEncoderLayer(d, h, options);
    case 'decoder_layer':
      return new nn.TransformerDecoderLayer(d, h, options);
    case 'encoder':
      return new nn.TransformerEncoder(new nn.TransformerEncoderLayer(d, h, c.options), c.numLayers!, c.withNorm ? new nn.LayerNorm(d) : null);
    case 'decoder':
      return new nn.TransformerDecoder(new nn.TransformerDecoderLayer(d, h, c.options), c.numLayers!, c.withNorm ? new nn.LayerNorm(d) : null);
  }
}

function run(c: LayerCase, m: nn.Module, inputs: Record<string, torch.Tensor>): torch.Tensor {
  const mask = (name: string) => (c.masks[name] ? fromFixture(c.masks[name]) : null);
  switch (c.kind) {
    case 'encoder_layer':
      return m.call(inputs.src, { srcMask: mask('srcMask'), srcKeyPaddingMask: mask('srcKeyPaddingMask') }) as torch.Tensor;
    case 'encoder':
      return m.call(inputs.src, { mask: mask('mask'), srcKeyPaddingMask: mask('srcKeyPaddingMask') }) as torch.Tensor;
    default:
      return m.call(inputs.tgt, inputs.memory, { tgtMask: mask('tgtMask'), memoryKeyPaddingMask: mask('memoryKeyPaddingMask') }) as torch.Tensor;
  }
}

for (const backend of backendsUnderTest()) {
  describe(`transformer layers vs PyTorch ${fixture.torch} [${backend}]`, () => {
    for (const c of fixture.layers) {
      test(c.name, () => {
        torch.setBackend(backend);
        const m = build(c);
        const state = m.stateDict();
        assert.deepEqual(Object.keys(state), Object.keys(c.state), 'state dict keys, in order');
        for (const [k, want] of Object.entries(c.state)) assertTensor(state[k], want, `same seed, same weights: ${k}`);
        if (c.repr) assert.equal(m.toString(), c.repr);
        const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, fromFixture(v, { requiresGrad: true })]));
        const out = run(c, m, inputs);
        const { rtol, atol } = layerTolerance(c.out.dtype);
        assert.deepEqual([...out.shape], c.out.shape);
        assertClose(Array.from(out.toTypedArray()), decodeAll(c.out.values), rtol, atol, 'output');
        out.mul(fromFixture(c.weights)).sum().backward();
        for (const [k, want] of Object.entries(c.grads)) assertClose(Array.from(inputs[k].grad!.toTypedArray()), decodeAll(want.values), rtol, atol, `grad of ${k}`);
      });
    }

    test('TransformerEncoder copies its layer without drawing from the generator', () => {
      torch.setBackend(backend);
      torch.manualSeed(3);
      const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
      const before = torch.defaultGenerator.getState();
      const encoder = new nn.TransformerEncoder(layer, 2);
      assert.deepEqual(torch.defaultGenerator.getState(), before);
      assert.deepEqual(Array.from([...encoder.layers][1].linear1.weight.toTypedArray()), Array.from(layer.linear1.weight.toTypedArray()));
      assert.notEqual([...encoder.layers][0], layer, 'copies, not the layer itself');
    });

    test('an activation other than relu, gelu or a function is refused in PyTorch 1.13\'s words', () => {
      torch.setBackend(backend);
      for (const Layer of [nn.TransformerEncoderLayer, nn.TransformerDecoderLayer]) {
        assert.throws(() => new Layer(8, 2, { activation: 'tanh' as 'relu' }), (e: Error) => e.message === fixture.errors['activation tanh']);
      }
    });

    test('generateSquareSubsequentMask', () => {
      torch.setBackend(backend);
      assert.deepEqual(Array.from(nn.generateSquareSubsequentMask(3).toTypedArray()), [0, -Infinity, -Infinity, 0, 0, -Infinity, 0, 0, 0]);
    });

    test("F.gelu(x, { approximate: 'tanh' })", () => {
      torch.setBackend(backend);
      const x = fromFixture(fixture.gelu.x, { requiresGrad: true });
      const y = nn.functional.gelu(x, { approximate: 'tanh' });
      assertTensor(y, fixture.gelu.out, 'float64');
      y.sum().backward();
      assertTensor(x.grad!, fixture.gelu.grad, 'gradient');
      assertTensor(nn.functional.gelu(fromFixture(fixture.gelu.x32), { approximate: 'tanh' }), fixture.gelu.out32, 'float32');
    });

    test('F.scaledDotProductAttention with dropout drops the weights PyTorch drops from the same seed', () => {
      torch.setBackend(backend);
      for (const c of fixture.sdpaDropout) {
        const [q, k, v] = [c.q, c.k, c.v].map((t) => fromFixture(t, { requiresGrad: true }));
        torch.manualSeed(c.seed);
        const out = nn.functional.scaledDotProductAttention(q, k, v, { isCausal: c.isCausal, dropoutP: c.dropoutP });
        assertTensor(out, c.out, `dropout ${c.dropoutP}, causal ${c.isCausal}`);
        out.sum().backward();
        for (const [name, t] of [['q', q], ['k', k], ['v', v]] as const) assertTensor(t.grad!, c.grads[name], `grad of ${name}`);
      }
    });

    test('torch.multinomial draws the indices PyTorch draws from the same seed', () => {
      torch.setBackend(backend);
      for (const c of fixture.multinomial) {
        const generator = new torch.Generator().manualSeed(c.seed);
        const out = torch.multinomial(fromFixture(c.probs), c.numSamples, { replacement: c.replacement, generator });
        assertTensor(out, c.out, `${c.probs.dtype} ${JSON.stringify(c.probs.shape)} n=${c.numSamples} replacement=${c.replacement}`);
      }
    });

    test('top-k, top-p and temperature filter logits as PyTorch does; seeded draws match', () => {
      torch.setBackend(backend);
      for (const c of fixture.sampling) {
        const options = { temperature: c.temperature, topK: c.topK, topP: c.topP };
        const filtered = filterLogits(fromFixture(c.logits), options);
        assertTensor(filtered, c.filtered, JSON.stringify(options));
        const generator = new torch.Generator().manualSeed(c.seed);
        const draws = c.draws.map(() => Array.from(sampleNext(fromFixture(c.logits), { ...options, generator }).toTypedArray(), Number));
        assert.deepEqual(draws, c.draws, `draws ${JSON.stringify(options)}`);
      }
    });
  });
}

describe('sampling options are checked', () => {
  const logits = torch.zeros(2, 5);
  test('bad values name the option', () => {
    assert.throws(() => topKFilter(logits, 0), /topK must be a positive integer, but got 0/);
    assert.throws(() => topPFilter(logits, 0), /topP must be in \(0, 1\], but got 0/);
    assert.throws(() => filterLogits(logits, { temperature: -1 }), /temperature must be a non-negative number, but got -1/);
  });
  test('temperature 0 is argmax', () => {
    assert.deepEqual(Array.from(sampleNext(torch.tensor([[0, 3, 1], [5, 0, 0]]), { temperature: 0 }).toTypedArray(), Number), [1, 0]);
  });
});
