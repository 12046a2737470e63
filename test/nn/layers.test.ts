// Normalization, embedding, recurrent, attention, upsampling and channel-dropout layers against
// PyTorch 1.13 (fixtures from tools/fixtures/layers.py): initial weights under a seed, forward
// outputs, gradients w.r.t. inputs and parameters, running statistics, in float32 and float64, in
// train and eval mode; reprs, state-dict keys, error messages; float64 gradchecks. Every suite
// runs once per backend.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import { autograd, nn, setBackend, type Tensor } from '../../src/index.js';
import { backendsUnderTest } from '../helpers.js';
import { F, fx, checkCase, normErrorThunks, rnnErrorThunks, interpolateErrorThunks, rnnReprModules, mhaErrorThunks, mhaReprModules, close, tolerance, type Case } from './layers-fixture.js';

/** A float64 leaf with values in [lo, hi), from a seeded draw. */
function leaf(shape: number[], lo = -1, hi = 1): Tensor {
  return torch.rand(shape, { dtype: 'float64' }).mul(hi - lo).add(lo).requiresGrad_();
}

for (const backend of backendsUnderTest()) {
  describe(`backend ${backend}`, () => {
    before(() => setBackend(backend));

    describe('against PyTorch', () => {
      for (const c of fx.cases as Case[]) test(`${c.name} (${c.dtype})`, () => checkCase(c));
    });

    test('reprs match PyTorch', () => {
      const r = fx.reprs as Record<string, string>;
      const made: Record<string, nn.Module> = {
        'BatchNorm1d(10)': new nn.BatchNorm1d(10),
        'BatchNorm2d(3, momentum=None, affine=False)': new nn.BatchNorm2d(3, { momentum: null, affine: false }),
        'BatchNorm2d(8, eps=0.001, momentum=0.01, track_running_stats=False)': new nn.BatchNorm2d(8, { eps: 0.001, momentum: 0.01, trackRunningStats: false }),
        'LayerNorm([3, 4])': new nn.LayerNorm([3, 4]),
        'LayerNorm(6, eps=1e-6, elementwise_affine=False)': new nn.LayerNorm(6, { eps: 1e-6, elementwiseAffine: false }),
        'GroupNorm(4, 8, affine=False)': new nn.GroupNorm(4, 8, { affine: false }),
        'Embedding(100, 16, padding_idx=3, max_norm=2.0, norm_type=1.0, scale_grad_by_freq=True)': new nn.Embedding(100, 16, {
          paddingIdx: 3, maxNorm: 2, normType: 1, scaleGradByFreq: true,
        }),
        ...rnnReprModules(),
        ...mhaReprModules(),
        'Upsample(size=4)': new nn.Upsample({ size: 4 }),
        'Upsample(size=(4, 6), mode=bilinear)': new nn.Upsample({ size: [4, 6], mode: 'bilinear' }),
        'Upsample(scale_factor=(2, 3))': new nn.Upsample({ scaleFactor: [2, 3] }),
        'UpsamplingBilinear2d(scale_factor=2)': new nn.UpsamplingBilinear2d({ scaleFactor: 2 }),
        'Dropout1d(0.2)': new nn.Dropout1d(0.2),
        'Dropout2d(inplace=True)': new nn.Dropout2d(0.5, { inplace: true }),
      };
      assert.deepEqual(Object.keys(made).sort(), Object.keys(r).sort());
      for (const [k, m] of Object.entries(made)) assert.equal(m.toString(), r[k], k);
    });

    test('state dict keys match PyTorch', () => {
      const k = fx.state_dict_keys as Record<string, string[]>;
      assert.deepEqual(Object.keys(new nn.BatchNorm1d(3, { trackRunningStats: false }).stateDict()), k['BatchNorm1d(3, track_running_stats=False)']);
      assert.deepEqual(Object.keys(new nn.BatchNorm1d(3, { affine: false }).stateDict()), k['BatchNorm1d(3, affine=False)']);
    });

    test('error messages match PyTorch', () => {
      const e = fx.errors as Record<string, string>;
      const r = torch.randn;
      const thunks: Record<string, () => unknown> = {
        ...normErrorThunks(),
        'Embedding padding_idx': () => new nn.Embedding(5, 2, { paddingIdx: 5 }),
        'Embedding float indices': () => new nn.Embedding(5, 2).call(torch.tensor([1], { dtype: 'float32' })),
        'Embedding out of range': () => new nn.Embedding(5, 2).call(torch.tensor([5])),
        ...rnnErrorThunks(),
        ...mhaErrorThunks(),
        ...interpolateErrorThunks(),
        'dropout1d 4D': () => F.dropout1d(r(1, 2, 3, 4)),
        'Dropout2d p': () => new nn.Dropout2d(1.5),
      };
      assert.deepEqual(Object.keys(thunks).sort(), Object.keys(e).sort());
      for (const [k, fn] of Object.entries(thunks)) assert.throws(fn, (err: Error) => err.message === e[k], `${k}: expected "${e[k]}"`);
    });

    test('BatchNorm: a state dict without num_batches_tracked loads it as 0; buffers follow module.double()', () => {
      const bn = new nn.BatchNorm1d(2);
      bn.call(torch.randn(4, 2));
      assert.equal(bn.num_batches_tracked!.item(), 1);
      bn.loadStateDict({ weight: torch.ones(2), bias: torch.zeros(2), running_mean: torch.zeros(2), running_var: torch.ones(2) });
      assert.equal(bn.num_batches_tracked!.item(), 0);
      assert.equal(bn.num_batches_tracked!.dtype, 'int64');
      bn.double();
      assert.equal(bn.running_mean!.dtype, 'float64');
      assert.equal(bn.num_batches_tracked!.dtype, 'int64');
      // eval mode uses the running statistics: with mean 0 and var 1 the output is x / sqrt(1 + eps).
      bn.eval();
      const x = torch.randn([3, 2], { dtype: 'float64' });
      close(bn.call(x), { shape: [3, 2], values: Array.from(x.toTypedArray(), (v) => v / Math.sqrt(1 + 1e-5)) }, 'eval output', tolerance('float64'));
    });

    describe('float64 gradcheck', () => {
      test('LayerNorm (input, weight, bias)', () => {
        torch.manualSeed(0);
        const ln = new nn.LayerNorm(4).double();
        torch.noGrad(() => {
          ln.weight!.copy_(torch.rand([4], { dtype: 'float64' }).add(0.5));
          ln.bias!.copy_(torch.rand([4], { dtype: 'float64' }));
        });
        autograd.gradcheck((x) => ln.call(x), [leaf([2, 3, 4]), ln.weight!, ln.bias!]);
      });
      test('BatchNorm2d in training mode (input, weight, bias)', () => {
        torch.manualSeed(1);
        const bn = new nn.BatchNorm2d(2).double();
        torch.noGrad(() => bn.weight!.copy_(torch.tensor([0.7, 1.3], { dtype: 'float64' })));
        autograd.gradcheck((x) => bn.call(x), [leaf([3, 2, 2, 2]), bn.weight!, bn.bias!]);
      });
      test('GroupNorm (input, weight)', () => {
        torch.manualSeed(2);
        const gn = new nn.GroupNorm(2, 4).double();
        autograd.gradcheck((x) => gn.call(x), [leaf([2, 4, 3]), gn.weight!]);
      });
      test('bilinear interpolation, with and without align_corners', () => {
        torch.manualSeed(7);
        autograd.gradcheck((x) => F.interpolate(x, { scaleFactor: 1.5, mode: 'bilinear' }), [leaf([1, 2, 3, 2])]);
        autograd.gradcheck((x) => F.interpolate(x, { size: [4, 3], mode: 'bilinear', alignCorners: true }), [leaf([1, 1, 2, 3])]);
      });
    });
  });
}
