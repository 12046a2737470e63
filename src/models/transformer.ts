// A small decoder-only (GPT-style) transformer for character-level language modelling, the
// model of the gpt experiment and the "small transformer" of the memory experiment: pre-norm
// blocks of causal self-attention and a GELU MLP, learned positional embeddings, optional weight
// tying, as in Karpathy's minGPT/nanoGPT layout, built from nn's layers and
// F.scaledDotProductAttention. A KV cache (one per layer) lets generation feed one new position
// per token instead of the whole context.

import { Module } from '../nn/module.js';
import { Dropout, Embedding, GELU, LayerNorm, Linear, ModuleList } from '../nn/index.js';
import { scaledDotProductAttention } from '../nn/functional/index.js';
import { noGrad } from '../autograd/grad_mode.js';
import { arange, tensor } from '../ops/creation.js';
import { cat } from '../ops/movement.js';
import type { Tensor } from '../tensor/tensor.js';
import { sampleNext, type SamplingOptions } from './sampling.js';

/** One layer's cached keys and values, (B, nHead, positions so far, headDim); empty until the first call. */
export interface LayerCache {
  k?: Tensor;
  v?: Tensor;
}

/** Multi-head causal self-attention with one fused q/k/v projection. */
export class CausalSelfAttention extends Module {
  qkv: Linear;
  proj: Linear;
  attnDropout: number;
  residDrop: Dropout;
  constructor(
    readonly dModel: number,
    readonly nHead: number,
    dropout = 0,
  ) {
    super();
    if (dModel % nHead !== 0) throw new RangeError(`dModel ${dModel} is not divisible by nHead ${nHead}`);
    this.qkv = new Linear(dModel, 3 * dModel);
    this.proj = new Linear(dModel, dModel);
    this.attnDropout = dropout;
    this.residDrop = new Dropout(dropout);
  }

  /** (B*T, C) rows -> q, k, v as contiguous (B, nh, T, hd): the products then save these, and the fused projection's output is free. */
  private heads(x: Tensor, t: number): Tensor[] {
    const [bt, c] = x.shape;
    return this.qkv.call(x).split(c, 1).map((z) => z.reshape(bt / t, t, this.nHead, c / this.nHead).transpose(1, 2).contiguous());
  }

  /**
   * x: (B*T, C) rows, one per position; `t` is the sequence length. With a cache, the t new
   * positions also attend to the cached ones, and their keys and values are appended to it.
   */
  override forward(x: Tensor, t: number, cache?: LayerCache): Tensor {
    const [bt, c] = x.shape;
    let [q, k, v] = this.heads(x, t);
    if (cache) {
      if (cache.k && cache.v) [k, v] = [cat([cache.k, k], 2), cat([cache.v, v], 2)];
      [cache.k, cache.v] = [k, v];
    }
    const past = k.shape[2] - t;
    const dropoutP = this.training ? this.attnDropout : 0;
    // New position i (absolute past + i) may attend to every key j <= past + i.
    const y =
      past === 0
        ? scaledDotProductAttention(q, k, v, { isCausal: true, dropoutP })
        : scaledDotProductAttention(q, k, v, { attnMask: t === 1 ? null : arange(past + t, { device: q.device }).unsqueeze(0).le(arange(t, { device: q.device }).add(past).unsqueeze(1)), dropoutP });
    return this.residDrop.call(this.proj.call(y.transpose(1, 2).reshape(bt, c)));
  }

  /** The softmax attention weights (B, nh, T, T) of x, for pictures: row i is where position i looks. */
  weights(x: Tensor, t: number): Tensor {
    const [q, k] = this.heads(x, t);
    const future = arange(t, { device: q.device }).unsqueeze(0).gt(arange(t, { device: q.device }).unsqueeze(1));
    return q.matmul(k.transpose(-2, -1)).mul(1 / Math.sqrt(q.shape[3])).maskedFill(future, -Infinity).softmax(-1);
  }
}

/** One pre-norm transformer block: x + attention(LayerNorm(x)), then x + MLP(LayerNorm(x)) with GELU. */
export class Block extends Module {
  ln1: LayerNorm;
  attn: CausalSelfAttention;
  ln2: LayerNorm;
  fc: Linear;
  act = new GELU();
  fcOut: Linear;
  drop: Dropout;
  constructor(dModel: number, nHead: number, dropout = 0) {
    super();
    this.ln1 = new LayerNorm(dModel);
    this.attn = new CausalSelfAttention(dModel, nHead, dropout);
    this.ln2 = new LayerNorm(dModel);
    this.fc = new Linear(dModel, 4 * dModel);
    this.fcOut = new Linear(4 * dModel, dModel);
    this.drop = new Dropout(dropout);
  }
  /** x: (B*T, C); position-wise layers see 2-D rows, so Linear is one matrix product. */
  override forward(x: Tensor, t: number, cache?: LayerCache): Tensor {
    x = x.add(this.attn.call(this.ln1.call(x), t, cache));
    return x.add(this.drop.call(this.fcOut.call(this.act.call(this.fc.call(this.ln2.call(x))))));
  }
}

/** The sizes of a `TinyTransformer`: vocabSize, blockSize (context), dModel, nHead, nLayer, dropout, tieWeights. */
export interface TransformerOptions {
  vocabSize?: number;
  blockSize?: number;
  dModel?: number;
  nHead?: number;
  nLayer?: number;
  dropout?: number;
  /** The output layer shares the token embedding's weight (and has no bias), as GPT-2's does. */
  tieWeights?: boolean;
}

/** Options of `TinyTransformer.generate`: the sampling options plus kvCache (default true). */
export interface GenerateOptions extends SamplingOptions {
  /** Feed one new position per token, reusing the keys and values of the others (default true). */
  kvCache?: boolean;
}

/** ids (B, T) int64 -> logits (B, T, vocab). */
export class TinyTransformer extends Module {
  tokEmb: Embedding;
  posEmb: Embedding;
  drop: Dropout;
  blocks: ModuleList<Block>;
  lnF: LayerNorm;
  head: Linear;
  readonly vocabSize: number;
  readonly blockSize: number;
  readonly config: Required<TransformerOptions>;
  constructor(options: TransformerOptions = {}) {
    super();
    const { vocabSize = 65, blockSize = 64, dModel = 128, nHead = 4, nLayer = 4, dropout = 0, tieWeights = false } = options;
    this.config = { vocabSize, blockSize, dModel, nHead, nLayer, dropout, tieWeights };
    this.vocabSize = vocabSize;
    this.blockSize = blockSize;
    this.tokEmb = new Embedding(vocabSize, dModel);
    this.posEmb = new Embedding(blockSize, dModel);
    this.drop = new Dropout(dropout);
    this.blocks = new ModuleList(Array.from({ length: nLayer }, () => new Block(dModel, nHead, dropout)));
    this.lnF = new LayerNorm(dModel);
    this.head = new Linear(dModel, vocabSize, { bias: !tieWeights });
    if (tieWeights) this.head.weight = this.tokEmb.weight;
  }

  /** Token and position embeddings as (B*T, C) rows; positions start at `offset` (what a cache holds). */
  private embed(ids: Tensor, offset: number): Tensor {
    const [b, t] = ids.shape;
    if (ids.ndim !== 2) throw new RangeError(`expected token ids of shape (B, T), got [${ids.shape.join(', ')}]`);
    if (offset + t > this.blockSize) throw new RangeError(`sequence length ${offset + t} exceeds the block size ${this.blockSize}`);
    return this.drop.call(this.tokEmb.call(ids).add(this.posEmb.weight.narrow(0, offset, t))).reshape(b * t, -1);
  }

  /** Logits for the positions of `ids`; with `cache` (one LayerCache per block), after the positions it holds. */
  override forward(ids: Tensor, cache?: LayerCache[]): Tensor {
    const [b, t] = ids.shape;
    let x = this.embed(ids, cache?.[0]?.k?.shape[2] ?? 0);
    let i = 0;
    for (const block of this.blocks) x = block.call(x, t, cache?.[i++]);
    return this.head.call(this.lnF.call(x)).reshape(b, t, this.vocabSize);
  }

  /** The attention weights (B, nHead, T, T) of block `layer` for ids (B, T). */
  attentionWeights(ids: Tensor, layer: number): Tensor {
    return noGrad(() => {
      const t = ids.shape[1];
      let x = this.embed(ids, 0);
      const blocks = [...this.blocks];
      if (!(layer >= 0 && layer < blocks.length)) throw new RangeError(`layer ${layer} is out of range for ${blocks.length} blocks`);
      for (const block of blocks.slice(0, layer)) x = block.call(x, t);
      return blocks[layer].attn.weights(blocks[layer].ln1.call(x), t);
    });
  }

  /**
   * `prompt` continued by `maxNewTokens` sampled ids. The context is at most blockSize positions
   * (learned positions go no further): when it is full, generation continues from its last half,
   * with or without the cache, so both give the same tokens from the same generator.
   */
  generate(prompt: readonly number[], maxNewTokens: number, options: GenerateOptions = {}): number[] {
    const { kvCache = true, ...sampling } = options;
    const tokens = [...prompt];
    const rows = this.lastLogits(tokens, maxNewTokens, kvCache);
    try {
      for (let row = rows.next(); !row.done; ) row = rows.next(Number(sampleNext(row.value, sampling).item()));
    } finally {
      rows.return(); // the model's train/eval mode back, even where sampling threw
    }
    return tokens;
  }

  /**
   * generate() for a model on any device, a GPU's included: the forward passes run where the model
   * is, and each token's logits (one row) are read back, one await per token, and sampled on the
   * CPU as generate() samples them, so the same generator gives the CPU's tokens (unless two
   * candidates tie within float32 rounding). Autoregressive sampling needs each token before the next.
   */
  async generateAsync(prompt: readonly number[], maxNewTokens: number, options: GenerateOptions = {}): Promise<number[]> {
    const { kvCache = true, ...sampling } = options;
    const tokens = [...prompt];
    const rows = this.lastLogits(tokens, maxNewTokens, kvCache);
    try {
      for (let row = rows.next(); !row.done; ) {
        const last = row.value.isCpu ? row.value : await row.value.cpuAsync();
        row = rows.next(Number(sampleNext(last, sampling).item()));
      }
    } finally {
      rows.return();
    }
    return tokens;
  }

  /**
   * The decoding loop both generates share: yields the last position's logits (1, vocab) for
   * `tokens` and takes the sampled id back, which it appends; in eval mode, without grad, on the
   * model's device, from the KV cache where there is one.
   */
  private *lastLogits(tokens: number[], maxNewTokens: number, kvCache: boolean): Generator<Tensor, void, number> {
    if (tokens.length === 0) throw new RangeError('generate: the prompt needs at least one token');
    if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) throw new RangeError(`generate: maxNewTokens must be a non-negative integer, but got ${maxNewTokens}`);
    const bad = tokens.find((id) => !Number.isInteger(id) || id < 0 || id >= this.vocabSize);
    if (bad !== undefined) throw new RangeError(`generate: token id ${bad} is out of range for a vocabulary of ${this.vocabSize}`);
    const device = this.tokEmb.weight.device;
    const keep = Math.max(1, Math.floor(this.blockSize / 2));
    let start = tokens.length > this.blockSize ? tokens.length - keep : 0;
    let cache: LayerCache[] | null = null;
    const ids = (from: number) => tensor([tokens.slice(from)], { dtype: 'int64', device });
    const wasTraining = this.training;
    this.eval();
    try {
      for (let n = 0; n < maxNewTokens; n++) {
        const last = noGrad(() => {
          let logits: Tensor;
          if (kvCache && cache) {
            logits = this.forward(ids(tokens.length - 1), cache);
          } else {
            if (kvCache) cache = Array.from({ length: this.config.nLayer }, () => ({}));
            logits = this.forward(ids(start), cache ?? undefined);
          }
          return logits.select(1, logits.shape[1] - 1);
        });
        tokens.push(yield last);
        if (tokens.length - start > this.blockSize) {
          start = tokens.length - keep;
          cache = null;
        }
      }
    } finally {
      this.train(wasTraining);
    }
  }
}
