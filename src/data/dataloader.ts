// torch.utils.data.DataLoader (PyTorch 1.13), single-process: a sampler of indices, grouped by a
// batch sampler, fetched from the dataset and merged by collateFn. No worker processes or
// background prefetching yet (numWorkers is 0).

import { Generator, defaultGenerator } from '../random/generator.js';
import { defaultCollate, defaultConvert, type Collated } from './collate.js';
import { Dataset, IterableDataset, getItem, type MapDatasetLike } from './dataset.js';
import { BatchSampler, RandomSampler, SequentialSampler, randomInt64, samplerLength } from './sampler.js';

/** Options of `DataLoader`: batchSize (default 1), shuffle (false), sampler, batchSampler, dropLast (false), collateFn, generator. */
export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1); null turns automatic batching off. */
  batchSize?: number | null;
  /** Reshuffle the indices at every pass (RandomSampler). */
  shuffle?: boolean;
  /** Where the indices come from; excludes shuffle. */
  sampler?: Iterable<number>;
  /** Where whole batches of indices come from; excludes batchSize, shuffle, sampler, dropLast. */
  batchSampler?: Iterable<readonly number[]>;
  /** Merges a list of samples into a batch (default: defaultCollate). */
  collateFn?: (batch: T[]) => B;
  /** Drop the last batch if it is short. */
  dropLast?: boolean;
  /** Feeds the RandomSampler and the per-pass base seed (default: the global generator). */
  generator?: Generator;
  /** Only 0 (load in the main thread) for now. */
  numWorkers?: number;
}

/** What a `DataLoader` reads: a map-style dataset (or an array) or an iterable one. */
export type DatasetSource<T> = MapDatasetLike<T> | IterableDataset<T>;

/**
 * `torch.utils.data.DataLoader(dataset, batch_size=1, shuffle=False, drop_last=False, ...)`: batches of a dataset, iterated with `for (const [x, y] of loader)`.
 *
 * @example
 * ```ts
 * import * as torch from 'dlab';
 * import { utils } from 'dlab';
 *
 * const dataset = new utils.data.TensorDataset(torch.arange(10), torch.arange(10).mul(2));
 * const loader = new utils.data.DataLoader(dataset, { batchSize: 4 });
 * for (const [x, y] of loader) console.log(x.shape, y.shape); // [ 4 ] [ 4 ] [ 4 ] [ 4 ] [ 2 ] [ 2 ]
 * ```
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B> {
  readonly dataset: DatasetSource<T>;
  readonly batchSize: number | null;
  readonly dropLast: boolean;
  readonly sampler: Iterable<number> | null;
  readonly batchSampler: Iterable<readonly number[]> | null;
  readonly collateFn: (batch: T[]) => B;
  readonly generator: Generator | undefined;
  readonly numWorkers = 0;
  private readonly userCollate: boolean;

  constructor(dataset: DatasetSource<T>, options: DataLoaderOptions<T, B> = {}) {
    const { shuffle, sampler, batchSampler, generator } = options;
    let batchSize = options.batchSize === undefined ? 1 : options.batchSize;
    const dropLast = options.dropLast ?? false;
    if ((options.numWorkers ?? 0) !== 0) throw new RangeError('DataLoader: numWorkers > 0 is not supported yet');
    if (batchSize !== null && (!Number.isInteger(batchSize) || batchSize <= 0)) {
      throw new RangeError(`batch_size should be a positive integer value, but got batch_size=${batchSize}`);
    }
    this.dataset = dataset;
    this.generator = generator;

    if (dataset instanceof IterableDataset) {
      if (shuffle) throw new RangeError(`DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle=${shuffle}`);
      if (sampler) throw new RangeError('DataLoader with IterableDataset: expected unspecified sampler option');
      if (batchSampler) throw new RangeError('DataLoader with IterableDataset: expected unspecified batch_sampler option');
    }
    if (sampler && shuffle) throw new RangeError('sampler option is mutually exclusive with shuffle');
    if (batchSampler) {
      if (batchSize !== 1 || shuffle || sampler || dropLast) {
        throw new RangeError('batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last');
      }
      batchSize = null;
    } else if (batchSize === null && dropLast) {
      throw new RangeError('batch_size=None option disables auto-batching and is mutually exclusive with drop_last');
    }

    this.batchSize = batchSize;
    this.dropLast = dropLast;
    if (dataset instanceof IterableDataset) {
      this.sampler = null;
      this.batchSampler = null;
    } else {
      this.sampler = sampler ?? (shuffle ? new RandomSampler(dataset, { generator }) : new SequentialSampler(dataset));
      this.batchSampler = batchSampler ?? (batchSize !== null ? new BatchSampler(this.sampler, batchSize, dropLast) : null);
    }
    this.userCollate = options.collateFn !== undefined;
    const autoCollation = this.batchSampler !== null || (dataset instanceof IterableDataset && batchSize !== null);
    this.collateFn = options.collateFn ?? ((autoCollation ? defaultCollate : defaultConvert) as (batch: T[]) => B);
  }

  /** len(loader): batches per pass (samples per pass when batching is off). */
  get length(): number {
    if (this.dataset instanceof IterableDataset) {
      const n = samplerLength(this.dataset);
      if (this.batchSize === null) return n;
      return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
    }
    return samplerLength(this.batchSampler ?? this.sampler!);
  }

  /**
   * One pass. Like PyTorch's _BaseDataLoaderIter, starting a pass draws an int64 base seed (for
   * worker seeding) from the loader's generator before the sampler draws anything; the shuffle
   * order depends on that.
   */
  [Symbol.iterator](): Iterator<B> {
    randomInt64(this.generator ?? defaultGenerator);
    return this.dataset instanceof IterableDataset ? this.iterateStream(this.dataset) : this.iterateMap(this.dataset);
  }

  private *iterateMap(dataset: MapDatasetLike<T>): Generator_<B> {
    if (this.batchSampler === null) {
      for (const i of this.sampler!) yield this.collateFn(getItem(dataset, i) as unknown as T[]);
      return;
    }
    const fast = !this.userCollate && typeof (dataset as Partial<Dataset<T>>).getBatch === 'function';
    for (const indices of this.batchSampler) {
      if (fast) {
        const batch = (dataset as Dataset<T>).getBatch!(indices);
        if (batch !== undefined) {
          yield batch as unknown as B;
          continue;
        }
      }
      yield this.collateFn(indices.map((i) => getItem(dataset, i)));
    }
  }

  private *iterateStream(dataset: IterableDataset<T>): Generator_<B> {
    const it = dataset[Symbol.iterator]();
    if (this.batchSize === null) {
      for (let r = it.next(); !r.done; r = it.next()) yield this.collateFn(r.value as unknown as T[]);
      return;
    }
    for (;;) {
      const data: T[] = [];
      let ended = false;
      while (data.length < this.batchSize) {
        const r = it.next();
        if (r.done) {
          ended = true;
          break;
        }
        data.push(r.value);
      }
      if (data.length === 0 || (this.dropLast && data.length < this.batchSize)) return;
      yield this.collateFn(data);
      if (ended) return;
    }
  }
}

// The built-in Generator type, not dlab's random Generator.
type Generator_<T> = globalThis.Generator<T, void, undefined>;
