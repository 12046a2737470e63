// src/ops/indexing.ts past gather/scatter (those are in test/gaps.test.ts): nonzero of 0-d and
// all-zero inputs, tril/triu on bool and int32 inputs and their refusal of fewer than 2 dims, the
// dims a bool mask takes in x[...] indexing.
// Expected values from PyTorch 1.13, with the line that printed them.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import * as dlab from '../src/index.js';
import { backendsUnderTest } from './helpers.js';

for (const backend of backendsUnderTest()) {
  describe(`indexing [${backend}]`, () => {
    test('nonzero of a 0-d input is [1, 0] or [0, 0] (NaN counts), of all zeros [0, ndim], int64 always (PyTorch 1.13)', () => {
      dlab.setBackend(backend);
      // for v in [5., 0., nan]: torch.nonzero(torch.tensor(v)).shape -> [1, 0], [0, 0], [1, 0] (int64)
      // torch.nonzero(torch.zeros(2, 3)).shape -> [0, 2] (int64)
      for (const [v, rows] of [[5, 1], [0, 0], [NaN, 1]]) {
        const nz = dlab.nonzero(dlab.tensor(v));
        assert.deepEqual([...nz.shape, nz.dtype], [rows, 0, 'int64'], `nonzero(tensor(${v}))`);
      }
      const none = dlab.nonzero(dlab.zeros(2, 3));
      assert.deepEqual([...none.shape, none.dtype], [0, 2, 'int64']);
    });

    test('tril and triu keep a bool or int32 input\'s dtype (PyTorch 1.13)', () => {
      dlab.setBackend(backend);
      // b = torch.tensor([[True, False, True], [True, True, False]]); torch.tril(b), torch.triu(b, 1)
      const b = dlab.tensor([[true, false, true], [true, true, false]]);
      const lower = dlab.tril(b);
      assert.equal(lower.dtype, 'bool');
      assert.deepEqual(lower.tolist(), [[true, false, false], [true, true, false]]);
      assert.deepEqual(dlab.triu(b, 1).tolist(), [[false, false, true], [false, false, false]]);
      // torch.tril(torch.tensor([[1, 2, 3], [4, 5, 6]], dtype=torch.int32), -1)
      const i = dlab.tril(dlab.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'int32' }), -1);
      assert.equal(i.dtype, 'int32');
      assert.deepEqual(i.tolist(), [[0, 0, 0], [4, 0, 0]]);
    });
  });
}

test('tril and triu refuse fewer than 2 dims as PyTorch 1.13 does: as the dim -2 they read', () => {
  // torch.tril(torch.tensor([1., 2])) / torch.tril(torch.tensor(1.)): IndexError
  for (const op of [dlab.tril, dlab.triu]) {
    assert.throws(() => op(dlab.tensor([1, 2])), { name: 'RangeError', message: 'Dimension out of range (expected to be in range of [-1, 0], but got -2)' });
    assert.throws(() => op(dlab.tensor(1)), { name: 'RangeError', message: 'Dimension specified as -2 but tensor has no dimensions' });
  }
});

test('x[...]: a bool mask takes as many dims as it has, beside an ellipsis and in the count of indices (PyTorch 1.13)', () => {
  // x = torch.arange(24).reshape(2, 3, 4); m = torch.tensor([[True, False, True], [False, True, False]]); x[m, ...]
  const x = dlab.arange(24).reshape([2, 3, 4]);
  const m = dlab.tensor([[true, false, true], [false, true, false]]);
  assert.deepEqual(x.index(m, '...').tolist(), [[0, 1, 2, 3], [8, 9, 10, 11], [16, 17, 18, 19]]);
  // torch.arange(6).reshape(2, 3)[m, 0]: IndexError: too many indices for tensor of dimension 2
  assert.throws(() => dlab.arange(6).reshape([2, 3]).index(m, 0), { name: 'RangeError', message: 'too many indices for tensor of dimension 2' });
  // x['foo']: TypeError (PyTorch: new(): invalid data type 'str')
  assert.throws(() => x.index('foo' as never), TypeError);
});

test('x[...]: several ellipses each skip the dims the other items leave, as PyTorch 1.13 does (numpy refuses them)', () => {
  // x = torch.arange(6).reshape(2, 3); x[..., ...].shape, x[..., 0, ...].shape, x[..., None, ...].shape, x[..., 0, ..., 0]
  // -> [2, 3], [2], [2, 3, 1], tensor(0)
  const x = dlab.arange(6).reshape([2, 3]);
  assert.deepEqual(x.index('...', '...').shape, [2, 3]);
  assert.deepEqual(x.index('...', 0, '...').tolist(), [0, 3]);
  assert.deepEqual(x.index('...', null, '...').shape, [2, 3, 1]);
  assert.equal(x.index('...', 0, '...', 1).item(), 1);
});

test('x[...] with an empty list, an int32 or a float index tensor', () => {
  // x = torch.arange(6).reshape(2, 3); x[[]] -> tensor([], size=(0, 3)), int64
  const x = dlab.arange(6).reshape([2, 3]);
  const empty = x.index([]);
  assert.deepEqual([empty.shape, empty.dtype], [[0, 3], 'int64']);
  // PyTorch 1.13 refuses int32 (and float) index tensors here: "tensors used as indices must be long, byte or
  // bool tensors"; later PyTorch takes int32, and so does dlab (embedding and index_select take it too)
  assert.deepEqual(x.index(dlab.tensor([1, 0], { dtype: 'int32' })).tolist(), [[3, 4, 5], [0, 1, 2]]);
  assert.throws(() => x.index(dlab.tensor([0.5])), { name: 'TypeError', message: /^tensors used as indices must be long, / });
});

test('advanced indices on dims apart put the result dims first, adjacent ones keep them in place; several out of range name the first (PyTorch 1.13)', () => {
  // x = torch.arange(24).reshape(2, 3, 4); x[[0, 1], :, [1, 0]] -> [[1, 5, 9], [12, 16, 20]]; x[:, [0, 2], [1, 3]] -> [[1, 11], [13, 23]]
  const x = dlab.arange(24).reshape([2, 3, 4]);
  assert.deepEqual(x.index([0, 1], ':', [1, 0]).tolist(), [[1, 5, 9], [12, 16, 20]]);
  assert.deepEqual(x.index(':', [0, 2], [1, 3]).tolist(), [[1, 11], [13, 23]]);
  // torch.arange(48).reshape(2, 2, 3, 4)[:, [0, 1], :, [1, 0]]: apart, not from dim 0 -> shape [2, 2, 3]
  assert.deepEqual(dlab.arange(48).reshape([2, 2, 3, 4]).index(':', [0, 1], ':', [1, 0]).tolist(), [[[1, 5, 9], [25, 29, 33]], [[12, 16, 20], [36, 40, 44]]]);
  // y = torch.arange(48).reshape(2, 2, 3, 4)[:, [1, 0]]: shape [2, 2, 3, 4]; y[0, 0] -> [[12..15], [16..19], [20..23]], y[1, 1] -> [[24..27], [28..31], [32..35]]
  const y = dlab.arange(48).reshape([2, 2, 3, 4]).index(':', [1, 0]);
  assert.deepEqual(y.shape, [2, 2, 3, 4]);
  assert.deepEqual(y.index(0, 0).tolist(), [[12, 13, 14, 15], [16, 17, 18, 19], [20, 21, 22, 23]]);
  assert.deepEqual(y.index(1, 1).tolist(), [[24, 25, 26, 27], [28, 29, 30, 31], [32, 33, 34, 35]]);
  // x[torch.tensor([5, 7])]: IndexError: index 5 is out of bounds for dimension 0 with size 2
  assert.throws(() => x.index(dlab.tensor([5, 7])), { name: 'RangeError', message: 'index 5 is out of bounds for dimension 0 with size 2' });
});
