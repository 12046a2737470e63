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
import { F, fx, checkCase, normErrorThunks, close, dec, inputsOf, tolerance, type Case, type Enc } from './layers-fixture.js';

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
        'RNN(10, 20, 2, nonlinearity=relu, bias=False, dropout=0.5)': new nn.RNN(10, 20, 2, { nonlinearity: 'relu', bias: false, dropout: 0.5 }),
        'LSTM(10, 20, proj_size=5, batch_first=True, bidirectional=True)': new nn.LSTM(10, 20, { projSize: 5, batchFirst: true, bidirectional: true }),
        'GRU(8, 16, 3, dropout=1)': new nn.GRU(8, 16, 3, { dropout: 1 }),
        'RNNCell(3, 4, nonlinearity=relu)': new nn.RNNCell(3, 4, { nonlinearity: 'relu' }),
        'LSTMCell(3, 4, bias=False)': new nn.LSTMCell(3, 4, { bias: false }),
        'GRUCell(3, 4)': new nn.GRUCell(3, 4),
        'MultiheadAttention(8, 2, kdim=4, vdim=6, bias=False)': new nn.MultiheadAttention(8, 2, { kdim: 4, vdim: 6, bias: false }),
        'Upsample(size=4)': new nn.Upsample({ size: 4 }),
        'Upsample(size=(4, 6), mode=bilinear)': new nn.Upsample({ size: [4, 6], mode: 'bilinear' }),
        'Upsample(scale_factor=(2, 3))': new nn.Upsample({ scaleFactor: [2, 3] }),
        'UpsamplingBilinear2d(scale_factor=2)': new nn.UpsamplingBilinear2d({ scaleFactor: 2 }),
        'Dropout1d(0.2)': new nn.Dropout1d(0.2),
        'Dropout2d(inplace=True)': new nn.Dropout2d(0.5, { inplace: true }),
        'Sequential(Embedding, LSTM, Linear)': new nn.Sequential(new nn.Embedding(28, 8), new nn.LSTM(8, 16), new nn.Linear(16, 28)),
      };
      assert.deepEqual(Object.keys(made).sort(), Object.keys(r).sort());
      for (const [k, m] of Object.entries(made)) assert.equal(m.toString(), r[k], k);
    });

    test('state dict keys match PyTorch', () => {
      const k = fx.state_dict_keys as Record<string, string[]>;
      assert.deepEqual(Object.keys(new nn.MultiheadAttention(8, 2, { kdim: 4, vdim: 6, addBiasKv: true }).stateDict()), k['MultiheadAttention(8, 2, kdim=4, vdim=6, add_bias_kv=True)']);
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
        'RNN input size': () => new nn.RNN(3, 4).call(r(5, 2, 2)),
        'RNN hidden size': () => new nn.RNN(3, 4, 2).call(r(5, 2, 3), r(1, 2, 4)),
        'RNN batched hx 2D': () => new nn.RNN(3, 4).call(r(5, 2, 3), r(2, 4)),
        'RNN unbatched hx 3D': () => new nn.RNN(3, 4).call(r(5, 3), r(1, 1, 4)),
        'GRU hidden size batch_first': () => new nn.GRU(3, 4, { batchFirst: true }).call(r(2, 5, 3), r(1, 5, 4)),
        'LSTM hidden[0] size': () => new nn.LSTM(3, 4).call(r(5, 2, 3), [r(1, 3, 4), r(1, 2, 4)]),
        'LSTM hidden[1] size': () => new nn.LSTM(3, 4, { projSize: 2 }).call(r(5, 2, 3), [r(1, 2, 2), r(1, 2, 2)]),
        'LSTM batched hx dims': () => new nn.LSTM(3, 4).call(r(5, 2, 3), [r(2, 4), r(1, 2, 4)]),
        'RNN dropout': () => new nn.RNN(3, 4, { dropout: 1.5 }),
        'LSTM proj_size': () => new nn.LSTM(3, 4, { projSize: 4 }),
        'GRU proj_size': () => new nn.GRU(3, 4, { projSize: 2 } as nn.RNNOptions),
        'RNN nonlinearity': () => new nn.RNN(3, 4, { nonlinearity: 'gelu' as 'tanh' }),
        'RNNCell 3D': () => new nn.RNNCell(3, 4).call(r(1, 2, 3)),
        'LSTMCell 3D': () => new nn.LSTMCell(3, 4).call(r(1, 2, 3)),
        'GRUCell 3D': () => new nn.GRUCell(3, 4).call(r(1, 2, 3)),
        'MHA divisible': () => new nn.MultiheadAttention(5, 2),
        'MHA query 4D': () => new nn.MultiheadAttention(4, 2).call(r(1, 3, 2, 4), r(3, 2, 4), r(3, 2, 4)),
        'MHA key 2D': () => new nn.MultiheadAttention(4, 2).call(r(3, 2, 4), r(3, 4), r(3, 4)),
        'MHA embed dim': () => new nn.MultiheadAttention(4, 2).call(r(3, 2, 6), r(3, 2, 6), r(3, 2, 6)),
        'MHA 2D attn_mask': () => new nn.MultiheadAttention(4, 2).call(r(3, 2, 4), r(5, 2, 4), r(5, 2, 4), { attnMask: torch.zeros(3, 4) }),
        'MHA 3D attn_mask': () => new nn.MultiheadAttention(4, 2).call(r(3, 2, 4), r(5, 2, 4), r(5, 2, 4), { attnMask: torch.zeros(2, 3, 5) }),
        'MHA key_padding_mask shape': () =>
          new nn.MultiheadAttention(4, 2).call(r(3, 2, 4), r(5, 2, 4), r(5, 2, 4), { keyPaddingMask: torch.zeros([2, 4], { dtype: 'bool' }) }),
        'MHA key_padding_mask dtype': () =>
          new nn.MultiheadAttention(4, 2).call(r(3, 2, 4), r(5, 2, 4), r(5, 2, 4), { keyPaddingMask: torch.zeros([2, 5], { dtype: 'int64' }) }),
        'interpolate size and scale': () => F.interpolate(r(1, 1, 2, 2), { size: 4, scaleFactor: 2 }),
        'interpolate neither': () => F.interpolate(r(1, 1, 2, 2)),
        'interpolate align_corners nearest': () => F.interpolate(r(1, 1, 2, 2), { scaleFactor: 2, alignCorners: true }),
        'interpolate bilinear 3D': () => F.interpolate(r(1, 1, 2), { scaleFactor: 2, mode: 'bilinear' }),
        'interpolate 2D input': () => F.interpolate(r(2, 2), { scaleFactor: 2 }),
        'interpolate size length': () => F.interpolate(r(1, 1, 2, 2), { size: [3, 4, 5] }),
        'interpolate recompute with size': () => F.interpolate(r(1, 1, 2, 2), { size: 3, recomputeScaleFactor: true }),
        'dropout1d 4D': () => F.dropout1d(r(1, 2, 3, 4)),
        'Dropout2d p': () => new nn.Dropout2d(1.5),
      };
      assert.deepEqual(Object.keys(thunks).sort(), Object.keys(e).sort());
      for (const [k, fn] of Object.entries(thunks)) assert.throws(fn, (err: Error) => err.message === e[k], `${k}: expected "${e[k]}"`);
    });

    test('RNN input of rank other than 2 or 3 is refused with PyTorch 2\'s message', () => {
      assert.throws(() => new nn.RNN(3, 4).call(torch.randn(1, 5, 2, 3)), { message: 'RNN: Expected input to be 2D or 3D, got 4D tensor instead' });
      assert.throws(() => new nn.LSTM(3, 4).call(torch.randn(3)), { message: 'LSTM: Expected input to be 2D or 3D, got 1D instead' });
      assert.throws(() => new nn.GRU(3, 4).call(torch.randn(1, 5, 2, 3)), { message: 'GRU: Expected input to be 2D or 3D, got 4D instead' });
    });

    test('a PyTorch state dict loads into a differently seeded LSTM and gives PyTorch\'s output', () => {
      const c = (fx.cases as Case[]).find((k) => k.name === 'LSTM(3, 4, 2, batch_first, bidirectional) h0 c0 eval' && k.dtype === 'float32')!;
      torch.manualSeed(99);
      const m = new nn.LSTM(3, 4, { numLayers: 2, batchFirst: true, bidirectional: true });
      const sd = Object.fromEntries(Object.entries(c.init_params).map(([k, e]) => [k, dec(e, 'float32')]));
      m.loadStateDict(sd);
      m.eval();
      const ins = inputsOf(c);
      const [out, [h, cc]] = m.call(ins.x, [ins.h0, ins.c0]);
      [out, h, cc].forEach((t, k) => close(t, c.outputs[k], `output ${k}`, tolerance('float32')));
      assert.deepEqual(Object.keys(m.stateDict()), c.state_dict_keys);
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

    test('F.scaledDotProductAttention: bool masks mark allowed positions, is_causal, scale', () => {
      torch.manualSeed(5);
      const q = torch.randn(2, 3, 4);
      const k = torch.randn(2, 5, 4);
      const v = torch.randn(2, 5, 6);
      const manual = (mask: Tensor | null, scale: number) => {
        let s = q.matmul(k.transpose(-2, -1)).mul(scale);
        if (mask) s = s.add(mask);
        return s.softmax(-1).matmul(v);
      };
      const allow = torch.tensor([[true, true, false, true, true], [true, false, true, true, true], [true, true, true, true, false]]);
      const additive = torch.where(allow, 0, -Infinity);
      const tol = tolerance('float32');
      const enc = (t: Tensor): Enc => ({ shape: [...t.shape], values: Array.from(t.toTypedArray()) });
      close(F.scaledDotProductAttention(q, k, v), enc(manual(null, 0.5)), 'plain', tol);
      close(F.scaledDotProductAttention(q, k, v, { attnMask: allow }), enc(manual(additive, 0.5)), 'bool mask', tol);
      close(F.scaledDotProductAttention(q, k, v, { attnMask: additive, scale: 0.3 }), enc(manual(additive, 0.3)), 'float mask, scale', tol);
      const causal = torch.tensor([[0, -Infinity, -Infinity, -Infinity, -Infinity], [0, 0, -Infinity, -Infinity, -Infinity], [0, 0, 0, -Infinity, -Infinity]]);
      close(F.scaledDotProductAttention(q, k, v, { isCausal: true }), enc(manual(causal, 0.5)), 'causal', tol);
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
      test('bidirectional 2-layer LSTM with initial states (input, h0, c0, weights)', () => {
        torch.manualSeed(3);
        const lstm = new nn.LSTM(2, 2, { numLayers: 2, bidirectional: true, batchFirst: true }).double();
        // One weight of each kind, from different layers and directions.
        const params = [lstm.weight_ih_l0, lstm.weight_hh_l0_reverse, lstm.bias_ih_l1, lstm.bias_hh_l1_reverse];
        autograd.gradcheck(
          (x, h0, c0) => {
            const [out, [h, c]] = lstm.call(x, [h0, c0]);
            return [out, h, c];
          },
          [leaf([2, 3, 2]), leaf([4, 2, 2]), leaf([4, 2, 2]), ...params],
        );
      });
      test('GRU with h0', () => {
        torch.manualSeed(4);
        const gru = new nn.GRU(2, 3).double();
        autograd.gradcheck((x, h0) => gru.call(x, h0)[0], [leaf([3, 2, 2]), leaf([1, 2, 3]), ...gru.parameters()]);
      });
      test('MultiheadAttention with masks (query, key, value, projections)', () => {
        torch.manualSeed(5);
        const attn = new nn.MultiheadAttention(4, 2, { kdim: 3, vdim: 5 }).double();
        torch.noGrad(() => attn.in_proj_bias!.copy_(torch.randn([12], { dtype: 'float64' }).mul(0.1)));
        const am = torch.tensor([[false, true, false], [false, false, false]]);
        const kpm = torch.tensor([[false, false, true], [false, false, false]]);
        autograd.gradcheck(
          (q, k, v) => {
            const [out, w] = attn.call(q, k, v, { attnMask: am, keyPaddingMask: kpm });
            return [out, w!];
          },
          [leaf([2, 2, 4]), leaf([3, 2, 3]), leaf([3, 2, 5]), attn.q_proj_weight!, attn.in_proj_bias!, attn.out_proj.weight],
        );
      });
      test('bilinear interpolation, with and without align_corners', () => {
        torch.manualSeed(7);
        autograd.gradcheck((x) => F.interpolate(x, { scaleFactor: 1.5, mode: 'bilinear' }), [leaf([1, 2, 3, 2])]);
        autograd.gradcheck((x) => F.interpolate(x, { size: [4, 3], mode: 'bilinear', alignCorners: true }), [leaf([1, 1, 2, 3])]);
      });
    });
  });
}
