// Text to numbers, as d2l does it (chapters 8.2 and 8.3): tokenize lines into words or characters,
// a Vocab from token to index (frequent tokens first, '<unk>' at 0), and the two ways of cutting a
// long corpus into minibatches of subsequences (random and sequential partitioning).
//
// d2l draws its random offsets with Python's `random`; here they come from a dlab Generator as
// torch.randint / torch.randperm would draw them, so a seed reproduces a run (and a PyTorch
// script written with torch's RNG gives the same batches: tools/fixtures/data_text.py).

import { Tensor } from '../tensor/tensor.js';
import { wrap } from '../ops/function.js';
import { Generator, defaultGenerator } from '../random/generator.js';
import { randint, randperm } from '../random/sampling.js';

/** How d2l's `tokenize` splits a line: into words or characters. */
export type TokenKind = 'word' | 'char';

/** d2l.tokenize: each line split into words (on ' ') or characters. */
export function tokenize(lines: readonly string[], token: TokenKind = 'word'): string[][] {
  if (token === 'word') return lines.map((line) => line.split(' '));
  if (token === 'char') return lines.map((line) => Array.from(line));
  throw new RangeError(`ERROR: unknown token type: ${token as string}`);
}

/** d2l.count_corpus: token frequencies, in first-seen order (collections.Counter). */
export function countCorpus(tokens: readonly string[] | readonly (readonly string[])[]): Map<string, number> {
  const counter = new Map<string, number>();
  const add = (t: string) => counter.set(t, (counter.get(t) ?? 0) + 1);
  for (const item of tokens) {
    if (typeof item === 'string') add(item);
    else for (const t of item) add(t);
  }
  return counter;
}

/** Options of `Vocab` (d2l): minFreq (default 0) and reservedTokens. */
export interface VocabOptions {
  /** Tokens seen fewer times are left out (they map to '<unk>'). */
  minFreq?: number;
  /** Tokens placed right after '<unk>' ('<pad>', '<bos>', '<eos>', ...). */
  reservedTokens?: readonly string[];
}

/**
 * d2l.Vocab (the chapter 8.2 version): index 0 is '<unk>', then the reserved tokens, then the
 * tokens by descending frequency (ties in first-seen order) down to minFreq.
 */
export class Vocab {
  readonly idxToToken: string[];
  readonly tokenToIdx: Map<string, number>;
  /** [token, count] by descending count (d2l's token_freqs). */
  readonly tokenFreqs: readonly [string, number][];

  constructor(tokens: readonly string[] | readonly (readonly string[])[] = [], options: VocabOptions = {}) {
    const minFreq = options.minFreq ?? 0;
    // Array.prototype.sort is stable, like Python's sorted: equal counts keep first-seen order.
    this.tokenFreqs = [...countCorpus(tokens)].sort((a, b) => b[1] - a[1]);
    this.idxToToken = ['<unk>', ...(options.reservedTokens ?? [])];
    this.tokenToIdx = new Map(this.idxToToken.map((t, i) => [t, i]));
    for (const [token, freq] of this.tokenFreqs) {
      if (freq < minFreq) break;
      if (!this.tokenToIdx.has(token)) {
        this.idxToToken.push(token);
        this.tokenToIdx.set(token, this.idxToToken.length - 1);
      }
    }
  }

  /** len(vocab). */
  get length(): number {
    return this.idxToToken.length;
  }

  /** The index of the unknown token. */
  get unk(): number {
    return 0;
  }

  /** vocab[tokens]: a token's index ('<unk>' for unseen tokens), or a list's indices. */
  getItem(token: string): number;
  getItem(tokens: readonly string[]): number[];
  getItem(tokens: string | readonly string[]): number | number[] {
    if (typeof tokens === 'string') return this.tokenToIdx.get(tokens) ?? this.unk;
    return tokens.map((t) => this.tokenToIdx.get(t) ?? this.unk);
  }

  /** The indices of a list of tokens. */
  toIndices(tokens: readonly string[]): number[] {
    return this.getItem(tokens);
  }

  /** vocab.to_tokens: an index's token, or a list's tokens. */
  toTokens(index: number): string;
  toTokens(indices: readonly number[]): string[];
  toTokens(indices: number | readonly number[]): string | string[] {
    const one = (i: number) => {
      const t = this.idxToToken[i];
      if (t === undefined) throw new RangeError(`index ${i} is out of range for a vocabulary of ${this.length} tokens`);
      return t;
    };
    return typeof indices === 'number' ? one(indices) : indices.map(one);
  }
}

/** torch.randint(low, high, (1,), generator=g).item(). */
function randomInt(gen: Generator, low: number, high: number): number {
  const out = new Float64Array(1);
  randint(gen, out, low, high);
  return out[0];
}

function int64(values: ArrayLike<number>, rows: number, cols: number): Tensor {
  return wrap(Float64Array.from(values as ArrayLike<number>), [rows, cols], 'int64');
}

/** Options of the sequence iterators (d2l's `seq_data_iter_random` / `_sequential`): the generator that draws the offsets. */
export interface SeqIterOptions {
  generator?: Generator;
}

/**
 * d2l.seq_data_iter_random: drop a random 0..numSteps-1 tokens, cut the rest into subsequences of
 * numSteps, shuffle them, and yield [X, Y] of shape (batchSize, numSteps) with Y = X shifted by one.
 * Neighbouring batches are not neighbours in the text.
 */
export function* seqDataIterRandom(corpus: readonly number[], batchSize: number, numSteps: number, options: SeqIterOptions = {}): Generator_<[Tensor, Tensor]> {
  const gen = options.generator ?? defaultGenerator;
  const start = randomInt(gen, 0, numSteps); // random.randint(0, num_steps - 1)
  const rest = corpus.slice(start);
  const numSubseqs = Math.floor((rest.length - 1) / numSteps);
  const perm = numSubseqs > 0 ? randperm(gen, numSubseqs) : new Float64Array(0);
  const initial = Array.from(perm, (k) => k * numSteps);
  const numBatches = Math.floor(numSubseqs / batchSize);
  for (let i = 0; i < batchSize * numBatches; i += batchSize) {
    const x: number[] = [];
    const y: number[] = [];
    for (const j of initial.slice(i, i + batchSize)) {
      for (let s = 0; s < numSteps; s++) {
        x.push(rest[j + s]);
        y.push(rest[j + 1 + s]);
      }
    }
    yield [int64(x, batchSize, numSteps), int64(y, batchSize, numSteps)];
  }
}

/**
 * d2l.seq_data_iter_sequential: drop a random 0..numSteps tokens, lay the rest out as batchSize
 * rows, and walk along them numSteps at a time, so batch i+1 continues batch i row by row (the
 * hidden state can be carried over).
 */
export function* seqDataIterSequential(corpus: readonly number[], batchSize: number, numSteps: number, options: SeqIterOptions = {}): Generator_<[Tensor, Tensor]> {
  const gen = options.generator ?? defaultGenerator;
  const offset = randomInt(gen, 0, numSteps + 1); // random.randint(0, num_steps)
  const numTokens = Math.floor((corpus.length - offset - 1) / batchSize) * batchSize;
  if (numTokens <= 0) return;
  const cols = numTokens / batchSize;
  const numBatches = Math.floor(cols / numSteps);
  for (let i = 0; i < numSteps * numBatches; i += numSteps) {
    const x: number[] = [];
    const y: number[] = [];
    for (let r = 0; r < batchSize; r++) {
      for (let s = 0; s < numSteps; s++) {
        x.push(corpus[offset + r * cols + i + s]);
        y.push(corpus[offset + 1 + r * cols + i + s]);
      }
    }
    yield [int64(x, batchSize, numSteps), int64(y, batchSize, numSteps)];
  }
}

/** d2l.SeqDataLoader: a fresh pass of the chosen iterator each time it is iterated. */
export class SeqDataLoader implements Iterable<[Tensor, Tensor]> {
  constructor(
    readonly corpus: readonly number[],
    readonly batchSize: number,
    readonly numSteps: number,
    readonly options: SeqIterOptions & { useRandomIter?: boolean } = {},
  ) {}

  [Symbol.iterator](): Iterator<[Tensor, Tensor]> {
    const fn = this.options.useRandomIter ? seqDataIterRandom : seqDataIterSequential;
    return fn(this.corpus, this.batchSize, this.numSteps, this.options);
  }
}

// The built-in Generator type, not dlab's random Generator.
type Generator_<T> = globalThis.Generator<T, void, undefined>;
