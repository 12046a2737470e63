// torch.utils.data.dataset (PyTorch 1.13): map-style and iterable datasets, TensorDataset, Subset,
// ConcatDataset and random_split.

import { Tensor } from '../tensor/tensor.js';
import { tensor } from '../ops/creation.js';
import { indexSelect } from '../ops/indexing.js';
import { Generator, defaultGenerator } from '../random/generator.js';
import { randperm } from '../random/sampling.js';
import type { Collated } from './collate.js';

/**
 * A map-style dataset: `getItem(i)` for 0 <= i < length (Python's __getitem__ and __len__).
 *
 * `getBatch(indices)` is an optional fast path: when a DataLoader uses the default collate
 * function it asks for the whole batch at once, and the result must equal
 * `defaultCollate(indices.map((i) => this.getItem(i)))`. Returning undefined declines.
 */
export abstract class Dataset<T> {
  abstract getItem(index: number): T;
  abstract get length(): number;
  getBatch?(indices: readonly number[]): Collated<T> | undefined;
}

/** Anything map-style: a Dataset, an object with getItem and length, or an array. */
export type MapDatasetLike<T> = { getItem(index: number): T; readonly length: number } | ArrayLike<T>;

/** dataset[i] for any map-style dataset. */
export function getItem<T>(dataset: MapDatasetLike<T>, index: number): T {
  return 'getItem' in dataset && typeof dataset.getItem === 'function' ? dataset.getItem(index) : (dataset as ArrayLike<T>)[index];
}

/** An iterable-style dataset (a stream): implement [Symbol.iterator]. `length` is optional. */
export abstract class IterableDataset<T> implements Iterable<T> {
  abstract [Symbol.iterator](): Iterator<T>;
}

/** Python's index check: negative indices count from the end. */
function checkIndex(index: number, length: number, what: string): number {
  if (!Number.isInteger(index)) throw new TypeError(`${what} indices must be integers, got ${index}`);
  const i = index < 0 ? index + length : index;
  if (i < 0 || i >= length) throw new RangeError(`${what} index ${index} is out of range for length ${length}`);
  return i;
}

/** TensorDataset(...tensors): sample i is [t[i] for each tensor]; all share their first dim. */
export class TensorDataset<T extends Tensor[]> extends Dataset<T> {
  readonly tensors: T;

  constructor(...tensors: T) {
    super();
    if (tensors.length === 0) throw new RangeError('TensorDataset needs at least one tensor');
    if (!tensors.every((t) => t.ndim > 0 && t.shape[0] === tensors[0].shape[0])) {
      throw new RangeError('Size mismatch between tensors');
    }
    this.tensors = tensors;
  }

  getItem(index: number): T {
    const i = checkIndex(index, this.length, 'TensorDataset');
    return this.tensors.map((t) => t.select(0, i)) as T;
  }

  get length(): number {
    return this.tensors[0].shape[0];
  }

  /** index_select gives the same values as stacking the rows, in one copy per tensor. */
  override getBatch(indices: readonly number[]): Collated<T> {
    const idx = tensor(Float64Array.from(indices, (i) => checkIndex(i, this.length, 'TensorDataset')), { dtype: 'int64' });
    return this.tensors.map((t) => indexSelect(t, 0, idx)) as Collated<T>;
  }
}

/** Subset(dataset, indices): the dataset seen through a list of indices. */
export class Subset<T> extends Dataset<T> {
  constructor(
    readonly dataset: MapDatasetLike<T>,
    readonly indices: readonly number[],
  ) {
    super();
  }

  getItem(index: number): T {
    return getItem(this.dataset, this.indices[checkIndex(index, this.indices.length, 'Subset')]);
  }

  get length(): number {
    return this.indices.length;
  }

  override getBatch(indices: readonly number[]): Collated<T> | undefined {
    const inner = this.dataset as Partial<Dataset<T>>;
    if (typeof inner.getBatch !== 'function') return undefined;
    return inner.getBatch(indices.map((i) => this.indices[checkIndex(i, this.indices.length, 'Subset')]));
  }
}

/** ConcatDataset(datasets): the datasets one after another. */
export class ConcatDataset<T> extends Dataset<T> {
  readonly datasets: readonly MapDatasetLike<T>[];
  /** Running totals of the lengths (cumulative_sizes). */
  readonly cumulativeSizes: readonly number[];

  constructor(datasets: Iterable<MapDatasetLike<T>>) {
    super();
    this.datasets = [...datasets];
    if (this.datasets.length === 0) throw new RangeError('datasets should not be an empty iterable');
    let total = 0;
    this.cumulativeSizes = this.datasets.map((d) => {
      if (d instanceof IterableDataset) throw new TypeError('ConcatDataset does not support IterableDataset');
      return (total += d.length);
    });
  }

  get length(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1];
  }

  getItem(index: number): T {
    const i = checkIndex(index, this.length, 'ConcatDataset');
    // bisect_right(cumulative_sizes, i)
    let lo = 0;
    let hi = this.cumulativeSizes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (i < this.cumulativeSizes[mid]) hi = mid;
      else lo = mid + 1;
    }
    return getItem(this.datasets[lo], lo === 0 ? i : i - this.cumulativeSizes[lo - 1]);
  }
}

/** math.isclose with its default rel_tol = 1e-9. */
function isClose(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * random_split(dataset, lengths, generator): lengths are counts, or fractions summing to 1
 * (floor(n * f) each, then the remainder handed out one by one, round robin). The split is
 * randperm(n, generator) cut into consecutive pieces, so a seeded generator gives PyTorch's split.
 */
export function randomSplit<T>(
  dataset: MapDatasetLike<T>,
  lengths: readonly number[],
  generator: Generator = defaultGenerator,
): Subset<T>[] {
  const n = dataset.length;
  let sizes = lengths.slice();
  const total = lengths.reduce((a, b) => a + b, 0);
  if (isClose(total, 1) && total <= 1) {
    sizes = lengths.map((frac, i) => {
      if (frac < 0 || frac > 1) throw new RangeError(`Fraction at index ${i} is not between 0 and 1`);
      return Math.floor(n * frac);
    });
    const remainder = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) sizes[i % sizes.length] += 1;
    sizes.forEach((len, i) => {
      if (len === 0) console.warn(`Length of split at index ${i} is 0. This might result in an empty dataset.`);
    });
  }
  for (const len of sizes) {
    if (!Number.isInteger(len) || len < 0) throw new RangeError(`random_split: lengths must be non-negative integers or fractions, got ${len}`);
  }
  const sum = sizes.reduce((a, b) => a + b, 0);
  if (sum !== n) throw new RangeError('Sum of input lengths does not equal the length of the input dataset!');
  const perm = Array.from(randperm(generator, sum));
  let offset = 0;
  return sizes.map((len) => new Subset(dataset, perm.slice(offset, (offset += len))));
}
