// DataLoader and samplers against PyTorch 1.13: the same manualSeed gives the same order.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { type Tensor, manualSeed, Generator, arange, randn } from '../../src/index.js';
import {
  DataLoader, RandomSampler, SequentialSampler, SubsetRandomSampler, WeightedRandomSampler, BatchSampler,
  IterableDataset, TensorDataset, randomSplit, randomInt64, Subset, ConcatDataset,
} from '../../src/data/index.js';
import { defaultGenerator } from '../../src/random/generator.js';
import { fixture } from './fixture.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const values = (t: Tensor) => Array.from(t.toTypedArray());
const epoch = (loader: Iterable<Tensor>) => [...loader].map(values);

test('int64 random_() draws random64() mod 2^63', () => {
  manualSeed(0);
  const got = [randomInt64(), randomInt64(), randomInt64()].map(String);
  assert.deepEqual(got, fixture.samplers.int64_random_seed0);
});

for (const c of fixture.loader) {
  test(`DataLoader(range(${c.n}), batch_size=${c.batch_size}, shuffle=True${c.drop_last ? ', drop_last=True' : ''}) after manual_seed(${c.seed})`, () => {
    manualSeed(c.seed);
    const loader = new DataLoader(range(c.n), { batchSize: c.batch_size, shuffle: true, dropLast: c.drop_last });
    assert.equal(loader.length, c.epochs[0].length);
    const first = epoch(loader);
    assert.deepEqual(first.slice(0, 3), c.epochs[0].slice(0, 3), 'first three batches');
    assert.deepEqual(first, c.epochs[0]);
    assert.deepEqual(epoch(loader), c.epochs[1], 'second epoch');
  });
}

test('DataLoader with its own generator (base seed and sampler both draw from it)', () => {
  const c = fixture.loader_generator;
  manualSeed(123);
  const loader = new DataLoader(range(c.n), { batchSize: c.batch_size, shuffle: true, generator: new Generator(c.generator_seed) });
  assert.deepEqual(epoch(loader), c.epochs[0]);
  assert.deepEqual(epoch(loader), c.epochs[1]);
  // The global generator was not touched.
  assert.equal(String(randomInt64()), c.default_after);
});

test('RandomSampler: replacement, numSamples, generator', () => {
  const s = fixture.samplers;
  manualSeed(3);
  assert.deepEqual([...new RandomSampler(range(10), { replacement: true, numSamples: 40 })], s.random_replacement);
  manualSeed(3);
  const sampler = new RandomSampler(range(10), { numSamples: 25 });
  assert.equal(sampler.length, 25);
  assert.deepEqual([...sampler], s.random_num_samples);
  assert.deepEqual([...new RandomSampler(range(12), { generator: new Generator(9) })], s.random_generator);
});

test('SubsetRandomSampler, WeightedRandomSampler, BatchSampler', () => {
  const s = fixture.samplers;
  manualSeed(5);
  assert.deepEqual([...new SubsetRandomSampler([10, 20, 30, 40, 50])], s.subset_random);
  manualSeed(1);
  assert.deepEqual([...new WeightedRandomSampler(s.weights, 20)], s.weighted_replacement);
  manualSeed(1);
  assert.deepEqual([...new WeightedRandomSampler(s.weights, 4, { replacement: false })], s.weighted_no_replacement);
  manualSeed(1);
  assert.deepEqual([...new WeightedRandomSampler(s.weights, 1)], s.weighted_one);
  const bs = new BatchSampler(new SequentialSampler(range(10)), 3, false);
  assert.deepEqual([...bs], s.batch_sampler);
  assert.equal(bs.length, 4);
  assert.equal(new BatchSampler(new SequentialSampler(range(10)), 3, true).length, 3);
});

test('randomSplit: lengths and fractions', () => {
  for (const c of fixture.random_split) {
    let gen: Generator | undefined;
    if (c.seed === null) manualSeed(c.default_seed!);
    else gen = new Generator(c.seed);
    const parts = randomSplit(range(c.n), c.lengths, gen);
    assert.deepEqual(parts.map((p) => p.indices), c.indices, `n=${c.n} lengths=${c.lengths}`);
  }
  assert.throws(() => randomSplit(range(10), [3, 3]), /Sum of input lengths/);
  assert.throws(() => randomSplit(range(10), [1.5, -0.5]), /Fraction at index 0/);
});

test('DataLoader options: sequential order, dropLast, length, exclusive options', () => {
  const loader = new DataLoader(range(10), { batchSize: 4 });
  assert.equal(loader.length, 3);
  assert.deepEqual(epoch(loader), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  assert.deepEqual(epoch(new DataLoader(range(10), { batchSize: 4, dropLast: true })), [[0, 1, 2, 3], [4, 5, 6, 7]]);
  assert.deepEqual(epoch(new DataLoader(range(3))), [[0], [1], [2]]);
  assert.throws(() => new DataLoader(range(3), { shuffle: true, sampler: new SequentialSampler(range(3)) }), /mutually exclusive with shuffle/);
  assert.throws(() => new DataLoader(range(3), { batchSize: 2, batchSampler: [[0, 1]] }), /mutually exclusive/);
  assert.throws(() => new DataLoader(range(3), { batchSize: null, dropLast: true }), /mutually exclusive with drop_last/);
  const bySampler = new DataLoader(range(6), { batchSampler: [[5, 0], [2]] });
  assert.deepEqual(epoch(bySampler), [[5, 0], [2]]);
  assert.equal(bySampler.length, 2);
  const unbatched = new DataLoader<number, number>(range(3), { batchSize: null });
  assert.deepEqual([...unbatched], [0, 1, 2]);
  const custom = new DataLoader(range(5), { batchSize: 2, collateFn: (b) => b.join('+') });
  assert.deepEqual([...custom], ['0+1', '2+3', '4']);
});

test('DataLoader over a TensorDataset: [x, y] batches; the fast path equals collating rows', () => {
  const x = randn(10, 3);
  const y = arange(10);
  const ds = new TensorDataset(x, y);
  assert.equal(ds.length, 10);
  const loader = new DataLoader(ds, { batchSize: 4 });
  const slow = new DataLoader(ds, { batchSize: 4, collateFn: (b) => b });
  let seen = 0;
  for (const [xb, yb] of loader) {
    assert.equal(xb.dtype, 'float32');
    assert.equal(yb.dtype, 'int64');
    assert.deepEqual(xb.shape, [Math.min(4, 10 - seen), 3]);
    assert.deepEqual(values(yb), range(10).slice(seen, seen + 4));
    assert.deepEqual(values(xb), values(x).slice(seen * 3, (seen + 4) * 3));
    seen += yb.shape[0];
  }
  assert.equal(seen, 10);
  assert.equal([...slow][0].length, 4);
  assert.throws(() => new TensorDataset(randn(3, 2), randn(4)), /Size mismatch/);
});

test('Subset and ConcatDataset', () => {
  const sub = new Subset(['a', 'b', 'c', 'd'], [3, 1]);
  assert.equal(sub.length, 2);
  assert.equal(sub.getItem(0), 'd');
  assert.equal(sub.getItem(-1), 'b');
  const cat = new ConcatDataset<number>([[0, 1, 2], [10, 11], new Subset([7, 8, 9], [2])]);
  assert.equal(cat.length, 6);
  assert.deepEqual(range(6).map((i) => cat.getItem(i)), [0, 1, 2, 10, 11, 9]);
  assert.equal(cat.getItem(-1), 9);
  assert.deepEqual(cat.cumulativeSizes, [3, 5, 6]);
  assert.throws(() => cat.getItem(6), RangeError);
});

class Counter extends IterableDataset<number> {
  constructor(readonly n: number) {
    super();
  }
  *[Symbol.iterator]() {
    for (let i = 0; i < this.n; i++) yield i;
  }
}

test('DataLoader over an IterableDataset', () => {
  assert.deepEqual(epoch(new DataLoader(new Counter(7), { batchSize: 3 })), [[0, 1, 2], [3, 4, 5], [6]]);
  assert.deepEqual(epoch(new DataLoader(new Counter(7), { batchSize: 3, dropLast: true })), [[0, 1, 2], [3, 4, 5]]);
  assert.throws(() => new DataLoader(new Counter(3), { shuffle: true }), /IterableDataset/);
  assert.throws(() => new DataLoader(new Counter(3)).length, /has no len/);
});

test('a pass draws its base seed when it starts, like PyTorch', () => {
  manualSeed(0);
  const loader = new DataLoader(range(4), { batchSize: 2 });
  loader[Symbol.iterator]();
  const after = String(randomInt64(defaultGenerator));
  manualSeed(0);
  randomInt64();
  assert.equal(after, String(randomInt64()));
});
