// diffusers' ResnetBlock2D (models/resnet.py), Downsample2D (downsampling.py) and Upsample2D
// (upsampling.py) as Stable Diffusion's UNet and VAE decoder build them: GroupNorm → SiLU → 3×3
// conv, plus the time embedding's projection in the UNet, GroupNorm → SiLU → 3×3 conv, plus the
// input (through a 1×1 conv_shortcut where the channel count changes). Names are diffusers'.

import { Module } from '../../nn/module.js';
import { Conv2d, GroupNorm, Linear } from '../../nn/index.js';
import { interpolate, silu } from '../../nn/functional/index.js';
import { pad } from '../../ops/movement.js';
import type { Tensor } from '../../tensor/tensor.js';

/** ResnetBlock2D (time_embedding_norm "default", output_scale_factor 1); temb null: the VAE's blocks, no time_emb_proj. */
export class ResnetBlock2D extends Module {
  norm1: GroupNorm;
  conv1: Conv2d;
  time_emb_proj: Linear | null;
  norm2: GroupNorm;
  conv2: Conv2d;
  conv_shortcut: Conv2d | null;
  constructor(inChannels: number, outChannels: number, tembChannels: number | null, groups: number, eps: number) {
    super();
    this.norm1 = new GroupNorm(groups, inChannels, { eps });
    this.conv1 = new Conv2d(inChannels, outChannels, 3, { padding: 1 });
    this.time_emb_proj = tembChannels === null ? null : new Linear(tembChannels, outChannels);
    this.norm2 = new GroupNorm(groups, outChannels, { eps });
    this.conv2 = new Conv2d(outChannels, outChannels, 3, { padding: 1 });
    this.conv_shortcut = inChannels === outChannels ? null : new Conv2d(inChannels, outChannels, 1);
  }

  /** x (B, C, H, W); temb (B, T), the time embedding before its SiLU (each block applies its own). */
  override forward(x: Tensor, temb: Tensor | null = null): Tensor {
    let h = this.conv1.call(silu(this.norm1.call(x)));
    if (this.time_emb_proj && temb) {
      const t = this.time_emb_proj.call(silu(temb));
      h = h.add(t.reshape(t.shape[0], t.shape[1], 1, 1));
    }
    h = this.conv2.call(silu(this.norm2.call(h)));
    return (this.conv_shortcut ? this.conv_shortcut.call(x) : x).add(h);
  }
}

/** A stride-2 3×3 conv; padding 0 (the VAE encoder's) pads right and bottom by one first. */
export class Downsample2D extends Module {
  conv: Conv2d;
  constructor(channels: number, readonly padding = 1) {
    super();
    this.conv = new Conv2d(channels, channels, 3, { stride: 2, padding });
  }
  override forward(x: Tensor): Tensor {
    return this.conv.call(this.padding === 0 ? pad(x, [0, 1, 0, 1]) : x);
  }
}

/** Nearest-neighbour ×2 (or to `size`, the skip's, when the latent is not a multiple of the up factor), then a 3×3 conv. */
export class Upsample2D extends Module {
  conv: Conv2d;
  constructor(channels: number) {
    super();
    this.conv = new Conv2d(channels, channels, 3, { padding: 1 });
  }
  override forward(x: Tensor, size: readonly number[] | null = null): Tensor {
    const up = size ? interpolate(x, { size: [size[0], size[1]], mode: 'nearest' }) : interpolate(x, { scaleFactor: 2, mode: 'nearest' });
    return this.conv.call(up);
  }
}
