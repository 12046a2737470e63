// The diffusion U-Net of experiment 6 (Ho et al. 2020, "Denoising Diffusion Probabilistic Models",
// appendix B, scaled down for MNIST): residual blocks of GroupNorm, SiLU and 3x3 convolutions that
// add a projection of the step's embedding, a sinusoidal timestep embedding through a two-layer
// MLP, self-attention at the lowest resolution, strided-convolution downsampling and
// nearest-neighbour upsampling, and the encoder's activations carried to the decoder by
// concatenation. It predicts the noise ε in x_t.
//
// Conditioning is either one vector added to the time embedding (diffusers' `class_embedding`): an
// Embedding of the class label with one extra row, the "no label" that classifier-free guidance
// trains with and samples against; or, with `crossAttentionDim` set, a sequence of text-encoder
// hidden states (`encoderHiddenStates`, B x L x crossAttentionDim) that cross-attention blocks read
// at every level below the top and in the middle: Stable Diffusion's CrossAttnDownBlock2D /
// UNetMidBlock2DCrossAttn layout at MNIST scale (one attention layer per block, no feed-forward);
// a text model may also add its pooled caption to the time embedding through a projection
// (diffusers' class_embed_type 'projection', as unCLIP and SDXL add CLIP's pooled text embedding).
// Names follow diffusers' UNet2DModel where there is one (convIn, timeEmbedding, classEmbedding,
// downBlocks, midBlock, upBlocks, convNormOut, convOut).

import { Module } from '../nn/module.js';
import { Conv2d, Embedding, GroupNorm, Linear, ModuleList, SiLU, Upsample } from '../nn/index.js';
import { scaledDotProductAttention } from '../nn/functional/index.js';
import { arange, full, zeros } from '../ops/creation.js';
import { cat } from '../ops/movement.js';
import type { Tensor } from '../tensor/tensor.js';

/** The U-Net's shape (diffusers' `UNet2DModel` config, camelCased); `defaultUNetConfig` is the ddpm experiment's. */
export interface UNetConfig {
  /** Height and width of the images (divisible by 2^(levels - 1)). */
  sampleSize: number;
  inChannels: number;
  outChannels: number;
  /** Channels at each resolution, from the input's down; the last level holds the attention. */
  blockOutChannels: number[];
  /** Groups of every GroupNorm (divides every channel count). */
  normNumGroups: number;
  /** Attention heads at the lowest resolution. */
  attentionHeads: number;
  /** Classes of the class embedding (its last row, index numClasses, is "no class"); 0: unconditional. */
  numClassEmbeds: number;
  /** Width of the text encoder's hidden states the cross-attention reads; 0: no cross-attention. */
  crossAttentionDim: number;
  /**
   * Width of a conditioning vector projected into the time embedding (diffusers' `class_embed_type:
   * 'projection'`, `projection_class_embeddings_input_dim`): a text model's pooled caption; 0: none.
   */
  projectionClassEmbeddingsInputDim: number;
}

/** The ddpm experiment's U-Net: 16x16 images, channels 16-32-32, attention at 4x4, 10 classes. */
export const defaultUNetConfig: UNetConfig = {
  sampleSize: 16,
  inChannels: 1,
  outChannels: 1,
  blockOutChannels: [16, 32, 32],
  normNumGroups: 8,
  attentionHeads: 4,
  numClassEmbeds: 10,
  crossAttentionDim: 0,
  projectionClassEmbeddingsInputDim: 0,
};

/**
 * DDPM's get_timestep_embedding: for timesteps t (B,) the (B, dim) vector
 * [sin(t·f_0), ..., sin(t·f_{h-1}), cos(t·f_0), ...] with f_i = 10000^(-i/(h-1)), h = dim/2.
 */
export function timestepEmbedding(timesteps: Tensor, dim: number): Tensor {
  const half = dim / 2;
  const freqs = arange(half, { device: timesteps.device }).mul(-Math.log(10000) / (half - 1)).exp();
  const args = timesteps.float().unsqueeze(1).mul(freqs.unsqueeze(0));
  return cat([args.sin(), args.cos()], 1);
}

/** GroupNorm, SiLU, 3x3 conv; + the embedding's projection; GroupNorm, SiLU, 3x3 conv; + skip. */
export class ResnetBlock2D extends Module {
  norm1: GroupNorm;
  conv1: Conv2d;
  timeEmbProj: Linear;
  norm2: GroupNorm;
  conv2: Conv2d;
  convShortcut: Conv2d | null;
  act = new SiLU();
  constructor(inChannels: number, outChannels: number, tembChannels: number, groups: number) {
    super();
    this.norm1 = new GroupNorm(groups, inChannels);
    this.conv1 = new Conv2d(inChannels, outChannels, 3, { padding: 1 });
    this.timeEmbProj = new Linear(tembChannels, outChannels);
    this.norm2 = new GroupNorm(groups, outChannels);
    this.conv2 = new Conv2d(outChannels, outChannels, 3, { padding: 1 });
    this.convShortcut = inChannels === outChannels ? null : new Conv2d(inChannels, outChannels, 1);
  }
  /** x (B, C, H, W), temb (B, D) already through SiLU. */
  override forward(x: Tensor, temb: Tensor): Tensor {
    let h = this.conv1.call(this.act.call(this.norm1.call(x)));
    const [b, c] = h.shape;
    h = h.add(this.timeEmbProj.call(temb).reshape(b, c, 1, 1));
    h = this.conv2.call(this.act.call(this.norm2.call(h)));
    return (this.convShortcut ? this.convShortcut.call(x) : x).add(h);
  }
}

/** Multi-head self-attention over the H*W positions of a feature map, with a residual connection. */
export class AttentionBlock extends Module {
  groupNorm: GroupNorm;
  toQkv: Linear;
  toOut: Linear;
  constructor(readonly channels: number, readonly heads: number, groups: number) {
    super();
    if (channels % heads !== 0) throw new RangeError(`AttentionBlock: channels ${channels} is not divisible by heads ${heads}`);
    this.groupNorm = new GroupNorm(groups, channels);
    this.toQkv = new Linear(channels, 3 * channels);
    this.toOut = new Linear(channels, channels);
  }
  override forward(x: Tensor): Tensor {
    const [b, c, h, w] = x.shape;
    const n = h * w;
    const hd = c / this.heads;
    // (B, C, H, W) -> (B, N, C) rows, one per position.
    const rows = this.groupNorm.call(x).reshape(b, c, n).transpose(1, 2);
    const [q, k, v] = this.toQkv.call(rows).split(c, 2).map((z) => z.reshape(b, n, this.heads, hd).transpose(1, 2));
    const y = scaledDotProductAttention(q, k, v).transpose(1, 2).reshape(b, n, c);
    return x.add(this.toOut.call(y).transpose(1, 2).reshape(b, c, h, w));
  }
}

/**
 * Attention from a feature map's positions (queries) to a context sequence (keys and values), with
 * a residual connection: diffusers' Transformer2DModel cut to its cross-attention (GroupNorm, then
 * to_q from the image, to_k / to_v from the text's hidden states, to_out).
 */
export class CrossAttentionBlock extends Module {
  groupNorm: GroupNorm;
  toQ: Linear;
  toK: Linear;
  toV: Linear;
  toOut: Linear;
  constructor(readonly channels: number, readonly contextDim: number, readonly heads: number, groups: number) {
    super();
    if (channels % heads !== 0) throw new RangeError(`CrossAttentionBlock: channels ${channels} is not divisible by heads ${heads}`);
    this.groupNorm = new GroupNorm(groups, channels);
    // No bias on q, k, v, as in Stable Diffusion's attention.
    this.toQ = new Linear(channels, channels, { bias: false });
    this.toK = new Linear(contextDim, channels, { bias: false });
    this.toV = new Linear(contextDim, channels, { bias: false });
    this.toOut = new Linear(channels, channels);
  }
  /** x (B, C, H, W), context (B, L, contextDim). */
  override forward(x: Tensor, context: Tensor): Tensor {
    const [b, c, h, w] = x.shape;
    const n = h * w;
    const l = context.shape[1];
    const hd = c / this.heads;
    const heads = (z: Tensor, len: number) => z.reshape(b, len, this.heads, hd).transpose(1, 2);
    const rows = this.groupNorm.call(x).reshape(b, c, n).transpose(1, 2);
    const y = scaledDotProductAttention(heads(this.toQ.call(rows), n), heads(this.toK.call(context), l), heads(this.toV.call(context), l));
    return x.add(this.toOut.call(y.transpose(1, 2).reshape(b, n, c)).transpose(1, 2).reshape(b, c, h, w));
  }
}

/** A stride-2 3x3 convolution (DDPM's Downsample with conv). */
export class Downsample2D extends Module {
  conv: Conv2d;
  constructor(inChannels: number, outChannels: number) {
    super();
    this.conv = new Conv2d(inChannels, outChannels, 3, { stride: 2, padding: 1 });
  }
  override forward(x: Tensor): Tensor {
    return this.conv.call(x);
  }
}

/** Nearest-neighbour x2, then a 3x3 convolution (DDPM's Upsample with conv). */
export class Upsample2D extends Module {
  upsample = new Upsample({ scaleFactor: 2, mode: 'nearest' });
  conv: Conv2d;
  constructor(inChannels: number, outChannels: number) {
    super();
    this.conv = new Conv2d(inChannels, outChannels, 3, { padding: 1 });
  }
  override forward(x: Tensor): Tensor {
    return this.conv.call(this.upsample.call(x));
  }
}

/** The encoder's level: a residual block, cross-attention to the text (if any), then (except at the lowest level) a downsampling. */
export class DownBlock extends Module {
  resnet: ResnetBlock2D;
  attention: CrossAttentionBlock | null;
  downsample: Downsample2D | null;
  constructor(inChannels: number, outChannels: number, tembChannels: number, groups: number, last: boolean, attention: CrossAttentionBlock | null = null) {
    super();
    this.resnet = new ResnetBlock2D(inChannels, outChannels, tembChannels, groups);
    this.attention = attention;
    this.downsample = last ? null : new Downsample2D(outChannels, outChannels);
  }
}

/** The decoder's level: a residual block over [x, skip], cross-attention to the text (if any), then (except at the top) an upsampling. */
export class UpBlock extends Module {
  resnet: ResnetBlock2D;
  attention: CrossAttentionBlock | null;
  upsample: Upsample2D | null;
  constructor(inChannels: number, skipChannels: number, outChannels: number, nextChannels: number, tembChannels: number, groups: number, top: boolean, attention: CrossAttentionBlock | null = null) {
    super();
    this.resnet = new ResnetBlock2D(inChannels + skipChannels, outChannels, tembChannels, groups);
    this.attention = attention;
    this.upsample = top ? null : new Upsample2D(outChannels, nextChannels);
  }
}

/** Residual block, self-attention (then cross-attention to the text, if any), residual block at the lowest resolution. */
export class MidBlock extends Module {
  resnet1: ResnetBlock2D;
  attention: AttentionBlock;
  crossAttention: CrossAttentionBlock | null;
  resnet2: ResnetBlock2D;
  constructor(channels: number, tembChannels: number, groups: number, heads: number, crossAttentionDim = 0) {
    super();
    this.resnet1 = new ResnetBlock2D(channels, channels, tembChannels, groups);
    this.attention = new AttentionBlock(channels, heads, groups);
    this.crossAttention = crossAttentionDim > 0 ? new CrossAttentionBlock(channels, crossAttentionDim, heads, groups) : null;
    this.resnet2 = new ResnetBlock2D(channels, channels, tembChannels, groups);
  }
}

/** What the U-Net is conditioned on besides the step: a class label, or a text encoder's hidden states. */
export interface UNetConditioning {
  /** (B,) int64 class labels in [0, numClassEmbeds]; numClassEmbeds (or none given) is "no class". */
  classLabels?: Tensor | null;
  /** (B, L, crossAttentionDim): the text encoder's output, read by every cross-attention block. */
  encoderHiddenStates?: Tensor | null;
  /** (B, projectionClassEmbeddingsInputDim): a vector projected into the time embedding (diffusers passes it as class_labels). */
  classEmbeds?: Tensor | null;
}

/** ε_θ(x_t, t, y): images (B, C, H, W), timesteps (B,), optional class labels -> predicted noise (B, C, H, W). */
export class UNet2DModel extends Module {
  readonly config: UNetConfig;
  convIn: Conv2d;
  timeEmbedding: ModuleList<Linear>;
  classEmbedding: Embedding | null;
  /** diffusers' class_embedding of class_embed_type 'projection' (its TimestepEmbedding: linear_1, SiLU, linear_2). */
  classProjection: ModuleList<Linear> | null;
  downBlocks: ModuleList<DownBlock>;
  midBlock: MidBlock;
  upBlocks: ModuleList<UpBlock>;
  convNormOut: GroupNorm;
  convOut: Conv2d;
  act = new SiLU();
  constructor(config: Partial<UNetConfig> = {}) {
    super();
    const c: UNetConfig = { ...defaultUNetConfig, ...config, blockOutChannels: [...(config.blockOutChannels ?? defaultUNetConfig.blockOutChannels)] };
    this.config = c;
    const ch = c.blockOutChannels;
    const levels = ch.length;
    const factor = 2 ** (levels - 1);
    if (c.sampleSize % factor !== 0) throw new RangeError(`UNet2DModel: sampleSize ${c.sampleSize} must be divisible by ${factor} (${levels} levels)`);
    for (const n of ch) if (n % c.normNumGroups !== 0) throw new RangeError(`UNet2DModel: channels ${n} not divisible by normNumGroups ${c.normNumGroups}`);
    const temb = 4 * ch[0];
    this.convIn = new Conv2d(c.inChannels, ch[0], 3, { padding: 1 });
    this.timeEmbedding = new ModuleList([new Linear(ch[0], temb), new Linear(temb, temb)]);
    this.classEmbedding = c.numClassEmbeds > 0 ? new Embedding(c.numClassEmbeds + 1, temb) : null;
    const projected = c.projectionClassEmbeddingsInputDim;
    this.classProjection = projected > 0 ? new ModuleList([new Linear(projected, temb), new Linear(temb, temb)]) : null;
    // Cross-attention below the top level, where positions are few (the top's 16x16 would cost the most and add the least).
    const crossAttention = (channels: number, level: number) =>
      c.crossAttentionDim > 0 && level > 0 ? new CrossAttentionBlock(channels, c.crossAttentionDim, c.attentionHeads, c.normNumGroups) : null;
    this.downBlocks = new ModuleList(ch.map((out, i) => new DownBlock(i === 0 ? ch[0] : ch[i - 1], out, temb, c.normNumGroups, i === levels - 1, crossAttention(out, i))));
    this.midBlock = new MidBlock(ch[levels - 1], temb, c.normNumGroups, c.attentionHeads, c.crossAttentionDim);
    // Level i of the decoder takes the features from below (ch[i], or the mid block's at the
    // bottom) and the encoder's level-i output (ch[i]); its upsampling hands ch[i-1] to the level above.
    this.upBlocks = new ModuleList(
      ch.map((_, j) => {
        const i = levels - 1 - j;
        return new UpBlock(ch[i], ch[i], ch[i], i > 0 ? ch[i - 1] : ch[0], temb, c.normNumGroups, i === 0, crossAttention(ch[i], i));
      }),
    );
    this.convNormOut = new GroupNorm(c.normNumGroups, ch[0]);
    this.convOut = new Conv2d(ch[0], c.outChannels, 3, { padding: 1 });
  }

  /** The settings in a model folder's config.json (diffusers' snake_case names). */
  toModelConfig(): Record<string, unknown> {
    const c = this.config;
    return {
      sample_size: c.sampleSize,
      in_channels: c.inChannels,
      out_channels: c.outChannels,
      block_out_channels: [...c.blockOutChannels],
      norm_num_groups: c.normNumGroups,
      attention_heads: c.attentionHeads,
      num_class_embeds: c.numClassEmbeds,
      cross_attention_dim: c.crossAttentionDim,
      projection_class_embeddings_input_dim: c.projectionClassEmbeddingsInputDim,
    };
  }

  /** The U-Net a model folder's config.json describes (its model_type must be 'ddpm-unet'). */
  static fromModelConfig(config: { model_type: string; [setting: string]: unknown }): UNet2DModel {
    if (config.model_type !== 'ddpm-unet') throw new Error(`expected a model_type of 'ddpm-unet', but got '${config.model_type}'`);
    return UNet2DModel.fromSettings(config);
  }

  /** The U-Net that toModelConfig's settings describe (folders saved before cross-attention or the projection have neither). */
  static fromSettings(config: Record<string, unknown>): UNet2DModel {
    const get = <T>(key: string) => config[key] as T;
    return new UNet2DModel({
      sampleSize: get<number>('sample_size'),
      inChannels: get<number>('in_channels'),
      outChannels: get<number>('out_channels'),
      blockOutChannels: get<number[]>('block_out_channels'),
      normNumGroups: get<number>('norm_num_groups'),
      attentionHeads: get<number>('attention_heads'),
      numClassEmbeds: get<number>('num_class_embeds'),
      crossAttentionDim: get<number | undefined>('cross_attention_dim') ?? 0,
      projectionClassEmbeddingsInputDim: get<number | undefined>('projection_class_embeddings_input_dim') ?? 0,
    });
  }

  /** The embedding every residual block reads: MLP(sinusoid(t)) + class embedding (or projected vector), through SiLU. */
  embed(timesteps: Tensor, batch: number, cond: UNetConditioning): Tensor {
    const [fc1, fc2] = this.timeEmbedding;
    // The sinusoids in the weights' dtype, so that a model moved to float64 runs in float64.
    const sinusoids = timestepEmbedding(timesteps, this.config.blockOutChannels[0]).to(fc1.weight.dtype);
    let emb = fc2.call(this.act.call(fc1.call(sinusoids)));
    if (this.classEmbedding) {
      const labels = cond.classLabels ?? full([batch], this.config.numClassEmbeds, { dtype: 'int64', device: timesteps.device });
      emb = emb.add(this.classEmbedding.call(labels));
    }
    if (this.classProjection) {
      if (!cond.classEmbeds) throw new Error(`UNet2DModel: a U-Net with projection_class_embeddings_input_dim ${this.config.projectionClassEmbeddingsInputDim} needs classEmbeds (a text model's pooled caption)`);
      const [p1, p2] = this.classProjection;
      emb = emb.add(p2.call(this.act.call(p1.call(cond.classEmbeds))));
    }
    return this.act.call(emb);
  }

  /** sample (B, C, H, W); timesteps (B,) (default 0, so a summary can run it on images alone). */
  override forward(sample: Tensor, timesteps?: Tensor | null, cond: UNetConditioning = {}): Tensor {
    const b = sample.shape[0];
    const context = cond.encoderHiddenStates ?? null;
    if (this.config.crossAttentionDim > 0 && !context) throw new Error('UNet2DModel: a cross-attention U-Net needs encoderHiddenStates (the text encoder\'s output)');
    const emb = this.embed(timesteps ?? zeros(b, { device: sample.device }), b, cond);
    const attend = (attention: CrossAttentionBlock | null, x: Tensor) => (attention ? attention.call(x, context as Tensor) : x);
    let h = this.convIn.call(sample);
    const skips: Tensor[] = [];
    for (const block of this.downBlocks) {
      h = attend(block.attention, block.resnet.call(h, emb));
      skips.push(h);
      if (block.downsample) h = block.downsample.call(h);
    }
    h = this.midBlock.resnet1.call(h, emb);
    h = this.midBlock.attention.call(h);
    h = attend(this.midBlock.crossAttention, h);
    h = this.midBlock.resnet2.call(h, emb);
    for (const block of this.upBlocks) {
      h = attend(block.attention, block.resnet.call(cat([h, skips.pop()!], 1), emb));
      if (block.upsample) h = block.upsample.call(h);
    }
    return this.convOut.call(this.act.call(this.convNormOut.call(h)));
  }
}
