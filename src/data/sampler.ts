// torch.utils.data.sampler (PyTorch 1.13): index streams for the DataLoader. Iteration is lazy
// (generator functions), so random draws happen when PyTorch's do: at the first next().

import { Generator, defaultGenerator } from '../random/generator.js';
import { randint, randperm } from '../random/sampling.js';
import { multinomial } from '../random/multinomial.js';

/** A sampler yields indices (or, for batch samplers, lists of indices); `length` if known. */
export abstract class Sampler<T = number> implements Iterable<T> {
  abstract [Symbol.iterator](): Iterator<T>;
  abstract get length(): number;
}

interface Sized {
  readonly length: number;
}

/** SequentialSampler: 0, 1, ..., n - 1. */
export class SequentialSampler extends Sampler<number> {
  constructor(readonly dataSource: Sized) {
    super();
  }

  *[Symbol.iterator](): Iterator<number> {
    const n = this.dataSource.length;
    for (let i = 0; i < n; i++) yield i;
  }

  get length(): number {
    return this.dataSource.length;
  }
}

/**
 * torch.empty((), dtype=torch.int64).random_(generator): random64() reduced modulo 2^63
 * (uniform_int_distribution<int64_t>), a non-negative 63-bit integer.
 */
export function randomInt64(gen: Generator = defaultGenerator): bigint {
  return gen.random64() & 0x7fffffffffffffffn;
}

/**
 * RandomSampler: a random permutation (or, with replacement, numSamples uniform indices drawn 32
 * at a time). Without a generator it seeds a fresh Generator from one int64 draw of the default
 * generator on each pass, exactly like PyTorch, so torch.manualSeed(s) gives PyTorch's order.
 */
export class RandomSampler extends Sampler<number> {
  readonly replacement: boolean;
  readonly generator: Generator | undefined;
  private readonly numSamples_: number | undefined;

  constructor(
    readonly dataSource: Sized,
    options: { replacement?: boolean; numSamples?: number; generator?: Generator } = {},
  ) {
    super();
    this.replacement = options.replacement ?? false;
    this.numSamples_ = options.numSamples;
    this.generator = options.generator;
    if (typeof this.replacement !== 'boolean') throw new TypeError(`replacement should be a boolean value, but got replacement=${this.replacement}`);
    const ns = this.numSamples;
    if (!Number.isInteger(ns) || ns <= 0) throw new RangeError(`num_samples should be a positive integer value, but got num_samples=${ns}`);
  }

  get numSamples(): number {
    return this.numSamples_ ?? this.dataSource.length;
  }

  *[Symbol.iterator](): Iterator<number> {
    const n = this.dataSource.length;
    const generator = this.generator ?? new Generator(randomInt64(defaultGenerator));
    const total = this.numSamples;
    if (this.replacement) {
      const chunk = new Float64Array(32);
      for (let k = 0; k < Math.floor(total / 32); k++) {
        randint(generator, chunk, 0, n);
        yield* chunk;
      }
      const rest = new Float64Array(total % 32);
      randint(generator, rest, 0, n);
      yield* rest;
    } else {
      for (let k = 0; k < Math.floor(total / n); k++) yield* randperm(generator, n);
      yield* randperm(generator, n).subarray(0, total % n);
    }
  }

  get length(): number {
    return this.numSamples;
  }
}

/** SubsetRandomSampler: the given indices in random order (randperm with the generator). */
export class SubsetRandomSampler extends Sampler<number> {
  constructor(
    readonly indices: readonly number[],
    readonly generator?: Generator,
  ) {
    super();
  }

  *[Symbol.iterator](): Iterator<number> {
    for (const i of randperm(this.generator ?? defaultGenerator, this.indices.length)) yield this.indices[i];
  }

  get length(): number {
    return this.indices.length;
  }
}

/** WeightedRandomSampler: numSamples indices drawn with torch.multinomial(weights) (float64). */
export class WeightedRandomSampler extends Sampler<number> {
  readonly weights: Float64Array;
  readonly replacement: boolean;

  constructor(
    weights: ArrayLike<number>,
    readonly numSamples: number,
    options: { replacement?: boolean; generator?: Generator } = {},
  ) {
    super();
    if (!Number.isInteger(numSamples) || numSamples <= 0) {
      throw new RangeError(`num_samples should be a positive integer value, but got num_samples=${numSamples}`);
    }
    this.weights = Float64Array.from(weights);
    this.replacement = options.replacement ?? true;
    this.generator = options.generator;
  }

  readonly generator: Generator | undefined;

  *[Symbol.iterator](): Iterator<number> {
    yield* multinomial(this.generator ?? defaultGenerator, this.weights, this.numSamples, this.replacement);
  }

  get length(): number {
    return this.numSamples;
  }
}

/** BatchSampler: groups another sampler's indices into lists of batchSize (the last may be short). */
export class BatchSampler extends Sampler<number[]> {
  constructor(
    readonly sampler: Iterable<number> & Partial<Sized>,
    readonly batchSize: number,
    readonly dropLast: boolean,
  ) {
    super();
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new RangeError(`batch_size should be a positive integer value, but got batch_size=${batchSize}`);
    }
    if (typeof dropLast !== 'boolean') throw new TypeError(`drop_last should be a boolean value, but got drop_last=${dropLast}`);
  }

  *[Symbol.iterator](): Iterator<number[]> {
    let batch: number[] = [];
    for (const idx of this.sampler) {
      batch.push(idx);
      if (batch.length === this.batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0 && !this.dropLast) yield batch;
  }

  get length(): number {
    const n = samplerLength(this.sampler);
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }
}

/** len(sampler), or Python's TypeError when the sampler has none. */
export function samplerLength(sampler: object): number {
  const n = (sampler as Partial<Sized>).length;
  if (typeof n !== 'number') throw new TypeError(`object of type '${sampler.constructor?.name ?? typeof sampler}' has no len()`);
  return n;
}
