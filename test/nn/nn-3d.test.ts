// More of nn.functional and its modules against PyTorch 1.13 (tools/fixtures/nn_3d.py): the
// likelihood losses (poisson_nll_loss, gaussian_nll_loss), affine_grid and grid_sample, conv3d and
// the 3-D poolings, embedding_bag, with their modules: values, dtypes, gradients for a fixed
// grad_output, grad_fn names, module reprs and state_dict keys, and every refusal in PyTorch's
// words. Once per backend.

import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import * as dlab from '../../src/index.js';
import { nn, type Tensor } from '../../src/index.js';
import { backendsUnderTest, errorOf } from '../helpers.js';
import { fixtureTests, type Fixture, type Value } from './fixture-cases.js';

const F = nn.functional;

const fixture = JSON.parse(readFileSync(new URL('../fixtures/nn_3d.json', import.meta.url), 'utf8')) as Fixture;

/** The dlab call of a fixture's torch.<fn>(inputs, *args, **kwargs). */
function callFunction(fn: string, args: Value[], o: Record<string, never>, xs: Tensor[]): Tensor | Tensor[] {
  const [a, b, c] = xs;
  switch (fn) {
    case 'nn.functional.affine_grid': return F.affineGrid(a, args[0] as number[], o);
    case 'nn.functional.grid_sample': return F.gridSample(a, b, o);
    case 'nn.functional.conv3d': return F.conv3d(a, b, c ?? null, o);
    case 'nn.functional.conv_transpose3d': return F.convTranspose3d(a, b, c ?? null, o);
    case 'nn.functional.max_pool3d': return F.maxPool3d(a, args[0] as number, o);
    case 'nn.functional.avg_pool3d': return F.avgPool3d(a, args[0] as number, o);
    case 'nn.functional.adaptive_avg_pool3d': return F.adaptiveAvgPool3d(a, args[0] as number);
    case 'nn.functional.embedding_bag': return F.embeddingBag(a, b, c ?? null, o);
    case 'nn.functional.poisson_nll_loss': return F.poissonNllLoss(a, b, o);
    case 'nn.functional.gaussian_nll_loss': return F.gaussianNllLoss(a, b, c, o);
    default: throw new Error(`no dlab call for torch.${fn}`);
  }
}

/**
 * Where dlab's graph ends in another node than PyTorch's, by design: PyTorch has one kernel with
 * its own backward; dlab composes the function from tensor ops, whose gradients the cases check.
 */
const OWN_NODE: Record<string, string> = {
  AffineGridGeneratorBackward0: 'ViewBackward0', // the base grid times theta's transpose, viewed
  GridSampler2DBackward0: 'AddBackward0', // the sum of the weighted taps
  // 3-D convolution and pooling run as 2-D ops over the depth planes side by side, then:
  ConvolutionBackward0: 'PermuteBackward0', // conv3d: [N, outD, O, ...] back to [N, O, outD, ...]
  MaxPool3DWithIndicesBackward0: 'MaxBackward0', // the max over the kernel's depth
  AvgPool3DBackward0: 'DivBackward0', // the sums over the 3-D divisors
  AdaptiveAvgPool3DBackward0: 'ViewBackward0', // the depth's averaging matrix times the 2-D averages
};
/** Cases whose last node is another one again: nearest reads one tap, times a 1 that carries the grid's zero gradient. */
const OWN_NODE_BY_CASE: Record<string, string> = {
  ...Object.fromEntries(fixture.cases.filter((c) => c.name.startsWith('grid_sample nearest')).map((c) => [c.name, 'MulBackward0'])),
  // conv_transpose3d ends in its bias, or in the depth taps' sum viewed as [N, O, outD, outH, outW].
  'conv_transpose3d': 'AddBackward0',
  'nn.ConvTranspose3d': 'AddBackward0',
  'conv_transpose3d stride padding output_padding dilation groups': 'ViewBackward0',
  // Unbatched input is pooled as a batch of one, squeezed back.
  'max_pool3d unbatched': 'SqueezeBackward1',
  'avg_pool3d unbatched': 'SqueezeBackward1',
  'adaptive_avg_pool3d unbatched': 'SqueezeBackward1',
  // embedding_bag ends in its mode's reduction: the sums' index_add, the mean's division, or the max's where (an empty bag is 0).
  ...Object.fromEntries(
    fixture.cases
      .filter((c) => c.fn === 'nn.functional.embedding_bag' || c.module === 'nn.EmbeddingBag')
      .map((c) => [c.name, { sum: 'IndexAddBackward0', mean: 'DivBackward0', max: 'WhereBackward0' }[(c.kwargs?.mode ?? c.ctor_kwargs?.mode ?? 'mean') as 'sum']]),
  ),
};

// PyTorch's UserWarnings, collected while the suites run with the test that printed them: each
// must be printed once (as Python prints one once per place), first by a case whose PyTorch call
// printed it.
const printed: { message: string; by: string }[] = [];
let running = '';
const consoleWarn = console.warn;
console.warn = (...parts: unknown[]) => void printed.push({ message: parts.join(' '), by: running });

for (const backend of backendsUnderTest()) {
  describe(`nn.functional and modules (3-D, sampling, bags, likelihoods) vs PyTorch ${fixture.torch} [${backend}]`, () => {
    beforeEach((t) => {
      running = t.name;
    });
    fixtureTests(fixture, backend, { callFunction, ownNode: OWN_NODE, ownNodeByCase: OWN_NODE_BY_CASE });

    test('grid_sample of a 5-D input passes PyTorch\'s checks, then is refused as not implemented', () => {
      dlab.setBackend(backend);
      const volume = dlab.zeros([1, 1, 2, 2, 2]);
      const points = dlab.zeros([1, 1, 1, 1, 3]);
      assert.equal(errorOf(() => F.gridSample(volume, points, { alignCorners: false })), 'grid_sample of a 5-D input (volumetric sampling) is not implemented in dlab; only 4-D input');
      assert.equal(errorOf(() => F.gridSample(volume, points, { mode: 'bicubic', alignCorners: false })), 'grid_sampler(): bicubic interpolation only supports 4D input');
    });

    test('the new modules keep PyTorch defaults and take their arguments by keyword too', () => {
      dlab.setBackend(backend);
      const p = new nn.PoissonNLLLoss();
      const g = new nn.GaussianNLLLoss();
      assert.deepEqual([p.logInput, p.full, p.eps, p.reduction, g.full, g.eps, g.reduction], [true, false, 1e-8, 'mean', false, 1e-6, 'mean']);
      assert.deepEqual([new nn.PoissonNLLLoss(false).logInput, new nn.PoissonNLLLoss({ full: true }).full], [false, true]);
      assert.deepEqual(
        [
          new nn.Conv3d({ inChannels: 1, outChannels: 2, kernelSize: 3 }), new nn.ConvTranspose3d({ inChannels: 2, outChannels: 1, kernelSize: [1, 2, 2], stride: 2 }),
          new nn.MaxPool3d({ kernelSize: 2 }), new nn.AvgPool3d({ kernelSize: 3, stride: 1 }), new nn.AdaptiveAvgPool3d({ outputSize: 4 }),
          new nn.EmbeddingBag({ numEmbeddings: 5, embeddingDim: 2, mode: 'sum' }), p, g,
        ].map((m) => m.toString()),
        [
          'Conv3d(1, 2, kernel_size=(3, 3, 3), stride=(1, 1, 1))', 'ConvTranspose3d(2, 1, kernel_size=(1, 2, 2), stride=(2, 2, 2))',
          'MaxPool3d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)', 'AvgPool3d(kernel_size=3, stride=1, padding=0)', 'AdaptiveAvgPool3d(output_size=4)',
          'EmbeddingBag(5, 2, mode=sum)', 'PoissonNLLLoss()', 'GaussianNLLLoss()',
        ],
      );
      const bag = new nn.EmbeddingBag(5, 2, { paddingIdx: -1 });
      assert.deepEqual([bag.mode, bag.paddingIdx, bag.includeLastOffset, bag.weight.select(0, 4).tolist()], ['mean', 4, false, [0, 0]]);
    });
  });
}

describe('the UserWarnings PyTorch prints', () => {
  test('each is printed once, in its words, first by a call that prints it in PyTorch', () => {
    console.warn = consoleWarn;
    const expected = [...new Set(fixture.cases.flatMap((c) => c.warnings ?? []))];
    assert.equal(expected.length, 2);
    const ours = printed.filter((p) => expected.some((w) => p.message === `UserWarning: ${w}`));
    assert.deepEqual(ours.map((p) => p.message).sort(), expected.map((w) => `UserWarning: ${w}`).sort());
    for (const p of ours) {
      const by = fixture.cases.find((c) => c.name === p.by);
      assert.ok(by?.warnings?.some((w) => p.message === `UserWarning: ${w}`), `${p.message} printed first by ${p.by}`);
    }
  });
});
