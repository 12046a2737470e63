// The recurrent layers (RNN, LSTM, GRU and their cells) against PyTorch 1.13, as a file of their
// own: the fixture cases of test/fixtures/layers.json (layers.test.ts runs them too, among every
// other layer, in 30 s: too long per mutant when mutation-testing src/nn/modules/rnn.ts), their
// reprs and error messages, and float64 gradchecks.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import { autograd, nn, setBackend, type Tensor } from '../../src/index.js';
import { backendsUnderTest } from '../helpers.js';
import { readFileSync } from 'node:fs';
import { fx, checkCase, rnnErrorThunks, rnnReprModules, close, dec, inputsOf, lstmRun, tolerance, type Case, type Enc, type Run } from './layers-fixture.js';

// More cases in layers.json's format (tools/fixtures/rnn.py, PyTorch 1.13): paths the mutation run found untested.
const more = JSON.parse(readFileSync(new URL('../fixtures/rnn.json', import.meta.url), 'utf8')) as {
  cases: Case[];
  inits: Record<string, Record<string, Enc>>;
  allWeights: Record<string, string[][]>;
  errors: Record<string, string>;
};

/** The output and h_n, then a draw: PyTorch draws no dropout mask here, so the generator is where it was. */
const thenRand: Run = (m: nn.Module, i) => {
  const [out, h] = (m as nn.GRU).call(i.x);
  return [out, h, torch.rand([3], { dtype: i.x.dtype })];
};

/** The dlab spelling of each case of rnn.json. */
const moreCases: Record<string, { make: () => nn.Module; run: Run }> = {
  'LSTM(3, 4, 2, dropout=0.5) eval': { make: () => new nn.LSTM(3, 4, 2, { dropout: 0.5 }), run: lstmRun(false) },
  'GRU(3, 4, 2) train, then a draw': { make: () => new nn.GRU(3, 4, 2), run: thenRand },
  'GRU(3, 4, 2, dropout=0.4) eval, then a draw': { make: () => new nn.GRU(3, 4, 2, { dropout: 0.4 }), run: thenRand },
  'LSTM(3, 5, proj_size=2) unbatched h0 c0': { make: () => new nn.LSTM(3, 5, { projSize: 2 }), run: lstmRun(true) },
  'LSTM(3, 4, bias=False, batch_first=True) unbatched': { make: () => new nn.LSTM(3, 4, { bias: false, batchFirst: true }), run: lstmRun(false) },
  'RNNCell(3, 4)': { make: () => new nn.RNNCell(3, 4), run: (m, i) => [m.call(i.x)] },
  'GRUCell(3, 4)': { make: () => new nn.GRUCell(3, 4), run: (m, i) => [m.call(i.x)] },
  'GRUCell(3, 4, bias=False) unbatched': { make: () => new nn.GRUCell(3, 4, { bias: false }), run: (m, i) => [m.call(i.x)] },
  'LSTMCell(3, 4) unbatched hx': { make: () => new nn.LSTMCell(3, 4), run: (m, i) => m.call(i.x, [i.h, i.c]) },
  'GRU(3, 4) a batch of one': { make: () => new nn.GRU(3, 4), run: (m, i) => m.call(i.x) },
  'LSTM(3, 4, batch_first=True) a batch of one': { make: () => new nn.LSTM(3, 4, { batchFirst: true }), run: lstmRun(false) },
};

const isRecurrent = (name: string) => /^(RNN|LSTM|GRU)/.test(name);

/** A float64 leaf with values in [-1, 1), from a seeded draw. */
const leaf = (shape: number[]): Tensor => torch.rand(shape, { dtype: 'float64' }).mul(2).sub(1).requiresGrad_();

for (const backend of backendsUnderTest()) {
  describe(`backend ${backend}`, () => {
    before(() => setBackend(backend));

    for (const c of (fx.cases as Case[]).filter((k) => isRecurrent(k.name))) test(`${c.name} (${c.dtype})`, () => checkCase(c));

    for (const c of more.cases) test(`${c.name} (${c.dtype})`, () => checkCase(c, moreCases));

    test('dtype float64 at construction draws PyTorch\'s float64 weights', () => {
      const made: Record<string, () => nn.Module> = {
        'LSTM(3, 4, dtype=float64)': () => new nn.LSTM(3, 4, { dtype: 'float64' }),
        'GRUCell(2, 3, dtype=float64)': () => new nn.GRUCell(2, 3, { dtype: 'float64' }),
        'RNNCell(2, 3, bias=False, dtype=float64)': () => new nn.RNNCell(2, 3, { bias: false, dtype: 'float64' }),
      };
      assert.deepEqual(Object.keys(made).sort(), Object.keys(more.inits).sort());
      for (const [name, make] of Object.entries(made)) {
        torch.manualSeed(0);
        const params = new Map(make().namedParameters());
        assert.deepEqual([...params.keys()], Object.keys(more.inits[name]), name);
        for (const [k, e] of Object.entries(more.inits[name])) {
          assert.equal(params.get(k)!.dtype, 'float64', `${name} ${k}`);
          close(params.get(k), e, `${name} ${k}`, { rtol: 0, atol: 0 });
        }
      }
    });

    test('allWeightNames and allWeights: the parameters per layer and direction in PyTorch\'s order (its _all_weights)', () => {
      const made: Record<string, nn.RNNBase> = {
        'LSTM(3, 4, 2, bidirectional=True, proj_size=2)': new nn.LSTM(3, 4, 2, { bidirectional: true, projSize: 2 }),
        'GRU(3, 4, bias=False)': new nn.GRU(3, 4, { bias: false }),
      };
      assert.deepEqual(Object.keys(made).sort(), Object.keys(more.allWeights).sort());
      for (const [name, m] of Object.entries(made)) {
        assert.deepEqual(m.allWeightNames, more.allWeights[name], name);
        const params = new Map(m.namedParameters());
        assert.deepEqual(m.allWeights, more.allWeights[name].map((names) => names.map((n) => params.get(n))), name);
      }
    });

    test('more refusals in PyTorch 1.13\'s words', () => {
      const r = torch.randn;
      const thunks: Record<string, () => unknown> = {
        'RNN hidden_size 0': () => new nn.RNN(3, 0),
        'LSTM proj_size negative': () => new nn.LSTM(3, 4, { projSize: -1 }),
        'RNN dropout True': () => new nn.RNN(3, 4, { dropout: true as unknown as number }),
        'RNN dropout negative': () => new nn.RNN(3, 4, { dropout: -0.1 }),
        'RNNCell nonlinearity': () => new nn.RNNCell(3, 4, { nonlinearity: 'gelu' as 'tanh' }).call(r(2, 3)),
        'LSTM unbatched hx dims': () => new nn.LSTM(3, 4).call(r(5, 3), [r(1, 1, 4), r(1, 1, 4)]),
        'LSTMCell input_size': () => new nn.LSTMCell(3, 4).call(r(2, 2)),
        'RNNCell hidden batch': () => new nn.RNNCell(3, 4).call(r(2, 3), r(3, 4)),
        'GRUCell hidden size': () => new nn.GRUCell(3, 4).call(r(2, 3), r(2, 5)),
        'GRUCell input before hidden': () => new nn.GRUCell(3, 4).call(r(2, 2), r(3, 5)),
        'LSTMCell c batch': () => new nn.LSTMCell(3, 4).call(r(2, 3), [r(2, 4), r(3, 4)]),
        'LSTMCell c size': () => new nn.LSTMCell(3, 4).call(r(2, 3), [r(2, 4), r(2, 5)]),
        'RNNCell unbatched 2-D hx': () => new nn.RNNCell(3, 4).call(r(3), r(1, 4)),
        'LSTM batched cx 2-D': () => new nn.LSTM(3, 4).call(r(5, 2, 3), [r(1, 2, 4), r(2, 4)]),
        'LSTM unbatched cx 3-D': () => new nn.LSTM(3, 4).call(r(5, 3), [r(1, 4), r(1, 1, 4)]),
        'RNN proj_size 0': () => new nn.RNN(3, 4, { projSize: 0 } as nn.RNNOptions),
        'GRU proj_size 0': () => new nn.GRU(3, 4, { projSize: 0 } as nn.RNNOptions),
        'LSTM unbatched c0 size': () => new nn.LSTM(3, 4).call(r(5, 3), [r(1, 4), r(1, 5)]),
      };
      assert.deepEqual(Object.keys(thunks).sort(), Object.keys(more.errors).sort());
      for (const [k, fn] of Object.entries(thunks)) assert.throws(fn, (err: Error) => err.message === more.errors[k], `${k}: expected "${more.errors[k]}"`);
      // PyTorch: RNNBase.__init__() got multiple values for argument 'num_layers' (dlab names the class and its option).
      assert.throws(() => new nn.LSTM(5, 7, 2, { numLayers: 3 }), /^TypeError: LSTM\(\) got multiple values for argument 'numLayers'$/);
      assert.throws(() => new nn.RNN(5, 7, 2, { numLayers: 3 }), /^TypeError: RNN\(\) got multiple values for argument 'numLayers'$/);
      assert.throws(() => new nn.GRU(5, 7, 2, { numLayers: 3 }), /^TypeError: GRU\(\) got multiple values for argument 'numLayers'$/);
    });

    test('reprs and error messages match PyTorch', () => {
      const reprs = fx.reprs as Record<string, string>;
      for (const [k, m] of Object.entries(rnnReprModules())) assert.equal(m.toString(), reprs[k], k);
      const e = fx.errors as Record<string, string>;
      for (const [k, fn] of Object.entries(rnnErrorThunks())) assert.throws(fn, (err: Error) => err.message === e[k], `${k}: expected "${e[k]}"`);
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

    describe('float64 gradcheck', () => {
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
    });
  });
}
