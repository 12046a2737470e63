// default_collate semantics (PyTorch 1.13 _utils/collate.py).

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { Tensor, tensor, randn } from '../../src/index.js';
import { defaultCollate, defaultConvert, Image } from '../../src/data/index.js';
import { fixture } from './fixture.js';

const values = (t: unknown) => Array.from((t as Tensor).toTypedArray());

test('tuples of tensors, ints, floats, bools and strings (dtypes as PyTorch)', () => {
  const batch = defaultCollate([
    [tensor([1.0, 2.5]), 3, 0.5, true, 'a'],
    [tensor([3.0, 4.5]), 4, 1.5, false, 'b'],
  ] as [Tensor, number, number, boolean, string][]);
  const [x, ints, floats, bools, strings] = batch;
  assert.deepEqual([x.dtype, ints.dtype, floats.dtype, bools.dtype].map((d) => `torch.${d}`), fixture.collate.dtypes);
  assert.deepEqual(x.shape, fixture.collate.shape);
  assert.deepEqual(values(x), [1, 2.5, 3, 4.5]);
  assert.deepEqual(values(ints), [3, 4]);
  assert.deepEqual(values(floats), [0.5, 1.5]);
  assert.deepEqual(strings, fixture.collate.strings);
});

test('nested objects and arrays collate element-wise', () => {
  const batch = defaultCollate([
    { image: randn(2, 2), meta: { id: 1, tags: ['x', 'y'] } },
    { image: randn(2, 2), meta: { id: 2, tags: ['z', 'w'] } },
  ]);
  assert.deepEqual(batch.image.shape, [2, 2, 2]);
  assert.deepEqual(values(batch.meta.id), [1, 2]);
  assert.equal(batch.meta.id.dtype, 'int64');
  assert.deepEqual(batch.meta.tags, [['x', 'z'], ['y', 'w']]);
});

test('numbers alone become a 1-D tensor; typed arrays stack like numpy arrays', () => {
  assert.equal(defaultCollate([1, 2, 3]).dtype, 'int64');
  assert.equal(defaultCollate([1, 2.5]).dtype, 'float64');
  const t = defaultCollate([new Float32Array([1, 2]), new Float32Array([3, 4])]);
  assert.deepEqual([t.dtype, ...t.shape], ['float32', 2, 2]);
});

test('errors: unequal sizes, unsupported elements', () => {
  assert.throws(() => defaultCollate([[1, 2], [3]]), /equal size/);
  assert.throws(() => defaultCollate([tensor([1, 2]), tensor([1, 2, 3])]), /stack expects each tensor to be equal size/);
  assert.throws(() => defaultCollate([new Image(new Uint8Array(4), 2, 2)]), /found Image/);
  assert.throws(() => defaultCollate([null]), /found null/);
});

test('defaultConvert leaves samples alone except typed arrays', () => {
  assert.equal(defaultConvert(3), 3);
  const converted = defaultConvert(new Float64Array([1, 2.5])) as Tensor;
  assert.equal(converted.dtype, 'float64');
  assert.deepEqual(converted.tolist(), [1, 2.5]);
  assert.deepEqual(defaultConvert(['a', 1]), ['a', 1]);
});
