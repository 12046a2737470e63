// A small decoder-only (GPT-style) transformer for character-level language modelling, the
// "small transformer" of the memory experiment: pre-norm blocks of causal self-attention and a
// GELU MLP, learned positional embeddings, as in Karpathy's minGPT/nanoGPT layout, built from nn's
// layers.

import { Module } from '../nn/module.js';
import { Dropout, Embedding, GELU, LayerNorm, Linear, ModuleList } from '../nn/index.js';
import { ones } from '../ops/creation.js';
import { triu } from '../ops/indexing.js';
import type { Tensor } from '../tensor/tensor.js';

/** Multi-head causal self-attention with one fused q/k/v projection. */
export class CausalSelfAttention extends Module {
  qkv: Linear;
  proj: Linear;
  constructor(readonly dModel: number, readonly nHead: number) {
    super();
    if (dModel % nHead !== 0) throw new RangeError(`dModel ${dModel} is not divisible by nHead ${nHead}`);
    this.qkv = new Linear(dModel, 3 * dModel);
    this.proj = new Linear(dModel, dModel);
  }
  /** x: (B*T, C) rows, one per position; `t` is the sequence length. */
  override forward(x: Tensor, t: number): Tensor {
    const [bt, c] = x.shape;
    const b = bt / t;
    const hd = c / this.nHead;
    // (B*T, 3C) -> three contiguous (B, nh, T, hd): the products then save these, and the fused
    // projection's output is free once they are made.
    const [q, k, v] = this.qkv.call(x).split(c, 1).map((z) => z.reshape(b, t, this.nHead, hd).transpose(1, 2).contiguous());
    const mask = triu(ones(t, t, { dtype: 'bool' }), 1);
    const att = q.matmul(k.transpose(-2, -1)).mul(1 / Math.sqrt(hd)).maskedFill(mask, -Infinity).softmax(-1);
    const y = att.matmul(v).transpose(1, 2).reshape(bt, c);
    return this.proj.call(y);
  }
}

export class Block extends Module {
  ln1: LayerNorm;
  attn: CausalSelfAttention;
  ln2: LayerNorm;
  fc: Linear;
  act = new GELU();
  fcOut: Linear;
  constructor(dModel: number, nHead: number) {
    super();
    this.ln1 = new LayerNorm(dModel);
    this.attn = new CausalSelfAttention(dModel, nHead);
    this.ln2 = new LayerNorm(dModel);
    this.fc = new Linear(dModel, 4 * dModel);
    this.fcOut = new Linear(4 * dModel, dModel);
  }
  /** x: (B*T, C); position-wise layers see 2-D rows, so Linear is one matrix product. */
  override forward(x: Tensor, t: number): Tensor {
    x = x.add(this.attn.call(this.ln1.call(x), t));
    return x.add(this.fcOut.call(this.act.call(this.fc.call(this.ln2.call(x)))));
  }
}

export interface TransformerOptions {
  vocabSize?: number;
  blockSize?: number;
  dModel?: number;
  nHead?: number;
  nLayer?: number;
  dropout?: number;
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
  constructor(options: TransformerOptions = {}) {
    super();
    const { vocabSize = 65, blockSize = 64, dModel = 128, nHead = 4, nLayer = 4, dropout = 0 } = options;
    this.vocabSize = vocabSize;
    this.blockSize = blockSize;
    this.tokEmb = new Embedding(vocabSize, dModel);
    this.posEmb = new Embedding(blockSize, dModel);
    this.drop = new Dropout(dropout);
    this.blocks = new ModuleList(Array.from({ length: nLayer }, () => new Block(dModel, nHead)));
    this.lnF = new LayerNorm(dModel);
    this.head = new Linear(dModel, vocabSize);
  }
  override forward(ids: Tensor): Tensor {
    const [b, t] = ids.shape;
    if (ids.ndim !== 2) throw new RangeError(`expected token ids of shape (B, T), got [${ids.shape.join(', ')}]`);
    if (t > this.blockSize) throw new RangeError(`sequence length ${t} exceeds the block size ${this.blockSize}`);
    const pos = this.posEmb.weight.narrow(0, 0, t);
    // Rows are positions: (B*T, C) through the blocks, (B, T, vocab) out.
    let x = this.drop.call(this.tokEmb.call(ids).add(pos)).reshape(b * t, -1);
    for (const block of this.blocks) x = block.call(x, t);
    return this.head.call(this.lnF.call(x)).reshape(b, t, this.vocabSize);
  }
}
