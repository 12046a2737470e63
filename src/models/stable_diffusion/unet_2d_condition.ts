// diffusers' UNet2DConditionModel (models/unets/unet_2d_condition.py), the denoiser of Stable
// Diffusion 1.x and 2.x: conv_in, a sinusoidal time projection through time_embedding, down
// blocks that keep their skips, the cross-attention mid block, up blocks that consume the skips,
// then GroupNorm → SiLU → conv_out. Built from a checkpoint's unet/config.json with diffusers'
// keys, so its state dict is the checkpoint's. Paths SD does not take (class embeddings, added
// embeddings, other block types) are refused by name rather than ignored.

import { Module } from '../../nn/module.js';
import { Conv2d, GroupNorm, Linear, ModuleList } from '../../nn/index.js';
import { silu } from '../../nn/functional/index.js';
import { arange, full } from '../../ops/creation.js';
import { cat } from '../../ops/movement.js';
import type { Tensor } from '../../tensor/tensor.js';
import { DownBlock2D, UNetMidBlock2DCrossAttn, UpBlock2D, type BlockSettings } from './unet_blocks.js';

/** diffusers' get_timestep_embedding: half = dim/2, f_i = exp(-ln(10000)·i/(half - shift)), [sin, cos] (flipped: [cos, sin]). */
export function getTimestepEmbedding(timesteps: Tensor, dim: number, flipSinToCos: boolean, downscaleFreqShift: number, maxPeriod = 10000): Tensor {
  const half = Math.floor(dim / 2);
  // On the timesteps' device: a GPU run makes its frequencies there (the same values: arange is exact).
  const freqs = arange(half, { dtype: 'float32', device: timesteps.device }).mul(-Math.log(maxPeriod)).div(half - downscaleFreqShift).exp();
  const args = timesteps.float().unsqueeze(1).mul(freqs.unsqueeze(0));
  const [s, c] = [args.sin(), args.cos()];
  return flipSinToCos ? cat([c, s], 1) : cat([s, c], 1);
}

/** TimestepEmbedding: linear_1 → SiLU → linear_2. */
export class TimestepEmbedding extends Module {
  linear_1: Linear;
  linear_2: Linear;
  constructor(inChannels: number, dim: number) {
    super();
    this.linear_1 = new Linear(inChannels, dim);
    this.linear_2 = new Linear(dim, dim);
  }
  override forward(x: Tensor): Tensor {
    return this.linear_2.call(silu(this.linear_1.call(x)));
  }
}

/** The parts of unet/config.json this model reads (diffusers' snake_case keys; defaults are diffusers'). */
export interface UNet2DConditionConfig {
  sample_size: number | null;
  in_channels: number;
  out_channels: number;
  flip_sin_to_cos: boolean;
  freq_shift: number;
  down_block_types: string[];
  up_block_types: string[];
  block_out_channels: number[];
  layers_per_block: number | number[];
  norm_num_groups: number;
  norm_eps: number;
  cross_attention_dim: number | number[];
  transformer_layers_per_block: number | number[];
  /** diffusers' legacy name for the number of heads (used when num_attention_heads is null). */
  attention_head_dim: number | number[];
  num_attention_heads: number | number[] | null;
  use_linear_projection: boolean;
}

const DEFAULTS: UNet2DConditionConfig = {
  sample_size: null, in_channels: 4, out_channels: 4, flip_sin_to_cos: true, freq_shift: 0,
  down_block_types: ['CrossAttnDownBlock2D', 'CrossAttnDownBlock2D', 'CrossAttnDownBlock2D', 'DownBlock2D'],
  up_block_types: ['UpBlock2D', 'CrossAttnUpBlock2D', 'CrossAttnUpBlock2D', 'CrossAttnUpBlock2D'],
  block_out_channels: [320, 640, 1280, 1280], layers_per_block: 2, norm_num_groups: 32, norm_eps: 1e-5,
  cross_attention_dim: 1280, transformer_layers_per_block: 1, attention_head_dim: 8, num_attention_heads: null,
  use_linear_projection: false,
};

/** Settings SD checkpoints carry at these values; anything else needs a path this port does not have. */
const REQUIRED: Record<string, unknown> = {
  mid_block_type: 'UNetMidBlock2DCrossAttn', class_embed_type: null, addition_embed_type: null, time_cond_proj_dim: null,
  center_input_sample: false, only_cross_attention: false, dual_cross_attention: false, resnet_time_scale_shift: 'default',
  time_embedding_type: 'positional', conv_in_kernel: 3, conv_out_kernel: 3, act_fn: 'silu', encoder_hid_dim: null,
  num_class_embeds: null, downsample_padding: 1, mid_block_scale_factor: 1, resnet_out_scale_factor: 1,
  timestep_post_act: null, projection_class_embeddings_input_dim: null, reverse_transformer_layers_per_block: null,
  attention_type: 'default', class_embeddings_concat: false, mid_block_only_cross_input: null, cross_attention_norm: null,
  resnet_skip_time_act: false, time_embedding_act_fn: null, time_embedding_dim: null, encoder_hid_dim_type: null,
};

/** The config with diffusers' defaults filled in; refuses settings that change the computation in ways not ported. */
export function unetConfig(raw: Record<string, unknown>): UNet2DConditionConfig {
  for (const [key, want] of Object.entries(REQUIRED)) {
    const got = raw[key];
    const same = got === undefined || got === want || (Array.isArray(got) && got.every((v) => v === want));
    if (!same) throw new Error(`UNet2DConditionModel: config ${key} = ${JSON.stringify(got)} is not supported (Stable Diffusion uses ${JSON.stringify(want)})`);
  }
  const c = { ...DEFAULTS } as Record<string, unknown>;
  for (const key of Object.keys(DEFAULTS)) if (raw[key] !== undefined && raw[key] !== null) c[key] = raw[key];
  if (raw.num_attention_heads === null || raw.num_attention_heads === undefined) c.num_attention_heads = null;
  const config = c as unknown as UNet2DConditionConfig;
  const levels = config.block_out_channels.length;
  if (config.down_block_types.length !== levels || config.up_block_types.length !== levels) {
    throw new Error(`UNet2DConditionModel: ${levels} block_out_channels but ${config.down_block_types.length} down and ${config.up_block_types.length} up block types`);
  }
  for (const t of [...config.down_block_types, ...config.up_block_types]) {
    if (!['CrossAttnDownBlock2D', 'DownBlock2D', 'CrossAttnUpBlock2D', 'UpBlock2D'].includes(t)) {
      throw new Error(`UNet2DConditionModel: block type '${t}' is not supported (Stable Diffusion uses CrossAttnDownBlock2D, DownBlock2D, CrossAttnUpBlock2D, UpBlock2D)`);
    }
  }
  return config;
}

const perLevel = <T>(v: T | T[], n: number): T[] => (Array.isArray(v) ? [...v] : Array.from({ length: n }, () => v));

/** ε_θ(x_t, t, text): latents (B, 4, h, w), a timestep (a number or (B,) / (1,) tensor), text states (B, 77, D) → (B, 4, h, w). */
export class UNet2DConditionModel extends Module {
  readonly config: UNet2DConditionConfig;
  conv_in: Conv2d;
  time_embedding: TimestepEmbedding;
  down_blocks: ModuleList<DownBlock2D>;
  mid_block: UNetMidBlock2DCrossAttn;
  up_blocks: ModuleList<UpBlock2D>;
  conv_norm_out: GroupNorm;
  conv_out: Conv2d;

  constructor(config: Partial<UNet2DConditionConfig> & Record<string, unknown> = {}) {
    super();
    const c = unetConfig(config);
    this.config = c;
    const boc = c.block_out_channels;
    const n = boc.length;
    // attention_head_dim is really the head count in SD checkpoints (unet_2d_condition.py explains the legacy name).
    const heads = perLevel(c.num_attention_heads ?? c.attention_head_dim, n);
    const layers = perLevel(c.layers_per_block, n);
    const cross = perLevel(c.cross_attention_dim, n);
    const tlayers = perLevel(c.transformer_layers_per_block, n);
    const temb = boc[0] * 4;
    const settings = (i: number, rev = false): BlockSettings => {
      const j = rev ? n - 1 - i : i;
      return { tembChannels: temb, groups: c.norm_num_groups, eps: c.norm_eps, crossAttentionDim: cross[j], useLinearProjection: c.use_linear_projection, transformerLayers: tlayers[j] };
    };
    this.conv_in = new Conv2d(c.in_channels, boc[0], 3, { padding: 1 });
    this.time_embedding = new TimestepEmbedding(boc[0], temb);
    this.down_blocks = new ModuleList(
      c.down_block_types.map((type, i) => {
        const input = i === 0 ? boc[0] : boc[i - 1];
        return new DownBlock2D(input, boc[i], layers[i], settings(i), i !== n - 1, type === 'CrossAttnDownBlock2D' ? heads[i] : null);
      }),
    );
    this.mid_block = new UNetMidBlock2DCrossAttn(boc[n - 1], settings(n - 1), heads[n - 1]);
    const rev = [...boc].reverse();
    this.up_blocks = new ModuleList(
      c.up_block_types.map((type, i) => {
        const prev = i === 0 ? rev[0] : rev[i - 1];
        const input = rev[Math.min(i + 1, n - 1)];
        return new UpBlock2D(input, prev, rev[i], layers[n - 1 - i] + 1, settings(i, true), i !== n - 1, type === 'CrossAttnUpBlock2D' ? heads[n - 1 - i] : null);
      }),
    );
    this.conv_norm_out = new GroupNorm(c.norm_num_groups, boc[0], { eps: c.norm_eps });
    this.conv_out = new Conv2d(boc[0], c.out_channels, 3, { padding: 1 });
  }

  /** The time embedding every resnet reads (before its SiLU): time_embedding(time_proj(t)), one row per sample. */
  embed(timestep: number | Tensor, batch: number): Tensor {
    let t = typeof timestep === 'number' ? full([batch], timestep, { dtype: 'float32', device: this.conv_in.weight.device }) : timestep.float().reshape(-1);
    if (t.shape[0] !== batch) t = t.expand(batch);
    const proj = getTimestepEmbedding(t, this.config.block_out_channels[0], this.config.flip_sin_to_cos, this.config.freq_shift);
    return this.time_embedding.call(proj.to(this.conv_in.weight.dtype));
  }

  override forward(sample: Tensor, timestep: number | Tensor, encoderHiddenStates: Tensor): Tensor {
    const b = sample.shape[0];
    const emb = this.embed(timestep, b);
    // diffusers passes each upsampler the next skip's size only when the latent is not a multiple of 2^upsamplers.
    const factor = 2 ** (this.config.block_out_channels.length - 1);
    const forwardSize = sample.shape.slice(2).some((s) => s % factor !== 0);
    let h = this.conv_in.call(sample);
    const skips: Tensor[] = [h];
    for (const block of this.down_blocks) {
      const out = block.call(h, emb, encoderHiddenStates) as { hidden: Tensor; skips: Tensor[] };
      h = out.hidden;
      skips.push(...out.skips);
    }
    h = this.mid_block.call(h, emb, encoderHiddenStates);
    const ups = [...this.up_blocks];
    ups.forEach((block, i) => {
      const mine = skips.splice(skips.length - block.resnets.length, block.resnets.length);
      const size = forwardSize && i < ups.length - 1 ? skips[skips.length - 1].shape.slice(2) : null;
      h = block.call(h, mine, emb, encoderHiddenStates, size);
    });
    return this.conv_out.call(silu(this.conv_norm_out.call(h)));
  }
}

