// The decoding half of diffusers' AutoencoderKL (models/autoencoders/{autoencoder_kl,vae}.py):
// latents → post_quant_conv → decoder (conv_in, a mid block of resnet, single-head attention,
// resnet, up blocks of resnets and nearest ×2 upsamplers, GroupNorm → SiLU → conv_out) → image
// in [-1, 1]. Every GroupNorm here has eps 1e-6 (fixed in vae.py). Text-to-image never encodes,
// so the encoder is not built; its weights (encoder.*, quant_conv.*) are set aside on load.

import { Module } from '../../nn/module.js';
import { Conv2d, GroupNorm, ModuleList } from '../../nn/index.js';
import { silu } from '../../nn/functional/index.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Attention } from './attention.js';
import { ResnetBlock2D, Upsample2D } from './resnet.js';

const EPS = 1e-6;

/** The parts of vae/config.json the decoder reads. */
export interface AutoencoderKLConfig {
  out_channels: number;
  latent_channels: number;
  block_out_channels: number[];
  layers_per_block: number;
  norm_num_groups: number;
  scaling_factor: number;
  shift_factor: number | null;
  use_post_quant_conv: boolean;
  mid_block_add_attention: boolean;
  sample_size: number | null;
}

const DEFAULTS: AutoencoderKLConfig = {
  out_channels: 3, latent_channels: 4, block_out_channels: [64], layers_per_block: 1, norm_num_groups: 32,
  scaling_factor: 0.18215, shift_factor: null, use_post_quant_conv: true, mid_block_add_attention: true, sample_size: 32,
};

/** The config with diffusers' defaults; refuses block types and activations the decoder does not port. */
export function vaeConfig(raw: Record<string, unknown>): AutoencoderKLConfig {
  const ups = raw.up_block_types as string[] | undefined;
  if (ups && ups.some((t) => t !== 'UpDecoderBlock2D')) throw new Error(`AutoencoderKL: up block types ${JSON.stringify(ups)} are not supported (expected UpDecoderBlock2D)`);
  if (raw.act_fn !== undefined && raw.act_fn !== 'silu') throw new Error(`AutoencoderKL: act_fn '${String(raw.act_fn)}' is not supported (expected silu)`);
  const c = { ...DEFAULTS } as Record<string, unknown>;
  for (const key of Object.keys(DEFAULTS)) if (raw[key] !== undefined && raw[key] !== null) c[key] = raw[key];
  if (raw.shift_factor === null) c.shift_factor = null;
  return c as unknown as AutoencoderKLConfig;
}

/** UNetMidBlock2D without time embedding: resnet, single-head attention over H×W (GroupNorm, bias, residual), resnet. */
export class UNetMidBlock2D extends Module {
  attentions: ModuleList<Attention> | null;
  resnets: ModuleList<ResnetBlock2D>;
  constructor(channels: number, groups: number, addAttention: boolean) {
    super();
    this.attentions = addAttention
      ? new ModuleList([new Attention(channels, { heads: 1, dimHead: channels, bias: true, normNumGroups: groups, eps: EPS, residualConnection: true })])
      : null;
    this.resnets = new ModuleList([0, 1].map(() => new ResnetBlock2D(channels, channels, null, groups, EPS)));
  }
  override forward(x: Tensor): Tensor {
    x = this.resnets.at(0).call(x);
    if (this.attentions) x = this.attentions.at(0).call(x);
    return this.resnets.at(1).call(x);
  }
}

/** UpDecoderBlock2D: resnets (no time embedding), then a nearest ×2 upsampler except at the top. */
export class UpDecoderBlock2D extends Module {
  resnets: ModuleList<ResnetBlock2D>;
  upsamplers: ModuleList<Upsample2D> | null;
  constructor(inChannels: number, outChannels: number, layers: number, groups: number, addUpsample: boolean) {
    super();
    this.resnets = new ModuleList(Array.from({ length: layers }, (_, i) => new ResnetBlock2D(i === 0 ? inChannels : outChannels, outChannels, null, groups, EPS)));
    this.upsamplers = addUpsample ? new ModuleList([new Upsample2D(outChannels)]) : null;
  }
  override forward(x: Tensor): Tensor {
    for (const r of this.resnets) x = r.call(x);
    return this.upsamplers ? this.upsamplers.at(0).call(x) : x;
  }
}

/** vae.py's Decoder. */
export class Decoder extends Module {
  conv_in: Conv2d;
  mid_block: UNetMidBlock2D;
  up_blocks: ModuleList<UpDecoderBlock2D>;
  conv_norm_out: GroupNorm;
  conv_out: Conv2d;
  constructor(c: AutoencoderKLConfig) {
    super();
    const boc = c.block_out_channels;
    const n = boc.length;
    const rev = [...boc].reverse();
    this.conv_in = new Conv2d(c.latent_channels, rev[0], 3, { padding: 1 });
    this.mid_block = new UNetMidBlock2D(rev[0], c.norm_num_groups, c.mid_block_add_attention);
    this.up_blocks = new ModuleList(rev.map((out, i) => new UpDecoderBlock2D(i === 0 ? rev[0] : rev[i - 1], out, c.layers_per_block + 1, c.norm_num_groups, i !== n - 1)));
    this.conv_norm_out = new GroupNorm(c.norm_num_groups, boc[0], { eps: EPS });
    this.conv_out = new Conv2d(boc[0], c.out_channels, 3, { padding: 1 });
  }
  override forward(z: Tensor): Tensor {
    let h = this.mid_block.call(this.conv_in.call(z));
    for (const block of this.up_blocks) h = block.call(h);
    return this.conv_out.call(silu(this.conv_norm_out.call(h)));
  }
}

/** The weights of a VAE file the decoder does not use (the encoder half). */
export const isEncoderKey = (key: string): boolean => key.startsWith('encoder.') || key.startsWith('quant_conv.');

/** AutoencoderKL for decoding: `decode(latents)` gives images in about [-1, 1]; scaling_factor is the pipeline's to apply. */
export class AutoencoderKL extends Module {
  readonly config: AutoencoderKLConfig;
  post_quant_conv: Conv2d | null;
  decoder: Decoder;
  constructor(config: Partial<AutoencoderKLConfig> & Record<string, unknown> = {}) {
    super();
    this.config = vaeConfig(config);
    const lc = this.config.latent_channels;
    this.post_quant_conv = this.config.use_post_quant_conv ? new Conv2d(lc, lc, 1) : null;
    this.decoder = new Decoder(this.config);
  }
  /** The factor between latent and image sides: 2^(levels - 1) (8 for SD). */
  get scaleFactor(): number {
    return 2 ** (this.config.block_out_channels.length - 1);
  }
  decode(z: Tensor): Tensor {
    return this.decoder.call(this.post_quant_conv ? this.post_quant_conv.call(z) : z);
  }
  override forward(z: Tensor): Tensor {
    return this.decode(z);
  }
}
