// diffusers' Transformer2DModel (models/transformers/transformer_2d.py) for continuous inputs,
// its BasicTransformerBlock and GEGLU feed-forward (models/attention.py, activations.py): the
// blocks through which the UNet reads the text. GroupNorm (eps 1e-6, fixed in diffusers), proj_in,
// then per block x += attn1(LN x), x += attn2(LN x, text), x += ff(LN x), then proj_out and the
// residual. proj_in/proj_out are 1×1 convs (SD 1.x) or Linears (use_linear_projection: SD 2.x).

import { Module } from '../../nn/module.js';
import { Conv2d, Dropout, GroupNorm, LayerNorm, Linear, ModuleList } from '../../nn/index.js';
import { gelu } from '../../nn/functional/index.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Attention } from './attention.js';

/** GEGLU: proj to twice the width, value · gelu(gate), the value being the first half. */
export class GEGLU extends Module {
  proj: Linear;
  constructor(dimIn: number, dimOut: number) {
    super();
    this.proj = new Linear(dimIn, dimOut * 2);
  }
  override forward(x: Tensor): Tensor {
    const [h, gate] = this.proj.call(x).chunk(2, -1);
    return h.mul(gelu(gate));
  }
}

/** FeedForward(activation_fn="geglu", mult=4): net = [GEGLU, Dropout, Linear]. */
export class FeedForward extends Module {
  net: ModuleList;
  constructor(dim: number, mult = 4) {
    super();
    this.net = new ModuleList([new GEGLU(dim, dim * mult), new Dropout(0), new Linear(dim * mult, dim)]);
  }
  override forward(x: Tensor): Tensor {
    for (const m of this.net) x = m.call(x) as Tensor;
    return x;
  }
}

/** Self-attention, cross-attention to the text, feed-forward; each pre-LayerNorm and residual. */
export class BasicTransformerBlock extends Module {
  norm1: LayerNorm;
  attn1: Attention;
  norm2: LayerNorm;
  attn2: Attention;
  norm3: LayerNorm;
  ff: FeedForward;
  constructor(dim: number, heads: number, headDim: number, crossAttentionDim: number) {
    super();
    this.norm1 = new LayerNorm(dim, { eps: 1e-5 });
    this.attn1 = new Attention(dim, { heads, dimHead: headDim });
    this.norm2 = new LayerNorm(dim, { eps: 1e-5 });
    this.attn2 = new Attention(dim, { heads, dimHead: headDim, crossAttentionDim });
    this.norm3 = new LayerNorm(dim, { eps: 1e-5 });
    this.ff = new FeedForward(dim);
  }
  /** x (B, L, dim), context (B, S, crossAttentionDim). */
  override forward(x: Tensor, context: Tensor): Tensor {
    x = this.attn1.call(this.norm1.call(x)).add(x);
    x = this.attn2.call(this.norm2.call(x), context).add(x);
    return this.ff.call(this.norm3.call(x)).add(x);
  }
}

/** Settings of one Transformer2DModel inside the UNet. */
export interface Transformer2DOptions {
  heads: number;
  headDim: number;
  inChannels: number;
  crossAttentionDim: number;
  normNumGroups: number;
  useLinearProjection: boolean;
  /** transformer_layers_per_block (1 in SD 1.x / 2.x). */
  numLayers?: number;
}

/** Transformer2DModel over a feature map (B, C, H, W), conditioned on a context sequence. */
export class Transformer2DModel extends Module {
  norm: GroupNorm;
  proj_in: Conv2d | Linear;
  transformer_blocks: ModuleList<BasicTransformerBlock>;
  proj_out: Conv2d | Linear;
  readonly useLinearProjection: boolean;
  constructor(o: Transformer2DOptions) {
    super();
    const inner = o.heads * o.headDim;
    this.useLinearProjection = o.useLinearProjection;
    this.norm = new GroupNorm(o.normNumGroups, o.inChannels, { eps: 1e-6 });
    this.proj_in = o.useLinearProjection ? new Linear(o.inChannels, inner) : new Conv2d(o.inChannels, inner, 1);
    this.transformer_blocks = new ModuleList(
      Array.from({ length: o.numLayers ?? 1 }, () => new BasicTransformerBlock(inner, o.heads, o.headDim, o.crossAttentionDim)),
    );
    this.proj_out = o.useLinearProjection ? new Linear(inner, o.inChannels) : new Conv2d(inner, o.inChannels, 1);
  }

  override forward(x: Tensor, context: Tensor): Tensor {
    const [b, c, h, w] = x.shape;
    const residual = x;
    let y = this.norm.call(x);
    // (B, C, H, W) -> (B, H·W, C): the 1×1 conv goes before the reshape, the Linear after, as in diffusers.
    const toRows = (t: Tensor) => t.permute(0, 2, 3, 1).reshape(b, h * w, t.shape[1]);
    y = this.useLinearProjection ? this.proj_in.call(toRows(y)) : toRows(this.proj_in.call(y));
    for (const block of this.transformer_blocks) y = block.call(y, context);
    const toMap = (t: Tensor) => t.reshape(b, h, w, t.shape[2]).permute(0, 3, 1, 2).contiguous();
    y = this.useLinearProjection ? toMap(this.proj_out.call(y)) : this.proj_out.call(toMap(y));
    if (y.shape[1] !== c) throw new Error(`Transformer2DModel: proj_out gave ${y.shape[1]} channels, expected ${c}`);
    return y.add(residual);
  }
}
